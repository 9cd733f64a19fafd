//! HTML to [`Extracted`]: title, description, headings, main text without boilerplate, links,
//! robots directives, canonical URL and the authoring attributes (`data-him-*`, `him:*` meta).

use std::collections::HashSet;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node, Selector};

use crate::extract::{collapse_whitespace, truncate_words, Extracted};
use crate::html_depth::over_budget;
#[cfg(test)]
use crate::html_depth::MAX_HTML_DEPTH;
use crate::{Error, Result};

/// Elements whose text is never content.
const DEFAULT_EXCLUDES: &str = "script, style, noscript, template, svg, iframe, object, \
    nav, header, footer, aside, form, button, select, [hidden], [aria-hidden=true], \
    [role=navigation], [role=banner], [role=contentinfo], [role=search], [role=complementary], \
    [data-him-ignore]";

/// Content roots, in order of preference, when the page names none with `data-him-body`.
const CONTENT_ROOTS: [&str; 3] = ["main", "[role=main]", "article"];

/// Elements that end a line of text (so words on either side do not run together).
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "hr",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "caption",
    "address",
    "details",
    "summary",
    "body",
    "title",
];

/// Largest `data-him-weight` honoured: more would let one section drown the page.
const MAX_WEIGHT: u32 = 10;

/// Compiled selectors for extraction; built once per run.
#[derive(Debug)]
pub(crate) struct HtmlRules {
    exclude: Vec<Selector>,
    include: Vec<Selector>,
    roots: Vec<Selector>,
    sel: Selectors,
}

#[derive(Debug)]
struct Selectors {
    title: Selector,
    h1: Selector,
    headings: Selector,
    meta: Selector,
    links: Selector,
    canonical: Selector,
    html: Selector,
    body: Selector,
    body_marker: Selector,
    weighted: Selector,
    facet_attr: Selector,
}

fn parse_selector(text: &str) -> Result<Selector> {
    Selector::parse(text).map_err(|err| Error::Selector {
        selector: text.to_string(),
        message: err.to_string(),
    })
}

impl HtmlRules {
    /// Compiles the default rules plus extra include (content root) and exclude selectors.
    pub(crate) fn new(include: &[String], exclude: &[String]) -> Result<HtmlRules> {
        let mut excludes = vec![parse_selector(DEFAULT_EXCLUDES)?];
        for text in exclude {
            excludes.push(parse_selector(text)?);
        }
        let include = include
            .iter()
            .map(|text| parse_selector(text))
            .collect::<Result<Vec<_>>>()?;
        let roots = CONTENT_ROOTS
            .iter()
            .map(|text| parse_selector(text))
            .collect::<Result<Vec<_>>>()?;
        Ok(HtmlRules {
            exclude: excludes,
            include,
            roots,
            sel: Selectors {
                title: parse_selector("title")?,
                h1: parse_selector("h1")?,
                headings: parse_selector("h1, h2, h3")?,
                meta: parse_selector("meta")?,
                links: parse_selector("a[href], area[href]")?,
                canonical: parse_selector("link[rel~=canonical][href]")?,
                html: parse_selector("html")?,
                body: parse_selector("body")?,
                body_marker: parse_selector("[data-him-body]")?,
                weighted: parse_selector("[data-him-weight]")?,
                facet_attr: parse_selector("[data-him-facet]")?,
            },
        })
    }

    /// Extracts everything himsearch indexes from an HTML document, or says why the page is
    /// over the parsing budget (`html_depth.rs`).
    pub(crate) fn extract(&self, source: &str) -> std::result::Result<Extracted, String> {
        if let Some(reason) = over_budget(source) {
            return Err(reason);
        }
        Ok(self.extract_parsed(&Html::parse_document(source)))
    }

    fn extract_parsed(&self, document: &Html) -> Extracted {
        let mut out = Extracted::default();
        let excluded = self.excluded_nodes(document);

        self.read_meta(document, &mut out);
        out.canonical = document
            .select(&self.sel.canonical)
            .next()
            .and_then(|link| link.attr("href"))
            .map(|href| href.trim().to_string())
            .filter(|href| !href.is_empty());
        out.lang = document
            .select(&self.sel.html)
            .next()
            .and_then(|html| html.attr("lang"))
            .and_then(primary_language);

        let roots = self.content_roots(document);
        let mut body = String::new();
        for root in &roots {
            append_visible_text(*root, &excluded, &mut body);
            body.push('\n');
        }
        out.body = collapse_whitespace(&body);

        for root in &roots {
            for heading in root.select(&self.sel.headings) {
                if is_excluded(heading, &excluded) {
                    continue;
                }
                let mut text = String::new();
                append_visible_text(heading, &excluded, &mut text);
                let text = collapse_whitespace(&text);
                if !text.is_empty() {
                    out.headings.push(text);
                }
            }
            // A link within the page ("#ctr-vs-rhit", a table of contents) is the page's own
            // text, not a reference to another.
            let elsewhere = |link: &ElementRef<'_>| {
                !link
                    .attr("href")
                    .is_some_and(|href| href.trim().starts_with('#'))
            };
            for link in root.select(&self.sel.links).filter(elsewhere) {
                if !is_excluded(link, &excluded) {
                    let mut text = String::new();
                    append_visible_text(link, &excluded, &mut text);
                    out.link_text.push_str(&collapse_whitespace(&text));
                    out.link_text.push('\n');
                }
            }
            for section in root.select(&self.sel.weighted) {
                if is_excluded(section, &excluded) {
                    continue;
                }
                let weight = section
                    .attr("data-him-weight")
                    .and_then(|w| w.trim().parse::<f32>().ok())
                    .filter(|w| w.is_finite() && *w > 1.0)
                    .map_or(1, |w| (w.round() as u32).min(MAX_WEIGHT));
                let mut text = String::new();
                append_visible_text(section, &excluded, &mut text);
                let text = collapse_whitespace(&text);
                for _ in 1..weight {
                    out.emphasis.push_str(&text);
                    out.emphasis.push('\n');
                }
            }
        }

        let title = document
            .select(&self.sel.title)
            .next()
            .map(|t| collapse_whitespace(&t.text().collect::<String>()))
            .filter(|t| !t.is_empty());
        out.title = title
            .or_else(|| {
                document
                    .select(&self.sel.h1)
                    .find(|h| !is_excluded(*h, &excluded))
                    .map(|h| collapse_whitespace(&h.text().collect::<String>()))
            })
            .filter(|t| !t.is_empty())
            .map(|t| truncate_words(&t, 300))
            .unwrap_or_default();

        if !out.nofollow {
            out.links = document
                .select(&self.sel.links)
                .filter(|a| {
                    !a.attr("rel").is_some_and(|rel| {
                        rel.split_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("nofollow"))
                    })
                })
                .filter_map(|a| a.attr("href"))
                .map(|href| href.trim().to_string())
                .filter(|href| !href.is_empty())
                .collect();
        }

        for element in document.select(&self.sel.facet_attr) {
            let Some(spec) = element.attr("data-him-facet") else {
                continue;
            };
            for part in spec.split([',', ';']) {
                match part.split_once(':') {
                    Some((kind, value)) if !kind.trim().is_empty() && !value.trim().is_empty() => {
                        out.attr_facets
                            .push((kind.trim().to_string(), value.trim().to_string()));
                    }
                    _ if part.trim().is_empty() => {}
                    _ => out.warnings.push(format!(
                        "ignored data-him-facet value {:?} (expected kind:value)",
                        part.trim()
                    )),
                }
            }
        }
        out
    }

    fn read_meta(&self, document: &Html, out: &mut Extracted) {
        for meta in document.select(&self.sel.meta) {
            let Some(name) = meta.attr("name").or_else(|| meta.attr("property")) else {
                continue;
            };
            let content = meta.attr("content").unwrap_or("").trim();
            let name = name.trim().to_ascii_lowercase();
            match name.as_str() {
                "description" | "og:description" if out.description.is_empty() => {
                    out.description = truncate_words(&collapse_whitespace(content), 1000);
                }
                "robots" | "himsearch" => {
                    for directive in content.split(',').map(|d| d.trim().to_ascii_lowercase()) {
                        match directive.as_str() {
                            "noindex" => out.noindex = true,
                            "nofollow" => out.nofollow = true,
                            "none" => {
                                out.noindex = true;
                                out.nofollow = true;
                            }
                            _ => {}
                        }
                    }
                }
                _ => {
                    if let Some(kind) = name.strip_prefix("him:").filter(|k| !k.is_empty()) {
                        let values: Vec<String> = content
                            .split(',')
                            .map(|v| v.trim().to_string())
                            .filter(|v| !v.is_empty())
                            .collect();
                        out.meta_facets.push((kind.to_string(), values));
                    }
                }
            }
        }
    }

    /// Elements whose text is the page's content: explicit markers first, then `<main>`-like
    /// elements, then the whole body.
    fn content_roots<'a>(&self, document: &'a Html) -> Vec<ElementRef<'a>> {
        let marked: Vec<_> = document.select(&self.sel.body_marker).collect();
        if !marked.is_empty() {
            return outermost(marked);
        }
        for selector in &self.include {
            let found: Vec<_> = document.select(selector).collect();
            if !found.is_empty() {
                return outermost(found);
            }
        }
        for selector in &self.roots {
            let found: Vec<_> = document.select(selector).collect();
            if !found.is_empty() {
                return outermost(found);
            }
        }
        document
            .select(&self.sel.body)
            .next()
            .map(|body| vec![body])
            .unwrap_or_else(|| vec![document.root_element()])
    }

    fn excluded_nodes(&self, document: &Html) -> HashSet<NodeId> {
        let mut excluded = HashSet::new();
        for selector in &self.exclude {
            for element in document.select(selector) {
                excluded.insert(element.id());
            }
        }
        excluded
    }
}

/// Drops elements nested inside another element of the list, so no text is read twice.
fn outermost(elements: Vec<ElementRef<'_>>) -> Vec<ElementRef<'_>> {
    let ids: HashSet<NodeId> = elements.iter().map(|e| e.id()).collect();
    elements
        .into_iter()
        .filter(|e| !e.ancestors().any(|a| ids.contains(&a.id())))
        .collect()
}

fn is_excluded(element: ElementRef<'_>, excluded: &HashSet<NodeId>) -> bool {
    excluded.contains(&element.id()) || element.ancestors().any(|a| excluded.contains(&a.id()))
}

/// Appends the text of `root`'s subtree, skipping excluded subtrees. Iterative, so a
/// pathologically deep document cannot overflow the stack.
fn append_visible_text(root: ElementRef<'_>, excluded: &HashSet<NodeId>, out: &mut String) {
    let mut stack = vec![(*root, false)];
    // Where each open heading's text starts in `out`.
    let mut headings: Vec<usize> = Vec::new();
    while let Some((node, leaving)) = stack.pop() {
        match node.value() {
            Node::Text(text) if !leaving => out.push_str(text),
            Node::Element(element) => {
                let block = BLOCK_ELEMENTS.contains(&element.name());
                if leaving {
                    if let Some(start) = (HEADINGS.contains(&element.name())
                        && node.id() != root.id())
                    .then(|| headings.pop())
                    .flatten()
                    {
                        end_heading(out, start);
                    }
                    if block {
                        out.push('\n');
                    }
                    continue;
                }
                if excluded.contains(&node.id()) {
                    continue;
                }
                // A heading read on its own (the page's list of headings) keeps its text.
                if HEADINGS.contains(&element.name()) && node.id() != root.id() {
                    headings.push(out.len());
                }
                if block {
                    out.push('\n');
                } else if matches!(element.name(), "td" | "th" | "img") {
                    out.push(' ');
                }
                if element.name() == "img" {
                    if let Some(alt) = element.attr("alt") {
                        out.push_str(alt);
                        out.push(' ');
                    }
                }
                stack.push((node, true));
                let children: Vec<_> = node.children().collect();
                for child in children.into_iter().rev() {
                    stack.push((child, false));
                }
            }
            _ => {}
        }
    }
}

/// Heading elements: their text ends with a colon in the body when it ends with no stop of
/// its own, so that a snippet reads "The short answer: The RHIT follows…" rather than running
/// the heading into its first sentence. Words and positions are unchanged.
const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// Ends the heading written to `out` from byte `start` with a colon, unless it is empty or
/// ends with a stop of its own.
fn end_heading(out: &mut String, start: usize) {
    let end = out.trim_end().len();
    if end <= start || out[start..end].trim().is_empty() {
        return;
    }
    if !out[..end].ends_with(['.', ':', ';', '?', '!', ',']) {
        out.truncate(end);
        out.push(':');
    }
}

/// `en-US` -> `en`; rejects values that are not language tags.
fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    (2..=3)
        .contains(&primary.len())
        .then_some(())
        .filter(|_| primary.chars().all(|c| c.is_ascii_alphabetic()))
        .map(|_| primary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(html: &str) -> Extracted {
        HtmlRules::new(&[], &[]).unwrap().extract(html).unwrap()
    }

    #[test]
    fn boilerplate_is_dropped_and_main_wins() {
        let page = extract(
            "<html lang='en-US'><head><title>RHIT guide</title></head><body>\
             <nav>Home Jobs</nav><header>Site banner</header>\
             <main><h1>Becoming an RHIT</h1><p>Study the domains.</p>\
             <aside>Buy now</aside><script>var x = 1;</script></main>\
             <p>Outside main</p><footer>Copyright</footer></body></html>",
        );
        assert_eq!(page.title, "RHIT guide");
        assert_eq!(page.body, "Becoming an RHIT: Study the domains.");
        assert_eq!(page.headings, ["Becoming an RHIT"]);
        assert_eq!(page.lang.as_deref(), Some("en"));
    }

    /// A heading ends with a colon unless it ends with a stop; an empty one adds nothing.
    #[test]
    fn headings_are_set_off_from_their_paragraph() {
        let page = extract(
            "<main><h2>The short answer</h2><p>Yes.</p><h2>Why?</h2><p>Rules.</p>\
             <h3> </h3><p>More <b>text</b></p><h2>Costs <em>vary</em> </h2>Free.</main>",
        );
        assert_eq!(
            page.body,
            "The short answer: Yes. Why? Rules. More text Costs vary: Free."
        );
    }

    #[test]
    fn without_main_the_body_minus_boilerplate_is_used() {
        let page = extract(
            "<body><div role='navigation'>Menu</div><div>Real text</div>\
             <div hidden>Secret</div><div aria-hidden='true'>Icon</div></body>",
        );
        assert_eq!(page.body, "Real text");
    }

    #[test]
    fn title_falls_back_to_first_h1() {
        let page = extract("<body><nav><h1>Menu</h1></nav><h1>Coder careers</h1></body>");
        assert_eq!(page.title, "Coder careers");
    }

    #[test]
    fn authoring_attributes() {
        let page = extract(
            "<body><div>chrome</div><div data-him-body><p>Kept</p>\
             <p data-him-ignore>Dropped</p>\
             <section data-him-weight='3'>Key words</section>\
             <span data-him-facet='credential:RHIT, topic:Registries'></span></div></body>",
        );
        assert_eq!(page.body, "Kept Key words");
        assert_eq!(page.emphasis, "Key words\nKey words\n");
        assert_eq!(
            page.attr_facets,
            [
                ("credential".to_string(), "RHIT".to_string()),
                ("topic".to_string(), "Registries".to_string())
            ]
        );
    }

    #[test]
    fn the_main_content_links_text_is_kept_apart() {
        let page = extract(
            "<body><nav><a href='/'>Home</a></nav><main><p>The CTR is the registry \
             credential; see <a href='ctr-vs-rhit.html'>CTR\n   <em>vs</em><br>RHIT</a>.</p>\
             <p><a href='#exam'>The CTR exam</a></p>\
             <p data-him-ignore><a href='x.html'>Hidden</a></p></main></body>",
        );
        assert_eq!(
            page.body,
            "The CTR is the registry credential; see CTR vs RHIT. The CTR exam"
        );
        assert_eq!(
            page.link_text, "CTR vs RHIT\n",
            "one line per link, as the body reads it"
        );
    }

    #[test]
    fn robots_canonical_and_meta_facets() {
        let page = extract(
            "<head><meta name='ROBOTS' content='noindex, nofollow'>\
             <link rel='canonical' href='/jobs/coder.html'>\
             <meta name='him:credential' content='CHPS, RHIT'>\
             <meta name='description' content='  A   page. '></head>\
             <body><a href='a.html'>a</a></body>",
        );
        assert!(page.noindex && page.nofollow);
        assert!(page.links.is_empty(), "nofollow drops links");
        assert_eq!(page.canonical.as_deref(), Some("/jobs/coder.html"));
        assert_eq!(page.description, "A page.");
        assert_eq!(
            page.meta_facets,
            [(
                "credential".to_string(),
                vec!["CHPS".to_string(), "RHIT".to_string()]
            )]
        );
    }

    #[test]
    fn extra_selectors_apply() {
        let rules = HtmlRules::new(&[".content".into()], &[".share-bar".into()]).unwrap();
        let page = rules
            .extract(
                "<body><div>chrome</div><div class='content'>Text<div class='share-bar'>Share</div></div></body>",
            )
            .unwrap();
        assert_eq!(page.body, "Text");
        assert!(HtmlRules::new(&[], &["[[".into()]).is_err());
    }

    #[test]
    fn nesting_up_to_the_budget_extracts_and_deeper_is_refused() {
        let nested = |n: usize| format!("{}deep{}", "<div>".repeat(n), "</div>".repeat(n));
        assert!(extract(&nested(MAX_HTML_DEPTH - 3)).body.contains("deep"));
        let rules = HtmlRules::new(&[], &[]).unwrap();
        let refused = rules.extract(&nested(100_000)).unwrap_err();
        assert!(refused.contains("512-element nesting budget"), "{refused}");
    }

    proptest::proptest! {
        #[test]
        fn any_markup_extracts_clean_text(html in "(<[a-z]{1,7}( [a-z-]{1,9}=\"[^\"]{0,9}\")?>|</[a-z]{1,7}>|[^<>]{0,12}|<!--|-->|&[a-z#0-9]{0,5};?){0,40}") {
            let page = extract(&html);
            proptest::prop_assert_eq!(page.body.trim(), page.body.as_str());
            proptest::prop_assert!(!page.body.contains("  "));
            proptest::prop_assert!(!page.title.contains('\n'));
        }

        #[test]
        fn any_bytes_decode(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let decoded = crate::decode::decode_html(&bytes);
            // Whatever came in, what goes on is valid text.
            proptest::prop_assert!(std::str::from_utf8(decoded.text.as_bytes()).is_ok());
        }
    }
}
