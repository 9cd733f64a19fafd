//! Highlighting: a hit's title and snippet as HTML, the text escaped and the words that
//! matched the query in `<mark>`. The snippet is the passage of the body that best matches;
//! without one, the description or the body's lead.

use std::collections::{BTreeMap, BTreeSet};

use him_schema::{analysis, Fields};
use tantivy::query::Query;
use tantivy::schema::{Field, FieldType};
use tantivy::snippet::SnippetGenerator;
use tantivy::Searcher;

use crate::Result;

/// Characters in a snippet (about 30 words).
const SNIPPET_CHARS: usize = 200;

/// Bytes of a body searched for the best snippet: the snippet generator tokenizes and stems
/// all it is given, and one hit on a 5 MB PDF's text would otherwise cost more than the
/// whole search. Ordinary pages are far shorter.
const SNIPPET_SCAN_BYTES: usize = 64 * 1024;

/// Builds `title_html` and `snippet`: text HTML-escaped, matched words in `<mark>`.
pub(crate) struct Highlighter {
    title: Option<SnippetGenerator>,
    body: Option<SnippetGenerator>,
}

impl Highlighter {
    pub(crate) fn new(
        searcher: &Searcher,
        query: Option<&dyn Query>,
        fields: &Fields,
    ) -> Result<Highlighter> {
        let Some(query) = query else {
            return Ok(Highlighter {
                title: None,
                body: None,
            });
        };
        Ok(Highlighter {
            title: Some(snippet_generator(searcher, query, fields.title, 1000)?),
            body: Some(snippet_generator(
                searcher,
                query,
                fields.body,
                SNIPPET_CHARS,
            )?),
        })
    }

    pub(crate) fn title(&self, title: &str) -> String {
        match &self.title {
            Some(generator) => {
                let mut snippet = generator.snippet(title);
                if snippet.is_empty() {
                    return escape_html(title);
                }
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                snippet.to_html()
            }
            None => escape_html(title),
        }
    }

    pub(crate) fn snippet(&self, body: &str, description: &str) -> String {
        if let Some(generator) = &self.body {
            let mut scanned = body.len().min(SNIPPET_SCAN_BYTES);
            while !body.is_char_boundary(scanned) {
                scanned -= 1;
            }
            let mut snippet = generator.snippet(&body[..scanned]);
            if !snippet.is_empty() && !snippet.highlighted().is_empty() {
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                return snippet.to_html();
            }
        }
        let source = if description.is_empty() {
            body
        } else {
            description
        };
        escape_html(&lead(source, SNIPPET_CHARS))
    }
}

/// What `SnippetGenerator::create` makes, but tokenizing with the highlighting analyzer,
/// which stems only the words that could match: the same snippets, for less than half the
/// tokenizing (analysis.rs).
pub(crate) fn snippet_generator(
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
    max_chars: usize,
) -> Result<SnippetGenerator> {
    let mut terms = BTreeSet::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field {
            terms.insert(term.clone());
        }
    });
    // Weighted as tantivy weights them: rarer words make the better fragment.
    let mut weights = BTreeMap::new();
    for term in &terms {
        let value = term.value();
        let Some(text) = value.as_str() else {
            continue;
        };
        let doc_freq = searcher.doc_freq(term)?;
        if doc_freq > 0 {
            weights.insert(text.to_string(), 1.0 / (1.0 + doc_freq as f32));
        }
    }
    let stemmed = match searcher.schema().get_field_entry(field).field_type() {
        FieldType::Str(options) => options
            .get_indexing_options()
            .is_some_and(|indexing| indexing.tokenizer() == analysis::STEMMED),
        _ => false,
    };
    let analyzer = if stemmed {
        analysis::highlighting_analyzer(weights.keys().map(String::as_str))
    } else {
        searcher.index().tokenizer_for_field(field)?
    };
    Ok(SnippetGenerator::new(weights, analyzer, field, max_chars))
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
    fn lead_cuts_at_words() {
        assert_eq!(lead("alpha beta gamma", 12), "alpha beta…");
        assert_eq!(lead("short", 12), "short");
    }
}
