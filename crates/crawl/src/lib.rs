//! Crawls a live site for himsearch: robots.txt (rules, `Crawl-delay`, `Sitemap:`), sitemaps
//! (indexes, gzip), links within the start URLs' origins, redirects, conditional re-crawls.
//! Pages go to [`him_indexer::index_fetched`]: the same parsing, boilerplate removal, facets
//! and duplicate detection as a directory walk, committed once, atomically.
//!
//! This crate owns HTTP and async; the indexer stays free of both.
#![deny(missing_docs)]

mod crawler;
mod fetch;
mod options;
mod report;
mod robots;
mod sitemap;
mod state;

use std::sync::Arc;

use him_indexer::IndexOptions;

pub use options::{CrawlOptions, SavedCrawl, DEFAULT_USER_AGENT};
pub use report::{CrawlReport, Failure, FailureKind, Redirect};
pub use robots::{Robots, MAX_ROBOTS_BYTES, MAX_ROBOTS_RULES};
pub use state::{CrawlState, PageState, STATE_FILE};

/// Errors that stop a crawl (single pages failing never do: they go in the report).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A start URL, pattern or setting is not usable.
    #[error("{0}")]
    InvalidOption(String),
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// The async runtime could not start.
    #[error("cannot start the crawler: {0}")]
    Runtime(#[from] std::io::Error),
    /// Writing the index failed; the previous index is untouched.
    #[error(transparent)]
    Index(#[from] him_indexer::Error),
    /// The crawl state file could not be written.
    #[error("cannot save the crawl state: {0}")]
    State(String),
    /// No file could be made to hold fetched pages until they are indexed.
    #[error("cannot create a spool file for fetched pages: {0}")]
    Spool(std::io::Error),
}

/// Result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Counts shown while crawling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrawlStats {
    /// Pages answered (200 or 304).
    pub fetched: usize,
    /// URLs waiting.
    pub queued: usize,
    /// Failures so far.
    pub errors: usize,
}

/// Receives progress while crawling (the CLI draws a bar with it).
pub trait CrawlProgress: Send + Sync {
    /// After each URL.
    fn update(&self, _stats: &CrawlStats) {}
    /// Fetching is over (indexing follows).
    fn finish(&self) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCrawlProgress;

impl CrawlProgress for NoCrawlProgress {}

/// Crawls `options.start` and commits what it found into `index.index`, then saves the
/// crawl state beside it. Blocking: runs its own async runtime.
pub fn crawl(
    options: CrawlOptions,
    index: &IndexOptions,
    progress: Arc<dyn CrawlProgress>,
) -> Result<CrawlReport> {
    let previous = if options.rebuild {
        CrawlState::default()
    } else {
        CrawlState::load(&index.index)
    };
    let client = fetch::client(&options).map_err(|err| Error::Client(err.to_string()))?;
    let spool = spool_file(&index.index).map_err(Error::Spool)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut index_options = index.clone();
    index_options.rebuild = options.rebuild;
    let outcome = runtime.block_on(async move {
        let mut crawler = crawler::Crawler::new(options, client, previous, progress, spool);
        crawler.prepare().await;
        Arc::new(crawler).run().await
    });
    let crawler::Outcome {
        mut report,
        site,
        state,
    } = outcome;
    report.index = him_indexer::index_fetched(&index_options, site, &him_indexer::NoProgress)?;
    state.save(&index_options.index)?;
    Ok(report)
}

/// The file fetched pages wait in until the commit: an unnamed temporary file in the index
/// directory (on the disk the index is written to, where a RAM-backed /tmp would put the
/// pages back in memory), else in the system's temporary directory. It vanishes when closed.
fn spool_file(index_dir: &std::path::Path) -> std::io::Result<std::fs::File> {
    std::fs::create_dir_all(index_dir)
        .and_then(|()| tempfile::tempfile_in(index_dir))
        .or_else(|_| tempfile::tempfile())
}
