//! Completions as you type (`/api/suggest`), their lifecycle across commits
//! ([`Completions`]), and "did you mean" corrections from the index vocabulary. The walk that
//! corrects a misspelled word also records the documents of its typo clauses in the request's
//! memo ([`correct_word_for_typos`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use him_schema::affix::{common_suffix, sample_titles, strip_suffix};
use him_schema::{analysis, Taxonomy};
use serde::Serialize;
use tantivy::postings::TermInfo;
use tantivy::query::{DfaWrapper, FuzzyTermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::InvertedIndexReader;
use tantivy::{BitSet, IndexReader, Searcher, SegmentReader, Term};
use tantivy_fst::Automaton;

use crate::cache::{Commit, PerCommit};
use crate::materialize::DocSetMemo;

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// Text to show and to search for.
    pub text: String,
    /// Where it comes from: `credential`, `job_title`, `topic`, `title`.
    pub kind: &'static str,
}

/// Completions and the commit they were built from.
type Built = (Commit, Arc<Suggester>);

/// The completions of the commit being served. The first request builds them (a pass over
/// every title's fast column); after a new commit the previous ones keep answering while a
/// background thread rebuilds, so no request waits for an O(documents) pass.
#[derive(Default)]
pub(crate) struct Completions {
    /// Completions, keyed by the commit they were built from.
    slot: Arc<RwLock<Option<Built>>>,
    /// A rebuild for a newer commit is running in the background.
    rebuilding: Arc<AtomicBool>,
    /// Held while the first completions are built, so concurrent first requests wait for one
    /// build instead of each running their own.
    first_build: Mutex<()>,
}

impl Completions {
    /// The completions for what `reader` serves now (stale ones while a rebuild runs).
    pub(crate) fn current(
        &self,
        reader: &IndexReader,
        suggest_title: Field,
        taxonomy: &Taxonomy,
    ) -> crate::Result<Arc<Suggester>> {
        // Keyed on what the searcher serves, not tantivy's reload counter: a reload of the
        // commit already served must not start a rebuild.
        let current = Commit::of(&reader.searcher());
        match self.built() {
            Some((built, suggester)) if built.same_documents(&current) => Ok(suggester),
            Some((_, stale)) => {
                if !self.rebuilding.swap(true, Ordering::AcqRel) {
                    let reader = reader.clone();
                    let taxonomy = taxonomy.clone();
                    let slot = Arc::clone(&self.slot);
                    let flag = Arc::clone(&self.rebuilding);
                    std::thread::spawn(move || {
                        let searcher = reader.searcher();
                        match build_suggester(&searcher, suggest_title, &taxonomy) {
                            Ok(fresh) => {
                                if let Ok(mut slot) = slot.write() {
                                    *slot = Some((Commit::of(&searcher), fresh));
                                }
                            }
                            Err(err) => tracing::warn!(error = %err, "suggestions not rebuilt"),
                        }
                        flag.store(false, Ordering::Release);
                    });
                }
                Ok(stale)
            }
            None => {
                let _building = self
                    .first_build
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some((_, built_meanwhile)) = self.built() {
                    return Ok(built_meanwhile);
                }
                let searcher = reader.searcher();
                let suggester = build_suggester(&searcher, suggest_title, taxonomy)?;
                if let Ok(mut slot) = self.slot.write() {
                    *slot = Some((Commit::of(&searcher), Arc::clone(&suggester)));
                }
                Ok(suggester)
            }
        }
    }

    /// Whether a background rebuild is running.
    #[cfg(test)]
    pub(crate) fn is_rebuilding(&self) -> bool {
        self.rebuilding.load(Ordering::Acquire)
    }

    /// The completions built so far and their commit, if any.
    fn built(&self) -> Option<Built> {
        self.slot.read().ok().and_then(|slot| slot.clone())
    }
}

/// Completions from the taxonomy and the title of every live document of `searcher`'s
/// commit, read from the `suggest_title` fast column (each distinct title once per segment).
fn build_suggester(
    searcher: &Searcher,
    suggest_title: Field,
    taxonomy: &Taxonomy,
) -> crate::Result<Arc<Suggester>> {
    let name = searcher.schema().get_field_name(suggest_title).to_string();
    let mut titles = Vec::new();
    for segment in searcher.segment_readers() {
        let Some(column) = segment.fast_fields().str(&name)? else {
            continue;
        };
        let mut used = vec![false; column.num_terms()];
        for doc in segment.doc_ids_alive() {
            for ord in column.term_ords(doc) {
                if let Some(flag) = used.get_mut(ord as usize) {
                    *flag = true;
                }
            }
        }
        // One ordered pass over the dictionary: looking titles up by ordinal decompressed and
        // re-scanned a dictionary block per title (17% of a loaded server's CPU while the
        // completions were first built at 100k pages).
        let mut terms = column
            .dictionary()
            .stream()
            .map_err(tantivy::TantivyError::from)?;
        while terms.advance() {
            if used.get(terms.term_ord() as usize) == Some(&true) {
                if let Ok(title) = std::str::from_utf8(terms.key()) {
                    titles.push(title.to_string());
                }
            }
        }
    }
    // The site's suffix (" - HIM Hub") would make every title a completion of the site's name.
    let suffix = common_suffix(&sample_titles(searcher));
    let titles = titles
        .into_iter()
        .map(|title| strip_suffix(&title, suffix.as_deref()).to_string());
    Ok(Arc::new(Suggester::new(taxonomy, titles)))
}

/// Completion entries, with every word-start suffix of each kept sorted for prefix lookup.
///
/// Compact on purpose: at 100k documents a `String` per suffix took ~47 MB; the folded texts
/// now live in one buffer and each suffix is an (entry, offset) pair of 8 bytes.
#[derive(Debug, Default)]
pub(crate) struct Suggester {
    entries: Vec<Suggestion>,
    /// Folded text of every entry, one after another; entry `i` is
    /// `folded[bounds[i]..bounds[i + 1]]`.
    folded: String,
    bounds: Vec<u32>,
    /// (entry index, byte offset of a word start in its folded text), sorted by the suffix
    /// from there.
    keys: Vec<(u32, u32)>,
}

impl Suggester {
    /// Builds from the taxonomy and the titles of the indexed documents.
    pub(crate) fn new(taxonomy: &Taxonomy, titles: impl IntoIterator<Item = String>) -> Suggester {
        let mut entries: Vec<Suggestion> = Vec::new();
        for spec in taxonomy.kinds().iter().filter(|spec| spec.policy.complete) {
            for value in &spec.values {
                let texts = std::iter::once(value.canonical())
                    .chain(value.code.as_ref().map(|_| value.name.as_str()));
                for text in texts {
                    entries.push(Suggestion {
                        text: text.to_string(),
                        kind: spec.kind.name(),
                    });
                }
            }
        }
        let mut folded = String::new();
        let mut bounds = vec![0u32];
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut kept = Vec::with_capacity(entries.len());
        let mut analyzer = analysis::raw_analyzer();
        let mut add = |entry: Suggestion, kept: &mut Vec<Suggestion>| {
            let key = fold_with(&mut analyzer, &entry.text);
            if key.is_empty() || !seen.insert(key.clone()) {
                return;
            }
            folded.push_str(&key);
            bounds.push(folded.len() as u32);
            kept.push(entry);
        };
        for entry in entries {
            add(entry, &mut kept);
        }
        for title in titles {
            let title = title.split(" | ").next().unwrap_or(&title).trim();
            if !title.is_empty() {
                let text = title.to_string();
                add(
                    Suggestion {
                        text,
                        kind: "title",
                    },
                    &mut kept,
                );
            }
        }
        let mut keys = Vec::new();
        for index in 0..kept.len() {
            let text = &folded[bounds[index] as usize..bounds[index + 1] as usize];
            keys.push((index as u32, 0));
            keys.extend(
                text.match_indices(' ')
                    .map(|(at, _)| (index as u32, at as u32 + 1)),
            );
        }
        let mut suggester = Suggester {
            entries: kept,
            folded,
            bounds,
            keys: Vec::new(),
        };
        keys.sort_unstable_by(|a, b| {
            suggester
                .suffix(*a)
                .cmp(suggester.suffix(*b))
                .then(a.cmp(b))
        });
        suggester.keys = keys;
        suggester
    }

    /// The folded text of a key's entry from the key's word on.
    fn suffix(&self, (entry, offset): (u32, u32)) -> &str {
        let end = self.bounds[entry as usize + 1] as usize;
        &self.folded[self.bounds[entry as usize] as usize + offset as usize..end]
    }

    /// Up to `limit` completions of `prefix`: whole-text prefixes first, then word prefixes;
    /// credentials and job titles before titles; shorter first.
    pub(crate) fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        let wanted = fold(prefix);
        if wanted.is_empty() {
            return Vec::new();
        }
        let start = self
            .keys
            .partition_point(|key| self.suffix(*key) < wanted.as_str());
        let mut found: Vec<(bool, u8, usize, u32)> = Vec::new();
        for key in self.keys[start..]
            .iter()
            .take_while(|key| self.suffix(**key).starts_with(&wanted))
        {
            let (index, offset) = *key;
            let entry = &self.entries[index as usize];
            let rank = match entry.kind {
                "credential" => 0,
                "job_title" => 1,
                "topic" => 2,
                _ => 3,
            };
            found.push((offset != 0, rank, entry.text.len(), index));
            if found.len() > 10_000 {
                break;
            }
        }
        found.sort();
        found.dedup_by_key(|f| f.3);
        let mut out: Vec<Suggestion> = Vec::new();
        for (_, _, _, index) in found {
            let entry = &self.entries[index as usize];
            if !out.iter().any(|e| e.text == entry.text) {
                out.push(entry.clone());
            }
            if out.len() == limit {
                break;
            }
        }
        out
    }
}

/// Lowercase, ASCII-folded words joined by single spaces.
fn fold(text: &str) -> String {
    fold_with(&mut analysis::raw_analyzer(), text)
}

/// [`fold`] with an analyzer the caller reuses (building one per title is not free).
fn fold_with(analyzer: &mut TextAnalyzer, text: &str) -> String {
    analysis::tokens(analyzer, text).join(" ")
}

/// The closest vocabulary word to `word` (same first letter, 1 edit for short words, 2 for
/// words of 9+ letters), preferring the most frequent. `None` when `word` is itself a word of
/// the index or nothing is close.
///
/// Candidates come from intersecting each segment's term dictionary with a Levenshtein
/// automaton, so the cost grows with the number of close words, not with the vocabulary
/// (a walk over every word with the same first letter took milliseconds per word at 100k
/// documents).
pub(crate) fn correct_word(
    searcher: &Searcher,
    field: Field,
    word: &str,
) -> tantivy::Result<Option<String>> {
    match correction_distance(word) {
        Some(max_distance) => nearest_word(searcher, field, word, max_distance, true),
        None => Ok(None),
    }
}

/// How many edits away a correction of `word` may be; `None` for a word too short to
/// correct, or with a digit (a code).
fn correction_distance(word: &str) -> Option<u8> {
    let len = word.chars().count();
    if len < 3 || word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(typo_distance(word))
}

/// The most edits a typo of `word` makes: two from nine letters (typo clauses and corrections
/// alike).
pub(crate) fn typo_distance(word: &str) -> u8 {
    if word.chars().count() >= 9 {
        2
    } else {
        1
    }
}

/// [`correct_word`] for a word whose typo clauses will follow (a raw token no document has,
/// eligible for typos), in the same walk of the term dictionary: the documents of each typo
/// clause (`FuzzyTermQuery::new(term, distance, true)` for every distance up to the one typos
/// allow the word) are recorded in `memo` for every segment, so those clauses do not build
/// their automata and walk the dictionary again. Nothing is recorded when the word is indexed.
pub(crate) fn correct_word_for_typos(
    searcher: &Searcher,
    field: Field,
    word: &str,
    memo: &DocSetMemo,
) -> tantivy::Result<Option<String>> {
    let Some(max_distance) = correction_distance(word) else {
        return Ok(None);
    };
    let term = Term::from_field_text(field, word);
    let clause = |distance: u8| FuzzyTermQuery::new(term.clone(), distance, true);
    // Membership at each distance by the clauses' own automata: the walk's (the largest) and
    // the smaller ones, run over each word the walk finds.
    let automata = (1..=max_distance)
        .map(|distance| clause(distance).automaton())
        .collect::<tantivy::Result<Vec<_>>>()?;
    let around = Around {
        field,
        word,
        max_distance,
        same_first: true,
        automaton: &automata[automata.len() - 1],
    };
    let walked = walk(
        searcher,
        &around,
        |reader, inverted, close, info, within: &mut Vec<BitSet>| {
            if within.is_empty() {
                *within = (0..max_distance)
                    .map(|_| BitSet::with_max_value(reader.max_doc()))
                    .collect();
            }
            // The nearest clause that has it, and every wider one. The walk's automaton is the
            // widest, and an automaton accepts every word a narrower one does.
            let first = automata
                .iter()
                .position(|automaton| accepts(automaton, close))
                .unwrap_or(automata.len() - 1);
            let mut postings =
                inverted.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
            while !postings.docs().is_empty() {
                for &doc in postings.docs() {
                    for bits in &mut within[first..] {
                        bits.insert(doc);
                    }
                }
                postings.advance();
            }
            Ok(())
        },
    )?;
    let Walked::Near {
        nearest,
        per_segment,
    } = walked
    else {
        return Ok(None);
    };
    for (reader, within) in searcher.segment_readers().iter().zip(per_segment) {
        // A segment where no word is close gives the clauses no documents.
        let mut within = within.into_iter();
        for distance in 1..=max_distance {
            let bits = within
                .next()
                .unwrap_or_else(|| BitSet::with_max_value(reader.max_doc()));
            memo.insert(&clause(distance), reader.segment_id(), bits);
        }
    }
    Ok(nearest)
}

/// Whether `automaton` accepts `key` whole.
fn accepts(automaton: &DfaWrapper, key: &[u8]) -> bool {
    let mut state = automaton.start();
    for &byte in key {
        state = automaton.accept(&state, byte);
    }
    automaton.is_match(&state)
}

/// The indexed word of `field` that `prefix` begins and most documents have (summed over
/// segments), from the first `most_read` such words of each segment's dictionary.
pub(crate) fn commonest_with_prefix(
    searcher: &Searcher,
    field: Field,
    prefix: &str,
    most_read: usize,
) -> tantivy::Result<Option<String>> {
    let mut found: HashMap<Vec<u8>, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .into_stream()?;
        for _ in 0..most_read {
            if !stream.advance() || !stream.key().starts_with(prefix.as_bytes()) {
                break;
            }
            *found.entry(stream.key().to_vec()).or_default() += u64::from(stream.value().doc_freq);
        }
    }
    // The commonest; of equals, the first in the dictionary's order.
    let best = found
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
    Ok(best.and_then(|(word, _)| String::from_utf8(word).ok()))
}

/// The indexed word of `field` within `max_distance` edits of `word` (adjacent transpositions
/// count as one), the closest and then the most frequent; `None` when `word` itself is indexed
/// or nothing is that close. `same_first` keeps only words with the same first letter (typos
/// seldom touch it, and without it short words have many neighbours).
pub(crate) fn nearest_word(
    searcher: &Searcher,
    field: Field,
    word: &str,
    max_distance: u8,
    same_first: bool,
) -> tantivy::Result<Option<String>> {
    let term = Term::from_field_text(field, word);
    let automaton = FuzzyTermQuery::new(term, max_distance, true).automaton()?;
    let around = Around {
        field,
        word,
        max_distance,
        same_first,
        automaton: &automaton,
    };
    Ok(
        match walk(searcher, &around, |_, _, _, _, _: &mut ()| Ok(()))? {
            Walked::Indexed => None,
            Walked::Near { nearest, .. } => nearest,
        },
    )
}

/// The words of one field on a large share of the documents, listed once per commit: all that
/// a real word no document has may be corrected to (`QueryBuilder::real_word_slip`), so such a word,
/// common in questions ("eligibility", "years"), costs a look through a short list instead of a
/// walk of the term dictionary around it.
#[derive(Default)]
pub(crate) struct CommonWords {
    found: PerCommit<Arc<Counted>>,
}

/// Words with the number of documents each is on.
type Counted = Vec<(String, u64)>;

impl CommonWords {
    /// The words of `field` on at least `share` of `searcher`'s documents, with the number of
    /// documents each is on.
    pub(crate) fn of(
        &self,
        searcher: &Searcher,
        field: Field,
        share: f64,
    ) -> tantivy::Result<Arc<Counted>> {
        (self.found).get(searcher, || {
            common_words(searcher, field, share).map(Arc::new)
        })
    }
}

fn common_words(
    searcher: &Searcher,
    field: Field,
    share: f64,
) -> tantivy::Result<Vec<(String, u64)>> {
    let least = share * searcher.num_docs() as f64;
    // A word on `least` documents in all is on at least `least / segments` in one of them.
    let segments = searcher.segment_readers().len().max(1) as f64;
    let mut candidates = std::collections::BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted.terms().stream()?;
        while stream.advance() {
            if f64::from(stream.value().doc_freq) * segments >= least {
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    candidates.insert(word.to_string());
                }
            }
        }
    }
    let mut words = Vec::new();
    for word in candidates {
        let freq = searcher.doc_freq(&Term::from_field_text(field, &word))?;
        if freq as f64 >= least {
            words.push((word, freq));
        }
    }
    Ok(words)
}

/// The closest of `words` to `word` as [`correct_word`] chooses among all the field's words:
/// the same first letter, within the edits a correction of `word` may make, the fewest edits,
/// then the most documents.
pub(crate) fn nearest_of(words: &[(String, u64)], word: &str) -> Option<String> {
    let max_distance = usize::from(correction_distance(word)?);
    let first = word.chars().next()?;
    words
        .iter()
        .filter(|(close, _)| close.starts_with(first))
        .filter_map(|(close, freq)| {
            let distance = strsim::osa_distance(word, close);
            (distance <= max_distance).then_some((distance, *freq, close))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)))
        .map(|(_, _, close)| close.clone())
}

/// A walk of one field's term dictionary around a word: the words `automaton` accepts
/// (those within `max_distance` edits; nothing ties the two but the caller).
struct Around<'a> {
    field: Field,
    word: &'a str,
    max_distance: u8,
    same_first: bool,
    automaton: &'a DfaWrapper,
}

/// What a [`walk`] found.
enum Walked<T> {
    /// The word itself is indexed (in some segment): it has no correction.
    Indexed,
    /// The nearest word as [`nearest_word`] chooses it, and what `each` kept per segment, in
    /// the searcher's order.
    Near {
        nearest: Option<String>,
        per_segment: Vec<T>,
    },
}

/// Walks each segment's words that `around.automaton` accepts, calling `each` with every one
/// and a value kept for the segment.
fn walk<T: Default>(
    searcher: &Searcher,
    around: &Around<'_>,
    mut each: impl FnMut(
        &SegmentReader,
        &InvertedIndexReader,
        &[u8],
        &TermInfo,
        &mut T,
    ) -> tantivy::Result<()>,
) -> tantivy::Result<Walked<T>> {
    let Some(first) = around.word.chars().next() else {
        return Ok(Walked::Near {
            nearest: None,
            per_segment: Vec::new(),
        });
    };
    let mut candidates: HashMap<String, (usize, u64)> = HashMap::new();
    let mut per_segment = Vec::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(around.field)?;
        if inverted.terms().get(around.word.as_bytes())?.is_some() {
            return Ok(Walked::Indexed);
        }
        let mut value = T::default();
        let mut stream = inverted.terms().search(around.automaton).into_stream()?;
        while stream.advance() {
            each(segment, &inverted, stream.key(), stream.value(), &mut value)?;
            let Ok(close) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if around.same_first && !close.starts_with(first) {
                continue;
            }
            // Adjacent transpositions count as one edit (optimal string alignment distance), as
            // typos are counted by the typo clauses.
            let distance = strsim::osa_distance(around.word, close);
            if distance <= usize::from(around.max_distance) {
                let entry = candidates.entry(close.to_string()).or_insert((distance, 0));
                entry.1 += u64::from(stream.value().doc_freq);
            }
        }
        per_segment.push(value);
    }
    let nearest = candidates
        .into_iter()
        .min_by(|a, b| {
            a.1 .0
                .cmp(&b.1 .0)
                .then(b.1 .1.cmp(&a.1 .1))
                .then(a.0.cmp(&b.0))
        })
        .map(|(term, _)| term);
    Ok(Walked::Near {
        nearest,
        per_segment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk that corrects a word records, for every segment (one with no word close, one
    /// with a deleted document), exactly the documents its typo clauses would find by walking
    /// the dictionary themselves, under their own keys.
    #[test]
    fn a_correction_walk_records_its_typo_clauses_documents() {
        use crate::materialize::MemoizedQuery;
        use tantivy::query::Query;
        use tantivy::schema::{Schema, TEXT};
        use tantivy::{doc, DocSet, Index};

        let mut builder = Schema::builder();
        let raw = builder.add_text_field("raw", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = [
            "registrar",
            "registrars",
            "regstrar",
            "registered",
            "register",
            "rgistrar",
            "cancer",
            "egistrar",
            "registrat",
        ];
        let mut add = |words: &[&str], from: usize, count: usize| {
            for i in from..from + count {
                let word = words[i % words.len()];
                writer
                    .add_document(doc!(raw => format!("{word} other{i}")))
                    .unwrap();
            }
            writer.commit().unwrap();
        };
        add(&words, 0, 20);
        add(&["cancer", "privacy"], 20, 10);
        add(&words, 30, 20);
        writer.delete_term(Term::from_field_text(raw, "other2"));
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let memo = DocSetMemo::default();
        let word = "regsitrar";
        let corrected = correct_word_for_typos(&searcher, raw, word, &memo).unwrap();
        assert_eq!(corrected.as_deref(), Some("registrar"));
        // Two distances in three segments.
        assert_eq!(memo.len(), 6);
        let term = Term::from_field_text(raw, word);
        let schema = index.schema();
        let docs = |query: MemoizedQuery, reader: &SegmentReader| -> Vec<u32> {
            let weight = query
                .weight(tantivy::query::EnableScoring::disabled_from_schema(&schema))
                .unwrap();
            let mut scorer = weight.scorer(reader, 1.0).unwrap();
            let mut docs = Vec::new();
            while scorer.doc() != tantivy::TERMINATED {
                docs.push(scorer.doc());
                scorer.advance();
            }
            docs
        };
        let mut found = Vec::new();
        for distance in [1, 2] {
            let clause = || Box::new(FuzzyTermQuery::new(term.clone(), distance, true));
            for reader in searcher.segment_readers() {
                let recorded = docs(MemoizedQuery::new(clause(), &memo), reader);
                let walked = docs(MemoizedQuery::new(clause(), &DocSetMemo::default()), reader);
                assert_eq!(recorded, walked, "distance {distance}");
                found.push(walked.len());
            }
        }
        // One and two edits find different documents; the segment with no word close, none.
        let (one, two) = found.split_at(3);
        let per_segment: Vec<(usize, usize)> =
            one.iter().copied().zip(two.iter().copied()).collect();
        assert_eq!(
            per_segment
                .iter()
                .filter(|&&counts| counts == (0, 0))
                .count(),
            1
        );
        assert!(
            per_segment.iter().any(|&(one, two)| one > 0 && two > one),
            "{per_segment:?}"
        );
        // The clauses found their documents recorded under their own keys.
        assert_eq!(memo.len(), 6);
    }

    /// A word on a third of the documents in all is listed however its documents are spread
    /// over segments; the closest listed word is chosen as the dictionary walk would choose it.
    #[test]
    fn common_words_are_counted_over_every_segment() {
        use tantivy::schema::{Schema, TEXT};
        use tantivy::{doc, Index};

        let mut builder = Schema::builder();
        let raw = builder.add_text_field("raw", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        // "health" on 4 of 12 documents, at most 2 in any of the 3 segments; "heal" on 3.
        let segments = [
            ["health heat", "health heal", "other", "other"],
            ["health heal", "health", "other", "other"],
            ["heal", "other", "other", "other"],
        ];
        for texts in segments {
            for text in texts {
                writer.add_document(doc!(raw => text)).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let common = CommonWords::default();
        let words = common.of(&searcher, raw, 1.0 / 3.0).unwrap();
        assert_eq!(
            *words,
            vec![("health".to_string(), 4), ("other".to_string(), 7)]
        );
        // "heat" is as close to "heath" as "health" is, but only "health" is common.
        assert_eq!(nearest_of(&words, "heath").as_deref(), Some("health"));
        assert_eq!(nearest_of(&words, "robots"), None);
        // Listed once per commit.
        assert!(Arc::ptr_eq(
            &words,
            &common.of(&searcher, raw, 1.0 / 3.0).unwrap()
        ));
    }

    #[test]
    fn edit_distance() {
        use strsim::osa_distance as distance;
        assert_eq!(distance("coder", "coder"), 0);
        assert_eq!(distance("codr", "coder"), 1);
        assert_eq!(distance("cdoer", "coder"), 1);
        assert_eq!(distance("registrar", "regstrr"), 2);
    }

    #[test]
    fn suggestions_prefer_taxonomy_and_whole_prefixes() {
        let taxonomy = Taxonomy::builtin().unwrap();
        let suggester = Suggester::new(&taxonomy, ["Becoming a Registrar | Site".to_string()]);
        let found = suggester.suggest("reg", 5);
        assert_eq!(
            found[0].text, "Registered Health Information Technician",
            "shortest first"
        );
        assert!(
            found
                .iter()
                .any(|s| s.text == "Becoming a Registrar" && s.kind == "title")
                || found.len() == 5
        );
        let tech = suggester.suggest("medical records te", 3);
        assert_eq!(tech[0].text, "Medical Records Technician");
        assert!(suggester.suggest("", 5).is_empty());
        assert!(suggester.suggest("zzzz", 5).is_empty());
    }
}
