//! Highlighting: a hit's title and snippet as [`Highlighted`] text (the text and the byte
//! ranges of the words that matched the query), rendered once, here, as HTML (escaped with
//! [`escape_html`], matches in `<mark>`) and as plain parts for clients that do not parse HTML.
//! The snippet is the passage of the body that best matches, or the body's opening when the
//! title names the whole query ([`Subject`]); without either, the description or the body's
//! lead.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use him_schema::Fields;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::Searcher;

use crate::snippet::{Found, PassageFinder};
use crate::subject::{title_head, Role, Subject};
use crate::Result;

/// Characters in a snippet (about 30 words).
const SNIPPET_CHARS: usize = 200;

/// Bytes of a body searched for the best snippet: one hit on a 5 MB PDF's text would
/// otherwise cost more than the whole search. Ordinary pages are far shorter.
const SNIPPET_SCAN_BYTES: usize = 64 * 1024;

/// Text with the byte ranges of its matched words (sorted, not overlapping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Highlighted {
    text: String,
    marks: Vec<Range<usize>>,
}

impl Highlighted {
    fn plain(text: String) -> Highlighted {
        Highlighted {
            text,
            marks: Vec::new(),
        }
    }

    /// The text split at the matches: even entries plain, odd entries matched.
    pub(crate) fn parts(&self) -> Vec<String> {
        let mut parts = Vec::with_capacity(self.marks.len() * 2 + 1);
        let mut at = 0;
        for mark in &self.marks {
            parts.push(self.text[at..mark.start].to_string());
            parts.push(self.text[mark.clone()].to_string());
            at = mark.end;
        }
        parts.push(self.text[at..].to_string());
        parts
    }

    /// HTML: the text escaped, matches in `<mark>`.
    pub(crate) fn to_html(&self) -> String {
        let mut html = String::with_capacity(self.text.len() + 16 * self.marks.len());
        let mut at = 0;
        for mark in &self.marks {
            html.push_str(&escape_html(&self.text[at..mark.start]));
            html.push_str("<mark>");
            html.push_str(&escape_html(&self.text[mark.clone()]));
            html.push_str("</mark>");
            at = mark.end;
        }
        html.push_str(&escape_html(&self.text[at..]));
        html
    }
}

/// Highlights a hit's title and snippet.
pub(crate) struct Highlighter {
    title: Option<PassageFinder>,
    body: Option<PassageFinder>,
    subject: Option<Subject>,
}

impl Highlighter {
    pub(crate) fn new(
        searcher: &Searcher,
        query: Option<&dyn Query>,
        subject: Option<Subject>,
        fields: &Fields,
    ) -> Result<Highlighter> {
        let Some(query) = query else {
            return Ok(Highlighter {
                title: None,
                body: None,
                subject: None,
            });
        };
        let role = |stem: &str| subject.as_ref().map_or(Role::Typed, |s| s.role(stem));
        Ok(Highlighter {
            title: Some(passage_finder(
                searcher,
                query,
                fields.title,
                SNIPPET_CHARS,
                &role,
            )?),
            body: Some(passage_finder(
                searcher,
                query,
                fields.body,
                SNIPPET_CHARS,
                &role,
            )?),
            subject,
        })
    }

    pub(crate) fn title(&self, title: &str) -> Highlighted {
        match &self.title {
            Some(finder) => Highlighted {
                text: title.to_string(),
                marks: finder.mark_all(title),
            },
            None => Highlighted::plain(title.to_string()),
        }
    }

    /// The passage of `body` that best matches, else the description or the body's lead. A
    /// body that opens with the page's title (its h1) is read from after it: the title is
    /// shown already, and the snippet is for the passage that answers the query. When a part
    /// of `shown` (the title without the site's suffix) holds the whole query, the page's
    /// opening is that passage; else the query's words that the title's head does not hold
    /// choose it.
    pub(crate) fn snippet(
        &self,
        body: &str,
        description: &str,
        title: &str,
        shown: &str,
    ) -> Highlighted {
        let body = without_title(body, title);
        if let Some(finder) = &self.body {
            let named = self
                .subject
                .as_ref()
                .zip(self.title.as_ref())
                .is_some_and(|(subject, title)| subject.named_by(shown, title));
            if named && !body.trim().is_empty() {
                return highlighted(body, finder.opening(body));
            }
            let mut scanned = body.len().min(SNIPPET_SCAN_BYTES);
            while !body.is_char_boundary(scanned) {
                scanned -= 1;
            }
            if let Some(found) = finder.find(&body[..scanned], title_head(shown)) {
                return highlighted(body, found);
            }
        }
        let source = if description.is_empty() {
            body
        } else {
            description
        };
        Highlighted::plain(lead(source, SNIPPET_CHARS))
    }
}

/// `body` without a leading copy of `title` (or of the title's part before a ` | ` or ` - `
/// site suffix).
fn without_title<'a>(body: &'a str, title: &str) -> &'a str {
    let candidates = [
        Some(title),
        title.split(" | ").next(),
        title.rsplit_once(" - ").map(|(head, _)| head),
    ];
    for candidate in candidates.into_iter().flatten() {
        let candidate = candidate.trim();
        if candidate.len() < 3 {
            continue;
        }
        if let Some(rest) = body.trim_start().strip_prefix(candidate) {
            // The indexer ends a heading with a colon ("Coder: Duties: …").
            let rest = rest.strip_prefix(':').unwrap_or(rest);
            if rest.len() > 40 {
                return rest.trim_start();
            }
        }
    }
    body
}

/// The passage `found` in `text`, as [`Highlighted`] text.
fn highlighted(text: &str, found: Found) -> Highlighted {
    let start = found.range.start;
    Highlighted {
        text: text[found.range].to_string(),
        marks: found
            .marks
            .into_iter()
            .map(|mark| mark.start - start..mark.end - start)
            .collect(),
    }
}

/// Share of the lightest content word's weight that a synonym's word weighs in passages, at
/// most: the words typed choose the passage ("Eligibility" for "rhit exam eligibility", not
/// the page's "Registered Health Information Technician").
const EXPANSION_SHARE: f32 = 0.25;

/// Share of the lightest content word's weight that a filler word weighs in passages, at most:
/// filler words ("how", "do", "i") are rare enough in prose to outweigh every content word by
/// their frequency, but a passage that asks the question as typed ("Where can I find a
/// CAHIIM-accredited program?") is still preferred.
const FILLER_SHARE: f32 = 0.5;

/// Finds passages of `field` for `query`'s terms in that field, weighted as tantivy's snippet
/// generator weighs them (rarer words make the better passage); filler and synonyms' words
/// weigh at most [`FILLER_SHARE`] and [`EXPANSION_SHARE`] of the lightest word typed.
pub(crate) fn passage_finder(
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
    max_chars: usize,
    role: &dyn Fn(&str) -> Role,
) -> Result<PassageFinder> {
    let mut terms = BTreeSet::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field {
            terms.insert(term.clone());
        }
    });
    let mut weights = BTreeMap::new();
    let mut lightest = f32::INFINITY;
    for term in &terms {
        let value = term.value();
        let Some(text) = value.as_str() else {
            continue;
        };
        let doc_freq = searcher.doc_freq(term)?;
        if doc_freq == 0 {
            continue;
        }
        let role = role(text);
        let weight = 1.0 / (1.0 + doc_freq as f32);
        if role == Role::Typed {
            lightest = lightest.min(weight);
        }
        weights.insert(text.to_string(), (weight, role));
    }
    let weights = weights
        .into_iter()
        .map(|(text, (weight, role))| {
            let weight = match role {
                Role::Typed => weight,
                Role::Filler => FILLER_SHARE * weight.min(lightest),
                Role::Expansion => EXPANSION_SHARE * weight.min(lightest),
            };
            (text, weight)
        })
        .collect();
    let analyzer = searcher.index().tokenizer_for_field(field)?;
    Ok(PassageFinder::new(weights, max_chars, analyzer))
}

/// The first `max` characters of `text`, cut at a word boundary, with an ellipsis if cut.
fn lead(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |pos| &cut[..pos]);
    format!("{cut}…")
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_dangerous() {
        assert_eq!(
            escape_html(r#"<img src=x onerror="a('1')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn one_rendering_for_html_and_parts() {
        let marked = Highlighted {
            text: "RHIT & CCS <exam> 'prep'".to_string(),
            marks: vec![0..4, 7..10],
        };
        assert_eq!(marked.parts(), ["", "RHIT", " & ", "CCS", " <exam> 'prep'"]);
        assert_eq!(
            marked.to_html(),
            "<mark>RHIT</mark> &amp; <mark>CCS</mark> &lt;exam&gt; &#39;prep&#39;"
        );
        assert_eq!(Highlighted::plain("a'b".into()).to_html(), "a&#39;b");
    }

    #[test]
    fn the_title_opening_a_body_is_skipped() {
        let body = "Is Medical Coding Hard? Short answer: it takes practice with the code books.";
        assert_eq!(
            without_title(body, "Is Medical Coding Hard? | HIM Careers Hub"),
            "Short answer: it takes practice with the code books."
        );
        assert_eq!(without_title(body, "Another page"), body);
        assert_eq!(
            without_title("Short page", "Short page"),
            "Short page",
            "nothing left"
        );
    }

    #[test]
    fn lead_cuts_at_words() {
        assert_eq!(lead("alpha beta gamma", 12), "alpha beta…");
        assert_eq!(lead("short", 12), "short");
    }
}
