//! `gen-site PAGES OUT [SEED]`: writes a deterministic HIM-like site for benchmarks.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(pages), Some(out)) = (args.first().and_then(|p| p.parse().ok()), args.get(1)) else {
        eprintln!("usage: gen-site PAGES OUT [SEED]");
        return ExitCode::from(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    match him_bench::generate_site(out.as_ref(), pages, seed) {
        Ok(bytes) => {
            println!("{pages} pages, {bytes} bytes in {out}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
