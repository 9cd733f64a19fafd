//! Settings of a crawl, and the subset saved with the index so `serve --recrawl-every` can
//! repeat it.

use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Error, Result};

/// How to crawl.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Where to start; their origins (scheme, host, port) are the crawl's scope.
    pub start: Vec<Url>,
    /// Pages fetched at most (robots.txt and sitemaps not counted).
    pub max_pages: usize,
    /// Link hops from a start URL (sitemap entries count as starts).
    pub max_depth: usize,
    /// Requests in flight at once, per host.
    pub concurrency: usize,
    /// Pause between requests to one host; robots.txt `Crawl-delay` raises it.
    pub delay: Duration,
    /// Only URLs matching one of these (when any) are fetched; start URLs always are.
    pub include: Vec<Regex>,
    /// URLs matching any of these are not fetched.
    pub exclude: Vec<Regex>,
    /// `User-Agent` header, and the name robots.txt groups are matched against.
    pub user_agent: String,
    /// Largest response body read.
    pub max_bytes: u64,
    /// Limit of one request, connect to last byte.
    pub timeout: Duration,
    /// Limit of connecting.
    pub connect_timeout: Duration,
    /// Retries after a 5xx or a timeout (4xx are never retried).
    pub retries: u32,
    /// First pause before a retry; doubled each time.
    pub retry_backoff: Duration,
    /// Redirects followed for one URL.
    pub max_redirects: usize,
    /// Forget validators and the index's crawled pages: fetch and index everything anew.
    pub rebuild: bool,
}

/// Default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "himsearch/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/himsearch)"
);

impl CrawlOptions {
    /// Defaults for crawling from `start`.
    pub fn new(start: Vec<Url>) -> CrawlOptions {
        CrawlOptions {
            start,
            max_pages: 10_000,
            max_depth: 20,
            concurrency: 4,
            delay: Duration::from_millis(100),
            include: Vec::new(),
            exclude: Vec::new(),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            max_bytes: 20 * 1024 * 1024,
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            retries: 2,
            retry_backoff: Duration::from_millis(500),
            max_redirects: 10,
            rebuild: false,
        }
    }

    /// Parses start URLs (http or https only) and include/exclude patterns.
    pub fn parse(start: &[String], include: &[String], exclude: &[String]) -> Result<CrawlOptions> {
        if start.is_empty() {
            return Err(Error::InvalidOption(
                "give at least one URL to crawl".into(),
            ));
        }
        let mut urls = Vec::new();
        for text in start {
            let url = Url::parse(text)
                .map_err(|err| Error::InvalidOption(format!("{text:?} is not a URL: {err}")))?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(Error::InvalidOption(format!(
                    "{text:?}: only http and https URLs can be crawled"
                )));
            }
            urls.push(url);
        }
        let regexes = |patterns: &[String], flag: &str| -> Result<Vec<Regex>> {
            patterns
                .iter()
                .map(|p| {
                    regex::RegexBuilder::new(p)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|err| Error::InvalidOption(format!("--{flag} {p:?}: {err}")))
                })
                .collect()
        };
        let mut options = CrawlOptions::new(urls);
        options.include = regexes(include, "include")?;
        options.exclude = regexes(exclude, "exclude")?;
        Ok(options)
    }

    /// The part worth saving with the index.
    pub fn saved(&self) -> SavedCrawl {
        SavedCrawl {
            start: self.start.iter().map(Url::to_string).collect(),
            max_pages: self.max_pages,
            max_depth: self.max_depth,
            concurrency: self.concurrency,
            delay_ms: self.delay.as_millis() as u64,
            include: self
                .include
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            exclude: self
                .exclude
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            user_agent: self.user_agent.clone(),
        }
    }

    /// Options from a saved crawl (for a scheduled re-crawl).
    pub fn from_saved(saved: &SavedCrawl) -> Result<CrawlOptions> {
        let mut options = CrawlOptions::parse(&saved.start, &saved.include, &saved.exclude)?;
        options.max_pages = saved.max_pages;
        options.max_depth = saved.max_depth;
        options.concurrency = saved.concurrency;
        options.delay = Duration::from_millis(saved.delay_ms);
        options.user_agent = saved.user_agent.clone();
        Ok(options)
    }
}

/// The settings of the last crawl, kept in the crawl state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedCrawl {
    /// Start URLs.
    pub start: Vec<String>,
    /// `--max-pages`.
    pub max_pages: usize,
    /// `--max-depth`.
    pub max_depth: usize,
    /// `--concurrency`.
    pub concurrency: usize,
    /// `--delay-ms`.
    pub delay_ms: u64,
    /// `--include` patterns.
    pub include: Vec<String>,
    /// `--exclude` patterns.
    pub exclude: Vec<String>,
    /// `--user-agent`.
    pub user_agent: String,
}
