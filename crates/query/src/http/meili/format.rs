//! A hit as the protocol's clients read it: the document's attributes (`id`, `title`, `url`,
//! `content` (the passage that best matches), the facet kinds, and DocSearch's
//! `hierarchy_lvl0` (the site section) and `hierarchy_lvl1` (the title)), `_formatted` with
//! matches between the highlight tags and long text cropped, and `_rankingScore`.
//!
//! Meilisearch leaves `_formatted` unescaped. Here, when a highlight tag is HTML (`<em>`, the
//! default, which DocSearch-style clients render as HTML), the text around the tags is
//! HTML-escaped, so that a page's title can never become markup; with other tags
//! (InstantSearch's `__ais-highlight__`, which it escapes itself) the text is left as it is.

use him_schema::api::Hit;
use serde_json::{Map, Value};

use super::params::MeiliQuery;
use crate::escape_html;

/// Attributes with match ranges, and which are strings.
const TEXT_ATTRIBUTES: &[&str] = &[
    "title",
    "hierarchy_lvl1",
    "content",
    "hierarchy_lvl0",
    "url",
    "id",
];

/// A string attribute and the byte ranges of its matches.
struct Marked {
    text: String,
    matches: Vec<(usize, usize)>,
}

fn marked(parts: &[String]) -> Marked {
    let mut text = String::new();
    let mut matches = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let start = text.len();
        text.push_str(part);
        if i % 2 == 1 && !part.is_empty() {
            matches.push((start, text.len()));
        }
    }
    Marked { text, matches }
}

/// The site section of a document: the first folder of its id, in words (`job-titles/x.html`
/// is "Job titles"); a page at the root is "Pages".
fn section(id: &str) -> String {
    let folder = id.split_once('/').map_or("", |(first, _)| first);
    if folder.is_empty() {
        return "Pages".into();
    }
    let words = folder.replace(['-', '_'], " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One hit in the protocol's shape.
pub(crate) fn hit(hit: &Hit, query: &MeiliQuery) -> Value {
    let title = marked(&hit.title_parts);
    let content = marked(&hit.snippet_parts);
    let mut document = Map::new();
    document.insert("id".into(), hit.id.clone().into());
    document.insert("title".into(), title.text.clone().into());
    document.insert("url".into(), hit.url.clone().into());
    document.insert("content".into(), content.text.clone().into());
    document.insert("hierarchy_lvl0".into(), section(&hit.id).into());
    document.insert("hierarchy_lvl1".into(), title.text.clone().into());
    // A kind with no value is absent from the document, as `NOT EXISTS` reads it.
    for (kind, values) in hit.facets.iter().filter(|(_, values)| !values.is_empty()) {
        document.insert(kind.clone(), values.clone().into());
    }
    let retrieved: Map<String, Value> = match &query.retrieve {
        Some(names) if !names.iter().any(|n| n == "*") => document
            .into_iter()
            .filter(|(key, _)| names.contains(key))
            .collect(),
        _ => document,
    };
    let mut out = retrieved.clone();
    if !query.highlight.is_empty() || !query.crop.is_empty() {
        let mut formatted = Map::new();
        for (key, value) in &retrieved {
            let source = match key.as_str() {
                "title" | "hierarchy_lvl1" => Some(&title),
                "content" => Some(&content),
                _ => None,
            };
            let formatted_value = match (value.as_str(), TEXT_ATTRIBUTES.contains(&key.as_str())) {
                (Some(text), true) => {
                    let none = Marked {
                        text: text.to_string(),
                        matches: Vec::new(),
                    };
                    Value::String(format_text(source.unwrap_or(&none), key, query))
                }
                _ => value.clone(),
            };
            formatted.insert(key.clone(), formatted_value);
        }
        out.insert("_formatted".into(), Value::Object(formatted));
    }
    if query.show_ranking_score {
        // The score (BM25, bonuses, meaning) is unbounded; s / (1 + s) keeps the order within
        // 0..1, as the protocol's is.
        let score = f64::from(hit.score.max(0.0));
        out.insert(
            "_rankingScore".into(),
            Value::from((score / (1.0 + score) * 10_000.0).round() / 10_000.0),
        );
    }
    Value::Object(out)
}

fn listed(list: &[String], key: &str) -> Option<Option<usize>> {
    list.iter().find_map(|entry| {
        let (name, length) = match entry.split_once(':') {
            Some((name, length)) => (name, length.trim().parse().ok()),
            None => (entry.as_str(), None),
        };
        (name == key || name == "*").then_some(length)
    })
}

/// The attribute's text as `_formatted` holds it: cropped when asked, matches between the
/// tags when asked.
fn format_text(source: &Marked, key: &str, query: &MeiliQuery) -> String {
    let highlight = listed(&query.highlight, key).is_some();
    let crop = listed(&query.crop, key).map(|length| length.unwrap_or(query.crop_length));
    let escape = query.pre_tag.contains('<') || query.post_tag.contains('<');
    let text = &source.text;
    let (start, end) = match crop {
        Some(words) => crop_window(source, words),
        None => (0, text.len()),
    };
    let plain = |s: &str| {
        if escape {
            escape_html(s)
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    if start > 0 {
        out.push_str(&query.crop_marker);
    }
    let mut at = start;
    if highlight {
        for &(m_start, m_end) in &source.matches {
            if m_end <= start || m_start >= end {
                continue;
            }
            let (m_start, m_end) = (m_start.max(start), m_end.min(end));
            out.push_str(&plain(&text[at..m_start]));
            out.push_str(&query.pre_tag);
            out.push_str(&plain(&text[m_start..m_end]));
            out.push_str(&query.post_tag);
            at = m_end;
        }
    }
    out.push_str(&plain(&text[at..end]));
    if end < text.len() {
        out.push_str(&query.crop_marker);
    }
    out
}

/// Byte range of about `words` words around the first match (from the start without one).
fn crop_window(source: &Marked, words: usize) -> (usize, usize) {
    let text = &source.text;
    let spans: Vec<(usize, usize)> = word_spans(text);
    if spans.len() <= words || words == 0 {
        return if words == 0 { (0, 0) } else { (0, text.len()) };
    }
    let first_match = source
        .matches
        .first()
        .and_then(|&(m, _)| spans.iter().position(|&(_, end)| end > m))
        .unwrap_or(0);
    let before = (words - 1) / 2;
    let first = first_match.saturating_sub(before).min(spans.len() - words);
    let last = first + words - 1;
    let start = if first == 0 { 0 } else { spans[first].0 };
    let end = if last + 1 == spans.len() {
        text.len()
    } else {
        spans[last].1
    };
    (start, end)
}

fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(parts: &[&str]) -> Marked {
        marked(&parts.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn query(highlight: &[&str], crop: &[&str], pre: &str, post: &str) -> MeiliQuery {
        let mut object = Map::new();
        object.insert(
            "attributesToHighlight".into(),
            highlight.iter().map(|s| Value::from(*s)).collect(),
        );
        object.insert(
            "attributesToCrop".into(),
            crop.iter().map(|s| Value::from(*s)).collect(),
        );
        object.insert("highlightPreTag".into(), pre.into());
        object.insert("highlightPostTag".into(), post.into());
        object.insert("cropLength".into(), 4.into());
        super::super::params::from_json(&object, &him_schema::Taxonomy::builtin().unwrap()).unwrap()
    }

    #[test]
    fn highlights_crops_and_escapes() {
        let text = source(&["The ", "RHIT", " exam & <b>more</b> words follow here"]);
        let html = query(&["*"], &[], "<em>", "</em>");
        assert_eq!(
            format_text(&text, "content", &html),
            "The <em>RHIT</em> exam &amp; &lt;b&gt;more&lt;/b&gt; words follow here"
        );
        let ais = query(&["*"], &[], "__ais-highlight__", "__/ais-highlight__");
        assert_eq!(
            format_text(&text, "content", &ais),
            "The __ais-highlight__RHIT__/ais-highlight__ exam & <b>more</b> words follow here"
        );
        let cropped = query(&[], &["content"], "<em>", "</em>");
        assert_eq!(
            format_text(&text, "content", &cropped),
            "The RHIT exam &amp;…"
        );
        let long = source(&["one two three four five six ", "rhit", " seven eight nine"]);
        let both = query(&["content"], &["content:3"], "<em>", "</em>");
        assert_eq!(
            format_text(&long, "content", &both),
            "…six <em>rhit</em> seven…"
        );
    }

    #[test]
    fn sections_come_from_the_first_folder() {
        assert_eq!(section("job-titles/coder.html"), "Job titles");
        assert_eq!(section("credentials/rhit.html"), "Credentials");
        assert_eq!(section("index.html"), "Pages");
    }
}
