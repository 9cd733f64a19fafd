//! Settings of an indexing run.

use std::path::PathBuf;

use him_schema::Taxonomy;

use crate::PdfExtractor;
use url::Url;

/// Default largest file indexed: bigger ones are skipped with a warning.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 20 * 1024 * 1024;

/// tantivy's writer needs at least 15 MB per thread; 64 MB keeps segments large enough to
/// avoid merge storms while bounding memory whatever the corpus size.
const WRITER_MEMORY_PER_THREAD: usize = 64 * 1024 * 1024;

/// How to index.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Index directory (created when missing).
    pub index: PathBuf,
    /// Public base URL: document URLs are joined to it, and links to it are internal.
    pub base_url: Option<Url>,
    /// Start from an empty index instead of updating.
    pub rebuild: bool,
    /// Files larger than this are skipped.
    pub max_file_size: u64,
    /// Extra content-root selectors (used when a page has no `data-him-body`).
    pub include_selectors: Vec<String>,
    /// Extra boilerplate selectors.
    pub exclude_selectors: Vec<String>,
    /// Taxonomy for facet extraction.
    pub taxonomy: Taxonomy,
    /// Parser threads; 0 means one per core.
    pub threads: usize,
    /// Where PDFs are extracted: set [`PdfExtractor::ChildProcess`] for PDFs you do not trust.
    pub pdf_extractor: PdfExtractor,
    /// Whether each page's meaning is embedded, for the search to rerank long queries by.
    pub meanings: Meanings,
}

/// Whether an index holds each page's meaning (`him-semantic`: one pass of a small language
/// model over the page's opening, about 70 ms of CPU a page), which lets searches of four
/// words or more reorder their first results by meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Meanings {
    /// A new index (a first build or `--rebuild`) gets them when it has at most
    /// [`AUTO_MEANINGS_DOCUMENTS`] documents; an existing index keeps what it was built with.
    #[default]
    Auto,
    /// Always (a whole build of a large site then takes minutes more).
    On,
    /// Never.
    Off,
}

/// The largest input whose new index gets meanings under [`Meanings::Auto`]: embedding adds
/// under a minute on two cores at this size, where a site of 10,000 pages would take ten
/// times its indexing time.
pub const AUTO_MEANINGS_DOCUMENTS: u64 = 2_000;

impl IndexOptions {
    /// Options for the index at `index`, with defaults and the built-in taxonomy. What is
    /// indexed is the indexing function's argument (a corpus directory, a JSONL file, fetched
    /// pages).
    pub fn new(index: impl Into<PathBuf>) -> Result<IndexOptions, him_schema::Error> {
        Ok(IndexOptions {
            index: index.into(),
            base_url: None,
            rebuild: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            include_selectors: Vec::new(),
            exclude_selectors: Vec::new(),
            taxonomy: Taxonomy::builtin()?,
            threads: 0,
            pdf_extractor: PdfExtractor::default(),
            meanings: Meanings::Auto,
        })
    }

    pub(crate) fn thread_count(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        }
    }

    /// Writer threads and total memory budget.
    pub(crate) fn writer_budget(&self) -> (usize, usize) {
        let threads = self.thread_count().clamp(1, 4);
        (threads, threads * WRITER_MEMORY_PER_THREAD)
    }
}

/// Receives progress while indexing (the CLI draws a bar with it).
pub trait Progress: Sync {
    /// Called once with the number of files found.
    fn start(&self, _total: u64) {}
    /// Called after each file.
    fn advance(&self, _path: &str) {}
    /// Called when the run is done.
    fn finish(&self) {}
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}
