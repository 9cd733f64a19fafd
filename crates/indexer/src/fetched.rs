//! Indexing pages fetched over HTTP (by `him-crawl`): the same decoding, extraction, facets,
//! duplicate detection and single atomic commit as a corpus walk, with normalized URLs as
//! document ids. This module does no I/O beyond the index: the crawler hands it bytes.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use him_schema::Fields;
use rayon::prelude::*;
use tantivy::Term;
use url::Url;
use xxhash_rust::xxh3::xxh3_64;

use crate::decode::decode_html;
use crate::html::HtmlRules;
use crate::links::{normalize_url, LinkResolver, WalkedFiles};
use crate::pipeline::{
    body_owners, finish_run, open_or_create, open_writer, parse_bytes, read_known, write_parsed,
    Context, Parsed, ParsedText, Ready, SourceKind,
};
use crate::{Error, IndexOptions, ProblemKind, Progress, Result, Summary};

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

/// One page as fetched.
#[derive(Debug, Clone)]
pub struct FetchedPage {
    /// Normalized URL after redirects: the document's id.
    pub url: String,
    /// Its format.
    pub kind: FetchedKind,
    /// The response body.
    pub bytes: Vec<u8>,
}

/// Everything one crawl found, to be committed at once.
#[derive(Debug, Clone, Default)]
pub struct FetchedSite {
    /// Pages fetched with a body.
    pub pages: Vec<FetchedPage>,
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

/// Indexes a crawl's pages into `options.index` (`options.corpus` is unused) and commits
/// once. Pages whose bytes did not change since the last run are not re-parsed.
pub fn index_fetched(
    options: &IndexOptions,
    site: FetchedSite,
    progress: &dyn Progress,
) -> Result<Summary> {
    let started = Instant::now();
    let index = open_or_create(options)?;
    let fields = Fields::new(&index.schema())?;
    let (writer, whole_build) = open_writer(&index, options)?;
    let reader = index.reader()?;
    let in_scope = |path: &str| site.scope.iter().any(|prefix| path.starts_with(prefix));

    let mut summary = Summary::default();
    let mut changed = false;
    let known: HashMap<String, crate::pipeline::Known> = if options.rebuild {
        writer.delete_all_documents()?;
        changed = true;
        HashMap::new()
    } else {
        read_known(&reader.searcher())?
            .into_iter()
            .filter(|(path, _)| in_scope(path))
            .collect()
    };
    let mut body_owner = body_owners(&known);
    let context = Context {
        options,
        fields: fields.clone(),
        rules: HtmlRules::new(&options.include_selectors, &options.exclude_selectors)?,
        matcher: options.taxonomy.matcher(),
        resolver: LinkResolver::new(None),
        known: &known,
        walked: WalkedFiles::default(),
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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.thread_count())
        .build()
        .map_err(|err| Error::Tantivy(tantivy::TantivyError::SystemError(err.to_string())))?;
    let outcomes: Vec<(usize, PageOutcome)> = pool.install(|| {
        site.pages
            .par_iter()
            .enumerate()
            .map(|(i, page)| (i, parse_page(&context, page, &live, &gone)))
            .collect()
    });
    let mut seen: HashSet<String> = site.unchanged.iter().chain(&site.keep).cloned().collect();
    summary.unchanged += site.unchanged.len();
    for (i, outcome) in outcomes {
        let page = &site.pages[i];
        summary.bytes_read += page.bytes.len() as u64;
        progress.advance(&page.url);
        seen.insert(page.url.clone());
        match outcome {
            PageOutcome::Unchanged => summary.unchanged += 1,
            PageOutcome::Skipped(kind, message) => {
                summary.skipped += 1;
                summary.problem(&page.url, kind, message);
                if known.contains_key(&page.url) {
                    writer.delete_term(Term::from_field_text(fields.path, &page.url));
                    changed = true;
                }
            }
            PageOutcome::Parsed(ready) => {
                changed = true;
                write_parsed(&writer, &context, *ready, &mut body_owner, &mut summary);
            }
        }
    }
    for path in known.keys() {
        let remove = gone.contains(path.as_str())
            || excluded.contains(path.as_str())
            || (site.complete && !seen.contains(path));
        if remove && !seen.contains(path) {
            writer.delete_term(Term::from_field_text(fields.path, path));
            summary.deleted += 1;
            changed = true;
        }
    }
    finish_run(
        writer,
        &reader,
        whole_build,
        changed.then_some("crawl"),
        summary,
        started,
        progress,
    )
}

enum PageOutcome {
    Unchanged,
    Skipped(ProblemKind, String),
    Parsed(Box<Ready>),
}

fn parse_page(
    context: &Context<'_>,
    page: &FetchedPage,
    live: &HashSet<&str>,
    gone: &HashSet<&str>,
) -> PageOutcome {
    let content_hash = xxh3_64(&page.bytes);
    if context
        .known
        .get(&page.url)
        .is_some_and(|k| k.content_hash == content_hash)
    {
        return PageOutcome::Unchanged;
    }
    let kind = page.kind.source_kind();
    let ParsedText {
        page: extracted,
        facets,
        problems,
        body_hash,
    } = match parse_bytes(context, &page.url, kind, &page.bytes) {
        Ok(text) => text,
        Err((problem, message)) => return PageOutcome::Skipped(problem, message),
    };
    let Ok(base) = Url::parse(&page.url) else {
        return PageOutcome::Skipped(ProblemKind::ParseError, "not a URL".to_string());
    };
    let mut outlinks = Vec::new();
    let mut links_to = Vec::new();
    let mut broken_links = Vec::new();
    for href in &extracted.links {
        let Some(target) = resolve(&base, href) else {
            continue;
        };
        if live.contains(target.as_str()) {
            if !links_to.contains(&target) {
                links_to.push(target.clone());
            }
        } else if gone.contains(target.as_str()) && !broken_links.contains(&target) {
            broken_links.push(target.clone());
        }
        if !outlinks.contains(&target) {
            outlinks.push(target);
        }
    }
    let mut canonical_elsewhere = None;
    let mut canonical_url = None;
    if let Some(target) = extracted
        .canonical
        .as_deref()
        .and_then(|c| resolve(&base, c))
    {
        if target != page.url {
            if live.contains(target.as_str()) {
                canonical_elsewhere = Some(target);
            } else {
                canonical_url = Some(target);
            }
        }
    }
    PageOutcome::Parsed(Box::new(
        Parsed {
            path: page.url.clone(),
            kind,
            content_hash,
            body_hash,
            page: extracted,
            facets,
            outlinks,
            links_to,
            broken_links,
            canonical_elsewhere,
            canonical_url,
            problems,
        }
        .ready(context),
    ))
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
