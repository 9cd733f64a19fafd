//! What a query asks about, to tell whether a page's title names all of it.
//!
//! A title that holds every content word of a question ("how long does it take to become a
//! medical coder" and "How Long Does It Take to Become a Medical Coder?", "difference between
//! rhit and rhia" and "RHIT vs RHIA") says the page as a whole answers it; its author opens
//! with the answer ("It depends on the route…", "The short answer…"), which is the snippet
//! people want, where the passage densest in query words is often an aside that repeats them.
//! Search engines show a page's own summary in the same case. One part of the title must hold
//! the whole query (its subject, or a subtitle that says it again: "Remote Coding Jobs: Working
//! From Home as a Coder"): "CPC Exam: Format, Open Books and How to Prepare" is about the CPC
//! exam, so "is the cpc exam open book" wants the passage on open books, found by the words
//! the subject does not hold.

use std::collections::HashMap;

use him_schema::analysis;

use crate::build::{corrected_words, is_filler, QueryModel};
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
    /// Of the content words.
    stems: Vec<String>,
    /// Of the content words, the last one included when it is a prefix.
    typed: Vec<String>,
    /// Of the filler words.
    filler: Vec<String>,
    /// The last word, lower-cased, when the query is still being typed: a title word that
    /// begins with it names it.
    prefix: Option<String>,
}

impl Subject {
    /// `None` for a query with `OR` (it names no one thing) or without content words.
    pub(crate) fn of(
        model: &QueryModel,
        parsed: &ParsedQuery,
        corrections: &HashMap<String, Option<String>>,
        prefix_last: bool,
    ) -> Option<Subject> {
        if parsed.groups.iter().any(|group| group.len() > 1) {
            return None;
        }
        let words = corrected_words(&model.raw, parsed, corrections);
        let mut stemmer = model.stemmer.clone();
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
            if n == last && prefix_last && !tokens.is_empty() {
                prefix = analysis::tokens(&mut model.raw.clone(), word).pop();
            } else {
                stems.extend(tokens);
            }
        }
        if stems.is_empty() && prefix.is_none() {
            return None;
        }
        Some(Subject {
            stems,
            typed,
            filler,
            prefix,
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
pub(crate) fn parts(title: &str) -> impl Iterator<Item = &str> {
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

/// The first of a title's [`parts`], its subject; the whole title when it has none.
pub(crate) fn main_part(title: &str) -> &str {
    parts(title).next().unwrap_or(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subtitle_is_not_the_subject() {
        assert_eq!(
            main_part("RHIT vs RHIA: Which Credential Is Right for You?"),
            "RHIT vs RHIA"
        );
        assert_eq!(
            main_part("How Long Does It Take to Become a Medical Coder?"),
            "How Long Does It Take to Become a Medical Coder"
        );
        assert_eq!(
            main_part("Electronic Health Records (EHR)"),
            "Electronic Health Records (EHR)"
        );
        assert_eq!(main_part("CCS-P: Certified Coding Specialist"), "CCS-P");
        assert_eq!(main_part("Health Data Analyst"), "Health Data Analyst");
        assert_eq!(main_part(": odd"), "odd");
        assert_eq!(main_part(" ? "), " ? ");
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
