//! The run's writes, and ranked titles without the site's suffix.
//!
//! Most pages of a site end their title with the site's name (" | HIM Careers Hub"). Ranked,
//! that suffix matches every query naming the site and lengthens every title, which blurs the
//! titles that are short because they are about one thing. A run finds the suffix
//! ([`him_schema::affix`]) from the titles already in the index and its first new documents,
//! holding those documents until [`TITLE_SAMPLE`] titles are seen, their text reaches 64 MiB,
//! or the run ends. Each title is then indexed without the suffix and stored whole:
//! pre-tokenized, its tokens are those of the title without the suffix, its stored text the
//! title as written. The raw words behind prefixes and typos leave the suffix out too (typing
//! the site's name would otherwise list every page), and what the title says the page is
//! about (the `about` field, `about.rs`) is read from it without the suffix.

use him_schema::affix::{common_suffix, sample_titles, strip_suffix, TITLE_SAMPLE};
use him_schema::{about_text, analysis, stored_text, title_form_text, Fields, Taxonomy};
use tantivy::schema::Value;
use tantivy::tokenizer::{PreTokenizedString, TextAnalyzer};
use tantivy::{IndexWriter, Searcher, TantivyDocument, Term};

use crate::about::TitleNames;
use crate::document::distinct_words;
use crate::Result;

/// Every document and deletion of a run goes through here, in order.
pub(crate) struct Writes {
    writer: IndexWriter,
    fields: Fields,
    analyzer: TextAnalyzer,
    names: TitleNames,
    suffix: Suffix,
}

/// The site's suffix: known, or still being found.
enum Suffix {
    Known(Option<String>),
    Finding {
        /// Titles of documents indexed before this run.
        indexed: Vec<String>,
        /// Documents of this run, in order, waiting for the suffix.
        waiting: Vec<Waiting>,
        /// Their text's size.
        bytes: usize,
    },
}

struct Waiting {
    title: String,
    document: TantivyDocument,
}

impl Writes {
    /// Writes through `writer`; `before` is the index as the run found it (`None` for a
    /// rebuild), whose titles count towards the suffix.
    pub(crate) fn new(
        writer: IndexWriter,
        fields: Fields,
        taxonomy: &Taxonomy,
        before: Option<&Searcher>,
    ) -> Writes {
        let indexed = before.map(sample_titles).unwrap_or_default();
        let known = indexed.len() >= TITLE_SAMPLE;
        let suffix = if known {
            Suffix::Known(common_suffix(&indexed))
        } else {
            Suffix::Finding {
                indexed,
                waiting: Vec::new(),
                bytes: 0,
            }
        };
        Writes {
            writer,
            fields,
            analyzer: analysis::stemmed_analyzer(),
            names: TitleNames::new(taxonomy),
            suffix,
        }
    }

    /// Adds `document`, whose title (not yet in it) is `title`.
    pub(crate) fn add(&mut self, title: &str, document: TantivyDocument) -> Result<()> {
        match &mut self.suffix {
            Suffix::Known(suffix) => {
                let suffix = suffix.clone();
                self.write(title, suffix.as_deref(), document)
            }
            Suffix::Finding {
                indexed,
                waiting,
                bytes,
            } => {
                *bytes += text_bytes(&document);
                waiting.push(Waiting {
                    title: title.to_string(),
                    document,
                });
                // A few huge documents (PDF text, 20 MiB pages) settle it early: memory stays
                // bounded by what a batch of the run holds.
                if indexed.len() + waiting.len() >= TITLE_SAMPLE || *bytes >= MAX_WAITING_BYTES {
                    self.settle()?;
                }
                Ok(())
            }
        }
    }

    /// Deletes the documents with `term` (a path or an id), those still waiting included.
    pub(crate) fn delete_term(&mut self, term: Term) {
        if let Suffix::Finding { waiting, .. } = &mut self.suffix {
            let value = term.value();
            let text = value.as_str().unwrap_or_default();
            waiting.retain(|w| stored_text(&w.document, term.field()) != text);
        }
        self.writer.delete_term(term);
    }

    /// Writes whatever waits (the suffix then settles on what was seen) and hands back the
    /// writer with the suffix found.
    pub(crate) fn finish(mut self) -> Result<(IndexWriter, Option<String>)> {
        self.settle()?;
        let suffix = match self.suffix {
            Suffix::Known(suffix) => suffix,
            Suffix::Finding { .. } => None,
        };
        Ok((self.writer, suffix))
    }

    /// Decides the suffix from the titles seen and writes the documents that waited for it.
    fn settle(&mut self) -> Result<()> {
        let Suffix::Finding {
            indexed, waiting, ..
        } = &mut self.suffix
        else {
            return Ok(());
        };
        let waiting = std::mem::take(waiting);
        let titles: Vec<&str> = indexed
            .iter()
            .map(String::as_str)
            .chain(waiting.iter().map(|w| w.title.as_str()))
            .collect();
        let suffix = common_suffix(&titles);
        self.suffix = Suffix::Known(suffix.clone());
        for Waiting { title, document } in waiting {
            self.write(&title, suffix.as_deref(), document)?;
        }
        Ok(())
    }

    /// Adds the title, and what it says the page is about, to `document` and writes it.
    fn write(
        &mut self,
        title: &str,
        suffix: Option<&str>,
        mut document: TantivyDocument,
    ) -> Result<()> {
        let ranked = strip_suffix(title, suffix);
        add_title(
            &mut self.analyzer,
            &self.fields,
            &mut document,
            title,
            ranked,
        );
        let about = self.names.about(ranked);
        for (kind, value) in about.values.iter() {
            document.add_text(self.fields.about, about_text(kind, value));
        }
        for (kind, form) in &about.forms {
            document.add_text(self.fields.about, title_form_text(*kind, form));
        }
        self.writer.add_document(document)?;
        Ok(())
    }
}

/// Text of the documents waiting for the suffix, at most (see [`Writes::add`]).
const MAX_WAITING_BYTES: usize = 64 * 1024 * 1024;

/// The size of `document`'s text values.
fn text_bytes(document: &TantivyDocument) -> usize {
    document
        .field_values()
        .map(|(_, value)| value.as_str().map_or(8, str::len))
        .sum()
}

/// Adds `title` to `document`: ranked as `ranked` (without the site's suffix), stored whole;
/// the ranked title's words join the raw words that prefixes, typos and corrections look up.
fn add_title(
    analyzer: &mut TextAnalyzer,
    fields: &Fields,
    document: &mut TantivyDocument,
    title: &str,
    ranked: &str,
) {
    document.add_text(fields.all_raw, distinct_words(ranked, ""));
    if ranked.len() == title.len() {
        document.add_text(fields.title, title);
        return;
    }
    // The ranked title is a prefix of the stored one, so its tokens' offsets hold for both.
    let mut tokens = Vec::new();
    analyzer
        .token_stream(ranked)
        .process(&mut |token| tokens.push(token.clone()));
    document.add_pre_tokenized_text(
        fields.title,
        PreTokenizedString {
            text: title.to_string(),
            tokens,
        },
    );
}
