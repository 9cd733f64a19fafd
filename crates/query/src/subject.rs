//! What a query asks about, to tell whether a page's title names all of it.
//!
//! A title that holds every content word of a question ("how long does it take to become a
//! medical coder" and "How Long Does It Take to Become a Medical Coder?", "difference between
//! rhit and rhia" and "RHIT vs RHIA") says the page as a whole answers it; its author opens
//! with the answer ("It depends on the route…", "The short answer…"), which is the snippet
//! people want, where the passage densest in query words is often an aside that repeats them.
//! Search engines show a page's own summary in the same case, and so does a one-word query
//! here on every hit whose title has the word. One part of the title must hold the whole
//! query (its head, or a subtitle that says it again: "Remote Coding Jobs: Working From Home
//! as a Coder"): "CPC Exam: Format, Open Books and How to Prepare" is about the CPC exam, so
//! "is the cpc exam open book" wants the passage on open books, found by the words the head
//! does not hold.

use std::collections::HashMap;

use him_schema::analysis;

use crate::build::{corrected_words, is_filler, QueryModel, MIN_PREFIX_CHARS};
use crate::parse::ParsedQuery;
use crate::snippet::PassageFinder;

/// How a term of the query counts when choosing a passage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A content word typed (or corrected).
    Typed,
    /// A filler word ("how", "do", "i").
    Filler,
    /// A synonym's word ("registered health information technician" for "rhit").
    Expansion,
}

/// The stems of a query's words (corrected where the ranking corrected them).
pub(crate) struct Subject {
    /// Of the content words but [`Subject::prefix`].
    stems: Vec<String>,
    /// Of every content word.
    typed: Vec<String>,
    /// Of the filler words.
    filler: Vec<String>,
    /// The last word, lower-cased, when the query is still being typed and the ranking
    /// expands it as a prefix: a title word that begins with it holds it.
    prefix: Option<String>,
    /// Whether the query asks about one thing: not with `OR`.
    one_thing: bool,
}

impl Subject {
    /// `None` for a query without words.
    pub(crate) fn of(
        model: &QueryModel,
        parsed: &ParsedQuery,
        corrections: &HashMap<String, Option<String>>,
        prefix_last: bool,
    ) -> Option<Subject> {
        let words = corrected_words(&model.raw, parsed, corrections);
        let mut stemmer = model.stemmer.clone();
        let mut raw = model.raw.clone();
        let mut stems = Vec::new();
        let mut typed = Vec::new();
        let mut filler = Vec::new();
        let mut prefix = None;
        let last = words.len().saturating_sub(1);
        for (n, word) in words.iter().enumerate() {
            let tokens = analysis::tokens(&mut stemmer, word);
            if is_filler(word) {
                filler.extend(tokens);
                continue;
            }
            typed.extend(tokens.iter().cloned());
            match analysis::tokens(&mut raw, word).as_slice() {
                [raw] if n == last && prefix_last && raw.chars().count() >= MIN_PREFIX_CHARS => {
                    prefix = Some(raw.clone());
                }
                _ => stems.extend(tokens),
            }
        }
        if words.is_empty() {
            return None;
        }
        Some(Subject {
            stems,
            typed,
            filler,
            prefix,
            one_thing: parsed.groups.iter().all(|group| group.len() == 1),
        })
    }

    /// How a term counts when choosing a passage.
    pub(crate) fn role(&self, stem: &str) -> Role {
        if self.typed.iter().any(|typed| typed == stem) {
            Role::Typed
        } else if self.filler.iter().any(|filler| filler == stem) {
            Role::Filler
        } else {
            Role::Expansion
        }
    }

    /// Whether one of `title`'s [`parts`] holds every content word of the query, its words
    /// found by `finder` (over the title field's terms).
    pub(crate) fn named_by(&self, title: &str, finder: &PassageFinder) -> bool {
        if !self.one_thing || (self.stems.is_empty() && self.prefix.is_none()) {
            return false;
        }
        parts(title).any(|part| {
            finder.holds(part, &self.stems)
                && self.prefix.as_ref().is_none_or(|prefix| {
                    let mut analyzer = None;
                    part.split(|c: char| !c.is_alphanumeric()).any(|word| {
                        analysis::raw_word(word, &mut analyzer)
                            .is_some_and(|raw| raw.starts_with(prefix.as_str()))
                    })
                })
        })
    }
}

/// A title's parts: its subject, then its subtitles (after a colon, a dash or a question mark).
/// "RHIT vs RHIA: Which Credential Is Right for You?" is "RHIT vs RHIA" and "Which Credential
/// Is Right for You"; "Electronic Health Records (EHR)" is one part.
fn parts(title: &str) -> impl Iterator<Item = &str> {
    let mut rest = title;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let (part, after) = match subtitle_mark(rest) {
            Some((at, len)) => (&rest[..at], &rest[at + len..]),
            None => (rest, ""),
        };
        rest = after;
        let part = part.trim();
        if !part.is_empty() {
            return Some(part);
        }
    })
}

/// The first mark of a subtitle in `text`: its byte offset and length.
fn subtitle_mark(text: &str) -> Option<(usize, usize)> {
    text.char_indices().find_map(|(at, c)| match c {
        ':' | '?' => Some((at, 1)),
        '-' | '–' | '—'
            if text[..at].ends_with(' ') && text[at + c.len_utf8()..].starts_with(' ') =>
        {
            Some((at, c.len_utf8()))
        }
        _ => None,
    })
}

/// The first of a title's [`parts`], its head; empty when it has none.
pub(crate) fn title_head(title: &str) -> &str {
    parts(title).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use him_schema::Taxonomy;

    /// Whether `title` names `query` (typed whole, or with its last word being typed).
    fn named(query: &str, prefix_last: bool, title: &str) -> bool {
        let model =
            QueryModel::new(&him_schema::build_schema(), &Taxonomy::builtin().unwrap()).unwrap();
        let subject = Subject::of(&model, &parse(query), &HashMap::new(), prefix_last).unwrap();
        let stems = analysis::tokens(&mut analysis::stemmed_analyzer(), title);
        let finder = PassageFinder::new(
            stems.into_iter().map(|stem| (stem, 1.0)).collect(),
            200,
            analysis::stemmed_analyzer(),
        );
        subject.named_by(title, &finder)
    }

    #[test]
    fn a_title_part_holding_every_content_word_names_the_query() {
        let question = "how long does it take to become a medical coder";
        assert!(named(
            question,
            false,
            "How Long Does It Take to Become a Medical Coder?"
        ));
        assert!(!named(
            question,
            false,
            "How to Become a Medical Coder, Step by Step"
        ));
        assert!(named(
            "is the cpc exam open book",
            false,
            "Is the CPC Exam Open Book?"
        ));
        assert!(!named(
            "is the cpc exam open book",
            false,
            "CPC Exam: Format, Open Books and How to Prepare"
        ));
        assert!(
            named("cpc ex", true, "CPC Exam: Format"),
            "a prefix being typed"
        );
        assert!(
            !named("cpc e", true, "CPC Exam: Format"),
            "one letter is a word"
        );
        assert!(
            !named("rhit OR rhia", false, "RHIT vs RHIA"),
            "OR names no one thing"
        );
        assert!(
            !named("how do i", false, "How Do I"),
            "filler names nothing"
        );
    }

    #[test]
    fn words_typed_weigh_more_than_filler_and_synonyms() {
        let model =
            QueryModel::new(&him_schema::build_schema(), &Taxonomy::builtin().unwrap()).unwrap();
        let subject = Subject::of(
            &model,
            &parse("how do i renew rhit OR rhia"),
            &HashMap::new(),
            false,
        )
        .unwrap();
        assert_eq!(subject.role("renew"), Role::Typed);
        assert_eq!(subject.role("rhia"), Role::Typed);
        assert_eq!(subject.role("how"), Role::Filler);
        assert_eq!(subject.role("technician"), Role::Expansion);
        assert!(Subject::of(&model, &parse(""), &HashMap::new(), true).is_none());
    }

    #[test]
    fn a_subtitle_is_not_the_subject() {
        assert_eq!(
            title_head("RHIT vs RHIA: Which Credential Is Right for You?"),
            "RHIT vs RHIA"
        );
        assert_eq!(
            title_head("How Long Does It Take to Become a Medical Coder?"),
            "How Long Does It Take to Become a Medical Coder"
        );
        assert_eq!(
            title_head("Electronic Health Records (EHR)"),
            "Electronic Health Records (EHR)"
        );
        assert_eq!(title_head("CCS-P: Certified Coding Specialist"), "CCS-P");
        assert_eq!(title_head("Health Data Analyst"), "Health Data Analyst");
        assert_eq!(title_head(": odd"), "odd");
        assert_eq!(title_head(" ? "), "");
        assert_eq!(
            parts("Remote Coding Jobs: Working From Home as a Coder - Guide").collect::<Vec<_>>(),
            [
                "Remote Coding Jobs",
                "Working From Home as a Coder",
                "Guide"
            ]
        );
    }
}
