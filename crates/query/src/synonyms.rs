//! Matches of the taxonomy's synonym clauses, kept for the commit being served.
//!
//! A query word also searches its synonyms, and many of them are phrases (`coder` -> "coding
//! specialist", "medical coding specialist"), each over every ranked field. A phrase is matched
//! by intersecting its words' postings and comparing positions, and the alternatives are
//! merged by a union over their fields: on a site where the words are common, that was most of
//! a one-word search (BENCHMARKS.md, #18). The clauses come from the taxonomy, so the same few
//! hundred recur in every query that names a credential, a job title or a topic:
//! [`SynonymCache`] keeps each clause's matching documents and scores per segment, computed on
//! first use, until the commit changes (scores depend on the whole commit's statistics).
//! Phrases a user types in quotes are not cached: they vary without bound, and a benchmark
//! repeating them would measure the cache, not the engine.

use std::sync::Arc;

use quick_cache::sync::Cache;
use quick_cache::Weighter;
use tantivy::index::SegmentId;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Bytes of matches kept (8 bytes per matching document): every synonym clause of the built-in
/// taxonomy over a 100k-page site fits many times over.
const SYNONYM_CACHE_BYTES: u64 = 16 << 20;

/// Which clause (its `Debug` form), in which segment, scored with the statistics of which
/// commit, at which boost (as bits: a score computed at another boost and scaled can differ in
/// its last bit).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClauseKey {
    commit: u64,
    segment: SegmentId,
    clause: Arc<str>,
    boost: u32,
}

/// One segment's matches of a clause, in document order, with their scores.
#[derive(Debug, Default)]
struct SegmentMatches {
    docs: Vec<DocId>,
    scores: Vec<Score>,
}

#[derive(Debug, Clone, Copy)]
struct ByBytes;

impl Weighter<ClauseKey, Arc<SegmentMatches>> for ByBytes {
    fn weight(&self, key: &ClauseKey, matches: &Arc<SegmentMatches>) -> u64 {
        // Never 0: an empty entry still costs its key.
        (64 + key.clause.len() + matches.docs.len() * 8) as u64
    }
}

/// Synonym clause matches of the commit being served (the engine holds one).
pub(crate) struct SynonymCache {
    matches: Cache<ClauseKey, Arc<SegmentMatches>, ByBytes>,
}

impl Default for SynonymCache {
    fn default() -> Self {
        SynonymCache {
            matches: Cache::with_weighter(1024, SYNONYM_CACHE_BYTES, ByBytes),
        }
    }
}

impl std::fmt::Debug for SynonymCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynonymCache")
            .field("entries", &self.matches.len())
            .finish()
    }
}

/// A clause whose matches and scores come from a [`SynonymCache`]: it matches and scores
/// exactly as the query it wraps.
#[derive(Debug)]
pub(crate) struct CachedClause {
    inner: Box<dyn Query>,
    key: Arc<str>,
    /// The commit whose statistics score it (`Commit::documents` of the searcher).
    commit: u64,
    cache: Arc<SynonymCache>,
}

impl Clone for CachedClause {
    fn clone(&self) -> Self {
        CachedClause {
            inner: self.inner.box_clone(),
            key: Arc::clone(&self.key),
            commit: self.commit,
            cache: Arc::clone(&self.cache),
        }
    }
}

impl CachedClause {
    pub(crate) fn new(inner: Box<dyn Query>, commit: u64, cache: Arc<SynonymCache>) -> Self {
        CachedClause {
            key: format!("{inner:?}").into(),
            inner,
            commit,
            cache,
        }
    }
}

impl Query for CachedClause {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(CachedWeight {
            scoring: enable_scoring.is_scoring_enabled(),
            inner: self.inner.weight(enable_scoring)?,
            query: self.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct CachedWeight {
    scoring: bool,
    inner: Box<dyn Weight>,
    query: CachedClause,
}

impl CachedWeight {
    fn key(&self, reader: &SegmentReader, boost: Score) -> ClauseKey {
        ClauseKey {
            commit: self.query.commit,
            segment: reader.segment_id(),
            clause: Arc::clone(&self.query.key),
            boost: boost.to_bits(),
        }
    }

    /// The matches at `boost`: from the cache, or computed and kept. `None` without scoring:
    /// the inner weight then has no statistics, so nothing it scores is kept.
    fn matches(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Option<Arc<SegmentMatches>>> {
        let key = self.key(reader, boost);
        if !self.scoring {
            return Ok(self.query.cache.matches.get(&key));
        }
        self.query
            .cache
            .matches
            .get_or_insert_with(&key, || {
                let mut scorer = self.inner.scorer(reader, boost)?;
                let mut matches = SegmentMatches::default();
                let mut doc = scorer.doc();
                while doc != TERMINATED {
                    matches.docs.push(doc);
                    matches.scores.push(scorer.score());
                    doc = scorer.advance();
                }
                Ok(Arc::new(matches))
            })
            .map(Some)
    }
}

impl Weight for CachedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        match self.matches(reader, boost)? {
            Some(matches) => Ok(Box::new(MatchesScorer { matches, at: 0 })),
            None => self.inner.scorer(reader, boost),
        }
    }

    fn for_each(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score),
    ) -> tantivy::Result<()> {
        match self.matches(reader, 1.0)? {
            Some(matches) => {
                for (doc, score) in matches.docs.iter().zip(&matches.scores) {
                    callback(*doc, *score);
                }
                Ok(())
            }
            None => self.inner.for_each(reader, callback),
        }
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }
}

/// Streams a [`SegmentMatches`].
struct MatchesScorer {
    matches: Arc<SegmentMatches>,
    at: usize,
}

impl DocSet for MatchesScorer {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.matches.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let rest = &self.matches.docs[self.at..];
        self.at += rest.partition_point(|&doc| doc < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.matches
            .docs
            .get(self.at)
            .copied()
            .unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.matches.docs.len() - self.at) as u32
    }
}

impl Scorer for MatchesScorer {
    fn score(&mut self) -> Score {
        self.matches.scores.get(self.at).copied().unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{
        BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, TermQuery,
    };
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index};

    /// Cached, a clause of phrases matches and scores exactly as itself, inside a boolean
    /// query with a boost, in every segment, on a second search from the cache, and without
    /// scoring.
    #[test]
    fn a_cached_clause_matches_and_scores_like_itself() {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let texts = [
            "coding specialist wanted",
            "a specialist in coding",
            "coding specialist and coding specialist again",
            "coding",
            "the coding specialist role, long text about many other things entirely",
            "specialist coding specialist",
        ];
        for (i, text) in texts.iter().enumerate() {
            writer.add_document(doc!(body => *text)).unwrap();
            if i == 2 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let terms = vec![
            (0, Term::from_field_text(body, "coding")),
            (1, Term::from_field_text(body, "specialist")),
        ];
        let cache = Arc::new(SynonymCache::default());
        let clause = || -> Box<dyn Query> {
            Box::new(DisjunctionMaxQuery::with_tie_breaker(
                vec![
                    Box::new(PhraseQuery::new_with_offset(terms.clone())),
                    Box::new(TermQuery::new(
                        Term::from_field_text(body, "again"),
                        IndexRecordOption::WithFreqs,
                    )),
                ],
                0.5,
            ))
        };
        let wrap = |phrase: Box<dyn Query>| -> BooleanQuery {
            BooleanQuery::new(vec![
                (Occur::Should, Box::new(BoostQuery::new(phrase, 0.35))),
                (
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(body, "wanted"),
                        IndexRecordOption::WithFreqs,
                    )),
                ),
            ])
        };
        let top = || (Count, TopDocs::with_limit(10).order_by_score());
        let plain = searcher.search(&wrap(clause()), &top()).unwrap();
        for _ in 0..2 {
            let cached = CachedClause::new(clause(), 7, Arc::clone(&cache));
            let found = searcher.search(&wrap(Box::new(cached)), &top()).unwrap();
            assert_eq!(found, plain);
        }
        assert_eq!(plain.0, 4);
        assert_eq!(cache.matches.len(), 2, "one entry per segment");
        let unscored = CachedClause::new(clause(), 8, Arc::clone(&cache));
        assert_eq!(searcher.search(&unscored, &Count).unwrap(), 4);
        assert_eq!(cache.matches.len(), 2, "nothing kept without scores");
    }
}
