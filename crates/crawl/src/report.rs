//! The end-of-crawl report: what was fetched, what failed and why, the redirects followed,
//! and the indexer's own summary of the commit.

use std::collections::BTreeMap;

use him_indexer::Summary;
use serde::Serialize;

/// Why a URL was not indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// robots.txt disallows it.
    RobotsDisallowed,
    /// No answer within the time limit (after retries).
    Timeout,
    /// Could not connect or the connection broke (after retries).
    Network,
    /// The body is over the size limit.
    TooLarge,
    /// An HTTP error status (after retries for 5xx).
    HttpStatus,
    /// A format that is not indexed (images, archives...).
    UnsupportedType,
    /// Redirects that come back to a URL already in the chain.
    RedirectLoop,
    /// More redirects than allowed.
    TooManyRedirects,
    /// A redirect to another host or scheme.
    OffSiteRedirect,
    /// `X-Robots-Tag: noindex`.
    Noindex,
    /// The body could not be kept for indexing (the spool file's disk is full).
    Spool,
    /// A sitemap that could not be read.
    BadSitemap,
}

/// One URL that was not indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Normalized URL.
    pub url: String,
    /// Category.
    pub kind: FailureKind,
    /// Human-readable reason.
    pub message: String,
}

/// A redirect followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    /// Normalized URL asked for.
    pub from: String,
    /// Normalized `Location`.
    pub to: String,
    /// Status code (301, 302, 303, 307, 308).
    pub status: u16,
}

/// Counts, failures and the index summary of one crawl.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CrawlReport {
    /// Pages fetched with a body (200).
    pub fetched: usize,
    /// Pages answered 304 Not Modified.
    pub not_modified: usize,
    /// URLs that failed (see `failures`).
    pub failed: usize,
    /// Failure counts per kind.
    pub failures_by_kind: BTreeMap<String, usize>,
    /// Every failure, in the order met.
    pub failures: Vec<Failure>,
    /// Redirects followed.
    pub redirects: Vec<Redirect>,
    /// Budgets the site made us hit without stopping the crawl (a robots.txt over its size
    /// or rule limit), one line each, naming the limit.
    pub warnings: Vec<String>,
    /// Whether the crawl reached every page in scope (no `--max-pages` cut).
    pub complete: bool,
    /// Wall time of fetching.
    pub crawl_ms: u64,
    /// The indexer's summary of the commit.
    pub index: Summary,
}

impl CrawlReport {
    /// Records a limit hit, in the report and in the log (which is where a scheduled
    /// re-crawl's report goes).
    pub(crate) fn warn(&mut self, message: String) {
        tracing::warn!("{message}");
        self.warnings.push(message);
    }

    pub(crate) fn fail(&mut self, url: &str, kind: FailureKind, message: impl Into<String>) {
        self.failed += 1;
        let name = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *self.failures_by_kind.entry(name).or_default() += 1;
        self.failures.push(Failure {
            url: url.to_string(),
            kind,
            message: message.into(),
        });
    }
}
