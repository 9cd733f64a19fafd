//! `make-pdfs`: writes `corpus/resources/NAME.pdf` from `crates/corpus-tools/pdf-src/NAME.txt`.
//! Run from the repository root: `cargo run -p him-corpus-tools --bin make-pdfs`.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("pdf-src");
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/resources");
    let entries = match std::fs::read_dir(&sources) {
        Ok(entries) => entries,
        Err(err) => {
            eprintln!("error: cannot read {}: {err}", sources.display());
            return ExitCode::FAILURE;
        }
    };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for source in paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
    {
        let Some(stem) = source.file_stem() else {
            continue;
        };
        let output = target.join(stem).with_extension("pdf");
        let written = std::fs::read_to_string(&source)
            .map(|text| him_corpus_tools::render_pdf(&text))
            .and_then(|pdf| std::fs::write(&output, pdf));
        match written {
            Ok(()) => println!("wrote {}", output.display()),
            Err(err) => {
                eprintln!("error: {}: {err}", source.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
