//! Work that parses untrusted files, run in child processes of this same binary so that no
//! file can kill the process that asked for it:
//! - every PDF is extracted by `himsearch extract-pdf` (hidden), which limits its own memory
//!   and CPU time (`him_indexer::pdf_child_main`);
//! - `serve`'s re-index (`POST /admin/reindex`, `--recrawl-every`) runs `himsearch admin-job`
//!   (hidden): whatever happens to that process, the server goes on serving the last commit
//!   and reports the failure in `GET /admin/status`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use him_indexer::{index_corpus, IndexOptions, PdfExtractor};

use crate::args::load_taxonomy;
use crate::{usage, Failure};

/// Arguments of the hidden `admin-job` command: what `serve` was started with.
#[derive(Debug, Args)]
pub(crate) struct AdminJobArgs {
    /// Corpus directory (indexed when the index was not crawled).
    #[arg(long)]
    corpus: PathBuf,
    /// Index directory.
    #[arg(long)]
    index: PathBuf,
    /// Taxonomy TOML file replacing the built-in one.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
}

/// Index options with the taxonomy loaded and PDFs extracted in child processes.
pub(crate) fn index_options(
    index: &Path,
    taxonomy: Option<&Path>,
) -> Result<IndexOptions, Failure> {
    let mut options = IndexOptions::new(index)?;
    options.taxonomy = load_taxonomy(taxonomy)?;
    options.pdf_extractor = PdfExtractor::ChildProcess {
        program: this_program()?,
        args: vec!["extract-pdf".into()],
    };
    Ok(options)
}

fn this_program() -> Result<PathBuf, Failure> {
    std::env::current_exe()
        .map_err(|err| Failure::from(anyhow::anyhow!("cannot find this program's path: {err}")))
}

/// `himsearch extract-pdf`: never returns.
pub(crate) fn run_extract_pdf() -> ! {
    let code = him_indexer::pdf_child_main();
    std::process::exit(code)
}

/// `himsearch admin-job`: the last crawl again when the index was crawled, otherwise an
/// incremental index of the corpus; prints the JSON summary. Either commits atomically.
pub(crate) fn run_admin_job(args: AdminJobArgs) -> Result<(), Failure> {
    let options = index_options(&args.index, args.taxonomy.as_deref())?;
    let summary = match him_crawl::CrawlState::load(&options.index).crawl {
        Some(saved) => {
            let crawl = him_crawl::CrawlOptions::from_saved(&saved).map_err(usage)?;
            let report = him_crawl::crawl(crawl, &options, Arc::new(him_crawl::NoCrawlProgress))?;
            serde_json::to_value(report)?
        }
        None => serde_json::to_value(index_corpus(
            &options,
            &args.corpus,
            &him_indexer::NoProgress,
        )?)?,
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{summary}")?;
    Ok(())
}

/// What the server's admin job runs: `himsearch admin-job` in a child process.
pub(crate) fn reindex_job(
    corpus: &Path,
    index: &Path,
    taxonomy: Option<&Path>,
) -> Result<him_query::http::AdminJob, Failure> {
    let program = this_program()?;
    let mut args: Vec<std::ffi::OsString> = vec![
        "admin-job".into(),
        "--corpus".into(),
        corpus.into(),
        "--index".into(),
        index.into(),
    ];
    if let Some(taxonomy) = taxonomy {
        args.extend(["--taxonomy".into(), taxonomy.into()]);
    }
    Ok(him_query::http::AdminJob(Arc::new(move || {
        let output = Command::new(&program)
            .args(&args)
            .env("HIMSEARCH_LOG", "error")
            .output()
            .map_err(|err| format!("cannot start the re-index process: {err}"))?;
        job_outcome(&output)
    })))
}

/// The summary a successful child printed, or why it failed.
fn job_outcome(output: &Output) -> Result<serde_json::Value, String> {
    if output.status.success() {
        return serde_json::from_slice(&output.stdout)
            .map_err(|err| format!("the re-index process printed no summary: {err}"));
    }
    let said = String::from_utf8_lossy(&output.stderr);
    let last_line = said.lines().rev().find(|l| !l.trim().is_empty());
    let how = match output.status.code() {
        Some(code) => format!("exited with status {code}"),
        None => describe_signal(&output.status),
    };
    Err(match last_line {
        Some(line) => format!("the re-index process {how}: {line}; the index is unchanged"),
        None => format!("the re-index process {how}; the index is unchanged"),
    })
}

#[cfg(unix)]
fn describe_signal(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(signal) => format!("was killed by signal {signal}"),
        None => format!("ended: {status}"),
    }
}

#[cfg(not(unix))]
fn describe_signal(status: &std::process::ExitStatus) -> String {
    format!("ended: {status}")
}

/// Runs the server's admin job (which repeats the last crawl) every `every`, on a thread of
/// its own; outcomes land in `GET /admin/status` like those of `POST /admin/reindex`.
pub(crate) fn schedule_recrawl(state: him_query::http::AppState, every: Duration) {
    std::thread::spawn(move || loop {
        std::thread::sleep(every);
        let started = Instant::now();
        if state.run_admin_job() {
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                "scheduled re-crawl finished (outcome in /admin/status)"
            );
        } else {
            tracing::warn!("scheduled re-crawl skipped: a re-index is running");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_killed_job_is_reported_and_a_failed_one_says_why() {
        let run = |script: &str| {
            let output = Command::new("sh").args(["-c", script]).output().unwrap();
            job_outcome(&output)
        };
        assert_eq!(
            run("kill -ABRT $$").unwrap_err(),
            "the re-index process was killed by signal 6; the index is unchanged"
        );
        assert_eq!(
            run("echo 'error: disk full' >&2; exit 1").unwrap_err(),
            "the re-index process exited with status 1: error: disk full; the index is unchanged"
        );
        assert_eq!(
            run("echo '{\"indexed\": 3}'").unwrap(),
            serde_json::json!({"indexed": 3})
        );
    }
}
