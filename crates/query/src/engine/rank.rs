//! Ranking: which documents a query lists, in which order, with their count and facets. A
//! short query (a few content words) ranks every document with some of its words in one pass,
//! by rarity-weighted coverage and BM25; a long one requires every content word first and
//! falls back to any of them when few documents have them all (by BM25 and feedback, plus the
//! coverage bonus for a question of up to ten words). Typo clauses are a fallback. On an index
//! with pages' meanings, the first results of a query of four words or more are then reordered
//! by meaning (meaning.rs).

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::{DocAddress, Searcher};

use him_schema::FacetKind;

use super::{meaning, SearchEngine};
use crate::build::{QueryBuilder, SHORT_QUERY_WORDS};
use crate::facet_table::{FacetTallies, FacetTally};
use crate::flat::{Collected, Evaluation, Page, SumQuery};
use crate::parse::ParsedQuery;
use crate::Result;

/// Longest query (in words) that gets typo tolerance: a few typed words benefit; in a long
/// natural-language question every word's near neighbours add more noise than the rare
/// misspelling costs.
const MAX_WORDS_WITH_TYPOS: usize = 6;

/// Below this many documents with every word, documents with some of the words are listed
/// after them.
const FEW_RESULTS: usize = 10;

/// What [`SearchEngine::rank`] is asked for besides the query.
pub(super) struct RankOptions {
    /// Expand the last word as a prefix (typing in progress).
    pub(super) prefix_last: bool,
    /// Hits to skip, then hits to return.
    pub(super) offset: usize,
    pub(super) limit: usize,
    /// Count every facet over the documents listed (only correct without filters: filtered
    /// kinds need disjunctive counts, see `value_filters`).
    pub(super) with_facets: bool,
    /// Only documents with every content word, whatever the query's length.
    pub(super) all_words: bool,
    /// When every filter is by facet value (no filter expression): those values, the very ones
    /// the `filters` given to `rank` were built from. A sum of clauses is then evaluated once,
    /// without the filters: the page is read among the documents they match, and every kind
    /// counted disjunctively over the rest, which the engine would otherwise count in a pass
    /// of its own.
    pub(super) value_filters: Option<Vec<(FacetKind, Vec<String>)>>,
    /// The text whose meaning reranks the first results, when they are to be (meaning.rs).
    pub(super) meaning: Option<String>,
}

/// The outcome of [`SearchEngine::rank`].
pub(super) struct Ranking {
    /// The query the hits were ranked by (text and filters), for explanations.
    pub(super) query: Box<dyn Query>,
    pub(super) total: usize,
    pub(super) top: Vec<(f32, DocAddress)>,
    /// Its text part, for highlights and the disjunctive facet pass.
    pub(super) text_query: Option<Box<dyn Query>>,
    pub(super) every_word_matched: bool,
    /// Facet counts over every document listed, when asked for; disjunctive over the text
    /// query's matches when filters by value were read from a sum (`value_filters`).
    pub(super) facets: Option<FacetTallies>,
    /// Corrections of unknown words found while ranking, for did-you-mean.
    pub(super) corrections: HashMap<String, Option<String>>,
    /// What reranking by meaning added to each document's score (none when not reranked).
    pub(super) meaning_gains: HashMap<DocAddress, f32>,
}

/// One ranking pass of [`SearchEngine::rank`].
struct Pass {
    words: Option<Box<dyn Query>>,
    query: Box<dyn Query>,
    total: usize,
    top: Vec<(f32, DocAddress)>,
    facets: Option<FacetTallies>,
}

impl Pass {
    fn ranking(self, every_word_matched: bool, builder: &QueryBuilder<'_>) -> Ranking {
        Ranking {
            corrections: builder.corrections(),
            query: self.query,
            total: self.total,
            top: self.top,
            text_query: self.words,
            every_word_matched,
            facets: self.facets,
            meaning_gains: HashMap::new(),
        }
    }
}

impl SearchEngine {
    /// Ranks documents for a parsed query by its words ([`SearchEngine::rank_words`]), then,
    /// given the query's meaning, reranks the first [`meaning::DEPTH`] by it. The page asked
    /// for is cut from that one list, so pages of results agree with each other.
    pub(super) fn rank(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        filters: &[Box<dyn Query>],
        mut options: RankOptions,
    ) -> Result<Ranking> {
        let (offset, limit) = (options.offset, options.limit);
        match options.meaning.take() {
            Some(text) if offset < meaning::DEPTH => {
                let wide = RankOptions {
                    offset: 0,
                    limit: (offset + limit).max(meaning::DEPTH),
                    ..options
                };
                let mut ranking = self.rank_words(searcher, parsed, filters, wide)?;
                let depth = ranking.top.len().min(meaning::DEPTH);
                let text = meaning::corrected(&text, &ranking.corrections, &self.query.raw);
                ranking.meaning_gains = meaning::rerank(
                    searcher,
                    &mut ranking.top[..depth],
                    &text,
                    self.query_vectors.as_ref(),
                )?;
                ranking.top = ranking.top.into_iter().skip(offset).take(limit).collect();
                Ok(ranking)
            }
            _ => self.rank_words(searcher, parsed, filters, options),
        }
    }

    /// Ranks documents for a parsed query by its words: those with every word first; when
    /// fewer than [`FEW_RESULTS`] have them all, then those with some of the words.
    fn rank_words(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        filters: &[Box<dyn Query>],
        options: RankOptions,
    ) -> Result<Ranking> {
        let RankOptions {
            prefix_last,
            offset,
            limit,
            with_facets,
            all_words,
            value_filters,
            meaning: _,
        } = options;
        let tally = || {
            with_facets
                .then(|| FacetTally::new(Arc::clone(&self.facet_tables), self.kinds(), Vec::new()))
        };
        // Excluded words remove matches after a sum ranks them: read from its arrays only
        // without them, and filters only by value (an expression's counts are conjunctive).
        let from_arrays =
            parsed.excluded.is_empty() && (filters.is_empty() || value_filters.is_some());
        // What a sum read from its arrays counts: with filters, every kind disjunctively.
        let sum_tally = || match (&value_filters, filters.is_empty()) {
            (Some(values), false) => Some(FacetTally::new(
                Arc::clone(&self.facet_tables),
                self.kinds(),
                values.clone(),
            )),
            _ => tally(),
        };
        // Typo tolerance is a fallback, as in Typesense: the near neighbours of every word
        // (a bitset per word and distance) cost more than the rest of a query, and when the
        // words as typed already find a page of documents, the misspelled ones add nothing
        // worth that. Long questions never get typos (MAX_WORDS_WITH_TYPOS).
        let typos_allowed = parsed.groups.len() <= MAX_WORDS_WITH_TYPOS;
        // Every query built below (and kept in the Ranking for facet counts and explanations)
        // shares one memo, so each typo or prefix clause walks the term dictionary once.
        let builder = QueryBuilder::new(&self.query, searcher);
        let statistics = builder.statistics();
        // Sums of clauses are evaluated clause by clause (flat.rs), and read from their arrays
        // when they can be. Otherwise a filter limits the matches, which document-at-a-time
        // intersection exploits.
        let flat = |text: Option<&dyn Query>| -> Option<SumQuery> {
            (filters.is_empty() || from_arrays)
                .then(|| SumQuery::flatten(text?))
                .flatten()
        };
        let page = Page {
            offset,
            limit,
            filters,
        };
        // One pass: the text query (every content word required, or any), counted, its page of
        // top documents collected and facets counted together; from `evaluated` when its sum
        // was evaluated already (the words of a long query and their feedback).
        let run_on =
            |words: Option<Box<dyn Query>>, evaluated: Option<Evaluation<'_>>| -> Result<Pass> {
                let sum = flat(words.as_deref());
                // The text query AND the filters, AND NOT the excluded words: what explanations
                // and the disjunctive facet pass search.
                let text = sum.as_ref().map(|q| q as &dyn Query).or(words.as_deref());
                let query = builder.combine(text, parsed, filters);
                let found = match (evaluated, sum) {
                    (Some(evaluated), _) => evaluated.collect(page, sum_tally().as_ref())?,
                    // The sum alone: read from its arrays (flat/collect.rs).
                    (None, Some(sum)) if from_arrays => {
                        sum.collect(searcher, statistics, page, sum_tally().as_ref())?
                    }
                    _ => {
                        let (total, top, facets) = searcher.search_with_statistics_provider(
                            query.as_ref(),
                            &(
                                Count,
                                TopDocs::with_limit(limit)
                                    .and_offset(offset)
                                    .order_by_score(),
                                tally(),
                            ),
                            statistics,
                        )?;
                        Collected { total, top, facets }
                    }
                };
                Ok(Pass {
                    words,
                    query,
                    total: found.total,
                    top: found.top,
                    facets: found.facets,
                })
            };
        let run = |words: Option<Box<dyn Query>>| run_on(words, None);
        let pass = |all_required: bool, typos: bool| {
            run(builder.text_query(parsed, all_required, prefix_last, typos))
        };
        let with_typos = |found: &Pass| {
            typos_allowed && found.total < FEW_RESULTS && builder.has_typo_candidates(parsed)
        };

        // A short query (a few content words) ranks every document with some of its words in
        // one pass, by rarity-weighted coverage and BM25 (build.rs, COVERAGE_BONUS): a page
        // without one common word of the query ("course" in "medical terminology course") can
        // be the best answer, which requiring every word first would bury or drop.
        if all_words {
            let mut strict = pass(true, false)?;
            if with_typos(&strict) {
                strict = pass(true, true)?;
            }
            let matched = strict.total > 0;
            return Ok(strict.ranking(matched, &builder));
        }
        let short = self.query.content_groups(parsed) <= SHORT_QUERY_WORDS;
        if parsed.groups.len() > 1 && short {
            let mut any = pass(false, false)?;
            if with_typos(&any) {
                any = pass(false, true)?;
            }
            return Ok(any.ranking(!builder.has_unknown_word(parsed), &builder));
        }

        // A long query requires every content word first; when few documents have them all
        // (long natural-language queries nearly always land here), one more pass ranks every
        // document with some of them, by BM25 (and coverage, up to `MAX_COVERAGE_WORDS`), the
        // query expanded with the words its best documents share (feedback.rs).
        let mut strict = pass(true, false)?;
        let typos = with_typos(&strict);
        if typos {
            strict = pass(true, true)?;
        }
        let every_word_matched = strict.total > 0;
        if strict.total < FEW_RESULTS && parsed.groups.len() > 1 {
            let any = match builder.text_query(parsed, false, prefix_last, typos) {
                Some(words) => {
                    let (words, evaluation) = super::feedback::expand(
                        &self.query,
                        searcher,
                        statistics,
                        parsed,
                        words,
                        from_arrays,
                    )?;
                    run_on(Some(words), evaluation)?
                }
                None => run(None)?,
            };
            return Ok(any.ranking(every_word_matched, &builder));
        }
        Ok(strict.ranking(every_word_matched, &builder))
    }
}
