//! [`SumQuery`]: a query whose score is a plain sum of clauses, evaluated clause by clause into
//! a score per document of the segment, instead of as tantivy's tree of nested unions.
//!
//! Why: a search's text query is a tree of `Should` clauses (per word: exact match over five
//! fields, typo and prefix variants, synonyms; then proximity and named facets), and tantivy
//! evaluates it document at a time, each level of the tree merging its children's documents in
//! its own buffered union. When the words are common (the 100k-page benchmark matches 30-50% of
//! the documents per word), merging those unions cost more than scoring: in a profile of
//! `query-latency INDEX 60 "cancer registrar duties"`, 60% of the search ran inside the unions,
//! a quarter of it their own bookkeeping (refilling and advancing their buffers) against an
//! eighth for BM25 scoring. Evaluated term at a time, each clause streams its matches into one
//! array: no merging at all.
//!
//! The scores are the same sums, in the same order of clauses (a [`Covered`] word's clauses,
//! its fields, variants and synonyms, are streamed one by one into a sum of their own, added
//! with the word's coverage bonus where the word's clause comes, as tantivy adds them); only
//! the documents a clause selects are matched, exactly as the tree matches them
//! ([`SumQuery::flatten`] says which trees qualify), but for a [`Bonus`] below its window when
//! a page is collected (below).
//! Document at a time remains better when a rare word or a filter limits the matches, since
//! an intersection skips what this reads; the engine uses this for disjunctions and single
//! required clauses only, and with filters only when they are by facet value: the
//! disjunctive facet counts need every match without the filters anyway, so one evaluation
//! answers the page and the counts (`collect.rs`).
//!
//! A [`Bonus`] clause (proximity) is scored last. When only a page of the best documents is
//! read ([`Evaluation::collect`]), it reorders each segment's [`BONUS_WINDOW`] best listed
//! documents (the page's filters applied) by the other clauses, as a rescoring window does
//! (Elasticsearch's `rescore`): a document below them by its words stays below them, and is
//! not checked for the phrase. Read through tantivy's collectors (a pass that excludes words,
//! or an explanation), the sum scores the bonus of every document. Within the window, it is
//! scored only for the documents that could enter the page with it: those whose score without
//! it, plus its bound, reaches the score of the page's last document without it. Every other
//! document keeps its lower score, which ranks it below the page either way. The window does
//! not depend on the page asked for, so pages follow one another in one order.
//!
//! `collect.rs` reads a search's total, page and facet counts straight from the evaluated
//! arrays, and lets clauses be added to an evaluated sum.

use std::cell::RefCell;

use tantivy::query::{
    BitSetDocSet, BooleanQuery, ConstScorer, EnableScoring, Explanation, Occur, Query, Scorer,
    Weight,
};
use tantivy::{
    BitSet, DocId, DocSet, Score, SeekDangerResult, SegmentReader, TantivyError, TERMINATED,
};

use crate::clauses::{Bonus, Covered};
use crate::materialize::insert_matches;

mod collect;

pub(crate) use collect::{Collected, Evaluation, Page};

/// How many of a segment's best documents by their other clauses a [`Bonus`] reorders when a
/// page is collected: twice the meaning's depth (the 50 best are read for a long query), ten
/// pages of ten. Proximity decides between pages that are close on their words; BENCHMARKS.md
/// (§ Latency) has what the window saved, and the rankings it left as they were. An
/// explanation lists the bonus a document has, which its rank counts inside the window only.
pub(crate) const BONUS_WINDOW: usize = 100;

/// A sum of clauses: a document matches when a selecting clause matches it, and scores the sum
/// of every clause that matches it (selecting or not), plus the coverage bonus of each group
/// (a [`Covered`] disjunction) with a clause that matches it.
#[derive(Debug)]
pub(crate) struct SumQuery {
    clauses: Vec<Clause>,
    /// The bonus of each [`Covered`] clause flattened into its inner clauses: added once to a
    /// document any of them matches.
    coverage: Vec<Score>,
}

#[derive(Debug)]
struct Clause {
    /// Whether matching this clause makes a document match; otherwise it only adds its score.
    selects: bool,
    /// The [`Covered`] clause it was flattened from: its index in `coverage`. A group's
    /// clauses are contiguous.
    group: Option<usize>,
    query: Box<dyn Query>,
}

impl Clone for SumQuery {
    fn clone(&self) -> Self {
        SumQuery {
            clauses: self
                .clauses
                .iter()
                .map(|clause| Clause {
                    selects: clause.selects,
                    group: clause.group,
                    query: clause.query.box_clone(),
                })
                .collect(),
            coverage: self.coverage.clone(),
        }
    }
}

impl SumQuery {
    /// `query` as a sum of clauses, when it is one: nested boolean queries whose clauses are
    /// all `Should` (a disjunction), or one `Must` clause plus `Should` clauses that only add
    /// to its score, and a [`Covered`] disjunction anywhere in them. `None` for anything else
    /// (an intersection, an exclusion, a leaf alone), which is best left to tantivy.
    pub(crate) fn flatten(query: &dyn Query) -> Option<SumQuery> {
        let mut sum = SumQuery {
            clauses: Vec::new(),
            coverage: Vec::new(),
        };
        sum.flatten_into(query, true, true, None);
        let selects = sum.clauses.iter().any(|clause| clause.selects);
        (sum.clauses.len() > 1 && selects).then_some(sum)
    }

    /// Appends `query`'s clauses; `selects` is false under a clause that only scores, `group`
    /// is the [`Covered`] clause being flattened.
    fn flatten_into(&mut self, query: &dyn Query, selects: bool, root: bool, group: Option<usize>) {
        // In a group, a bonus is one of the word's clauses: it matches, scores and covers
        // wherever it matches, as in the tree (the engine builds none there).
        if let (Some(bonus), None) = (query.downcast_ref::<Bonus>(), group) {
            self.clauses.push(Clause {
                selects: false,
                group,
                query: Box::new(bonus.clone()),
            });
            return;
        }
        if let Some(covered) = query.downcast_ref::<Covered>() {
            // A word's clauses (its fields, variants and synonyms) each stream into the sum,
            // and the coverage bonus goes once to every document one of them matched, where the
            // word's own union would merge them document at a time. A covered leaf has no
            // union to save, and a clause belongs to one group: a Covered inside a group stays
            // whole and adds its own bonus.
            if group.is_none() && covered.inner().is::<BooleanQuery>() {
                self.coverage.push(covered.bonus());
                let group = Some(self.coverage.len() - 1);
                self.flatten_into(covered.inner(), selects, false, group);
                return;
            }
        }
        if let Some(boolean) = query.downcast_ref::<BooleanQuery>() {
            if self.flatten_boolean(boolean, selects, root, group) {
                return;
            }
        }
        self.clauses.push(Clause {
            selects,
            group,
            query: query.box_clone(),
        });
    }

    /// Appends `boolean`'s clauses when it is a plain disjunction, or (at the root) one `Must`
    /// clause with `Should` clauses; false, appending nothing, otherwise. Only the root may
    /// have a `Must` clause: below it, optional clauses would be added to documents their own
    /// `Must` clause does not match.
    fn flatten_boolean(
        &mut self,
        boolean: &BooleanQuery,
        selects: bool,
        root: bool,
        group: Option<usize>,
    ) -> bool {
        let clauses = boolean.clauses();
        let must_count = (clauses.iter())
            .filter(|(occur, _)| *occur == Occur::Must)
            .count();
        let excludes = clauses.iter().any(|(occur, _)| *occur == Occur::MustNot);
        // Without a Must clause, one Should clause must match; with one, Should clauses only
        // add to its score. Both are what the sum does, unless a minimum is asked for: tantivy
        // requires a Should clause beside a Must one from a minimum of 1.
        let minimum = boolean.get_minimum_number_should_match();
        let plain = if must_count == 0 {
            minimum <= 1
        } else {
            minimum == 0
        };
        if clauses.is_empty() || excludes || !plain || must_count > usize::from(root) {
            return false;
        }
        for (occur, clause) in clauses {
            let clause_selects = match occur {
                Occur::Must => selects,
                _ => selects && must_count == 0,
            };
            self.flatten_into(clause.as_ref(), clause_selects, false, group);
        }
        true
    }
}

impl SumQuery {
    fn sum_weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<SumWeight> {
        let clauses = self
            .clauses
            .iter()
            .map(|clause| {
                let bonus = clause.query.downcast_ref::<Bonus>();
                let weight = match bonus.filter(|_| clause.group.is_none()) {
                    Some(bonus) => ClauseWeight::Bonus(BonusWeight {
                        bound: bonus.bound,
                        parts: (bonus.parts.iter())
                            .map(|part| part.weight(enable_scoring))
                            .collect::<tantivy::Result<_>>()?,
                        tie_breaker: bonus.tie_breaker,
                    }),
                    None => ClauseWeight::Plain(clause.query.weight(enable_scoring)?),
                };
                Ok(WeightedClause {
                    selects: clause.selects,
                    group: clause.group,
                    weight,
                })
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(SumWeight {
            clauses,
            coverage: self.coverage.clone(),
            scoring: enable_scoring.is_scoring_enabled(),
        })
    }
}

impl Query for SumQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.sum_weight(enable_scoring)?))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for clause in &self.clauses {
            clause.query.query_terms(visitor);
        }
    }
}

struct WeightedClause {
    selects: bool,
    group: Option<usize>,
    weight: ClauseWeight,
}

enum ClauseWeight {
    /// Scores every document it matches ([`WeightedClause::add_to`]).
    Plain(Box<dyn Weight>),
    /// Scores the documents it is asked for ([`SumWeight::add_bonuses`]).
    Bonus(BonusWeight),
}

/// A [`Bonus`]'s parts, scored a document at a time and combined by [`Bonus::dis_max`].
struct BonusWeight {
    /// The most it adds to a document.
    bound: Score,
    parts: Vec<Box<dyn Weight>>,
    tie_breaker: Score,
}

impl WeightedClause {
    /// A clause that is no [`Bonus`].
    fn plain(selects: bool, weight: Box<dyn Weight>) -> WeightedClause {
        WeightedClause {
            selects,
            group: None,
            weight: ClauseWeight::Plain(weight),
        }
    }

    fn bonus(&self) -> Option<&BonusWeight> {
        match &self.weight {
            ClauseWeight::Bonus(bonus) => Some(bonus),
            ClauseWeight::Plain(_) => None,
        }
    }

    /// Adds the clause's score to every document it matches, selects them if it selects, and
    /// marks them in `covered` (its group's documents, `scores` then its group's scores) when
    /// it has a group. A bonus adds nothing here: [`SumWeight::add_bonuses`] scores it for
    /// chosen documents.
    fn add_to(
        &self,
        reader: &SegmentReader,
        selected: &mut BitSet,
        covered: Option<&mut BitSet>,
        scores: &mut [Score],
    ) -> tantivy::Result<()> {
        let ClauseWeight::Plain(weight) = &self.weight else {
            return Ok(());
        };
        // One loop per case keeps the per-document callback free of branches.
        match (self.selects, covered) {
            (true, Some(covered)) => weight.for_each(reader, &mut |doc, score| {
                scores[doc as usize] += score;
                selected.insert(doc);
                covered.insert(doc);
            }),
            (true, None) => weight.for_each(reader, &mut |doc, score| {
                scores[doc as usize] += score;
                selected.insert(doc);
            }),
            (false, Some(covered)) => weight.for_each(reader, &mut |doc, score| {
                scores[doc as usize] += score;
                covered.insert(doc);
            }),
            (false, None) => weight.for_each(reader, &mut |doc, score| {
                scores[doc as usize] += score;
            }),
        }
    }

    /// The clause's share of `doc`'s score, `None` when it does not match `doc`.
    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Option<Explanation>> {
        match &self.weight {
            ClauseWeight::Plain(weight) => explain_match(weight.as_ref(), reader, doc),
            ClauseWeight::Bonus(bonus) => bonus.explain(reader, doc),
        }
    }
}

impl BonusWeight {
    /// Adds the bonus to each of `docs` (in address order), each document checked alone: a
    /// phrase scorer's `seek` matches the phrase on every document that has the words up to
    /// the next match, where `seek_danger` checks the one asked for.
    fn add_to(
        &self,
        reader: &SegmentReader,
        docs: &[DocId],
        scores: &mut [Score],
    ) -> tantivy::Result<()> {
        let mut parts = (self.parts.iter())
            .map(|part| part.scorer(reader, 1.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
        // The first document each part may match: after a miss, a scorer takes `seek_danger`
        // calls only for documents at or beyond the bound it returned.
        let mut next: Vec<DocId> = parts.iter().map(|part| part.doc()).collect();
        let mut matched: Vec<Score> = Vec::with_capacity(parts.len());
        for &doc in docs {
            matched.clear();
            for (part, next) in parts.iter_mut().zip(&mut next) {
                if doc < *next {
                    continue;
                }
                match part.seek_danger(doc) {
                    SeekDangerResult::Found => {
                        matched.push(part.score());
                        *next = doc;
                    }
                    SeekDangerResult::SeekLowerBound(bound) => *next = bound,
                }
            }
            if !matched.is_empty() {
                scores[doc as usize] += Bonus::dis_max(matched.iter().copied(), self.tie_breaker);
            }
        }
        Ok(())
    }

    /// The matching parts' explanations under their [`Bonus::dis_max`].
    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Option<Explanation>> {
        let mut parts = Vec::new();
        for part in &self.parts {
            parts.extend(explain_match(part.as_ref(), reader, doc)?);
        }
        if parts.is_empty() {
            return Ok(None);
        }
        let value = Bonus::dis_max(parts.iter().map(Explanation::value), self.tie_breaker);
        let description = format!("the best part, plus {} x the others", self.tie_breaker);
        let mut explanation = Explanation::new_with_string(description, value);
        for part in parts {
            explanation.add_detail(part);
        }
        Ok(Some(explanation))
    }
}

/// `weight`'s explanation of `doc`, `None` when it does not match `doc`.
fn explain_match(
    weight: &dyn Weight,
    reader: &SegmentReader,
    doc: DocId,
) -> tantivy::Result<Option<Explanation>> {
    let mut scorer = weight.scorer(reader, 1.0)?;
    if scorer.doc() <= doc && scorer.seek(doc) == doc {
        return weight.explain(reader, doc).map(Some);
    }
    Ok(None)
}

struct SumWeight {
    clauses: Vec<WeightedClause>,
    /// Each group's coverage bonus (`SumQuery::coverage`).
    coverage: Vec<Score>,
    scoring: bool,
}

impl Weight for SumWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        if !self.scoring {
            let mut selected = BitSet::with_max_value(reader.max_doc());
            for clause in self.clauses.iter().filter(|clause| clause.selects) {
                if let ClauseWeight::Plain(weight) = &clause.weight {
                    insert_matches(weight.as_ref(), reader, &mut selected)?;
                }
            }
            return Ok(Box::new(ConstScorer::new(
                BitSetDocSet::from(selected),
                boost,
            )));
        }
        let (selected, scores) = self.evaluate(reader)?;
        Ok(Box::new(SumScorer {
            docs: BitSetDocSet::from(selected),
            scores,
            boost,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        // A group's matching clauses are explained under one node with its coverage bonus, in
        // the place of its first matching clause, as the word's `Covered` clause explains.
        let mut slots: Vec<Result<Explanation, usize>> = Vec::new();
        let mut groups: Vec<Vec<Explanation>> = vec![Vec::new(); self.coverage.len()];
        let mut selected = false;
        for clause in &self.clauses {
            let Some(detail) = clause.explain(reader, doc)? else {
                continue;
            };
            selected |= clause.selects;
            match clause.group {
                Some(group) => {
                    if groups[group].is_empty() {
                        slots.push(Err(group));
                    }
                    groups[group].push(detail);
                }
                None => slots.push(Ok(detail)),
            }
        }
        if !selected {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let details: Vec<Explanation> = (slots.into_iter())
            .map(|slot| slot.unwrap_or_else(|group| self.explain_group(group, &mut groups)))
            .collect();
        let sum = details.iter().map(Explanation::value).sum();
        let mut explanation = Explanation::new("sum of", sum);
        for detail in details {
            explanation.add_detail(detail);
        }
        Ok(explanation)
    }
}

impl SumWeight {
    /// A group's coverage bonus and its matching clauses' explanations, under their sum.
    fn explain_group(&self, group: usize, groups: &mut [Vec<Explanation>]) -> Explanation {
        let bonus = self.coverage[group];
        let clauses = std::mem::take(&mut groups[group]);
        let sum = bonus + clauses.iter().map(Explanation::value).sum::<Score>();
        let mut explanation = Explanation::new("sum of", sum);
        explanation.add_detail(Explanation::new("coverage bonus", bonus));
        for clause in clauses {
            explanation.add_detail(clause);
        }
        explanation
    }

    /// The documents of the segment the sum selects (deleted ones included, and scored: the
    /// collectors reading them skip them) and the score of every document.
    fn evaluate(&self, reader: &SegmentReader) -> tantivy::Result<(BitSet, Vec<Score>)> {
        let (selected, mut scores) = self.evaluate_without_bonuses(reader)?;
        self.add_bonuses(reader, &selected, &mut scores, None)?;
        Ok((selected, scores))
    }

    /// The selected documents and every document's score without the [`Bonus`] clauses (with
    /// the coverage bonuses).
    fn evaluate_without_bonuses(
        &self,
        reader: &SegmentReader,
    ) -> tantivy::Result<(BitSet, Vec<Score>)> {
        let max_doc = reader.max_doc();
        let mut selected = BitSet::with_max_value(max_doc);
        let mut scores = vec![0.0 as Score; max_doc as usize];
        // The open group's documents and scores, added to `scores` with its bonus when the
        // group ends (its clauses are contiguous): the sums of `Covered`, in its order.
        let mut group = Group::new(max_doc, !self.coverage.is_empty());
        for clause in &self.clauses {
            if clause.group != group.at {
                group.close(&self.coverage, &mut scores);
                group.at = clause.group;
            }
            match clause.group {
                Some(_) => clause.add_to(
                    reader,
                    &mut selected,
                    Some(&mut group.docs),
                    &mut group.scores,
                )?,
                None => clause.add_to(reader, &mut selected, None, &mut scores)?,
            }
        }
        group.close(&self.coverage, &mut scores);
        group.finish();
        Ok((selected, scores))
    }

    /// Adds the [`Bonus`] clauses' scores to those of `listed` (the documents that may be
    /// listed: deleted ones, never listed, must not set the threshold) that could enter the
    /// best `top` with them (all of them when `top` is unknown or covers them all).
    fn add_bonuses(
        &self,
        reader: &SegmentReader,
        listed: &BitSet,
        scores: &mut [Score],
        top: Option<usize>,
    ) -> tantivy::Result<()> {
        let bonuses: Vec<&BonusWeight> = self.clauses.iter().filter_map(|c| c.bonus()).collect();
        if bonuses.is_empty() {
            return Ok(());
        }
        let mut docs = Vec::with_capacity(listed.len());
        for_each_doc(listed, |doc| docs.push(doc));
        if top.is_some() && docs.len() > BONUS_WINDOW {
            keep_best(&mut docs, scores, BONUS_WINDOW);
        }
        let bound: Score = bonuses.iter().map(|bonus| bonus.bound).sum();
        if let Some(top) = top.filter(|&top| top > 0 && top < docs.len()) {
            // The top-th best score without the bonuses: the top documents reach it at least.
            let mut without: Vec<Score> = docs.iter().map(|&doc| scores[doc as usize]).collect();
            let (_, &mut threshold, _) =
                without.select_nth_unstable_by(top - 1, |a, b| b.total_cmp(a));
            docs.retain(|&doc| scores[doc as usize] + bound >= threshold);
        }
        for bonus in bonuses {
            bonus.add_to(reader, &docs, scores)?;
        }
        Ok(())
    }
}

/// Keeps the `window` best of `docs` by `scores` (of two equal, the earlier address, as the
/// page is collected), in address order.
fn keep_best(docs: &mut Vec<DocId>, scores: &[Score], window: usize) {
    docs.select_nth_unstable_by(window - 1, |&a, &b| {
        let by_score = scores[b as usize].total_cmp(&scores[a as usize]);
        by_score.then(a.cmp(&b))
    });
    docs.truncate(window);
    docs.sort_unstable();
}

/// Calls `f` with every document of `set`, in order.
fn for_each_doc(set: &BitSet, mut f: impl FnMut(DocId)) {
    let buckets = set.max_value().div_ceil(64);
    for bucket in 0..buckets {
        let mut word = u64::from_le_bytes(set.tinyset(bucket).into_bytes());
        while word != 0 {
            f(bucket * 64 + word.trailing_zeros());
            word &= word - 1;
        }
    }
}

/// The documents and scores of the group being evaluated ([`SumWeight::evaluate_without_bonuses`]).
struct Group {
    /// Its index in the sum's coverage bonuses, `None` between groups.
    at: Option<usize>,
    docs: BitSet,
    scores: Vec<Score>,
}

thread_local! {
    /// A group's score array, all zeros between searches (each group zeroes what it used):
    /// allocated and zeroed per search, one the size of a 100k-document segment added 80 us to
    /// a search that finds nothing (BENCHMARKS.md, § Latency).
    static GROUP_SCORES: RefCell<Vec<Score>> = const { RefCell::new(Vec::new()) };
}

impl Group {
    /// An empty group over `max_doc` documents; its arrays only when the sum has groups.
    fn new(max_doc: DocId, grouped: bool) -> Group {
        let mut scores = Vec::new();
        if grouped {
            scores = GROUP_SCORES.with(|kept| kept.take());
            if scores.len() < max_doc as usize {
                scores.resize(max_doc as usize, 0.0);
            }
        }
        Group {
            at: None,
            docs: BitSet::with_max_value(if grouped { max_doc } else { 0 }),
            scores,
        }
    }

    /// Keeps the score array for the next search, once every group is closed (all zeros
    /// again). A search that failed drops it instead.
    fn finish(self) {
        if self.at.is_none() && !self.scores.is_empty() {
            GROUP_SCORES.with(|kept| {
                if kept.borrow().len() < self.scores.len() {
                    *kept.borrow_mut() = self.scores;
                }
            });
        }
    }

    /// Adds the group's bonus and scores to its documents' `scores`, and empties it.
    fn close(&mut self, coverage: &[Score], scores: &mut [Score]) {
        let Some(at) = self.at.take() else {
            return;
        };
        let bonus = coverage[at];
        let group_scores = &mut self.scores;
        for_each_doc(&self.docs, |doc| {
            scores[doc as usize] += bonus + group_scores[doc as usize];
            group_scores[doc as usize] = 0.0;
        });
        self.docs.clear();
    }
}

/// The selected documents of a segment with their summed scores.
struct SumScorer {
    docs: BitSetDocSet,
    scores: Vec<Score>,
    boost: Score,
}

impl DocSet for SumScorer {
    fn advance(&mut self) -> DocId {
        self.docs.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.docs.seek(target)
    }

    fn doc(&self) -> DocId {
        self.docs.doc()
    }

    fn size_hint(&self) -> u32 {
        self.docs.size_hint()
    }
}

impl Scorer for SumScorer {
    fn score(&mut self) -> Score {
        match self.docs.doc() {
            TERMINATED => 0.0,
            doc => self.scores[doc as usize] * self.boost,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{
        BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, PhraseQuery, TermQuery,
    };
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, DocAddress, Index, Searcher, Term};

    struct Corpus {
        searcher: Searcher,
        title: tantivy::schema::Field,
        body: tantivy::schema::Field,
    }

    /// Two segments of short documents over a small vocabulary, so that every clause matches
    /// some documents and misses others.
    fn corpus() -> Corpus {
        let mut builder = Schema::builder();
        let title = builder.add_text_field("title", TEXT);
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = ["coder", "registrar", "cancer", "privacy", "exam", "record"];
        for i in 0..60usize {
            let pick = |k: usize| words[(i * k + i / 7) % words.len()];
            writer
                .add_document(doc!(
                    title => format!("{} {}", pick(1), pick(5)),
                    body => format!("{} {} {} the {} {}", pick(2), pick(3), pick(1), pick(4), pick(2)),
                ))
                .unwrap();
            if i == 29 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        Corpus {
            searcher,
            title,
            body,
        }
    }

    impl Corpus {
        fn term(&self, field: tantivy::schema::Field, word: &str) -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, word),
                IndexRecordOption::WithFreqs,
            ))
        }

        /// A word over both fields, best field first, as the engine's per-word dis-max.
        fn word(&self, word: &str) -> Box<dyn Query> {
            Box::new(DisjunctionMaxQuery::with_tie_breaker(
                vec![
                    Box::new(BoostQuery::new(self.term(self.title, word), 2.0)),
                    self.term(self.body, word),
                ],
                0.5,
            ))
        }

        fn phrase(&self, words: &[&str]) -> Box<dyn Query> {
            Box::new(PhraseQuery::new(
                words
                    .iter()
                    .map(|w| Term::from_field_text(self.body, w))
                    .collect(),
            ))
        }

        /// "cancer coder" within `slop` in the body, weighted by `boost`, as a [`Bonus`]
        /// bounded by the phrase's best score.
        fn proximity(&self, boost: Score, slop: u32) -> Box<dyn Query> {
            let terms: Vec<Term> = ["cancer", "coder"]
                .iter()
                .map(|w| Term::from_field_text(self.body, w))
                .collect();
            let bound = tantivy::query::Bm25Weight::for_terms(&self.searcher, &terms)
                .unwrap()
                .max_score()
                * boost
                * 1.001;
            Box::new(Bonus {
                parts: vec![Box::new(BoostQuery::new(
                    Box::new(PhraseQuery::new_with_offset_and_slop(
                        terms.into_iter().enumerate().collect(),
                        slop,
                    )),
                    boost,
                ))],
                tie_breaker: 0.0,
                bound,
            })
        }

        fn results(&self, query: &dyn Query) -> (usize, Vec<(Score, DocAddress)>) {
            self.searcher
                .search(query, &(Count, TopDocs::with_limit(100).order_by_score()))
                .unwrap()
        }

        /// The flattened query finds the same documents with the same scores, and explains
        /// each with its score.
        fn assert_same(&self, query: Box<dyn Query>) {
            let sum = SumQuery::flatten(query.as_ref()).expect("a sum");
            let (count, top) = self.results(query.as_ref());
            let (sum_count, sum_top) = self.results(&sum);
            assert!(count > 0, "the test query matches something");
            assert_eq!(sum_count, count);
            assert_eq!(sum_top.len(), top.len());
            for ((score, address), (sum_score, sum_address)) in top.iter().zip(&sum_top) {
                assert!(
                    (score - sum_score).abs() <= 1e-5 * score.abs(),
                    "{score} vs {sum_score}"
                );
                assert_eq!(address, sum_address);
                let explained = sum.explain(&self.searcher, *sum_address).unwrap();
                assert!((explained.value() - sum_score).abs() <= 1e-5 * sum_score.abs());
            }
            let unscored = self.searcher.search(&sum, &Count).unwrap();
            assert_eq!(unscored, count);
        }
    }

    /// tantivy's total and page of `query` (none when `limit` is 0, which `TopDocs` refuses).
    fn tantivys_page(
        searcher: &Searcher,
        query: &dyn Query,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<(Score, DocAddress)>) {
        let collector = (
            Count,
            TopDocs::with_limit(limit.max(1))
                .and_offset(offset)
                .order_by_score(),
        );
        let (count, top) = searcher.search(query, &collector).unwrap();
        (count, if limit == 0 { Vec::new() } else { top })
    }

    /// The same documents in the same order, with the same scores.
    fn assert_same_page(want: &[(Score, DocAddress)], got: &[(Score, DocAddress)], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}");
        for ((score, address), (ours, our_address)) in want.iter().zip(got) {
            assert_eq!(address, our_address, "{what}");
            assert!(
                (score - ours).abs() <= 1e-5 * score.abs(),
                "{what}: {score} vs {ours}"
            );
        }
    }

    fn should(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            clauses.into_iter().map(|q| (Occur::Should, q)).collect(),
        ))
    }

    #[test]
    fn nested_disjunctions_score_the_same_flattened() {
        let c = corpus();
        c.assert_same(should(vec![
            should(vec![c.word("coder"), c.word("registrar")]),
            c.word("privacy"),
            Box::new(BoostQuery::new(c.phrase(&["cancer", "coder"]), 1.5)),
            should(vec![c.word("zzz"), should(vec![c.word("exam")])]),
        ]));
    }

    /// A word's clause with its coverage bonus flattens into the word's clauses, the bonus
    /// added once to each document any of them matches (some match both words here): the same
    /// total, page and scores as the tree, as a `Must` clause and beside one too. A covered
    /// leaf, a covered exclusion and a Covered inside a group stay whole.
    #[test]
    fn a_covered_clause_scores_the_same_flattened() {
        let c = corpus();
        let covered = |query, bonus| -> Box<dyn Query> { Box::new(Covered::new(query, bonus)) };
        let registrar = || Box::new(BoostQuery::new(c.word("registrar"), 0.5)) as Box<dyn Query>;
        let coder_or_registrar = || covered(should(vec![c.word("coder"), registrar()]), 3.0);
        let query = should(vec![
            coder_or_registrar(),
            covered(should(vec![c.word("privacy"), c.word("cancer")]), 1.5),
            covered(c.word("record"), 1.0),
            c.word("exam"),
        ]);
        let sum = SumQuery::flatten(query.as_ref()).unwrap();
        assert_eq!((sum.clauses.len(), sum.coverage.len()), (6, 2));
        c.assert_same(query.box_clone());
        // Each word's bonus is explained with its clauses, as `Covered` explains the leaf's.
        let (_, top) = c.results(&sum);
        let explained = sum.explain(&c.searcher, top[0].1).unwrap();
        let json: serde_json::Value = serde_json::from_str(&explained.to_pretty_json()).unwrap();
        let words = json["details"].as_array().unwrap().iter();
        let bonuses = words.filter(|word| word["details"][0]["description"] == "coverage bonus");
        assert_eq!(bonuses.count(), 3, "{json}");
        let must = |occur, clause| (occur, clause);
        c.assert_same(Box::new(BooleanQuery::new(vec![
            must(Occur::Must, coder_or_registrar()),
            must(Occur::Should, covered(c.word("privacy"), 1.5)),
        ])));
        c.assert_same(Box::new(BooleanQuery::new(vec![
            must(Occur::Must, c.word("exam")),
            must(Occur::Should, coder_or_registrar()),
        ])));
        let excluding = Box::new(BooleanQuery::new(vec![
            must(Occur::Should, c.word("coder")),
            must(Occur::MustNot, c.word("exam")),
        ]));
        let nested = should(vec![coder_or_registrar(), c.word("privacy")]);
        let query = should(vec![
            covered(excluding, 2.0),
            covered(nested, 1.0),
            c.word("cancer"),
        ]);
        let sum = SumQuery::flatten(query.as_ref()).unwrap();
        assert_eq!((sum.clauses.len(), sum.coverage.len()), (4, 2));
        c.assert_same(query);
    }

    /// With a bonus clause scored only where it can change the page, the page of the best
    /// documents and their scores are those of the whole sum, for every page size, when the
    /// segments list fewer documents than the window.
    #[test]
    fn a_bonus_changes_nothing_on_the_page() {
        let c = corpus();
        // A word's coverage bonus counts in the threshold the bonus is checked against.
        let coder = Box::new(Covered::new(
            should(vec![c.word("coder"), c.word("exam")]),
            2.0,
        ));
        let query = should(vec![coder, c.word("cancer"), c.proximity(3.0, 2)]);
        let sum = SumQuery::flatten(query.as_ref()).unwrap();
        for top in [1, 2, 5, 10, 100] {
            let collector = (Count, TopDocs::with_limit(top).order_by_score());
            let (count, best) = c.searcher.search(query.as_ref(), &collector).unwrap();
            let collected = sum
                .collect(&c.searcher, &c.searcher, Page::unfiltered(0, top), None)
                .unwrap();
            let sum_best = collected.top;
            assert_eq!(collected.total, count);
            assert_same_page(&best, &sum_best, &format!("top {top}"));
        }
    }

    /// An index of one text field, `body`, and a writer for its documents.
    fn body_index() -> (Index, tantivy::IndexWriter, tantivy::schema::Field) {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        (index, writer, body)
    }

    /// `word` in `body`, scored.
    fn body_word(body: tantivy::schema::Field, word: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(body, word),
            IndexRecordOption::WithFreqs,
        ))
    }

    /// A bonus of two parts (the phrase in the title, boosted, and in the body) with a tie
    /// breaker scores as tantivy's dis-max of them, every document checked alone.
    #[test]
    fn a_bonus_of_parts_scores_as_their_dis_max() {
        let c = corpus();
        let phrase = |field| -> Box<dyn Query> {
            let terms = ["cancer", "coder"].map(|w| Term::from_field_text(field, w));
            Box::new(PhraseQuery::new_with_offset_and_slop(
                terms.into_iter().enumerate().collect(),
                3,
            ))
        };
        let bonus = Bonus {
            parts: vec![
                Box::new(BoostQuery::new(phrase(c.title), 2.0)),
                phrase(c.body),
            ],
            tie_breaker: 0.5,
            bound: 1000.0,
        };
        let query = should(vec![c.word("coder"), c.word("cancer"), Box::new(bonus)]);
        let dis_max = should(vec![
            c.word("coder"),
            c.word("cancer"),
            Box::new(DisjunctionMaxQuery::with_tie_breaker(
                vec![
                    Box::new(BoostQuery::new(phrase(c.title), 2.0)),
                    phrase(c.body),
                ],
                0.5,
            )),
        ]);
        let sum = SumQuery::flatten(query.as_ref()).unwrap();
        for top in [1, 5, 100] {
            let (count, best) = tantivys_page(&c.searcher, dis_max.as_ref(), 0, top);
            let collected = sum
                .collect(&c.searcher, &c.searcher, Page::unfiltered(0, top), None)
                .unwrap();
            assert_eq!(collected.total, count);
            assert_same_page(&best, &collected.top, &format!("top {top}"));
        }
    }

    /// A bonus reorders the segment's best documents by the other clauses (`BONUS_WINDOW`;
    /// of equal ones, the earlier addresses), not those below them: among pages equal on their
    /// words, those in the window with the phrase (three words, with slop) lead, the one past
    /// the window stays in its words' place, and a page with the phrase but behind on its
    /// words stays last, where the whole sum would list both first; every page of hits, of
    /// any size, is a slice of that one order.
    #[test]
    fn a_bonus_reorders_only_the_window() {
        let (index, mut writer, body) = body_index();
        let ahead = BONUS_WINDOW + 10;
        let with_phrase = [3, 40, 77, BONUS_WINDOW - 1, BONUS_WINDOW + 5];
        for doc in 0..ahead {
            // The same words as often, in as long a text: the same score by words.
            let text = match with_phrase.contains(&doc) {
                true => "coder cancer coder audit cancer x",
                false => "coder coder cancer cancer audit x",
            };
            writer.add_document(doc!(body => text)).unwrap();
        }
        writer
            .add_document(doc!(body => "cancer coder audit y z w"))
            .unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let word = |w: &str| body_word(body, w);
        let terms = ["cancer", "coder", "audit"].map(|w| Term::from_field_text(body, w));
        let phrase =
            PhraseQuery::new_with_offset_and_slop(terms.into_iter().enumerate().collect(), 1);
        let query = should(vec![
            word("cancer"),
            word("coder"),
            word("audit"),
            Box::new(Bonus {
                parts: vec![Box::new(BoostQuery::new(Box::new(phrase), 100.0))],
                tie_breaker: 0.0,
                bound: 1e6,
            }),
        ]);
        let address = |doc: usize| DocAddress::new(0, doc as DocId);
        let (_, tantivys) = tantivys_page(&searcher, query.as_ref(), 0, 6);
        let tantivys: Vec<DocAddress> = tantivys.iter().map(|(_, a)| *a).collect();
        assert!(
            tantivys.contains(&address(ahead)),
            "the whole sum: {tantivys:?}"
        );
        assert!(tantivys.contains(&address(BONUS_WINDOW + 5)));
        let sum = SumQuery::flatten(query.as_ref()).unwrap();
        let all = sum
            .collect(&searcher, &searcher, Page::unfiltered(0, ahead + 1), None)
            .unwrap()
            .top;
        let order: Vec<DocAddress> = all.iter().map(|(_, a)| *a).collect();
        let mut want: Vec<usize> = with_phrase[..4].to_vec();
        want.extend((0..ahead).filter(|doc| !with_phrase[..4].contains(doc)));
        want.push(ahead);
        assert_eq!(order, want.into_iter().map(address).collect::<Vec<_>>());
        // Past the window, a page keeps its words' score.
        let words = should(vec![word("cancer"), word("coder"), word("audit")]);
        for (rank, doc) in [(ahead - 5, BONUS_WINDOW + 5), (ahead, ahead)] {
            assert_eq!(all[rank].1, address(doc));
            let explained = words.explain(&searcher, address(doc)).unwrap();
            assert!((all[rank].0 - explained.value()).abs() <= 1e-5 * explained.value());
        }
        for limit in [1, 3, 10, 30] {
            for offset in (0..=ahead).step_by(limit) {
                let page = sum
                    .collect(&searcher, &searcher, Page::unfiltered(offset, limit), None)
                    .unwrap()
                    .top;
                let end = (offset + limit).min(all.len());
                assert_same_page(&all[offset..end], &page, &format!("{offset} {limit}"));
            }
        }
    }

    /// Deleted documents, matched but never listed, do not set the bonus threshold: with the
    /// best pages by their words deleted, the page and its scores are still the whole sum's.
    #[test]
    fn deleted_documents_do_not_set_the_bonus_threshold() {
        let (index, mut writer, body) = body_index();
        let add = |text: &str, copies: usize| {
            for _ in 0..copies {
                writer.add_document(doc!(body => text)).unwrap();
            }
        };
        // Far ahead on their words, then deleted.
        add("gone ra rb rc rd re rf coder coder x cancer cancer", 5);
        // Ahead of the next pages on their words, without the phrase.
        add("coder coder x cancer cancer", 5);
        // Behind on their words, first with the phrase "cancer coder".
        add("cancer coder x y z", 5);
        add("filler words only", 100);
        writer.commit().unwrap();
        writer.delete_term(Term::from_field_text(body, "gone"));
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let word = |w: &str| body_word(body, w);
        let terms: Vec<Term> = ["cancer", "coder"]
            .iter()
            .map(|w| Term::from_field_text(body, w))
            .collect();
        let bound = tantivy::query::Bm25Weight::for_terms(&searcher, &terms)
            .unwrap()
            .max_score()
            * 1.001;
        let mut clauses = vec![word("cancer"), word("coder")];
        clauses.extend(["ra", "rb", "rc", "rd", "re", "rf"].map(word));
        clauses.push(Box::new(Bonus {
            parts: vec![Box::new(PhraseQuery::new(terms))],
            tie_breaker: 0.0,
            bound,
        }));
        let query = should(clauses);
        let collector = TopDocs::with_limit(3).order_by_score();
        let best = searcher.search(query.as_ref(), &collector).unwrap();
        let sum = SumQuery::flatten(query.as_ref()).unwrap();
        let collected = sum
            .collect(&searcher, &searcher, Page::unfiltered(0, 3), None)
            .unwrap();
        let sum_best = collected.top;
        // The phrase pages (10-14) lead.
        assert!(
            best.iter().all(|(_, a)| (10..15).contains(&a.doc_id)),
            "{best:?}"
        );
        assert_same_page(&best, &sum_best, "deleted");
        // The deleted pages are not counted either.
        let count = searcher.search(query.as_ref(), &Count).unwrap();
        assert_eq!(collected.total, count);
        assert_eq!(count, 10);
        // Nor listed under a filter that matches them, alone or with others.
        for (filter, total) in [("x", 10), ("gone", 0)] {
            let filters = [word(filter)];
            let page = Page {
                offset: 0,
                limit: 3,
                filters: &filters,
            };
            let collected = sum.collect(&searcher, &searcher, page, None).unwrap();
            let filtered = BooleanQuery::new(vec![
                (Occur::Must, query.box_clone()),
                (
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(word(filter), 0.0)),
                ),
            ]);
            let top_3 = TopDocs::with_limit(3).order_by_score();
            let (count, best) = searcher.search(&filtered, &(Count, top_3)).unwrap();
            assert_eq!((collected.total, count), (total, total), "{filter}");
            assert_same_page(&best, &collected.top, filter);
        }
    }

    /// Read from the arrays, the total and every page (offsets included) are those tantivy's
    /// collectors give, ties in the same order.
    #[test]
    fn collected_pages_are_tantivys() {
        let c = corpus();
        let query = should(vec![
            c.word("coder"),
            c.word("cancer"),
            Box::new(BoostQuery::new(c.phrase(&["cancer", "coder"]), 1.5)),
        ]);
        let statistics = &c.searcher;
        for (offset, limit) in [
            (0, 1),
            (0, 10),
            (3, 5),
            (10, 100),
            (58, 10),
            (200, 10),
            (0, 0),
        ] {
            let sum = SumQuery::flatten(query.as_ref()).unwrap();
            let collected = sum
                .collect(
                    &c.searcher,
                    statistics,
                    Page::unfiltered(offset, limit),
                    None,
                )
                .unwrap();
            let (count, top) = tantivys_page(&c.searcher, query.as_ref(), offset, limit);
            assert_eq!(collected.total, count);
            assert_same_page(&top, &collected.top, &format!("{offset} {limit}"));
        }
    }

    /// Read among the documents filters match, the total and every page (a bonus clause
    /// scored where it can change it) are those of the query AND the filters (scoring
    /// nothing), as tantivy's collectors give them.
    #[test]
    fn filtered_pages_are_tantivys() {
        let c = corpus();
        let query = should(vec![
            c.word("coder"),
            c.word("cancer"),
            Box::new(BoostQuery::new(c.phrase(&["cancer", "coder"]), 1.5)),
            c.proximity(3.0, 2),
        ]);
        let filters = [
            c.word("exam"),
            should(vec![c.word("record"), c.word("privacy")]),
        ];
        let mut filtered: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query.box_clone())];
        for filter in &filters {
            filtered.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(filter.box_clone(), 0.0)),
            ));
        }
        let filtered = BooleanQuery::new(filtered);
        let sum = SumQuery::flatten(query.as_ref()).unwrap();
        for (offset, limit) in [(0, 1), (0, 10), (3, 5), (0, 100), (200, 10), (0, 0)] {
            let page = Page {
                offset,
                limit,
                filters: &filters,
            };
            let collected = sum.collect(&c.searcher, &c.searcher, page, None).unwrap();
            let (count, top) = tantivys_page(&c.searcher, &filtered, offset, limit);
            assert!(count > 0 && count < 60, "{count}");
            assert_eq!(collected.total, count);
            assert_same_page(&top, &collected.top, &format!("{offset} {limit}"));
        }
    }

    /// Clauses added to an evaluated sum (feedback words) select and score as they would in
    /// the sum flattened with them last, bonuses still scored last.
    #[test]
    fn clauses_added_to_an_evaluation_count_as_in_the_whole_sum() {
        let c = corpus();
        let words = should(vec![c.word("coder"), c.word("cancer"), c.proximity(1.0, 0)]);
        let added: Vec<Box<dyn Query>> = vec![
            Box::new(BoostQuery::new(c.term(c.body, "privacy"), 0.3)),
            c.term(c.title, "exam"),
        ];
        let nested = BooleanQuery::new(vec![(Occur::Should, words.box_clone())]);
        let mut evaluation = SumQuery::flatten(&nested)
            .unwrap()
            .evaluate(&c.searcher, &c.searcher)
            .unwrap();
        evaluation.add(&added).unwrap();
        let whole = should(std::iter::once(words).chain(added).collect());
        for limit in [1, 5, 100] {
            let collected = evaluation
                .collect(Page::unfiltered(0, limit), None)
                .unwrap();
            let (count, top) = c
                .searcher
                .search(
                    whole.as_ref(),
                    &(Count, TopDocs::with_limit(limit).order_by_score()),
                )
                .unwrap();
            assert_eq!(collected.total, count);
            assert!(
                count > c.searcher.search(&nested, &Count).unwrap(),
                "the added select"
            );
            assert_same_page(&top, &collected.top, &format!("{limit}"));
        }
    }

    #[test]
    fn a_required_clause_selects_and_optional_ones_only_add() {
        let c = corpus();
        let query: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
            (Occur::Must, should(vec![c.word("cancer"), c.word("coder")])),
            (Occur::Should, c.word("privacy")),
            (Occur::Should, c.word("exam")),
        ]));
        c.assert_same(query);
        // An optional clause alone selects nothing: documents with "privacy" but neither
        // "cancer" nor "coder" are not found.
        let privacy_alone = BooleanQuery::new(vec![
            (Occur::Must, c.word("zzz")),
            (Occur::Should, c.word("privacy")),
        ]);
        let sum = SumQuery::flatten(&privacy_alone).unwrap();
        let privacy_only = c.searcher.search(&sum, &Count).unwrap();
        assert_eq!(privacy_only, 0);
    }

    #[test]
    fn intersections_exclusions_and_leaves_are_left_to_tantivy() {
        let c = corpus();
        let both = BooleanQuery::new(vec![
            (Occur::Must, c.word("cancer")),
            (Occur::Must, c.word("coder")),
        ]);
        assert!(SumQuery::flatten(&both).is_none());
        let excluding = BooleanQuery::new(vec![
            (Occur::Should, c.word("cancer")),
            (Occur::MustNot, c.word("coder")),
        ]);
        assert!(SumQuery::flatten(&excluding).is_none());
        assert!(SumQuery::flatten(c.word("cancer").as_ref()).is_none());
        let mut at_least_two = BooleanQuery::new(vec![
            (Occur::Should, c.word("cancer")),
            (Occur::Should, c.word("coder")),
        ]);
        at_least_two.set_minimum_number_should_match(2);
        assert!(SumQuery::flatten(&at_least_two).is_none());
        // Below the root, a required clause with optional ones stays whole: its optional
        // clauses must not score documents it does not match.
        let nested = should(vec![
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, c.word("cancer")),
                (Occur::Should, c.word("privacy")),
            ])),
            c.word("exam"),
        ]);
        let sum = SumQuery::flatten(nested.as_ref()).unwrap();
        assert_eq!(sum.clauses.len(), 2);
        c.assert_same(nested);
    }
}
