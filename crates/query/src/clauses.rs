//! Clauses that carry what the sum evaluator (`flat.rs`) needs to know to do less work.
//!
//! [`Covered`]: a word's clause plus its coverage bonus. Written as two clauses (a constant
//! score over the word's query, and the word's query), the evaluator read every posting of the
//! word twice; one clause that adds the constant to its own score reads them once. The
//! evaluator streams a covered disjunction's clauses (the word's fields, variants, synonyms)
//! one by one into a sum of their own, added with the bonus when they end, instead of merging
//! them.
//!
//! [`Bonus`]: a clause that only adds to the score of documents other clauses select (the
//! proximity of the words: every document with the words close together has the words), with a
//! bound on what it can add. Collecting a page, the evaluator scores it only for the best
//! documents by the other clauses that could still enter the page with it (`flat.rs`), and
//! checks each of those documents alone: phrase matching with slop over every document that has
//! all the words was a quarter of a three-word search on the 10k-page benchmark site.

use tantivy::query::{DisjunctionMaxQuery, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// The inner query's score plus `bonus` wherever it matches.
#[derive(Debug)]
pub(crate) struct Covered {
    inner: Box<dyn Query>,
    bonus: Score,
}

impl Covered {
    pub(crate) fn new(inner: Box<dyn Query>, bonus: Score) -> Covered {
        Covered { inner, bonus }
    }

    pub(crate) fn inner(&self) -> &dyn Query {
        self.inner.as_ref()
    }

    pub(crate) fn bonus(&self) -> Score {
        self.bonus
    }
}

impl Clone for Covered {
    fn clone(&self) -> Self {
        Covered {
            inner: self.inner.box_clone(),
            bonus: self.bonus,
        }
    }
}

impl Query for Covered {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(CoveredWeight {
            inner: self.inner.weight(enable_scoring)?,
            bonus: self.bonus,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct CoveredWeight {
    inner: Box<dyn Weight>,
    bonus: Score,
}

impl Weight for CoveredWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(CoveredScorer {
            inner: self.inner.scorer(reader, boost)?,
            bonus: self.bonus * boost,
        }))
    }

    fn for_each(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score),
    ) -> tantivy::Result<()> {
        // The inner weight's own loop (a union's is faster than a scorer's).
        let bonus = self.bonus;
        self.inner
            .for_each(reader, &mut |doc, score| callback(doc, bonus + score))
    }

    fn for_each_no_score(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(&[DocId]),
    ) -> tantivy::Result<()> {
        self.inner.for_each_no_score(reader, callback)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let mut explanation = Explanation::new("sum of", self.bonus + inner.value());
        explanation.add_detail(Explanation::new("coverage bonus", self.bonus));
        explanation.add_detail(inner);
        Ok(explanation)
    }
}

struct CoveredScorer {
    inner: Box<dyn Scorer>,
    bonus: Score,
}

impl DocSet for CoveredScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
}

impl Scorer for CoveredScorer {
    fn score(&mut self) -> Score {
        self.bonus + self.inner.score()
    }
}

/// A clause that adds at most `bound` (at boost 1) to documents that other clauses select,
/// and selects none itself: the dis-max of its `parts` (the best part's score plus
/// `tie_breaker` times the others'). Outside the sum evaluator it is that dis-max query; the
/// evaluator scores the parts itself, a document at a time ([`Bonus::dis_max`]).
#[derive(Debug)]
pub(crate) struct Bonus {
    pub(crate) parts: Vec<Box<dyn Query>>,
    pub(crate) tie_breaker: Score,
    pub(crate) bound: Score,
}

impl Bonus {
    /// The parts' scores combined as tantivy's `DisjunctionMaxQuery` combines them.
    pub(crate) fn dis_max(scores: impl IntoIterator<Item = Score>, tie_breaker: Score) -> Score {
        let (mut max, mut sum) = (0.0 as Score, 0.0 as Score);
        for score in scores {
            max = max.max(score);
            sum += score;
        }
        max + (sum - max) * tie_breaker
    }
}

impl Clone for Bonus {
    fn clone(&self) -> Self {
        Bonus {
            parts: self.parts.iter().map(|part| part.box_clone()).collect(),
            tie_breaker: self.tie_breaker,
            bound: self.bound,
        }
    }
}

impl Query for Bonus {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let parts = self.parts.iter().map(|part| part.box_clone()).collect();
        DisjunctionMaxQuery::with_tie_breaker(parts, self.tie_breaker).weight(enable_scoring)
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for part in &self.parts {
            part.query_terms(visitor);
        }
    }
}
