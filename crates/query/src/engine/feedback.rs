//! Pseudo-relevance feedback for long queries (RM3-style): the words that the best few
//! documents of a first pass use most, weighted by those documents' scores and by rarity, are
//! added to the query at a low weight. A pasted paragraph names its subject in a handful of
//! words; the documents about that subject share others it does not name.

use std::collections::{HashMap, HashSet};

use him_schema::analysis;
use tantivy::collector::TopDocs;
use tantivy::query::{Bm25StatisticsProvider, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Searcher, TantivyDocument, Term};

use crate::build::QueryModel;
use crate::flat::{Evaluation, Page, SumQuery};
use crate::parse::ParsedQuery;
use crate::stats::MemoStatistics;
use crate::Result;

/// Documents of the first pass read for feedback.
const FEEDBACK_DOCS: usize = 10;
/// Words added to the query.
const FEEDBACK_TERMS: usize = 10;
/// Weight of the best added word relative to a word of the query. On the public collections
/// (nDCG@10, user path) 0.2 to 0.8 all help, flat from 0.5 (BENCHMARKS.md).
const FEEDBACK_WEIGHT: f32 = 0.5;
/// Bytes of each document's body read: the start of a long page says what it is about, and
/// tokenizing whole pages would cost more than the search.
const FEEDBACK_BYTES: usize = 4096;

/// `words` with the feedback words of its best documents added; `words` alone when the first
/// pass finds nothing to learn from. When `words` is a sum of clauses and `reuse` asks for it,
/// also its evaluation with the feedback words added (the arrays of the expanded query,
/// flattened: the pass after this one need not evaluate the words again).
pub(super) fn expand<'a>(
    model: &QueryModel,
    searcher: &'a Searcher,
    statistics: &'a MemoStatistics<'_>,
    parsed: &ParsedQuery,
    words: Box<dyn Query>,
    reuse: bool,
) -> Result<(Box<dyn Query>, Option<Evaluation<'a>>)> {
    let (core, preferred) = split_preferences(words.as_ref());
    // The words and what feedback adds to them select documents; the preferences beside them
    // only add to the score of what those select.
    let sum_of = |selecting: Vec<Box<dyn Query>>| -> Box<dyn Query> {
        let any = BooleanQuery::new(selecting.into_iter().map(|q| (Occur::Should, q)).collect());
        if preferred.is_empty() {
            return Box::new(any);
        }
        let beside = preferred.iter().map(|p| (Occur::Should, p.box_clone()));
        Box::new(BooleanQuery::new(
            std::iter::once((Occur::Must, Box::new(any) as Box<dyn Query>))
                .chain(beside)
                .collect(),
        ))
    };
    // Nested as in the expanded query, so that it flattens into the same first clauses.
    let nested = sum_of(vec![core.box_clone()]);
    let evaluation = SumQuery::flatten(nested.as_ref())
        .map(|sum| sum.evaluate(searcher, statistics))
        .transpose()?;
    let top = match &evaluation {
        Some(evaluation) => {
            evaluation
                .collect(Page::unfiltered(0, FEEDBACK_DOCS), None)?
                .top
        }
        None => searcher.search_with_statistics_provider(
            words.as_ref(),
            &TopDocs::with_limit(FEEDBACK_DOCS).order_by_score(),
            statistics,
        )?,
    };
    let Some(best) = top.first().map(|(score, _)| *score).filter(|s| *s > 0.0) else {
        return Ok((words, evaluation.filter(|_| reuse)));
    };
    let mut stemmer = model.stemmer.clone();
    let own: HashSet<String> = parsed
        .groups
        .iter()
        .flatten()
        .flat_map(|term| analysis::tokens(&mut stemmer, term.text()))
        .collect();
    let body = model.fields.body;
    let mut weights: HashMap<String, f32> = HashMap::new();
    for (score, address) in &top {
        let doc: TantivyDocument = searcher.doc(*address)?;
        let text = doc.get_first(body).and_then(|v| v.as_str()).unwrap_or("");
        let mut end = text.len().min(FEEDBACK_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let tokens = analysis::tokens(&mut stemmer, &text[..end]);
        if tokens.is_empty() {
            continue;
        }
        let share = score / best / tokens.len() as f32;
        for token in tokens {
            if token.len() > 2 && !own.contains(&token) {
                *weights.entry(token).or_default() += share;
            }
        }
    }
    let total = statistics.total_num_docs().unwrap_or(0) as f32;
    let idf = |df: f32| crate::stats::idf(df, total);
    // Words in order of weight: once a word's weight times the highest rarity a word may have
    // (in two documents) is below the tenth best score found, no later word can enter, and the
    // rest need no document frequency (a term dictionary lookup each).
    let mut candidates: Vec<(String, f32)> = weights.into_iter().collect();
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let most_rare = idf(2.0).max(0.0);
    let mut scored: Vec<(String, f32)> = Vec::new();
    // The best FEEDBACK_TERMS scores so far, best first.
    let mut top_scores: Vec<f32> = Vec::with_capacity(FEEDBACK_TERMS + 1);
    for (token, weight) in candidates {
        if top_scores.len() == FEEDBACK_TERMS && weight * most_rare < top_scores[FEEDBACK_TERMS - 1]
        {
            break;
        }
        let df = statistics
            .doc_freq(&Term::from_field_text(body, &token))
            .unwrap_or(0) as f32;
        // A word in at most one document says nothing about a subject.
        if df > 1.0 {
            let score = weight * idf(df);
            let at = top_scores.partition_point(|b| *b >= score);
            top_scores.insert(at, score);
            top_scores.truncate(FEEDBACK_TERMS);
            scored.push((token, score));
        }
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scored.truncate(FEEDBACK_TERMS);
    let Some(top_weight) = scored.first().map(|(_, w)| *w).filter(|w| *w > 0.0) else {
        return Ok((words, evaluation.filter(|_| reuse)));
    };
    let added: Vec<Box<dyn Query>> = scored
        .into_iter()
        .map(|(token, w)| {
            let term = TermQuery::new(
                Term::from_field_text(body, &token),
                IndexRecordOption::WithFreqs,
            );
            Box::new(BoostQuery::new(
                Box::new(term),
                FEEDBACK_WEIGHT * w / top_weight,
            )) as Box<dyn Query>
        })
        .collect();
    let evaluation = match evaluation {
        Some(mut evaluation) if reuse => {
            evaluation.add(&added)?;
            Some(evaluation)
        }
        _ => None,
    };
    let expanded = sum_of(std::iter::once(core).chain(added).collect());
    Ok((expanded, evaluation))
}

/// `words` as the query of its words and the preferences beside them: `build.rs` wraps the
/// words of a query that asks for a kind of document ("what does an rhit make") as the one
/// `Must` clause of a query whose `Should` clauses only add the preference's score. Feedback
/// adds its words to the words, not beside the preferences, so that the sum stays one that
/// flattens (`flat.rs` allows a `Must` clause at the top only).
fn split_preferences(words: &dyn Query) -> (Box<dyn Query>, Vec<Box<dyn Query>>) {
    let clauses = words
        .downcast_ref::<BooleanQuery>()
        .map(BooleanQuery::clauses);
    if let Some([(Occur::Must, core), beside @ ..]) = clauses {
        if !beside.is_empty() && beside.iter().all(|(occur, _)| *occur == Occur::Should) {
            let preferred = beside.iter().map(|(_, query)| query.box_clone()).collect();
            return (core.box_clone(), preferred);
        }
    }
    (words.box_clone(), Vec::new())
}

#[cfg(test)]
mod tests {
    use crate::test_support::IndexedCorpus;
    use crate::SearchRequest;

    /// A long query finds the page that shares its best matches' vocabulary without sharing
    /// the query's own words.
    #[test]
    fn long_queries_find_pages_in_their_best_matches_words() {
        let mut pages: Vec<(String, String)> = (0..8)
            .map(|i| {
                (
                    format!("noise{i}.html"),
                    format!("<title>Filler {i}</title><p>unrelated gardening roses tulips {i}</p>"),
                )
            })
            .collect();
        for i in 0..3 {
            pages.push((
                format!("lens{i}.html"),
                format!(
                    "<title>Lens study {i}</title><p>crystalline lens vertebrates cataract \
                     opacity zonules accommodation {i}</p>"
                ),
            ));
        }
        pages.push((
            "related.html".into(),
            "<title>Zonules</title><p>cataract opacity zonules accommodation</p>".into(),
        ));
        let fixture = IndexedCorpus::new(&pages);
        let engine = fixture.engine();
        let query =
            "the crystalline lens in vertebrates including humans and other species studied";
        let response = engine.search(SearchRequest::new(query)).unwrap();
        let ids: Vec<&str> = response.hits.iter().map(|h| h.id.as_str()).collect();
        assert!(ids.contains(&"related.html"), "{ids:?}");
        assert!(!ids.iter().any(|id| id.starts_with("noise")), "{ids:?}");
    }
}
