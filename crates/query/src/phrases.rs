//! Matches of the taxonomy's phrases, kept for the commit being served.
//!
//! A one-word query also searches the word's synonyms, and many of them are phrases
//! (`coder` -> "coding specialist", "medical coding specialist"), each over every ranked field.
//! A phrase is matched by intersecting its words' postings and comparing positions: on a site
//! where both words are common, that is most of a one-word search (BENCHMARKS.md, #18). The
//! phrases come from the taxonomy, so the same few hundred recur in every query that names a
//! credential, a job title or a topic: [`PhraseCache`] keeps each one's matching documents and
//! BM25 scores per segment, computed on first use, until the commit changes (scores depend on
//! the whole commit's statistics). Phrases a user types in quotes are not cached: they vary
//! without bound, and a benchmark repeating them would measure the cache, not the engine.

use std::sync::Arc;

use quick_cache::sync::Cache;
use quick_cache::Weighter;
use tantivy::index::SegmentId;
use tantivy::query::{EnableScoring, Explanation, PhraseQuery, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Bytes of phrase matches kept (8 bytes per matching document per field): every alias of the
/// built-in taxonomy over every ranked field of a 100k-page site fits many times over.
const PHRASE_CACHE_BYTES: u64 = 16 << 20;

/// Which phrase, in which segment, scored with the statistics of which commit, and which
/// boost (as bits: a score computed at another boost and scaled can differ in its last bit).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PhraseKey {
    commit: u64,
    segment: SegmentId,
    terms: Vec<(usize, Term)>,
    boost: u32,
}

/// One segment's matches of a phrase, in document order, with their scores.
#[derive(Debug, Default)]
struct SegmentMatches {
    docs: Vec<DocId>,
    scores: Vec<Score>,
}

#[derive(Debug, Clone, Copy)]
struct ByBytes;

impl Weighter<PhraseKey, Arc<SegmentMatches>> for ByBytes {
    fn weight(&self, key: &PhraseKey, matches: &Arc<SegmentMatches>) -> u64 {
        // Never 0: an empty entry still costs its key.
        (64 + key.terms.len() * 32 + matches.docs.len() * 8) as u64
    }
}

/// Phrase matches of the commit being served (the engine holds one).
pub(crate) struct PhraseCache {
    matches: Cache<PhraseKey, Arc<SegmentMatches>, ByBytes>,
}

impl Default for PhraseCache {
    fn default() -> Self {
        PhraseCache {
            matches: Cache::with_weighter(1024, PHRASE_CACHE_BYTES, ByBytes),
        }
    }
}

impl std::fmt::Debug for PhraseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhraseCache")
            .field("entries", &self.matches.len())
            .finish()
    }
}

/// A phrase query whose matches and scores come from a [`PhraseCache`]: it matches and scores
/// exactly as the [`PhraseQuery`] it wraps.
#[derive(Debug, Clone)]
pub(crate) struct CachedPhraseQuery {
    inner: PhraseQuery,
    terms: Vec<(usize, Term)>,
    /// The commit whose statistics score it (`Commit::segments` of the searcher).
    commit: u64,
    cache: Arc<PhraseCache>,
}

impl CachedPhraseQuery {
    pub(crate) fn new(
        terms: Vec<(usize, Term)>,
        commit: u64,
        cache: Arc<PhraseCache>,
    ) -> CachedPhraseQuery {
        CachedPhraseQuery {
            inner: PhraseQuery::new_with_offset(terms.clone()),
            terms,
            commit,
            cache,
        }
    }
}

impl Query for CachedPhraseQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(CachedPhraseWeight {
            scoring: enable_scoring.is_scoring_enabled(),
            inner: self.inner.weight(enable_scoring)?,
            query: self.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct CachedPhraseWeight {
    scoring: bool,
    inner: Box<dyn Weight>,
    query: CachedPhraseQuery,
}

impl CachedPhraseWeight {
    fn key(&self, reader: &SegmentReader, boost: Score) -> PhraseKey {
        PhraseKey {
            commit: self.query.commit,
            segment: reader.segment_id(),
            terms: self.query.terms.clone(),
            boost: boost.to_bits(),
        }
    }

    fn compute(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Arc<SegmentMatches>> {
        let mut scorer = self.inner.scorer(reader, boost)?;
        let mut matches = SegmentMatches::default();
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            matches.docs.push(doc);
            matches.scores.push(scorer.score());
            doc = scorer.advance();
        }
        Ok(Arc::new(matches))
    }
}

impl Weight for CachedPhraseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let key = self.key(reader, boost);
        let matches = if self.scoring {
            self.query
                .cache
                .matches
                .get_or_insert_with(&key, || self.compute(reader, boost))?
        } else {
            // Without scoring the inner weight has no statistics: its scores are not the
            // commit's, so nothing computed here is kept.
            match self.query.cache.matches.get(&key) {
                Some(matches) => matches,
                None => return self.inner.scorer(reader, boost),
            }
        };
        Ok(Box::new(MatchesScorer { matches, at: 0 }))
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
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index};

    /// Cached, a phrase matches and scores exactly as tantivy's phrase query, alone and inside
    /// a boolean query with a boost, in every segment, on a second search from the cache, and
    /// without scoring.
    #[test]
    fn cached_phrase_matches_and_scores_like_the_phrase_query() {
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
        let cache = Arc::new(PhraseCache::default());
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
        let plain = searcher
            .search(
                &wrap(Box::new(PhraseQuery::new_with_offset(terms.clone()))),
                &top(),
            )
            .unwrap();
        for _ in 0..2 {
            let cached = CachedPhraseQuery::new(terms.clone(), 7, Arc::clone(&cache));
            let found = searcher.search(&wrap(Box::new(cached)), &top()).unwrap();
            assert_eq!(found, plain);
        }
        assert_eq!(plain.0, 4);
        assert_eq!(cache.matches.len(), 2, "one entry per segment");
        let unscored = CachedPhraseQuery::new(terms, 8, Arc::clone(&cache));
        assert_eq!(searcher.search(&unscored, &Count).unwrap(), 4);
        assert_eq!(cache.matches.len(), 2, "nothing kept without scores");
    }
}
