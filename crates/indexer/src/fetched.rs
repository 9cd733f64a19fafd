//! Indexing pages fetched over HTTP (by `him-crawl`): the same decoding, extraction, facets,
//! duplicate detection and single atomic commit as a corpus walk, with normalized URLs as
//! document ids. This module does no network I/O: the crawler hands it bytes.
//!
//! A crawl's bodies wait for the commit in a spool file the crawler provides, not in memory:
//! only each page's URL, kind, place in the file and hash are held, and pages are read back
//! and parsed a few at a time, so memory stays about (parser threads x one page) however
//! many pages a site has.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;

use url::Url;
use xxhash_rust::xxh3::xxh3_64;

use crate::decode::decode_html;
use crate::extract::Extracted;
use crate::html::HtmlRules;
use crate::links::{normalize_url, LinkResolver, WalkedFiles};
use crate::pipeline::{body_owners, parse_bytes, Context, Links, Parsed, Ready, SourceKind};
use crate::run::{Run, Source};
use crate::{IndexOptions, ProblemKind, Progress, Result, Summary};

/// Formats the crawler can index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchedKind {
    /// `text/html`, `application/xhtml+xml`.
    Html,
    /// `application/pdf`.
    Pdf,
    /// `text/plain`.
    Text,
    /// `text/markdown`.
    Markdown,
}

impl FetchedKind {
    /// The kind of a `Content-Type` header value, or `None` for formats not indexed.
    pub fn from_content_type(content_type: &str) -> Option<FetchedKind> {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "text/html" | "application/xhtml+xml" => Some(FetchedKind::Html),
            "application/pdf" => Some(FetchedKind::Pdf),
            "text/plain" => Some(FetchedKind::Text),
            "text/markdown" | "text/x-markdown" => Some(FetchedKind::Markdown),
            _ => None,
        }
    }

    fn source_kind(self) -> SourceKind {
        match self {
            FetchedKind::Html => SourceKind::Html,
            FetchedKind::Pdf => SourceKind::Pdf,
            FetchedKind::Text => SourceKind::Text,
            FetchedKind::Markdown => SourceKind::Markdown,
        }
    }
}

/// One page as fetched; its body is in the site's spool file.
#[derive(Debug, Clone)]
pub struct FetchedPage {
    /// Normalized URL after redirects: the document's id.
    pub url: String,
    /// Its format.
    pub kind: FetchedKind,
    /// Length of the body.
    pub len: u64,
    /// Where the body starts in the spool file.
    offset: u64,
    /// xxh3 of the body: an unchanged page is known without reading it back.
    content_hash: u64,
}

/// Everything one crawl found, to be committed at once.
#[derive(Debug)]
pub struct FetchedSite {
    /// Pages fetched with a body, in the order they came.
    pages: Vec<FetchedPage>,
    /// Their bodies, one after the other.
    spool: Spool,
    /// Normalized URLs answered 304 Not Modified: kept as indexed.
    pub unchanged: Vec<String>,
    /// Normalized URLs that are gone (404/410): removed from the index, and links to them
    /// are reported as broken.
    pub gone: Vec<String>,
    /// Normalized URLs no longer to be indexed (robots.txt now disallows them, `X-Robots-Tag:
    /// noindex`, a format not indexed): removed from the index.
    pub excluded: Vec<String>,
    /// Normalized URLs that failed for now (5xx, timeouts): whatever the index has is kept.
    pub keep: Vec<String>,
    /// URL prefixes (`scheme://host:port/`) the crawl covers; documents outside them are
    /// never touched.
    pub scope: Vec<String>,
    /// The crawl reached every page it could (no page limit hit): indexed URLs in scope that
    /// it did not see are removed as well.
    pub complete: bool,
}

impl FetchedSite {
    /// An empty site whose page bodies go to `spool`: an empty file open for reading and
    /// writing that nothing else uses (`tempfile::tempfile_in`, on disk rather than a RAM
    /// file system, is the intended kind). It is read back by [`index_fetched`].
    pub fn new(spool: File) -> FetchedSite {
        FetchedSite {
            pages: Vec::new(),
            spool: Spool {
                file: Mutex::new(spool),
                end: 0,
            },
            unchanged: Vec::new(),
            gone: Vec::new(),
            excluded: Vec::new(),
            keep: Vec::new(),
            scope: Vec::new(),
            complete: false,
        }
    }

    /// Adds a page: its body is appended to the spool file, only its URL, kind, length and
    /// place stay in memory. On an error (a full disk) the page is not added.
    pub fn add_page(
        &mut self,
        url: String,
        kind: FetchedKind,
        bytes: &[u8],
    ) -> std::io::Result<()> {
        let offset = self.spool.append(bytes)?;
        self.pages.push(FetchedPage {
            url,
            kind,
            len: bytes.len() as u64,
            offset,
            content_hash: xxh3_64(bytes),
        });
        Ok(())
    }

    /// Pages added so far.
    pub fn pages(&self) -> &[FetchedPage] {
        &self.pages
    }
}

/// The spool file: bodies appended at `end`, read back by offset from the parser threads.
#[derive(Debug)]
struct Spool {
    /// Reads seek, so parser threads take turns; a read is short next to parsing the page.
    file: Mutex<File>,
    end: u64,
}

impl Spool {
    /// Appends `bytes`; returns where they start.
    fn append(&mut self, bytes: &[u8]) -> std::io::Result<u64> {
        let file = self.file.get_mut().unwrap_or_else(|e| e.into_inner());
        file.seek(SeekFrom::Start(self.end))?;
        file.write_all(bytes)?;
        let offset = self.end;
        self.end += bytes.len() as u64;
        Ok(offset)
    }

    fn read(&self, page: &FetchedPage) -> std::io::Result<Vec<u8>> {
        let len = usize::try_from(page.len).map_err(std::io::Error::other)?;
        let mut bytes = vec![0; len];
        // A parser thread that panicked mid-read leaves a file that is still usable: every
        // read seeks first.
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.seek(SeekFrom::Start(page.offset))?;
        file.read_exact(&mut bytes)?;
        Ok(bytes)
    }
}

/// What the crawler needs from an HTML page to go on: where it links and what it asks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlLinks {
    /// `href`s as written (not resolved), without `rel="nofollow"` ones; empty under a
    /// `nofollow` robots meta.
    pub links: Vec<String>,
    /// `<link rel="canonical">` as written.
    pub canonical: Option<String>,
    /// `<meta name="robots" content="noindex">`.
    pub noindex: bool,
    /// `<meta name="robots" content="nofollow">`.
    pub nofollow: bool,
}

/// Reads links and robots directives of an HTML page with the indexer's own parser, so the
/// crawler and the index agree on what a page says.
pub fn html_links(bytes: &[u8]) -> HtmlLinks {
    let Ok(rules) = HtmlRules::new(&[], &[]) else {
        return HtmlLinks::default();
    };
    let decoded = decode_html(bytes);
    let Ok(page) = rules.extract(&decoded.text) else {
        return HtmlLinks::default();
    };
    HtmlLinks {
        links: page.links,
        canonical: page.canonical,
        noindex: page.noindex,
        nofollow: page.nofollow,
    }
}

/// Indexes a crawl's pages into `options.index` and commits
/// once. Pages whose bytes did not change since the last run are not re-parsed.
pub fn index_fetched(
    options: &IndexOptions,
    site: FetchedSite,
    progress: &dyn Progress,
) -> Result<Summary> {
    let in_scope = |path: &str| site.scope.iter().any(|prefix| path.starts_with(prefix));
    let mut run = Run::open(options, || Ok(site.pages.len() as u64))?;
    let known = run.known(in_scope)?;
    let mut body_owner = body_owners(&known);
    let context = Context {
        options,
        corpus: Path::new(""),
        fields: run.fields.clone(),
        rules: HtmlRules::new(&options.include_selectors, &options.exclude_selectors)?,
        matcher: options.taxonomy.matcher(),
        resolver: LinkResolver::new(None),
        known: &known,
        walked: WalkedFiles::default(),
        meanings: run.summary.meanings,
    };

    // Every URL that is (or stays) a document, for links and canonicals between pages.
    let live: HashSet<&str> = site
        .pages
        .iter()
        .map(|p| p.url.as_str())
        .chain(site.unchanged.iter().map(String::as_str))
        .collect();
    let gone: HashSet<&str> = site.gone.iter().map(String::as_str).collect();
    let excluded: HashSet<&str> = site.excluded.iter().map(String::as_str).collect();

    progress.start(site.pages.len() as u64);
    let mut seen: HashSet<String> = site.unchanged.iter().chain(&site.keep).cloned().collect();
    run.summary.unchanged += site.unchanged.len();
    // A batch's bodies and documents are all that is in memory; it is written (in crawl
    // order, which decides duplicates) before the next one is read.
    for batch in batches(&site.pages, run.threads(), BATCH_BYTES) {
        let outcomes = run.parse(batch, |page| {
            parse_page(&context, &site.spool, page, &live, &gone)
        });
        for (page, outcome) in batch.iter().zip(outcomes) {
            run.summary.bytes_read += page.len;
            progress.advance(&page.url);
            seen.insert(page.url.clone());
            match outcome {
                PageOutcome::Unchanged => run.summary.unchanged += 1,
                PageOutcome::Skipped(kind, message) => {
                    run.summary.skipped += 1;
                    run.summary.problem(&page.url, kind, message);
                    if known.contains_key(&page.url) {
                        run.delete_path(&page.url);
                    }
                }
                PageOutcome::Parsed(ready) => run.write(&context, *ready, &mut body_owner),
            }
        }
    }
    for path in known.keys() {
        let remove = gone.contains(path.as_str())
            || excluded.contains(path.as_str())
            || (site.complete && !seen.contains(path));
        if remove && !seen.contains(path) {
            run.delete_path(path);
            run.summary.deleted += 1;
        }
    }
    run.finish(Source::Crawl, progress)
}

/// Bytes of fetched pages read back and parsed at once, beyond the first page of a batch:
/// with many cores and large pages, the core count alone would let memory grow with it.
const BATCH_BYTES: u64 = 64 * 1024 * 1024;

/// `pages` cut into runs of at most `threads` pages and, past their first page, at most
/// `max_bytes` of bodies.
fn batches(pages: &[FetchedPage], threads: usize, max_bytes: u64) -> Vec<&[FetchedPage]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < pages.len() {
        let mut end = start + 1;
        let mut bytes = pages[start].len;
        while end < pages.len() && end - start < threads && bytes + pages[end].len <= max_bytes {
            bytes += pages[end].len;
            end += 1;
        }
        out.push(&pages[start..end]);
        start = end;
    }
    out
}

enum PageOutcome {
    Unchanged,
    Skipped(ProblemKind, String),
    Parsed(Box<Ready>),
}

fn parse_page(
    context: &Context<'_>,
    spool: &Spool,
    page: &FetchedPage,
    live: &HashSet<&str>,
    gone: &HashSet<&str>,
) -> PageOutcome {
    let content_hash = page.content_hash;
    if context
        .known
        .get(&page.url)
        .is_some_and(|k| k.content_hash == content_hash)
    {
        return PageOutcome::Unchanged;
    }
    let bytes = match spool.read(page) {
        Ok(bytes) => bytes,
        Err(err) => {
            let message = format!("cannot read the fetched page back from the spool file: {err}");
            return PageOutcome::Skipped(ProblemKind::Unreadable, message);
        }
    };
    let kind = page.kind.source_kind();
    let text = match parse_bytes(context, &page.url, kind, &bytes) {
        Ok(text) => text,
        Err((problem, message)) => return PageOutcome::Skipped(problem, message),
    };
    let Ok(base) = Url::parse(&page.url) else {
        return PageOutcome::Skipped(ProblemKind::ParseError, "not a URL".to_string());
    };
    let links = resolve_links(&base, &page.url, &text.page, live, gone);
    let parsed = Parsed::new(page.url.clone(), kind, content_hash, text, links);
    PageOutcome::Parsed(Box::new(parsed.ready(context)))
}

/// The links and canonical link of the page at `url`, as crawled URLs: links to pages of this
/// crawl are internal, links to pages gone from the site are broken.
fn resolve_links(
    base: &Url,
    url: &str,
    page: &Extracted,
    live: &HashSet<&str>,
    gone: &HashSet<&str>,
) -> Links {
    let mut links = Links::default();
    for href in &page.links {
        let Some(target) = resolve(base, href) else {
            continue;
        };
        if live.contains(target.as_str()) {
            if !links.links_to.contains(&target) {
                links.links_to.push(target.clone());
            }
        } else if gone.contains(target.as_str()) && !links.broken_links.contains(&target) {
            links.broken_links.push(target.clone());
        }
        if !links.outlinks.contains(&target) {
            links.outlinks.push(target);
        }
    }
    if let Some(target) = page.canonical.as_deref().and_then(|c| resolve(base, c)) {
        if target != url {
            if live.contains(target.as_str()) {
                links.canonical_elsewhere = Some(target);
            } else {
                links.canonical_url = Some(target);
            }
        }
    }
    links
}

/// An `href` on the page at `base` as a normalized absolute http(s) URL.
fn resolve(base: &Url, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let target = base.join(href).ok()?;
    matches!(target.scheme(), "http" | "https").then(|| normalize_url(&target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> FetchedSite {
        FetchedSite::new(tempfile::tempfile().expect("spool file"))
    }

    #[test]
    fn bodies_wait_in_the_spool_and_come_back_whole() {
        let mut site = site();
        let bodies: [&[u8]; 3] = [b"<title>One</title>", b"", b"plain text, two"];
        for (i, body) in bodies.iter().enumerate() {
            site.add_page(format!("http://h/{i}"), FetchedKind::Text, body)
                .unwrap();
        }
        assert_eq!(site.pages().len(), 3);
        for (page, body) in site.pages().iter().zip(bodies) {
            assert_eq!(page.len, body.len() as u64);
            assert_eq!(page.content_hash, xxh3_64(body));
            assert_eq!(site.spool.read(page).unwrap(), body);
        }
    }

    fn pages(lens: &[u64]) -> Vec<FetchedPage> {
        lens.iter()
            .enumerate()
            .map(|(i, &len)| FetchedPage {
                url: i.to_string(),
                kind: FetchedKind::Text,
                len,
                offset: 0,
                content_hash: 0,
            })
            .collect()
    }

    fn sizes(batches: Vec<&[FetchedPage]>) -> Vec<usize> {
        batches.iter().map(|b| b.len()).collect()
    }

    #[test]
    fn batches_hold_a_page_per_thread_within_a_byte_budget() {
        assert_eq!(sizes(batches(&pages(&[1; 5]), 2, 100)), [2, 2, 1]);
        // Large pages: the budget, not the thread count, bounds a batch.
        assert_eq!(sizes(batches(&pages(&[40; 5]), 8, 100)), [2, 2, 1]);
        // A page over the budget still goes, alone.
        assert_eq!(sizes(batches(&pages(&[500, 1, 1]), 8, 100)), [1, 2]);
        assert!(batches(&[], 4, 100).is_empty());
    }

    #[test]
    fn a_spooled_site_is_indexed_with_links_between_its_pages() {
        let dir = tempfile::tempdir().unwrap();
        let options = IndexOptions::new(dir.path().join("index")).unwrap();
        let mut site = site();
        site.scope = vec!["http://h/".to_string()];
        site.complete = true;
        let page = |title: &str, link: &str| {
            format!("<html><head><title>{title}</title></head><body><main><h1>{title}</h1><p>Coding compliance for {title}.</p><a href=\"{link}\">next</a></main></body></html>")
        };
        site.add_page(
            "http://h/a".into(),
            FetchedKind::Html,
            page("Alpha", "/b").as_bytes(),
        )
        .unwrap();
        site.add_page(
            "http://h/b".into(),
            FetchedKind::Html,
            page("Beta", "/gone").as_bytes(),
        )
        .unwrap();
        site.gone.push("http://h/gone".into());
        let summary = index_fetched(&options, site, &crate::NoProgress).unwrap();
        assert_eq!(summary.indexed, 2, "{summary:?}");
        assert_eq!(summary.documents, 2);
        assert_eq!(summary.broken_links, 1, "{summary:?}");
    }
}
