//! The `himsearch` command line: parses arguments, calls the indexer and query libraries, and
//! maps their errors to exit codes (0 success, 2 bad usage or bad query, 1 anything else).
//! No indexing or search logic lives here. This file dispatches; each command is a module of
//! its own, with its arguments next to the code that reads them.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

mod analytics;
mod args;
mod check;
mod crawl;
mod eval;
mod index;
mod jobs;
mod output;
mod search;
mod serve;

use args::{Cli, Command};

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure {
            code: 1,
            error: error.into(),
        }
    }
}

/// A failure the user can fix by changing the command or its input (exit code 2).
fn usage(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 2,
        error: error.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server logs one line per request; the batch commands only what went wrong.
    let default_level = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HIMSEARCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for people; log files and journald get plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = match cli.command {
        Command::Index(args) => index::run_index(args),
        Command::Search(args) => search::run_search(args),
        Command::Serve(args) => serve::run_serve(args),
        Command::Eval(args) => eval::run_eval(args),
        Command::Check(args) => check::run_check(args),
        Command::Crawl(args) => crawl::run_crawl(args),
        Command::Analytics(args) => analytics::run_analytics(args),
        Command::ExtractPdf => jobs::run_extract_pdf(),
        Command::AdminJob(args) => jobs::run_admin_job(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}
