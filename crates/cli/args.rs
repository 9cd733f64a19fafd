//! The command tree: the subcommands and the help line of each. Each command's own flags are
//! declared in its module, next to the code that reads them; what a flag shared by several
//! commands means (`--taxonomy`) is here.

use std::path::Path;

use clap::{Parser, Subcommand};
use him_schema::Taxonomy;

use crate::{analytics, check, crawl, eval, index, jobs, search, serve, usage, Failure};

#[derive(Debug, Parser)]
#[command(
    name = "himsearch",
    version,
    about = "Full-text search for Health Information Management resources"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Index a corpus directory (incremental; --rebuild starts over).
    Index(index::IndexArgs),
    /// Search an index from the command line.
    Search(search::SearchArgs),
    /// Serve the search API on HTTP (builds the index from the corpus first if there is none).
    Serve(serve::ServeArgs),
    /// Measure ranking quality against relevance judgments (nDCG, MRR, P@10, R@100, MAP).
    Eval(eval::EvalArgs),
    /// Verify an index: schema version, file checksums, every segment readable.
    Check(check::CheckArgs),
    /// Crawl a live site (robots.txt, sitemaps, links) into an index.
    Crawl(crawl::CrawlArgs),
    /// Report what readers searched for, found nothing for, and opened (what serve records).
    Analytics(analytics::AnalyticsArgs),
    /// Extract one PDF's text from stdin to stdout under a memory and time budget (what
    /// indexing runs for every PDF).
    #[command(hide = true)]
    ExtractPdf,
    /// Run the server's re-index once and print its JSON summary (what `serve` runs for
    /// POST /admin/reindex and --recrawl-every).
    #[command(hide = true)]
    AdminJob(jobs::AdminJobArgs),
}

/// The taxonomy a `--taxonomy FILE` flag names (a file that does not load is the user's to
/// fix: exit 2), or the built-in one.
pub(crate) fn load_taxonomy(path: Option<&Path>) -> Result<Taxonomy, Failure> {
    match path {
        Some(path) => Taxonomy::load(path).map_err(usage),
        None => Ok(Taxonomy::builtin()?),
    }
}
