//! The passage of a text that best matches a query's terms, found from the matching words
//! alone.
//!
//! tantivy's `SnippetGenerator` runs the field's analyzer over the whole text (tokenize,
//! lowercase, fold, drop stop words, stem) and scores every passage of a fixed chain: ten
//! hits' bodies were a fifth to a third of a one-word search on the 10k-page benchmark site
//! (#18), at about 6 ns a byte even when cutting words by hand. Here the words
//! that could match are found by their openings, each term's stem but its last letter (see
//! [`opening_len`]), and only those are stemmed: in a long text with a multi-pattern search
//! for the openings that skips the rest, in a short one (a title, a page's opening) word by
//! word against a table of the openings' first two letters. The
//! passage is the window of at most `max_bytes` whose matches weigh most (a rarer word weighs
//! more, as in tantivy; the words of a given context, the title's head, weigh little), from
//! the start of its sentence when that leaves room, else widened around the matches, cut at
//! whole words. [`PassageFinder::opening`] is the text's opening instead.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use him_schema::analysis::{self, MAX_TOKEN_LEN};
use tantivy::tokenizer::TextAnalyzer;

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

/// Share of a term's weight that each further occurrence in a passage adds: a passage with
/// more of the query's words beats one that repeats a single word ("records, records,
/// records" against "how long to keep a health record"), as people read snippets.
const REPEAT_WEIGHT: f64 = 0.25;

/// Texts of at most this many bytes (titles, a page's opening) are read word by word rather
/// than with the search for openings.
const SHORT_TEXT: usize = 512;

/// Share of its weight that a term of the context (the head of the page's title) keeps when
/// choosing a passage of the page: enough to break ties.
const CONTEXT_WEIGHT: f32 = 0.1;

/// Finds the best passage of a text for a set of weighted stemmed terms.
pub(crate) struct PassageFinder {
    /// Each term's number and weight: rarer words make the better passage.
    weights: BTreeMap<String, (usize, f32)>,
    /// The openings (lower-cased, see [`opening_len`]) of the ASCII words that could stem to
    /// a term, none the prefix of another.
    openings: Vec<String>,
    /// Their first one or two letters as a set of bytes and a set of byte pairs, one bit each.
    opening_bits: Box<OpeningBits>,
    /// A search for them in any case, built when a long text is first read: building it costs
    /// more than reading a title or a page's opening word by word.
    automaton: OnceLock<Option<AhoCorasick>>,
    /// Most bytes a passage spans.
    max_bytes: usize,
    /// For words that are not ASCII (rare): the field's analyzer, word by word.
    analyzer: TextAnalyzer,
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
        let mut openings: Vec<String> = Vec::new();
        for term in weights.keys() {
            // Openings are letters and digits only, so that a match never spans the border
            // of a word and hides the next one. A term that begins otherwise ("(1)", folded
            // from "⑴") comes from a word that is not ASCII, which the second scan below
            // analyzes whole; so does a word whose second character is not an ASCII letter
            // or digit, which leaves a one-letter opening.
            let opening: String = term
                .bytes()
                .take_while(u8::is_ascii_alphanumeric)
                .take(opening_len(term.len()))
                .map(char::from)
                .collect();
            if opening.is_empty() {
                continue;
            }
            // Snowball's words of a consonant and "ying" ("dying", "vying") stem to the
            // consonant and "ie": the only stems whose second letter is not the word's.
            if let [first, b'i', b'e'] = *term.as_bytes() {
                openings.push(format!("{}y", char::from(first)));
            }
            openings.push(opening);
        }
        openings.iter_mut().for_each(|o| o.make_ascii_lowercase());
        openings.sort_unstable();
        // A word that begins with "code" begins with "cod": the shorter opening finds both.
        openings.dedup_by(|longer, shorter| longer.starts_with(shorter.as_str()));
        let weights = weights
            .into_iter()
            .enumerate()
            .map(|(number, (term, weight))| (term, (number, weight)))
            .collect();
        PassageFinder {
            opening_bits: Box::new(OpeningBits::of(&openings)),
            weights,
            openings,
            automaton: OnceLock::new(),
            max_bytes: max_bytes.max(MAX_TOKEN_LEN),
            analyzer,
        }
    }

    /// The passage of at most `max_bytes` whose matched words weigh most (the first of
    /// equals), from its sentence's start when that leaves room, else widened around them, cut
    /// at whole words; `None` when no word matches. The terms `context` holds (the head of the
    /// page's title) weigh [`CONTEXT_WEIGHT`] of their weight: every passage of the page is
    /// about them already, so the other words choose the passage.
    pub(crate) fn find(&self, text: &str, context: &str) -> Option<Found> {
        let mut matches = self.matches(text);
        if !context.is_empty() {
            let known: Vec<usize> = self.matches(context).iter().map(|m| m.term).collect();
            for found in &mut matches {
                if known.contains(&found.term) {
                    found.weight *= CONTEXT_WEIGHT;
                }
            }
        }
        let (mut first, last) = best_window(&matches, self.weights.len(), self.max_bytes)?;
        // A leading repeat of a word the window holds again, alone in its sentence, adds
        // little and would start the passage a sentence early.
        while first + 1 < last
            && matches[first + 1..last]
                .iter()
                .any(|m| m.term == matches[first].term)
            && ends_sentence(
                text,
                matches[first].range.start,
                matches[first + 1].range.start,
            )
        {
            first += 1;
        }
        let range = widen(
            text,
            matches[first].range.start,
            matches[last - 1].range.end,
            self.max_bytes,
        );
        // Every match the passage shows is marked, those its widening took in as well.
        let marks = matches
            .iter()
            .filter(|found| range.start <= found.range.start && found.range.end <= range.end)
            .map(|found| found.range.clone())
            .collect();
        Some(Found { range, marks })
    }

    /// The text's opening of at most `max_bytes`, cut after a whole word, with its matches.
    pub(crate) fn opening(&self, text: &str) -> Found {
        let range = widen(text, 0, 0, self.max_bytes);
        let marks = self.mark_all(&text[range.clone()]);
        Found { range, marks }
    }

    /// Whether `text` has a word for each of `stems` (none of which may be missing from the
    /// terms).
    pub(crate) fn holds(&self, text: &str, stems: &[String]) -> bool {
        let Some(wanted) = stems
            .iter()
            .map(|stem| self.weights.get(stem).map(|(number, _)| *number))
            .collect::<Option<Vec<usize>>>()
        else {
            return false;
        };
        let found: Vec<usize> = self.matches(text).iter().map(|m| m.term).collect();
        wanted.iter().all(|term| found.contains(term))
    }

    /// Every word of `text` that matches a term (a title is shown whole).
    pub(crate) fn mark_all(&self, text: &str) -> Vec<Range<usize>> {
        self.matches(text)
            .into_iter()
            .map(|found| found.range)
            .collect()
    }

    /// The words of `text` that match a term, in order, with their weights. Words are found
    /// by their openings (in a long text, a multi-pattern search that skips the rest; in a
    /// short one, word by word) and only those are stemmed; words with a character that is
    /// not ASCII are found and analyzed apart.
    fn matches(&self, text: &str) -> Vec<Match> {
        let mut found = Vec::new();
        if self.weights.is_empty() {
            return found;
        }
        // Cloned on the first word that is not ASCII (rare): a clone costs more than reading
        // a title.
        let mut analyzer = None;
        let mut lower = String::with_capacity(MAX_TOKEN_LEN);
        let mut weigh = |word: Range<usize>, ascii: bool, found: &mut Vec<_>| {
            let term = self.weigh(&text[word.clone()], ascii, &mut lower, &mut analyzer);
            if let Some((term, weight)) = term.filter(|(_, weight)| *weight > 0.0) {
                found.push(Match {
                    range: word,
                    term,
                    weight,
                });
            }
        };
        let mut word = |start: usize| {
            if starts_word(text, start) {
                let (end, ascii) = skip(text, start, true);
                weigh(start..end, ascii, &mut found);
            }
        };
        if text.len() <= SHORT_TEXT {
            self.word_by_word(text, &mut word);
        } else if let Some(automaton) = self.automaton() {
            automaton
                .find_iter(text)
                .for_each(|opening| word(opening.start()));
        }
        // A word with a letter that is not ASCII may fold to any term ("Étude", "cœur").
        let bytes = text.as_bytes();
        let mut at = 0;
        let mut more = false;
        while let Some(offset) = first_non_ascii(&bytes[at..]) {
            let here = at + offset;
            let c = text[here..].chars().next().unwrap_or(' ');
            if !c.is_alphanumeric() {
                at = here + c.len_utf8();
                continue;
            }
            let start = word_start(text, here);
            let (end, _) = skip(text, start, true);
            weigh(start..end, false, &mut found);
            more = true;
            at = end;
        }
        if more {
            found.sort_by_key(|found| found.range.start);
            found.dedup_by_key(|found| found.range.start);
        }
        found
    }

    /// The search for the openings, built on first use; `None` when no term is ASCII.
    fn automaton(&self) -> Option<&AhoCorasick> {
        self.automaton
            .get_or_init(|| {
                // Leftmost: of the openings found in a word, the one at its start, whatever
                // their lengths ("od" ends before "codin" in "coding").
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&self.openings)
                    .ok()
                    .filter(|_| !self.openings.is_empty())
            })
            .as_ref()
    }

    /// Calls `word` with the start of each ASCII word of `text` that begins with the first
    /// one or two letters of an opening (those that may begin with one).
    fn word_by_word(&self, text: &str, word: &mut impl FnMut(usize)) {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if CLASSES[usize::from(bytes[at])] != WORD {
                at += 1;
                continue;
            }
            let start = at;
            while at < bytes.len() && CLASSES[usize::from(bytes[at])] == WORD {
                at += 1;
            }
            let second = bytes
                .get(start + 1)
                .copied()
                .filter(u8::is_ascii_alphanumeric);
            if self.opening_bits.opens(bytes[start], second) {
                word(start);
            }
        }
    }

    /// `None` when the analyzer drops `word`; else the term it matches and its weight (0 when
    /// it matches no term).
    fn weigh(
        &self,
        word: &str,
        ascii: bool,
        lower: &mut String,
        analyzer: &mut Option<TextAnalyzer>,
    ) -> Option<(usize, f32)> {
        if word.len() >= MAX_TOKEN_LEN {
            return None;
        }
        if !ascii {
            let analyzer = analyzer.get_or_insert_with(|| self.analyzer.clone());
            let tokens = analysis::tokens(analyzer, word);
            let [stem] = tokens.as_slice() else {
                return None;
            };
            return Some(self.weights.get(stem).copied().unwrap_or((0, 0.0)));
        }
        lower.clear();
        lower.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        if analysis::is_english_stop_word(lower) {
            return None;
        }
        analysis::stem_in_place(lower);
        Some(
            self.weights
                .get(lower.as_str())
                .copied()
                .unwrap_or((0, 0.0)),
        )
    }
}

/// Where the first byte that is not ASCII is: a block at a time, since most texts have none
/// or few (a byte at a time, this scan cost a fifth of finding a page's matches).
fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    let mut start = 0;
    for block in bytes.chunks(64) {
        if !block.is_ascii() {
            return block
                .iter()
                .position(|b| !b.is_ascii())
                .map(|at| start + at);
        }
        start += block.len();
    }
    None
}

/// Letters of a stem of `len` bytes that every ASCII word stemming to it begins with: all but
/// the last, which Snowball's English stemmer may rewrite ("coding" -> "code", "happy" ->
/// "happi"), and at least two (the stemmer rewrites endings only, after a word's first two
/// letters, but for the "ying" words). Checked with Python's snowballstemmer over 1.4M words
/// (every word of the three test collections and the corpus, with 40 English endings added):
/// no other exception. A longer opening finds fewer words that stem to no term: with two
/// letters, "co" and "me" made most words of a page candidates for `coder`'s terms.
fn opening_len(len: usize) -> usize {
    len.saturating_sub(1).max(2)
}

/// The first one or two ASCII letters or digits of each opening as bits, looked up in any
/// case.
struct OpeningBits {
    singles: [bool; 128],
    pairs: [u64; 128 * 128 / 64],
}

impl OpeningBits {
    fn of(openings: &[String]) -> OpeningBits {
        let mut bits = OpeningBits {
            singles: [false; 128],
            pairs: [0; 128 * 128 / 64],
        };
        for opening in openings {
            match *opening.as_bytes() {
                [a] if a.is_ascii() => bits.singles[usize::from(a)] = true,
                [a, b, ..] if a.is_ascii() && b.is_ascii() => {
                    let pair = Self::pair(a, b);
                    bits.pairs[pair / 64] |= 1 << (pair % 64);
                }
                _ => {}
            }
        }
        bits
    }

    fn pair(a: u8, b: u8) -> usize {
        usize::from(a) * 128 + usize::from(b)
    }

    /// Whether a word whose first two bytes are `first` and `second` (ASCII letters or
    /// digits) may begin with an opening: begins with an opening's first one or two.
    fn opens(&self, first: u8, second: Option<u8>) -> bool {
        let first = first.to_ascii_lowercase();
        self.singles[usize::from(first & 0x7f)]
            || second.is_some_and(|second| {
                let pair = Self::pair(first & 0x7f, second.to_ascii_lowercase() & 0x7f);
                self.pairs[pair / 64] & (1 << (pair % 64)) != 0
            })
    }
}

/// One word of a text that matches a term.
struct Match {
    range: Range<usize>,
    /// The term's number.
    term: usize,
    weight: f32,
}

/// The matches `first..last` of the window of at most `max_bytes` whose matches weigh most
/// (the first of equals): each term's weight once, and [`REPEAT_WEIGHT`] of it for each
/// further occurrence.
fn best_window(matches: &[Match], terms: usize, max_bytes: usize) -> Option<(usize, usize)> {
    let mut best: Option<(f64, usize, usize)> = None;
    let mut end = 0;
    let mut sum = 0.0f64;
    // Occurrences of each term in the window `first..end`.
    let mut seen = vec![0u32; terms];
    // What one more (or one fewer) occurrence of a term adds (or takes).
    let step = |found: &Match, count: u32| {
        let weight = f64::from(found.weight);
        if count == 0 {
            weight
        } else {
            weight * REPEAT_WEIGHT
        }
    };
    for (first, found) in matches.iter().enumerate() {
        if end <= first {
            end = first;
            sum = 0.0;
            seen.iter_mut().for_each(|count| *count = 0);
        }
        while end < matches.len() && matches[end].range.end - found.range.start <= max_bytes {
            let next = &matches[end];
            sum += step(next, seen[next.term]);
            seen[next.term] += 1;
            end += 1;
        }
        if end > first && best.is_none_or(|(score, _, _)| sum > score + 1e-9) {
            best = Some((sum, first, end));
        }
        if end > first {
            seen[found.term] -= 1;
            sum -= step(found, seen[found.term]);
        }
    }
    best.map(|(_, first, last)| (first, last))
}

/// A passage of at most `max_bytes` holding `first..last`: from the start of the sentence
/// holding `first` when that leaves room for `last`, else with the room left shared before
/// and after; cut at spaces.
fn widen(text: &str, first: usize, last: usize, max_bytes: usize) -> Range<usize> {
    let room = max_bytes.saturating_sub(last - first);
    let mut start = first.saturating_sub(room / 2);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    if let Some(sentence) = sentence_start(text, first, room) {
        start = sentence;
    }
    // From the text's start or just after a space, so that nothing is cut in two.
    if start > 0 && !text[..start].ends_with(char::is_whitespace) {
        start = text[start..first]
            .find(char::is_whitespace)
            .map_or(first, |space| start + space);
        start += text[start..first].len() - text[start..first].trim_start().len();
    }
    let mut end = (start + max_bytes).min(text.len()).max(last);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // Back to the end of the last whole word.
    if end < text.len() && end > last {
        if let Some(cut) = text[last..end].rfind(|c: char| !c.is_alphanumeric()) {
            end = last + cut;
        }
    }
    start..text[..end].trim_end().len().max(last)
}

/// The start of the sentence holding byte `at`, if it is at most `room` bytes before it: just
/// after the last of the [`sentence_ends`] before it, or the text's start.
fn sentence_start(text: &str, at: usize, room: usize) -> Option<usize> {
    let mut from = at.saturating_sub(room);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    // The sentence ends up to `at` and the first letter after it, which says whether a stop
    // just before it ends a sentence.
    let upto = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    let start = match sentence_ends(&text[from..upto]).last() {
        Some(end) => from + end,
        None if from == 0 => 0,
        None => return None,
    };
    Some(start + text[start..at].len() - text[start..at].trim_start().len())
}

/// Whether a sentence ends between the word at byte `word` and byte `next` (the next word's).
fn ends_sentence(text: &str, word: usize, next: usize) -> bool {
    let upto = text[next..]
        .chars()
        .next()
        .map_or(next, |c| next + c.len_utf8());
    sentence_ends(&text[word..upto]).next().is_some()
}

/// The byte offsets just after each sentence end of `text`: a `.`, `?` or `!` followed by a
/// space and a capital, a digit, a quote or the end of the text. A `.` after a lone letter
/// ("U.S. Bureau") ends an abbreviation, not a sentence.
fn sentence_ends(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.char_indices().filter_map(move |(i, c)| {
        if !matches!(c, '.' | '?' | '!') {
            return None;
        }
        let after = &text[i + 1..];
        let next = after.trim_start();
        let opens = next.len() < after.len()
            && next.chars().next().is_none_or(|n| {
                n.is_uppercase() || n.is_ascii_digit() || ['"', '\'', '“', '‘', '('].contains(&n)
            });
        let mut before = text[..i].chars().rev();
        let abbreviation = c == '.'
            && before.next().is_some_and(char::is_alphabetic)
            && !before.next().is_some_and(char::is_alphanumeric);
        (opens && !abbreviation).then_some(i + 1)
    })
}

/// Whether a word begins at byte `at`: nothing alphanumeric just before it.
fn starts_word(text: &str, at: usize) -> bool {
    !text[..at]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

/// The start of the word holding byte `at`.
fn word_start(text: &str, at: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map_or(at, |(start, _)| start)
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

    fn weighted(terms: &[(&str, f32)]) -> BTreeMap<String, f32> {
        terms
            .iter()
            .map(|(term, weight)| (term.to_string(), *weight))
            .collect()
    }

    /// Wherever the stemmed analyzer's token is one of the terms, the finder marks the word,
    /// and nowhere else: tried with the stem of every word of the taxonomy and of words whose
    /// endings the stemmer rewrites, two stems at a time.
    #[test]
    fn marks_exactly_where_stemming_matches() {
        let text = format!(
            "{} skies dying lying tying vying hying idly gently early only yearly yelling Yvonne's \
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
            let marks = finder.mark_all(&text);
            let wanted: Vec<Range<usize>> = stemmed
                .iter()
                .filter(|(_, stem)| pair.contains(&stem.as_str()))
                .map(|(range, _)| range.clone())
                .collect();
            assert_eq!(marks, wanted, "{pair:?}");
        }
    }

    /// The engine's own stemmer keeps every word's opening (its stem but the last letter, at
    /// least two letters) but for consonant + "ying" words, over every word of the corpus and
    /// the taxonomy with common English endings added.
    #[test]
    fn stems_keep_their_words_openings() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut text = include_str!("../../schema/taxonomy.toml").to_string();
        let mut folders = vec![root.join("corpus")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap().flatten() {
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    folders.push(entry.path());
                } else if let Ok(page) = std::fs::read_to_string(entry.path()) {
                    text.push_str(&page);
                }
            }
        }
        let mut words: Vec<String> = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty() && word.len() < MAX_TOKEN_LEN - 8)
            .map(str::to_ascii_lowercase)
            .collect();
        words.sort_unstable();
        words.dedup();
        assert!(words.len() > 5000, "a broad vocabulary: {}", words.len());
        let mut checked = 0;
        for word in &words {
            for ending in [
                "", "s", "es", "ed", "ing", "ly", "er", "ies", "ation", "ness", "ity",
            ] {
                let mut form = format!("{word}{ending}");
                let original = form.clone();
                if analysis::is_english_stop_word(&form) {
                    continue;
                }
                analysis::stem_in_place(&mut form);
                let opening = &form[..opening_len(form.len()).min(form.len())];
                let ying = matches!(*form.as_bytes(), [_, b'i', b'e'])
                    && original[1..].starts_with("ying");
                assert!(
                    original.starts_with(opening) || ying,
                    "{original} -> {form}"
                );
                checked += 1;
            }
        }
        assert!(checked > 50_000, "{checked}");
    }

    #[test]
    fn the_first_byte_that_is_not_ascii_is_found_in_any_block() {
        for at in [0, 1, 63, 64, 65, 127, 200] {
            let mut text = "a".repeat(300);
            text.replace_range(at..at + 1, "é");
            assert_eq!(first_non_ascii(text.as_bytes()), Some(at), "{at}");
        }
        assert_eq!(first_non_ascii("a".repeat(130).as_bytes()), None);
        assert_eq!(first_non_ascii(b""), None);
    }

    /// Short texts are read word by word by their first two letters, long ones with the
    /// search for whole openings: the search finds exactly the words the first way finds that
    /// begin with a whole opening.
    #[test]
    fn both_ways_of_finding_openings_agree() {
        let text = format!(
            "{} Ängström éco x1coder a1 ⑴ab café-au-lait 42x Yvonne's",
            include_str!("../../schema/taxonomy.toml")
        );
        for terms in [
            &["coder", "rhit", "a", "x"][..],
            &["informat", "ccs", "1ab", "caf"],
            &["é", "ængström", "yvonn", "42x"],
        ] {
            let weights = terms.iter().map(|t| (t.to_string(), 1.0)).collect();
            let finder = PassageFinder::new(weights, 200, analysis::stemmed_analyzer());
            let mut by_words = Vec::new();
            finder.word_by_word(&text, &mut |start| {
                let opens = finder.openings.iter().any(|opening| {
                    text.as_bytes()[start..]
                        .get(..opening.len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(opening.as_bytes()))
                });
                if starts_word(&text, start) && opens {
                    by_words.push(start);
                }
            });
            let by_search: Vec<usize> = finder
                .automaton()
                .unwrap()
                .find_iter(&text)
                .map(|found| found.start())
                .filter(|&start| starts_word(&text, start))
                .collect();
            assert_eq!(by_words, by_search, "{terms:?}");
            assert!(!by_words.is_empty());
        }
    }

    /// The window whose matches weigh most wins, the first of equals; the passage holds it
    /// whole, within the length, from the start of a word.
    #[test]
    fn the_heaviest_window_is_shown_whole() {
        let weights = weighted(&[("coder", 1.0), ("registrar", 0.5), ("audit", 2.0)]);
        let finder = PassageFinder::new(weights, 60, analysis::stemmed_analyzer());
        let text = "Coders code. A registrar keeps registries of cancer cases for the state. \
                    Then, much later in the page, auditors audit the coders' work carefully.";
        let found = finder.find(text, "").unwrap();
        let passage = &text[found.range.clone()];
        assert!(passage.len() <= 60, "{passage:?}");
        let marked: Vec<&str> = found.marks.iter().map(|m| &text[m.clone()]).collect();
        // "auditors" stems to "auditor", not "audit".
        assert_eq!(marked, ["audit", "coders"], "{passage:?}");
        assert!(
            passage.starts_with(|c: char| c.is_alphanumeric()),
            "{passage:?}"
        );
        for mark in &found.marks {
            assert!(found.range.start <= mark.start && mark.end <= found.range.end);
        }
        assert_eq!(finder.find("nothing to see here", ""), None);
        let equal = "coder one. and then some filler words to push far apart. coder two.";
        let found = finder.find(equal, "").unwrap();
        assert_eq!(&equal[found.marks[0].clone()], "coder");
        assert_eq!(found.marks[0].start, 0, "the first of equals");
    }

    /// A passage with more of the query's words beats one that repeats one of them.
    #[test]
    fn more_words_beat_one_word_repeated() {
        let weights = weighted(&[("record", 1.0), ("keep", 1.0), ("long", 1.0)]);
        let finder = PassageFinder::new(weights, 50, analysis::stemmed_analyzer());
        let text = "Nothing says how long to keep a health record here. Later on: records, \
                    records of minors, records, records.";
        let found = finder.find(text, "").unwrap();
        let marked: Vec<&str> = found.marks.iter().map(|m| &text[m.clone()]).collect();
        assert_eq!(marked, ["long", "keep", "record"]);
    }

    /// The title's words weigh little: the passage is chosen by the words the title does not
    /// hold, and begins at its sentence.
    #[test]
    fn the_words_the_title_lacks_choose_the_passage() {
        let weights = weighted(&[("cpc", 1.0), ("exam", 1.0), ("open", 0.5)]);
        let finder = PassageFinder::new(weights, 60, analysis::stemmed_analyzer());
        let text = "The CPC exam, the CPC exam and the CPC exam again fill this page. \
                    Later on. Is the book open during it? Yes and no.";
        let passage = |context| {
            let found = finder.find(text, context).unwrap();
            text[found.range].to_string()
        };
        assert!(passage("").starts_with("The CPC exam"), "{}", passage(""));
        assert!(!passage("").contains("open"), "{}", passage(""));
        assert!(
            passage("CPC Exam").contains("Is the book open"),
            "{}",
            passage("CPC Exam")
        );
    }

    /// A word repeated later in the window, alone in the sentence before, is left out so that
    /// the passage starts at the sentence with the words; the opening has every match in it.
    #[test]
    fn passages_start_at_a_sentence() {
        let weights = weighted(&[("degre", 1.0), ("without", 1.0)]);
        let finder = PassageFinder::new(weights, 80, analysis::stemmed_analyzer());
        let text = "Compare bootcamps and degrees. Do you need a degree? No, not without \
                    one: many start from a certificate.";
        let found = finder.find(text, "").unwrap();
        assert!(
            text[found.range.clone()].starts_with("Do you need"),
            "{found:?}"
        );
        let lead = finder.opening(text);
        assert!(lead.range.start == 0 && lead.range.end <= 80);
        let marked: Vec<&str> = lead.marks.iter().map(|m| &text[m.clone()]).collect();
        assert_eq!(marked, ["degrees", "degree", "without"]);
        assert_eq!(sentence_start("One. Two three", 9, 20), Some(5));
        assert_eq!(sentence_start("One two three", 9, 20), Some(0));
        assert_eq!(sentence_start("One two three four", 14, 5), None);
        assert_eq!(
            sentence_start("Counted by the U.S. Bureau of", 20, 40),
            Some(0)
        );
        assert!(
            !ends_sentence("one. two", 0, 5),
            "no capital after the stop"
        );
        assert!(ends_sentence("One. Two", 0, 5));
        // Every match the passage shows is marked, past the window's last one too.
        let text = "Degree. Do you need a degree without one? Then a degree later.";
        let found = finder.find(text, "").unwrap();
        let marked: Vec<&str> = found.marks.iter().map(|m| &text[m.clone()]).collect();
        assert_eq!(
            &text[found.range],
            "Do you need a degree without one? Then a degree later."
        );
        assert_eq!(marked, ["degree", "without", "degree"]);
    }

    /// A term folded from a symbol ("⑴" is "(1)") marks that symbol, and its opening does not
    /// hide the next word's ("1ab" right after it).
    #[test]
    fn folded_symbols_hide_no_word() {
        let weights = weighted(&[("(1)", 1.0), ("1ab", 1.0)]);
        let finder = PassageFinder::new(weights, 200, analysis::stemmed_analyzer());
        let text = "see (1ab and ⑴ here";
        let marked: Vec<&str> = finder
            .mark_all(text)
            .iter()
            .map(|m| &text[m.clone()])
            .collect();
        assert_eq!(marked, ["1ab", "⑴"]);
    }

    #[test]
    fn words_are_cut_at_non_alphanumerics() {
        let text = "RHIT-exam, naïve café 42x ";
        assert_eq!(skip(text, 0, true), (4, true));
        assert_eq!(skip(text, 4, false), (5, true));
        assert_eq!(skip(text, 11, true), (17, false), "naïve");
        assert_eq!(word_start(text, 15), 11);
        assert!(starts_word(text, 5) && !starts_word(text, 6));
    }
}
