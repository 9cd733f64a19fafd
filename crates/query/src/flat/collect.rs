//! A [`SumQuery`]'s total, page of best documents and facet counts, read straight from the
//! selected documents and scores each segment's evaluation leaves.
//!
//! Why: through tantivy's collectors, every match went through a scorer's `advance` and
//! `score` and then to each collector (the count, the page, the facet tally) by a virtual call
//! each; for a word on nine pages in ten, that walk cost as much as scoring them. Here the
//! total is the size of the selected set (among the documents the filters match, when there
//! are filters: they score nothing, so the page is the filtered query's), facets take the
//! selected set whole (a tally with the filters counts it disjunctively, which needs the
//! documents the filters leave out: one evaluation answers both), and only the page is chosen
//! document by document, in the same order `TopDocs` gives (score, then address).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query};
use tantivy::{BitSet, DocAddress, Score, Searcher};

use super::{for_each_doc, SumQuery, SumWeight, WeightedClause};
use crate::facet_table::{FacetTallies, FacetTally};
use crate::materialize::insert_matches;

/// Which documents of an evaluated sum a search lists: those after `offset`, `limit` of them,
/// among those that every filter matches.
#[derive(Clone, Copy)]
pub(crate) struct Page<'a> {
    pub(crate) offset: usize,
    pub(crate) limit: usize,
    pub(crate) filters: &'a [Box<dyn Query>],
}

impl Page<'_> {
    /// Documents after `offset`, `limit` of them, among all the sum selects.
    pub(crate) fn unfiltered(offset: usize, limit: usize) -> Page<'static> {
        Page {
            offset,
            limit,
            filters: &[],
        }
    }
}

/// What one search of a [`SumQuery`] gives.
pub(crate) struct Collected {
    /// Documents selected that every filter matches (deleted ones left out).
    pub(crate) total: usize,
    /// The best documents after `offset`, best first.
    pub(crate) top: Vec<(Score, DocAddress)>,
    pub(crate) facets: Option<FacetTallies>,
}

/// A candidate for the page, ordered so that the worst is the greatest: a lower score, or the
/// same score and a later address (`TopDocs` breaks ties by address).
struct Candidate(Score, DocAddress);

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A sum evaluated on every segment of a searcher, its [`Bonus`](crate::clauses::Bonus)
/// clauses not yet added: pages can be read from it, and more clauses added to it, without
/// evaluating its clauses again (a long query's feedback words are added to the sum whose best
/// documents chose them).
pub(crate) struct Evaluation<'a> {
    searcher: &'a Searcher,
    statistics: &'a dyn Bm25StatisticsProvider,
    weight: SumWeight,
    /// Per segment: the selected documents (deleted ones included) and every document's
    /// score without the [`Bonus`](crate::clauses::Bonus) clauses (with the coverage bonuses).
    segments: Vec<(BitSet, Vec<Score>)>,
}

impl SumQuery {
    /// Evaluates every clause but the [`Bonus`](crate::clauses::Bonus) ones on every segment.
    pub(crate) fn evaluate<'a>(
        &self,
        searcher: &'a Searcher,
        statistics: &'a dyn Bm25StatisticsProvider,
    ) -> tantivy::Result<Evaluation<'a>> {
        let weight = self.sum_weight(EnableScoring::enabled_from_statistics_provider(
            statistics, searcher,
        ))?;
        let segments = searcher
            .segment_readers()
            .iter()
            .map(|reader| weight.evaluate_without_bonuses(reader))
            .collect::<tantivy::Result<_>>()?;
        Ok(Evaluation {
            searcher,
            statistics,
            weight,
            segments,
        })
    }

    /// Searches with the query's own scores: the total and page as
    /// `searcher.search_with_statistics_provider` with `(Count,
    /// TopDocs::with_limit(limit).and_offset(offset))` would give them for the query AND the
    /// page's filters (but for a bonus, which reorders a window of each segment's best: the
    /// module's doc), the tally over the query alone ([`Evaluation::collect`]).
    pub(crate) fn collect(
        &self,
        searcher: &Searcher,
        statistics: &dyn Bm25StatisticsProvider,
        page: Page<'_>,
        tally: Option<&FacetTally>,
    ) -> tantivy::Result<Collected> {
        self.evaluate(searcher, statistics)?.collect(page, tally)
    }
}

impl Evaluation<'_> {
    /// Adds `clauses` to the sum: each selects the documents it matches and adds its score,
    /// after the clauses already evaluated (the order of a sum flattened with them last).
    pub(crate) fn add(&mut self, clauses: &[Box<dyn Query>]) -> tantivy::Result<()> {
        let scoring =
            EnableScoring::enabled_from_statistics_provider(self.statistics, self.searcher);
        for query in clauses {
            let clause = WeightedClause::plain(true, query.weight(scoring)?);
            for (reader, (selected, scores)) in self
                .searcher
                .segment_readers()
                .iter()
                .zip(&mut self.segments)
            {
                clause.add_to(reader, selected, None, scores)?;
            }
            // Its place among the clauses does not matter: bonuses are scored after every
            // other clause.
            self.weight.clauses.push(clause);
        }
        Ok(())
    }

    /// The total and the best documents after `offset` (bonuses scored where they could
    /// change the best `offset + limit`) among the documents every filter matches, and the
    /// facet counts over every document the sum selects: a tally with the same filters counts
    /// them disjunctively, which needs the documents the filters leave out (a filter scores
    /// nothing, so the page is the filtered query's).
    pub(crate) fn collect(
        &self,
        page: Page<'_>,
        tally: Option<&FacetTally>,
    ) -> tantivy::Result<Collected> {
        let Page {
            offset,
            limit,
            filters,
        } = page;
        let unscored = EnableScoring::disabled_from_searcher(self.searcher);
        let filters = filters
            .iter()
            .map(|filter| filter.weight(unscored))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let wanted = offset + limit;
        // Listing nothing, no bonus can change what is listed.
        let has_bonuses = wanted > 0 && self.weight.clauses.iter().any(|c| c.bonus().is_some());
        let mut best: BinaryHeap<Candidate> = BinaryHeap::with_capacity(wanted);
        // The worst score on a full page.
        let mut floor = Score::NEG_INFINITY;
        let mut total = 0;
        let mut fruits = Vec::new();
        for (ord, (reader, (selected, scores))) in self
            .searcher
            .segment_readers()
            .iter()
            .zip(&self.segments)
            .enumerate()
        {
            if selected.len() == 0 {
                continue;
            }
            // Deleted documents are matched but never counted nor listed.
            let without_deleted;
            let alive = match reader.alive_bitset() {
                Some(deleted) => {
                    let mut alive = selected.clone();
                    alive.intersect_update(deleted.bitset());
                    without_deleted = alive;
                    &without_deleted
                }
                None => selected,
            };
            let mut filtered;
            let listed = match filters.as_slice() {
                [] => alive,
                filters => {
                    filtered = alive.clone();
                    for filter in filters {
                        let mut matches = BitSet::with_max_value(reader.max_doc());
                        insert_matches(filter.as_ref(), reader, &mut matches)?;
                        filtered.intersect_update(&(&matches).into());
                    }
                    &filtered
                }
            };
            // The bonuses go on a copy: the evaluation stays without them.
            let mut with_bonuses;
            let scores = if has_bonuses {
                with_bonuses = scores.clone();
                self.weight
                    .add_bonuses(reader, listed, &mut with_bonuses, Some(wanted))?;
                &with_bonuses
            } else {
                scores
            };
            total += listed.len();
            if wanted > 0 {
                for_each_doc(listed, |doc| {
                    let score = scores[doc as usize];
                    // Documents come in address order: once the page is full, one that does
                    // not score above its worst is worse (a tie loses on its later address).
                    if best.len() == wanted && score.total_cmp(&floor) != Ordering::Greater {
                        return;
                    }
                    let candidate = Candidate(score, DocAddress::new(ord as u32, doc));
                    if best.len() == wanted {
                        best.pop();
                    }
                    best.push(candidate);
                    if best.len() == wanted {
                        floor = best.peek().map_or(floor, |worst| worst.0);
                    }
                });
            }
            if let Some(tally) = tally {
                let mut segment = tally.for_segment(ord as u32, reader)?;
                segment.take_all(alive);
                fruits.push(segment.harvest());
            }
        }
        let facets = tally.map(|tally| tally.merge_fruits(fruits)).transpose()?;
        let top = best
            .into_sorted_vec()
            .into_iter()
            .skip(offset)
            .map(|Candidate(score, address)| (score, address))
            .collect();
        Ok(Collected { total, top, facets })
    }
}
