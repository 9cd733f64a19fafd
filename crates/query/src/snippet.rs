//! The passage of a text that best matches a query's terms: what tantivy's `SnippetGenerator`
//! finds, in one pass over the text's bytes instead of through a token stream.
//!
//! The generator runs the field's whole analyzer over the text (tokenize, lowercase, fold,
//! drop stop words, stem), building a token per word, to compare stems with the query's. In a
//! search it is the passage of each of ten hits: a fifth of a one-word search on the 10k-page
//! benchmark site (BENCHMARKS.md, #18). Here a word is only cut out of the text, and only
//! lower-cased, folded and stemmed when it could be a stop word (which moves the passages'
//! borders, so it must be known) or a match (its first letter begins a query term: Snowball's
//! English stemmer rewrites endings only). The passages and marks are the generator's,
//! checked against it in `engine.rs`'s tests.

use std::collections::BTreeMap;
use std::ops::Range;

use him_schema::analysis::{self, MAX_TOKEN_LEN};
use tantivy::tokenizer::TextAnalyzer;

/// Longest stop word, in bytes ("there", "these", "their").
const LONGEST_STOP_WORD: usize = 5;

/// The letters stop words begin with (the test below checks the list against the analyzer's).
const STOP_INITIALS: &[u8] = b"abfinostw";

/// Each byte's class: part of an ASCII word, an ASCII separator, or part of a multi-byte
/// character (decoded to ask).
const WORD: u8 = 1;
const SEPARATOR: u8 = 0;
const MULTIBYTE: u8 = 2;
const CLASSES: [u8; 256] = {
    let mut classes = [MULTIBYTE; 256];
    let mut byte = 0;
    while byte < 128 {
        classes[byte] = if (byte as u8).is_ascii_alphanumeric() {
            WORD
        } else {
            SEPARATOR
        };
        byte += 1;
    }
    classes
};

/// Finds the best passage of a text for a set of weighted stemmed terms.
#[derive(Clone)]
pub(crate) struct PassageFinder {
    /// Weight of each term: rarer words make the better passage.
    weights: BTreeMap<String, f32>,
    /// Whether a word beginning with this ASCII byte (lower-cased) could stem to a term.
    initials: [bool; 128],
    /// Most bytes a passage spans.
    max_bytes: usize,
    /// For words that are not ASCII (rare): the field's analyzer, word by word.
    analyzer: TextAnalyzer,
}

/// A passage: its byte range in the text, its matches, its score.
struct Passage {
    start: usize,
    stop: usize,
    score: f32,
    marks: Vec<Range<usize>>,
}

impl Passage {
    fn new(start: usize) -> Passage {
        Passage {
            start,
            stop: start,
            score: 0.0,
            marks: Vec::new(),
        }
    }
}

/// The best passage: its byte range in the text and its matches' ranges (in the text).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub(crate) range: Range<usize>,
    pub(crate) marks: Vec<Range<usize>>,
}

impl PassageFinder {
    /// `weights` by stemmed term; `analyzer` is the stemmed analyzer of the field.
    pub(crate) fn new(
        weights: BTreeMap<String, f32>,
        max_bytes: usize,
        analyzer: TextAnalyzer,
    ) -> PassageFinder {
        let mut initials = [false; 128];
        for term in weights.keys() {
            match term.as_bytes().first() {
                Some(&byte) if byte.is_ascii() => initials[usize::from(byte)] = true,
                // A term beginning with another character: only non-ASCII words could match
                // it, and those are always analyzed.
                _ => {}
            }
        }
        PassageFinder {
            weights,
            initials,
            max_bytes,
            analyzer,
        }
    }

    /// The passage of `text` with the highest total weight of matched words (the first of
    /// equals); `None` when no word matches.
    pub(crate) fn find(&self, text: &str) -> Option<Found> {
        if self.weights.is_empty() {
            return None;
        }
        let mut analyzer = self.analyzer.clone();
        let mut best: Option<Passage> = None;
        let mut passage = Passage::new(0);
        let mut lower = String::with_capacity(MAX_TOKEN_LEN);
        for (word, ascii) in words(text) {
            let Some(weight) = self.weigh(&text[word.clone()], ascii, &mut lower, &mut analyzer)
            else {
                continue; // not a token: too long, or a stop word
            };
            if word.end - passage.start > self.max_bytes {
                keep_better(&mut best, passage);
                passage = Passage::new(word.start);
            }
            passage.stop = word.end;
            if weight > 0.0 {
                passage.score += weight;
                passage.marks.push(word);
            }
        }
        keep_better(&mut best, passage);
        best.map(|passage| Found {
            range: passage.start..passage.stop,
            marks: passage.marks,
        })
    }

    /// `None` when the analyzer drops `word`; else its weight (0 when it matches no term).
    fn weigh(
        &self,
        word: &str,
        ascii: bool,
        lower: &mut String,
        analyzer: &mut TextAnalyzer,
    ) -> Option<f32> {
        if word.len() >= MAX_TOKEN_LEN {
            return None;
        }
        if !ascii {
            let tokens = analysis::tokens(analyzer, word);
            let [stem] = tokens.as_slice() else {
                return None;
            };
            return Some(self.weights.get(stem).copied().unwrap_or(0.0));
        }
        let bytes = word.as_bytes();
        if !self.initials[usize::from(bytes[0].to_ascii_lowercase())] {
            // No match possible; only whether it is a stop word matters.
            return (!is_stop_word(word)).then_some(0.0);
        }
        lower.clear();
        lower.extend(bytes.iter().map(|b| char::from(b.to_ascii_lowercase())));
        if analysis::is_english_stop_word(lower) {
            return None;
        }
        analysis::stem_in_place(lower);
        Some(self.weights.get(lower.as_str()).copied().unwrap_or(0.0))
    }
}

/// Whether an ASCII word is a stop word, any case, without allocating.
fn is_stop_word(word: &str) -> bool {
    let bytes = word.as_bytes();
    if bytes.len() > LONGEST_STOP_WORD || !STOP_INITIALS.contains(&bytes[0].to_ascii_lowercase()) {
        return false;
    }
    if !bytes.iter().any(u8::is_ascii_uppercase) {
        return analysis::is_english_stop_word(word);
    }
    let mut buffer = [0u8; LONGEST_STOP_WORD];
    for (out, byte) in buffer.iter_mut().zip(bytes) {
        *out = byte.to_ascii_lowercase();
    }
    std::str::from_utf8(&buffer[..bytes.len()]).is_ok_and(analysis::is_english_stop_word)
}

/// Keeps `candidate` if it scores and beats `best` (ties go to the earlier passage).
fn keep_better(best: &mut Option<Passage>, candidate: Passage) {
    if candidate.score > 0.0 && best.as_ref().is_none_or(|b| candidate.score > b.score) {
        *best = Some(candidate);
    }
}

/// Byte ranges of the runs of alphanumeric characters of `text` (the words tantivy's
/// `SimpleTokenizer` cuts), each with whether it is all ASCII.
fn words(text: &str) -> impl Iterator<Item = (Range<usize>, bool)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let (start, _) = skip(text, at, false);
        if start >= bytes.len() {
            return None;
        }
        let (end, ascii) = skip(text, start, true);
        at = end;
        Some((start..end, ascii))
    })
}

/// The first byte at or after `at` that begins a character which is (`alphanumeric` true) or
/// is not alphanumeric, or the text's length; and whether every byte passed was ASCII.
fn skip(text: &str, mut at: usize, alphanumeric: bool) -> (usize, bool) {
    let bytes = text.as_bytes();
    let wanted = if alphanumeric { WORD } else { SEPARATOR };
    let mut ascii = true;
    loop {
        // The ASCII run first, in a tight loop: nearly all text.
        while let Some(&byte) = bytes.get(at) {
            if CLASSES[usize::from(byte)] != wanted {
                break;
            }
            at += 1;
        }
        match bytes.get(at) {
            Some(&byte) if CLASSES[usize::from(byte)] == MULTIBYTE => {}
            _ => return (at, ascii),
        }
        let Some(c) = text.get(at..).and_then(|rest| rest.chars().next()) else {
            return (at, ascii);
        };
        if c.is_alphanumeric() != alphanumeric {
            return (at, ascii);
        }
        ascii = false;
        at += c.len_utf8();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenStream;

    /// Wherever the stemmed analyzer's token is one of the terms, the finder marks the word,
    /// and nowhere else: tried with the stem of every word of the taxonomy and of words whose
    /// endings the stemmer rewrites, two stems at a time.
    #[test]
    fn marks_exactly_where_stemming_matches() {
        let text = format!(
            "{} skies dying lying tying idly gently early only yearly yelling Yvonne's \
             Ängström naïve résumé coders' Coding codified 123abc ab a Thé THERE",
            include_str!("../../schema/taxonomy.toml")
        );
        let mut analyzer = analysis::stemmed_analyzer();
        let mut stemmed: Vec<(Range<usize>, String)> = Vec::new();
        let mut stream = analyzer.token_stream(&text);
        while let Some(token) = stream.next() {
            stemmed.push((token.offset_from..token.offset_to, token.text.clone()));
        }
        let mut stems: Vec<&str> = stemmed.iter().map(|(_, stem)| stem.as_str()).collect();
        stems.sort_unstable();
        stems.dedup();
        assert!(stems.len() > 300, "a broad vocabulary: {}", stems.len());
        for pair in stems.chunks(2) {
            let weights = pair.iter().map(|stem| (stem.to_string(), 1.0)).collect();
            let finder = PassageFinder::new(weights, text.len(), analysis::stemmed_analyzer());
            let found = finder.find(&text).expect("the pair is in the text");
            assert_eq!(found.range.start, 0);
            let wanted: Vec<Range<usize>> = stemmed
                .iter()
                .filter(|(_, stem)| pair.contains(&stem.as_str()))
                .map(|(range, _)| range.clone())
                .collect();
            assert_eq!(found.marks, wanted, "{pair:?}");
        }
    }

    /// Every stop word begins with one of [`STOP_INITIALS`]: Lucene's English list, which the
    /// analyzer drops, and no other word of up to three letters is one.
    #[test]
    fn stop_words_begin_with_the_listed_letters() {
        let lucene = "a an and are as at be but by for if in into is it no not of on or such \
                      that the their then there these they this to was will with";
        for word in lucene.split_whitespace() {
            assert!(analysis::is_english_stop_word(word), "{word}");
            assert!(
                is_stop_word(word) || word.len() > LONGEST_STOP_WORD,
                "{word}"
            );
        }
        let letters = || (b'a'..=b'z').map(char::from);
        for a in letters() {
            for b in letters() {
                for c in letters() {
                    for word in [format!("{a}"), format!("{a}{b}"), format!("{a}{b}{c}")] {
                        assert_eq!(
                            is_stop_word(&word),
                            analysis::is_english_stop_word(&word),
                            "{word}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn words_are_runs_of_alphanumerics() {
        let text = "RHIT-exam, naïve café 42x ";
        let cut: Vec<(&str, bool)> = words(text).map(|(r, ascii)| (&text[r], ascii)).collect();
        assert_eq!(
            cut,
            [
                ("RHIT", true),
                ("exam", true),
                ("naïve", false),
                ("café", false),
                ("42x", true)
            ]
        );
        assert!(is_stop_word("THE") && is_stop_word("there") && !is_stop_word("theres"));
        assert_eq!(words("").count(), 0);
        assert_eq!(words("«»—").count(), 0, "non-ASCII separators");
        assert_eq!(words(" ,; ").count(), 0);
    }
}
