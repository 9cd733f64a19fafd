//! The frontier and its workers: robots.txt and sitemaps first, then breadth-first over links
//! in scope, each URL fetched once (by its normalized spelling), redirects followed hop by hop,
//! per-host politeness (delay between requests, at most `concurrency` in flight).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use him_indexer::{html_links, normalize_url, FetchedKind, FetchedSite};
use reqwest::Client;
use url::Url;

use crate::fetch::{fetch, origin, Answer, Limit, Politeness};
use crate::report::{CrawlReport, FailureKind, Redirect};
use crate::robots::{Robots, MAX_ROBOTS_BYTES, MAX_ROBOTS_RULES};
use crate::sitemap;
use crate::state::{CrawlState, PageState};
use crate::{CrawlOptions, CrawlProgress, CrawlStats};

/// Sitemap documents read at most per crawl (indexes can nest).
const MAX_SITEMAPS: usize = 100;

/// Everything a crawl produced.
pub(crate) struct Outcome {
    pub(crate) report: CrawlReport,
    pub(crate) site: FetchedSite,
    pub(crate) state: CrawlState,
}

struct Frontier {
    queue: VecDeque<(Url, usize)>,
    seen: HashSet<String>,
    in_flight: usize,
    started: usize,
    truncated: bool,
    report: CrawlReport,
    site: FetchedSite,
    state: CrawlState,
}

pub(crate) struct Crawler {
    options: CrawlOptions,
    client: Client,
    previous: CrawlState,
    origins: Vec<String>,
    robots: HashMap<String, Robots>,
    frontier: Mutex<Frontier>,
    politeness: Politeness,
    progress: Arc<dyn CrawlProgress>,
}

/// The normalized spelling of URLs of `origin` starts with this (default ports are omitted).
fn url_prefix(url: &Url) -> String {
    let mut root = url.clone();
    root.set_path("/");
    root.set_query(None);
    root.set_fragment(None);
    root.to_string()
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

impl Crawler {
    /// A crawler whose page bodies go to the file `spool` (see [`FetchedSite::new`]).
    pub(crate) fn new(
        options: CrawlOptions,
        client: Client,
        previous: CrawlState,
        progress: Arc<dyn CrawlProgress>,
        spool: std::fs::File,
    ) -> Crawler {
        let mut origins: Vec<String> = options.start.iter().map(origin).collect();
        origins.dedup();
        let mut scope: Vec<String> = options.start.iter().map(url_prefix).collect();
        scope.sort();
        scope.dedup();
        let options_delay = options.delay;
        let state = CrawlState {
            crawl: Some(options.saved()),
            pages: Default::default(),
        };
        let mut site = FetchedSite::new(spool);
        site.scope = scope;
        Crawler {
            frontier: Mutex::new(Frontier {
                queue: VecDeque::new(),
                seen: HashSet::new(),
                in_flight: 0,
                started: 0,
                truncated: false,
                report: CrawlReport::default(),
                site,
                state,
            }),
            options,
            client,
            previous,
            origins,
            robots: HashMap::new(),
            politeness: Politeness::new(options_delay),
            progress,
        }
    }

    fn frontier(&self) -> MutexGuard<'_, Frontier> {
        // A worker that panicked mid-update leaves counts that are still usable.
        self.frontier.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn in_scope(&self, url: &Url) -> bool {
        self.origins.contains(&origin(url))
    }

    fn allowed_by_robots(&self, url: &Url) -> bool {
        self.robots
            .get(&origin(url))
            .is_none_or(|robots| robots.allowed(&path_and_query(url)))
    }

    /// Reads robots.txt of every origin in scope, then the sitemaps, and seeds the queue.
    pub(crate) async fn prepare(&mut self) {
        for key in self.origins.clone() {
            let Ok(base) = Url::parse(&key) else { continue };
            let Ok(robots_url) = base.join("/robots.txt") else {
                continue;
            };
            // One byte over the limit tells the parser that the file goes on past it.
            let limit = Limit::Cut(MAX_ROBOTS_BYTES as u64 + 1);
            let robots = match fetch(
                &self.client,
                &self.options,
                &self.politeness,
                &robots_url,
                None,
                |_| true,
                limit,
            )
            .await
            {
                Answer::Body { bytes, .. } => {
                    let text = String::from_utf8_lossy(&bytes);
                    let robots = Robots::parse(&text, &self.options.user_agent);
                    self.warn_about_limits(&robots, &robots_url);
                    robots
                }
                Answer::Status(status) if (400..500).contains(&status) => Robots::allow_all(),
                Answer::Redirect { .. } | Answer::NotModified | Answer::Unsupported(_) => {
                    Robots::allow_all()
                }
                Answer::Status(status) => {
                    self.frontier().report.fail(
                        robots_url.as_str(),
                        FailureKind::HttpStatus,
                        format!("robots.txt answered HTTP {status}: nothing fetched from {key}"),
                    );
                    Robots::unavailable()
                }
                Answer::Failed(kind, message) => {
                    self.frontier().report.fail(
                        robots_url.as_str(),
                        kind,
                        format!("robots.txt: {message}: nothing fetched from {key}"),
                    );
                    Robots::unavailable()
                }
            };
            // robots.txt itself went out before its Crawl-delay was known: honour it from here.
            if let Some(delay) = robots.crawl_delay {
                self.politeness.set_delay(&key, delay);
            }
            self.robots.insert(key, robots);
        }
        for start in self.options.start.clone() {
            self.enqueue(&start, 0, true);
        }
        self.read_sitemaps().await;
    }

    /// One warning per robots.txt budget it made us hit.
    fn warn_about_limits(&self, robots: &Robots, url: &Url) {
        let mut frontier = self.frontier();
        if robots.truncated {
            frontier.report.warn(format!(
                "{url}: over the {MAX_ROBOTS_BYTES}-byte robots.txt limit; the rest was ignored"
            ));
        }
        if robots.ignored_rules > 0 {
            frontier.report.warn(format!(
                "{url}: over the {MAX_ROBOTS_RULES}-rule robots.txt limit; {} more rules were \
                 ignored",
                robots.ignored_rules
            ));
        }
    }

    async fn read_sitemaps(&self) {
        let mut pending: VecDeque<(Url, bool)> = VecDeque::new();
        for key in &self.origins {
            let Ok(base) = Url::parse(key) else { continue };
            let listed = self
                .robots
                .get(key)
                .map(|r| r.sitemaps.clone())
                .unwrap_or_default();
            for text in listed {
                if let Ok(url) = base.join(&text) {
                    pending.push_back((url, true));
                }
            }
            if let Ok(default) = base.join("/sitemap.xml") {
                pending.push_back((default, false));
            }
        }
        let mut read: HashSet<String> = HashSet::new();
        while let Some((url, listed)) = pending.pop_front() {
            if read.len() >= MAX_SITEMAPS || !read.insert(normalize_url(&url)) {
                continue;
            }
            if !self.in_scope(&url) || !self.allowed_by_robots(&url) {
                continue;
            }
            let bad = |message: String| {
                // Only sitemaps someone named are worth a failure; /sitemap.xml is a guess.
                if listed {
                    self.frontier().report.fail(
                        &normalize_url(&url),
                        FailureKind::BadSitemap,
                        message,
                    );
                }
            };
            match fetch(
                &self.client,
                &self.options,
                &self.politeness,
                &url,
                None,
                |_| true,
                Limit::Refuse(self.options.max_bytes),
            )
            .await
            {
                Answer::Body { bytes, .. } => {
                    match sitemap::parse(&bytes, self.options.max_bytes) {
                        Ok(found) => {
                            for page in found.pages {
                                if let Ok(page) = url.join(&page) {
                                    self.enqueue(&page, 0, false);
                                }
                            }
                            for child in found.sitemaps {
                                if let Ok(child) = url.join(&child) {
                                    pending.push_back((child, true));
                                }
                            }
                        }
                        Err(message) => bad(message),
                    }
                }
                Answer::Status(status) => bad(format!("HTTP {status}")),
                Answer::Failed(_, message) => bad(message),
                _ => bad("not a sitemap".to_string()),
            }
        }
    }

    /// Queues `url` at `depth` unless seen, out of scope, filtered or disallowed.
    fn enqueue(&self, url: &Url, depth: usize, is_start: bool) {
        if !matches!(url.scheme(), "http" | "https") || !self.in_scope(url) {
            return;
        }
        let key = normalize_url(url);
        if !is_start {
            if depth > self.options.max_depth {
                return;
            }
            if !self.options.include.is_empty()
                && !self.options.include.iter().any(|r| r.is_match(&key))
            {
                return;
            }
            if self.options.exclude.iter().any(|r| r.is_match(&key)) {
                return;
            }
        }
        let mut frontier = self.frontier();
        if !frontier.seen.insert(key.clone()) {
            return;
        }
        if !self.allowed_by_robots(url) {
            frontier.report.fail(
                &key,
                FailureKind::RobotsDisallowed,
                "robots.txt disallows it",
            );
            frontier.site.excluded.push(key);
            return;
        }
        let mut url = url.clone();
        url.set_fragment(None);
        frontier.queue.push_back((url, depth));
    }

    /// Runs `workers` until the queue is empty and nothing is in flight.
    pub(crate) async fn run(self: Arc<Self>) -> Outcome {
        let started = Instant::now();
        let workers = self.options.concurrency.max(1);
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..workers {
            let crawler = Arc::clone(&self);
            tasks.spawn(async move { crawler.work().await });
        }
        while tasks.join_next().await.is_some() {}
        self.progress.finish();
        let Frontier {
            mut report,
            mut site,
            state,
            truncated,
            ..
        } = self.into_frontier();
        report.crawl_ms = started.elapsed().as_millis() as u64;
        report.complete = !truncated;
        site.complete = report.complete;
        Outcome {
            report,
            site,
            state,
        }
    }

    /// The frontier, once every worker is done.
    fn into_frontier(self: Arc<Self>) -> Frontier {
        // Joined tasks have dropped their clones, so this is the last handle.
        let crawler = Arc::into_inner(self).expect("workers hold no crawler after joining");
        // A worker that panicked mid-update leaves counts that are still usable.
        crawler
            .frontier
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
    }

    async fn work(&self) {
        loop {
            let job = {
                let mut frontier = self.frontier();
                if frontier.started >= self.options.max_pages && !frontier.queue.is_empty() {
                    frontier.truncated = true;
                    frontier.queue.clear();
                }
                match frontier.queue.pop_front() {
                    Some(job) => {
                        frontier.started += 1;
                        frontier.in_flight += 1;
                        Some(job)
                    }
                    None if frontier.in_flight == 0 => return,
                    None => None,
                }
            };
            match job {
                Some((url, depth)) => {
                    self.visit(url, depth).await;
                    let stats = {
                        let mut frontier = self.frontier();
                        frontier.in_flight -= 1;
                        CrawlStats {
                            fetched: frontier.report.fetched + frontier.report.not_modified,
                            queued: frontier.queue.len(),
                            errors: frontier.report.failed,
                        }
                    };
                    self.progress.update(&stats);
                }
                None => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            }
        }
    }

    /// Fetches one URL, following redirects hop by hop, and records what came of it.
    async fn visit(&self, start: Url, depth: usize) {
        let start_key = normalize_url(&start);
        let mut current = start;
        let mut key = start_key.clone();
        let mut chain = vec![key.clone()];
        let mut hops = 0;
        loop {
            let validators = if self.options.rebuild {
                None
            } else {
                self.previous.pages.get(&key)
            };
            let answer = fetch(
                &self.client,
                &self.options,
                &self.politeness,
                &current,
                validators,
                |ct| FetchedKind::from_content_type(ct).is_some(),
                Limit::Refuse(self.options.max_bytes),
            )
            .await;
            match answer {
                Answer::Redirect { status, location } => {
                    let to = normalize_url(&location);
                    let mut frontier = self.frontier();
                    frontier.report.redirects.push(Redirect {
                        from: key.clone(),
                        to: to.clone(),
                        status,
                    });
                    if chain.contains(&to) {
                        let message = format!("redirects loop: {} -> {to}", chain.join(" -> "));
                        frontier
                            .report
                            .fail(&start_key, FailureKind::RedirectLoop, message);
                        return;
                    }
                    if !self.in_scope(&location) {
                        frontier.report.fail(
                            &start_key,
                            FailureKind::OffSiteRedirect,
                            format!("redirects to {to}, outside the crawl"),
                        );
                        frontier.site.excluded.push(start_key);
                        return;
                    }
                    hops += 1;
                    if hops > self.options.max_redirects {
                        frontier.report.fail(
                            &start_key,
                            FailureKind::TooManyRedirects,
                            format!("more than {} redirects", self.options.max_redirects),
                        );
                        return;
                    }
                    if !self.allowed_by_robots(&location) {
                        if frontier.seen.insert(to.clone()) {
                            frontier.report.fail(
                                &to,
                                FailureKind::RobotsDisallowed,
                                "robots.txt disallows it",
                            );
                        }
                        return;
                    }
                    if !frontier.seen.insert(to.clone()) {
                        // The target is fetched on its own account.
                        return;
                    }
                    drop(frontier);
                    chain.push(to.clone());
                    key = to;
                    current = location;
                }
                Answer::NotModified => {
                    let links = self
                        .previous
                        .pages
                        .get(&key)
                        .map(|p| p.links.clone())
                        .unwrap_or_default();
                    {
                        let mut frontier = self.frontier();
                        frontier.report.not_modified += 1;
                        frontier.site.unchanged.push(key.clone());
                        if let Some(previous) = self.previous.pages.get(&key) {
                            frontier.state.pages.insert(key.clone(), previous.clone());
                        }
                    }
                    for link in links {
                        if let Ok(link) = Url::parse(&link) {
                            self.enqueue(&link, depth + 1, false);
                        }
                    }
                    return;
                }
                Answer::Body {
                    content_type,
                    bytes,
                    etag,
                    last_modified,
                    robots_tag,
                } => {
                    self.take_body(
                        &current,
                        &key,
                        depth,
                        &content_type,
                        bytes,
                        PageState {
                            etag,
                            last_modified,
                            links: Vec::new(),
                        },
                        robots_tag.as_deref(),
                    );
                    return;
                }
                Answer::Status(status) => {
                    let mut frontier = self.frontier();
                    frontier
                        .report
                        .fail(&key, FailureKind::HttpStatus, format!("HTTP {status}"));
                    if status == 404 || status == 410 {
                        frontier.site.gone.push(key);
                    } else {
                        frontier.site.keep.push(key);
                    }
                    return;
                }
                Answer::Unsupported(content_type) => {
                    let mut frontier = self.frontier();
                    frontier.report.fail(
                        &key,
                        FailureKind::UnsupportedType,
                        format!("{content_type} is not indexed"),
                    );
                    frontier.site.excluded.push(key);
                    return;
                }
                Answer::Failed(kind, message) => {
                    let mut frontier = self.frontier();
                    frontier.report.fail(&key, kind, message);
                    // A transient failure keeps what the index has.
                    if kind != FailureKind::TooLarge {
                        frontier.site.keep.push(key);
                    } else {
                        frontier.site.excluded.push(key);
                    }
                    return;
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn take_body(
        &self,
        url: &Url,
        key: &str,
        depth: usize,
        content_type: &str,
        bytes: Vec<u8>,
        mut page_state: PageState,
        robots_tag: Option<&str>,
    ) {
        let directives = robots_tag.unwrap_or("").to_ascii_lowercase();
        let header_noindex = directives.contains("noindex") || directives.contains("none");
        let header_nofollow = directives.contains("nofollow") || directives.contains("none");
        let Some(kind) = FetchedKind::from_content_type(content_type) else {
            return;
        };
        let mut discovered = Vec::new();
        if kind == FetchedKind::Html {
            let found = html_links(&bytes);
            if !found.nofollow && !header_nofollow {
                for href in &found.links {
                    if let Ok(target) = url.join(href.trim()) {
                        if self.in_scope(&target) {
                            discovered.push(target);
                        }
                    }
                }
            }
            if let Some(canonical) = found.canonical.as_deref().and_then(|c| url.join(c).ok()) {
                discovered.push(canonical);
            }
        }
        page_state.links = discovered.iter().map(normalize_url).collect();
        page_state.links.dedup();
        {
            let mut frontier = self.frontier();
            frontier.report.fetched += 1;
            frontier.state.pages.insert(key.to_string(), page_state);
            if header_noindex {
                frontier.report.fail(
                    key,
                    FailureKind::Noindex,
                    "not indexed: X-Robots-Tag says noindex",
                );
                frontier.site.excluded.push(key.to_string());
            } else if let Err(err) = frontier.site.add_page(key.to_string(), kind, &bytes) {
                // Without validators the next crawl fetches it again instead of trusting a 304.
                frontier.state.pages.remove(key);
                frontier.report.fail(
                    key,
                    FailureKind::Spool,
                    format!("cannot keep the page for indexing: {err}"),
                );
                frontier.site.keep.push(key.to_string());
            }
        }
        for target in discovered {
            self.enqueue(&target, depth + 1, false);
        }
    }
}
