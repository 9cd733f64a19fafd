//! A parsed source as a tantivy document.

use std::borrow::Cow;
use std::collections::HashSet;

use him_schema::{analysis, facet_of, FacetValues, Fields};
use him_semantic::{embed, quantize, PAGE_TOKENS};
use tantivy::TantivyDocument;

use crate::extract::Extracted;

/// Everything written for one document.
#[derive(Debug, Clone)]
pub(crate) struct DocumentParts<'a> {
    pub(crate) id: &'a str,
    pub(crate) path: &'a str,
    pub(crate) url: &'a str,
    pub(crate) source_kind: &'a str,
    pub(crate) lang: &'a str,
    pub(crate) page: &'a Extracted,
    pub(crate) facets: &'a FacetValues,
    pub(crate) outlinks: &'a [String],
    pub(crate) links_to: &'a [String],
    pub(crate) content_hash: u64,
    pub(crate) body_hash: u64,
    /// Whether the page's meaning is embedded (the run's [`crate::Meanings`]).
    pub(crate) meaning: bool,
}

/// The document, but for its title and what the title says the page is about: the run adds
/// those when it writes it (`titles.rs`), once the site's title suffix is known.
pub(crate) fn build_document(fields: &Fields, parts: &DocumentParts<'_>) -> TantivyDocument {
    let page = parts.page;
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, parts.id);
    doc.add_text(fields.path, parts.path);
    doc.add_text(fields.url, parts.url);
    let suggest_title: String = page
        .title
        .chars()
        .take(him_schema::SUGGEST_TITLE_CHARS)
        .collect();
    doc.add_text(fields.suggest_title, suggest_title);
    for heading in &page.headings {
        doc.add_text(fields.headings, heading);
    }
    doc.add_text(fields.description, &page.description);
    doc.add_text(fields.body, &page.body);
    if !page.emphasis.is_empty() {
        doc.add_text(fields.emphasis, &page.emphasis);
    }
    // The title's words are added with the title, without the site's suffix.
    doc.add_text(
        fields.all_raw,
        distinct_words(&page.headings_and_description(), &page.body),
    );
    for link in parts.outlinks {
        doc.add_text(fields.outlinks, link);
    }
    for target in parts.links_to {
        doc.add_text(fields.links_to, target);
    }
    doc.add_text(fields.lang, parts.lang);
    // A noindex page is dropped before it is written: its meaning would be wasted.
    if parts.meaning && !page.noindex {
        if let Some(meaning) = meaning_of(page) {
            doc.add_bytes(fields.meaning, &meaning);
        }
    }
    doc.add_text(fields.source_kind, parts.source_kind);
    doc.add_u64(fields.content_hash, parts.content_hash);
    doc.add_u64(fields.body_hash, parts.body_hash);
    for (kind, value) in parts.facets.iter() {
        doc.add_facet(fields.facets, facet_of(kind, value));
    }
    doc
}

/// Characters of a page's text given to the model: more than its [`PAGE_TOKENS`] word pieces
/// take (about 4 characters each), so that a long body is not tokenized whole.
const MEANING_CHARS: usize = 4 * PAGE_TOKENS + 512;

/// The quantized vector of what the page's opening says (title, description, the start of the
/// body), or none if the model fails. Nothing in a page can make it fail (the text is cut to
/// [`MEANING_CHARS`]; the weights are compiled in), so a failure is a defect: logged as an
/// error, and the page ranks by its words alone.
fn meaning_of(page: &Extracted) -> Option<Vec<u8>> {
    let opening: String = [&page.title, &page.description, &page.body]
        .into_iter()
        .filter(|text| !text.is_empty())
        .flat_map(|text| text.chars().chain(". ".chars()))
        .take(MEANING_CHARS)
        .collect();
    match embed(&opening, PAGE_TOKENS) {
        Ok(vector) => Some(quantize(&vector)),
        Err(err) => {
            tracing::error!(title = %page.title, error = %err, "no meaning for the page");
            None
        }
    }
}

/// Each word of `prominent` and `body` once, as the raw analyzer writes it, in order of first
/// appearance. The raw field only answers "which documents have a word like this" (prefixes,
/// typos, spelling corrections by document frequency), so repeats, even in other letter case,
/// would only cost indexing time: this field was a third of it.
pub(crate) fn distinct_words(prominent: &str, body: &str) -> String {
    let mut seen: HashSet<Cow<'_, str>, foldhash::fast::FixedState> =
        HashSet::with_hasher(foldhash::fast::FixedState::default());
    let mut out = String::with_capacity((prominent.len() + body.len()) / 4);
    let mut analyzer = None;
    for text in [prominent, body] {
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            let Some(word) = analysis::raw_word(word, &mut analyzer) else {
                continue;
            };
            if !seen.contains(word.as_ref()) {
                out.push_str(&word);
                out.push(' ');
                seen.insert(word);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::distinct_words;

    #[test]
    fn words_once_in_first_order() {
        assert_eq!(
            distinct_words(
                "RHIT exam",
                "The RHIT exam: the exam, l'Examen; ICD-10-CM Über"
            ),
            "rhit exam the l examen icd 10 cm uber "
        );
    }
}
