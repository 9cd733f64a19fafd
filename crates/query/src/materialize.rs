//! A query wrapper that evaluates its inner query to a bitset per segment.
//!
//! Why: tantivy 0.27's `Exclude` scorer (behind every `MustNot` clause) calls `seek_danger` on
//! the excluded docset with a target below the docset's current document when that docset is
//! a phrase scorer already positioned on its first match. Debug builds panic
//! ("target should be greater than or equal to doc") and release builds may answer wrongly.
//! A bitset docset has no such state, so every excluded query goes through this wrapper.

use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
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
        let mut matches = BitSet::with_max_value(reader.max_doc());
        self.0.for_each_no_score(reader, &mut |docs: &[DocId]| {
            for doc in docs {
                matches.insert(*doc);
            }
        })?;
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(matches),
            boost,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}
