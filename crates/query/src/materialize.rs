//! Query wrappers that evaluate their inner query to a bitset per segment.
//!
//! [`MaterializedQuery`] exists because tantivy 0.27's `Exclude` scorer (behind every `MustNot` clause) calls `seek_danger` on
//! the excluded docset with a target below the docset's current document when that docset is
//! a phrase scorer already positioned on its first match. Debug builds panic
//! ("target should be greater than or equal to doc") and release builds may answer wrongly.
//! A bitset docset has no such state, so every excluded query goes through this wrapper.
//!
//! [`MemoizedQuery`] exists because typo and prefix clauses are automaton queries: building
//! their scorer walks the term dictionary with a Levenshtein or prefix automaton and reads the
//! postings of every term it accepts, and a request builds them once per segment in each of
//! its passes (strict, strict with typos, partial, facet counts). Profiled on the 100k-page
//! benchmark index, those walks were 40% of a three-word search. A [`DocSetMemo`] made per
//! request keeps each clause's bitset per segment, so the walk happens once (for a misspelled
//! word's typo clauses, the walk that corrects it records them: `suggest.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::Schema;
use tantivy::{BitSet, DocId, Score, SegmentReader};

/// Matches exactly the documents of the inner query, with a constant score.
#[derive(Debug)]
pub(crate) struct MaterializedQuery(pub(crate) Box<dyn Query>);

impl Clone for MaterializedQuery {
    fn clone(&self) -> Self {
        MaterializedQuery(self.0.box_clone())
    }
}

impl Query for MaterializedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self
            .0
            .weight(EnableScoring::disabled_from_schema(enable_scoring.schema()))?;
        Ok(Box::new(MaterializedWeight(inner)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct MaterializedWeight(Box<dyn Weight>);

impl Weight for MaterializedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(matches(self.0.as_ref(), reader)?),
            boost,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

/// The documents of one segment that `weight` matches (deleted ones included: collectors skip
/// those, as they do for every scorer).
fn matches(weight: &dyn Weight, reader: &SegmentReader) -> tantivy::Result<BitSet> {
    let mut matches = BitSet::with_max_value(reader.max_doc());
    insert_matches(weight, reader, &mut matches)?;
    Ok(matches)
}

/// Adds the documents of one segment that `weight` matches to `set` (sized for the segment).
pub(crate) fn insert_matches(
    weight: &dyn Weight,
    reader: &SegmentReader,
    set: &mut BitSet,
) -> tantivy::Result<()> {
    weight.for_each_no_score(reader, &mut |docs: &[DocId]| {
        for doc in docs {
            set.insert(*doc);
        }
    })
}

/// A memoized clause's identity (its inner query's `Debug` form) and the segment searched.
type MemoKey = (String, SegmentId);

/// The identity of a memoized clause's inner query: its `Debug` form.
fn memo_key(query: &dyn Query) -> String {
    format!("{query:?}")
}

/// Bitsets of the [`MemoizedQuery`]s of one request, by query and segment. Cloning shares it.
#[derive(Debug, Default, Clone)]
pub(crate) struct DocSetMemo(Arc<Mutex<HashMap<MemoKey, Arc<BitSet>>>>);

impl DocSetMemo {
    /// Records the documents `query` (a memoized clause's inner query) matches in a segment,
    /// found by another walk of the index: its clause will not walk it again.
    pub(crate) fn insert(&self, query: &dyn Query, segment: SegmentId, bits: BitSet) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((memo_key(query), segment), Arc::new(bits));
    }

    /// How many bitsets it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn get_or_compute(
        &self,
        key: &str,
        reader: &SegmentReader,
        compute: impl FnOnce() -> tantivy::Result<BitSet>,
    ) -> tantivy::Result<Arc<BitSet>> {
        let slot = (key.to_string(), reader.segment_id());
        let known = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&slot)
            .cloned();
        if let Some(bits) = known {
            return Ok(bits);
        }
        // Computed outside the lock: segments may be searched in parallel.
        let bits = Arc::new(compute()?);
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(slot, Arc::clone(&bits));
        Ok(bits)
    }
}

/// Matches exactly the documents of a constant-score inner query (typo and prefix clauses),
/// with a constant score, computing them once per segment for every query of a request that
/// shares the memo. The inner query's `Debug` form is its identity: two clauses with the same
/// term, distance and kind share their bitsets.
#[derive(Debug)]
pub(crate) struct MemoizedQuery {
    inner: Box<dyn Query>,
    key: String,
    memo: DocSetMemo,
}

impl Clone for MemoizedQuery {
    fn clone(&self) -> Self {
        MemoizedQuery {
            inner: self.inner.box_clone(),
            key: self.key.clone(),
            memo: self.memo.clone(),
        }
    }
}

impl MemoizedQuery {
    pub(crate) fn new(inner: Box<dyn Query>, memo: &DocSetMemo) -> MemoizedQuery {
        MemoizedQuery {
            key: memo_key(inner.as_ref()),
            inner,
            memo: memo.clone(),
        }
    }
}

impl Query for MemoizedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // The inner weight is built only for a segment whose bitset is not known yet:
        // building a fuzzy weight compiles its Levenshtein automaton.
        Ok(Box::new(MemoizedWeight {
            inner: self.inner.box_clone(),
            schema: enable_scoring.schema().clone(),
            key: self.key.clone(),
            memo: self.memo.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct MemoizedWeight {
    inner: Box<dyn Query>,
    schema: Schema,
    key: String,
    memo: DocSetMemo,
}

impl Weight for MemoizedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let bits = self.memo.get_or_compute(&self.key, reader, || {
            let weight = self.inner_weight()?;
            matches(weight.as_ref(), reader)
        })?;
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(BitSet::clone(&bits)),
            boost,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner_weight()?.explain(reader, doc)
    }
}

impl MemoizedWeight {
    fn inner_weight(&self) -> tantivy::Result<Box<dyn Weight>> {
        self.inner
            .weight(EnableScoring::disabled_from_schema(&self.schema))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BoostQuery, FuzzyTermQuery};
    use tantivy::schema::STRING;
    use tantivy::{doc, Index, Term};

    /// A memoized fuzzy clause matches and scores as the fuzzy query itself, in every pass
    /// that shares the memo, and the memo holds one bitset per segment.
    #[test]
    fn memoized_clause_matches_and_scores_like_its_inner_query() {
        let mut builder = Schema::builder();
        let word = builder.add_text_field("word", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (i, text) in ["coder", "codes", "coders", "cod", "coder"]
            .iter()
            .enumerate()
        {
            writer.add_document(doc!(word => *text)).unwrap();
            if i == 2 {
                // Two segments.
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);

        let fuzzy = || -> Box<dyn Query> {
            Box::new(FuzzyTermQuery::new(
                Term::from_field_text(word, "codr"),
                1,
                true,
            ))
        };
        let memo = DocSetMemo::default();
        let top = || TopDocs::with_limit(10).order_by_score();
        let plain = searcher
            .search(&BoostQuery::new(fuzzy(), 0.3), &(Count, top()))
            .unwrap();
        for _pass in 0..2 {
            let memoized = BoostQuery::new(Box::new(MemoizedQuery::new(fuzzy(), &memo)), 0.3);
            let found = searcher.search(&memoized, &(Count, top())).unwrap();
            assert_eq!(found, plain);
        }
        // "coder" twice and "cod" are one edit from "codr"; "codes" and "coders" are two.
        assert_eq!(plain.0, 3);
        assert_eq!(memo.0.lock().unwrap().len(), 2);
    }
}
