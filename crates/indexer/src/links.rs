//! Link resolution inside the corpus: relative and site-absolute hrefs become corpus paths,
//! other sites' URLs stay external, and nothing resolves outside the corpus root.

use std::collections::HashSet;
use std::path::Path;

use url::Url;
use xxhash_rust::xxh3::xxh3_64;

/// Base under which corpus paths are resolved; `.invalid` can never be a real host.
const CORPUS_BASE: &str = "http://corpus.invalid/";

/// Where a link points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkTarget {
    /// A path relative to the corpus root (fragment and query removed; may not exist).
    Internal(String),
    /// An absolute URL on another site.
    External(String),
    /// `mailto:`, `javascript:`, a bare fragment and the like.
    Ignored,
}

/// Resolves links found in one document.
#[derive(Debug, Clone)]
pub(crate) struct LinkResolver {
    corpus_base: Url,
    site_base: Option<Url>,
}

impl LinkResolver {
    pub(crate) fn new(site_base: Option<&Url>) -> LinkResolver {
        LinkResolver {
            // A constant, valid URL.
            corpus_base: Url::parse(CORPUS_BASE).expect("valid corpus base"),
            site_base: site_base.cloned(),
        }
    }

    /// Resolves `href` found in the document at corpus path `from`.
    pub(crate) fn resolve(&self, from: &str, href: &str) -> LinkTarget {
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') {
            return LinkTarget::Ignored;
        }
        let Ok(page) = self.corpus_base.join(&encode_path(from)) else {
            return LinkTarget::Ignored;
        };
        let Ok(mut target) = page.join(href) else {
            return LinkTarget::Ignored;
        };
        target.set_fragment(None);
        if !matches!(target.scheme(), "http" | "https") {
            return LinkTarget::Ignored;
        }
        let relative = if target.host_str() == self.corpus_base.host_str() {
            Some(target.path().trim_start_matches('/').to_string())
        } else {
            self.site_base.as_ref().and_then(|base| {
                let same_origin = target.scheme() == base.scheme()
                    && target.host_str() == base.host_str()
                    && target.port_or_known_default() == base.port_or_known_default();
                let base_path = base.path();
                let base_dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
                (same_origin && target.path().starts_with(base_dir))
                    .then(|| target.path()[base_dir.len()..].to_string())
            })
        };
        match relative {
            Some(path) => LinkTarget::Internal(percent_decode(&path)),
            None => LinkTarget::External(target.to_string()),
        }
    }

    /// Public URL of the document at corpus path `path`.
    pub(crate) fn public_url(&self, path: &str) -> String {
        match &self.site_base {
            Some(base) => base
                .join(&encode_path(path))
                .map(|u| u.to_string())
                .unwrap_or_else(|_| path.to_string()),
            None => path.to_string(),
        }
    }
}

/// The one spelling of a web URL, so that each page is fetched and indexed once: fragment
/// dropped, query parameters sorted, an empty query removed; parsing has already lower-cased
/// scheme and host, dropped default ports and resolved `.` and `..` segments.
pub fn normalize_url(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    match url.query() {
        Some("") => url.set_query(None),
        Some(_) => {
            let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            pairs.sort();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        None => {}
    }
    url.to_string()
}

/// The regular files a walk of the corpus found, by a hash of their corpus path: resolving a
/// link looks here first instead of asking the file system (a `stat` per link was 4% of
/// indexing). A 64-bit hash keeps a million paths in about 16 MB; a collision, some 10^-7 at
/// that size, would only take one broken link for a working one.
#[derive(Debug, Default)]
pub(crate) struct WalkedFiles(HashSet<u64, foldhash::fast::FixedState>);

impl WalkedFiles {
    pub(crate) fn insert(&mut self, path: &str) {
        self.0.insert(xxh3_64(path.as_bytes()));
    }

    fn contains(&self, path: &str) -> bool {
        self.0.contains(&xxh3_64(path.as_bytes()))
    }
}

/// Finds the corpus file a link target names: the file itself, or a folder's index page.
/// Targets the walk did not see are still looked for on disk: the walk skips hidden folders
/// and symbolic links, and files may appear during a run.
pub(crate) fn existing_target(corpus: &Path, walked: &WalkedFiles, target: &str) -> Option<String> {
    let candidates = if target.is_empty() || target.ends_with('/') {
        vec![format!("{target}index.html"), format!("{target}index.htm")]
    } else {
        vec![
            target.to_string(),
            format!("{target}/index.html"),
            format!("{target}/index.htm"),
        ]
    };
    candidates
        .into_iter()
        .find(|candidate| walked.contains(candidate) || corpus.join(candidate).is_file())
}

fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            url::form_urlencoded::byte_serialize(segment.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_found_from_the_walk_and_on_disk() {
        let corpus = tempfile::tempdir().unwrap();
        std::fs::create_dir(corpus.path().join("careers")).unwrap();
        std::fs::write(corpus.path().join("careers/index.html"), "x").unwrap();
        std::fs::write(corpus.path().join("rhit.html"), "x").unwrap();
        let mut walked = WalkedFiles::default();
        walked.insert("careers/index.html");
        // Seen by the walk and on disk.
        assert_eq!(
            existing_target(corpus.path(), &walked, "careers/").as_deref(),
            Some("careers/index.html")
        );
        // Not seen by the walk (created after it): still found on disk.
        assert_eq!(
            existing_target(corpus.path(), &walked, "rhit.html").as_deref(),
            Some("rhit.html")
        );
        assert_eq!(existing_target(corpus.path(), &walked, "rhia.html"), None);
        // The walk's list alone answers for its files, without the file system.
        let elsewhere = tempfile::tempdir().unwrap();
        assert_eq!(
            existing_target(elsewhere.path(), &walked, "careers").as_deref(),
            Some("careers/index.html")
        );
    }

    fn resolver() -> LinkResolver {
        LinkResolver::new(Some(
            &Url::parse("https://him.example.org/careers/").unwrap(),
        ))
    }

    #[test]
    fn urls_normalize_to_one_spelling() {
        let norm = |u: &str| normalize_url(&Url::parse(u).unwrap());
        assert_eq!(
            norm("HTTP://Example.ORG:80/a/./b/../c.html?z=1&a=2#top"),
            "http://example.org/a/c.html?a=2&z=1"
        );
        assert_eq!(norm("https://example.org:443?"), "https://example.org/");
        assert_eq!(
            norm("http://example.org:8080/p?b=2&a=1&a=0"),
            "http://example.org:8080/p?a=0&a=1&b=2"
        );
    }

    #[test]
    fn relative_links_resolve_inside_the_corpus() {
        let r = resolver();
        assert_eq!(
            r.resolve("jobs/coder.html", "../credentials/ccs.html#exam"),
            LinkTarget::Internal("credentials/ccs.html".into())
        );
        assert_eq!(
            r.resolve("jobs/coder.html", "cca.html?x=1"),
            LinkTarget::Internal("jobs/cca.html".into())
        );
        assert_eq!(
            r.resolve("index.html", "/glossary.md"),
            LinkTarget::Internal("glossary.md".into())
        );
        assert_eq!(
            r.resolve("a.html", "my%20file.pdf"),
            LinkTarget::Internal("my file.pdf".into())
        );
    }

    #[test]
    fn nothing_escapes_the_root() {
        let r = resolver();
        assert_eq!(
            r.resolve("a/b.html", "../../../../etc/passwd"),
            LinkTarget::Internal("etc/passwd".into())
        );
    }

    #[test]
    fn site_urls_are_internal_others_external() {
        let r = resolver();
        assert_eq!(
            r.resolve("a.html", "https://him.example.org/careers/jobs/x.html"),
            LinkTarget::Internal("jobs/x.html".into())
        );
        assert_eq!(
            r.resolve("a.html", "https://www.bls.gov/ooh/"),
            LinkTarget::External("https://www.bls.gov/ooh/".into())
        );
        assert_eq!(r.resolve("a.html", "mailto:x@y.z"), LinkTarget::Ignored);
        assert_eq!(r.resolve("a.html", "#top"), LinkTarget::Ignored);
        assert_eq!(
            r.resolve("a.html", "javascript:void(0)"),
            LinkTarget::Ignored
        );
    }

    #[test]
    fn public_urls_join_the_base() {
        assert_eq!(
            resolver().public_url("jobs/coder.html"),
            "https://him.example.org/careers/jobs/coder.html"
        );
        assert_eq!(
            LinkResolver::new(None).public_url("jobs/coder.html"),
            "jobs/coder.html"
        );
    }
}
