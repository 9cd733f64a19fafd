//! `himsearch check`: verifies an index and says whether it is whole (exit 1 when damaged).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::output::{ignore_broken_pipe, print_json};
use crate::Failure;

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Index directory.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run_check(args: CheckArgs) -> Result<(), Failure> {
    let report = him_query::check_index(&args.index)?;
    if args.json {
        print_json(|out| serde_json::to_writer(out, &report))?;
    } else if report.is_ok() {
        let written = writeln!(
            std::io::stdout().lock(),
            "ok: {} documents in {} segments at {}",
            report.documents,
            report.segments,
            args.index.display()
        );
        ignore_broken_pipe(written)?;
    }
    if report.is_ok() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "index at {} is damaged: {} (rebuild it with `himsearch index --rebuild`)",
            args.index.display(),
            report.damaged_files.join(", ")
        )
        .into())
    }
}
