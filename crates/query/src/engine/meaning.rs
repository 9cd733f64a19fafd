//! Reranking by meaning: the first results of a query of [`MIN_WORDS`] words or more are
//! reordered by how close each page's opening is to what the query means (`him-semantic`),
//! when the index holds pages' meanings (`him_indexer::Meanings`).
//!
//! Words find the candidates and decide the rest: only the first [`DEPTH`] results move, each
//! gaining [`WEIGHT`] times the best result's score for a meaning as close as can be (a cosine
//! of 1). A question put in other words than the page's ("who did the hospital give my records
//! to" for the accounting of disclosures) reaches its page this way when the page is among the
//! candidates but below pages that share more of its words. Short queries are left alone:
//! their words are their meaning, and the model's pass (about 8 ms on two cores) would cost
//! several times their search.

use std::collections::HashMap;

use tantivy::columnar::BytesColumn;
use tantivy::{DocAddress, Searcher};

use him_schema::MEANING_FIELD;
use him_semantic::{similarity, Embedder, QUERY_TOKENS};

use crate::parse::ParsedQuery;
use crate::Result;

/// Words a query needs (filler words count: "how do i" is part of a question) for its results
/// to be reranked.
pub(super) const MIN_WORDS: usize = 4;

/// Results reranked: the first page and those that could reach it.
pub(super) const DEPTH: usize = 50;

/// What a perfect match of meaning adds, as a share of the best result's score.
const WEIGHT: f32 = 2.0;

/// The query's meaning, when its results are to be reranked: a query long enough, on an index
/// whose pages have meanings. A model that fails to load or run is logged, and the query
/// ranks by its words.
pub(super) fn of_query(searcher: &Searcher, query: &str, parsed: &ParsedQuery) -> Option<Vec<f32>> {
    if parsed.groups.len() < MIN_WORDS || !has_meanings(searcher) {
        return None;
    }
    let vector = Embedder::get()
        .map_err(|err| err.to_string())
        .and_then(|model| {
            model
                .embed(query, QUERY_TOKENS)
                .map_err(|err| err.to_string())
        });
    match vector {
        Ok(vector) => Some(vector),
        Err(err) => {
            tracing::warn!("ranking by words alone: {err}");
            None
        }
    }
}

/// A hit's explanation (`words`, tantivy's account of its words' score) with what its meaning
/// added, when the hit was reranked: its `score` is then above the words' value.
pub(super) fn explained(words: serde_json::Value, score: f32) -> serde_json::Value {
    let Some(value) = words.get("value").and_then(serde_json::Value::as_f64) else {
        return words;
    };
    let added = f64::from(score) - value;
    if added <= 1e-3 * value.abs().max(1.0) {
        return words;
    }
    serde_json::json!({
        "value": score,
        "description": "Sum of the words' score and the meaning's",
        "details": [
            words,
            {
                "value": added,
                "description": format!(
                    "Meaning: {WEIGHT} x the best result's score x the cosine of the page's \
                     opening and the query"
                ),
            },
        ],
    })
}

/// Loads the model when the index holds meanings (see [`crate::SearchEngine::warm_meanings`]).
pub(super) fn warm(searcher: &Searcher) {
    if has_meanings(searcher) {
        if let Err(err) = Embedder::get() {
            tracing::warn!("ranking by words alone: {err}");
        }
    }
}

/// Whether any segment has pages' meanings.
fn has_meanings(searcher: &Searcher) -> bool {
    searcher
        .segment_readers()
        .iter()
        .any(|segment| matches!(segment.fast_fields().bytes(MEANING_FIELD), Ok(Some(_))))
}

/// Reorders `top` (best first) by score plus meaning: each document gains [`WEIGHT`] times
/// the best score times its closeness to `query` (a cosine; unrelated meanings, below 0, gain
/// nothing), so a reranked score never falls below its words' score and the list stays in
/// descending order of score past the documents reranked. A page without a meaning gains
/// nothing.
pub(super) fn rerank(
    searcher: &Searcher,
    top: &mut [(f32, DocAddress)],
    query: &[f32],
) -> Result<()> {
    let Some(best) = top
        .first()
        .map(|(score, _)| *score)
        .filter(|best| *best > 0.0)
    else {
        return Ok(());
    };
    let mut columns: HashMap<u32, Option<BytesColumn>> = HashMap::new();
    let mut bytes = Vec::new();
    for (score, address) in top.iter_mut() {
        let column = match columns.entry(address.segment_ord) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => entry.insert(
                searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .bytes(MEANING_FIELD)?,
            ),
        };
        let Some(column) = column else { continue };
        let Some(ord) = column.term_ords(address.doc_id).next() else {
            continue;
        };
        bytes.clear();
        column
            .ord_to_bytes(ord, &mut bytes)
            .map_err(tantivy::TantivyError::from)?;
        *score += WEIGHT * best * similarity(query, &bytes).max(0.0);
    }
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(())
}

#[cfg(test)]
mod tests {
    use him_indexer::Meanings;

    use crate::test_support::IndexedCorpus;
    use crate::{SearchEngine, SearchRequest};

    /// Pages that share some of [`QUESTION`]'s words.
    const PAGES: [(&str, &str); 4] = [
        (
            "topics/exchange.html",
            "<title>Health information exchange</title><main><h2>Sharing records between \
             hospitals</h2><p>Hospitals share patient records with other hospitals and clinics \
             through an exchange, so that a doctor can find a patient's records.</p></main>",
        ),
        (
            "topics/disclosures.html",
            "<title>Accounting of disclosures</title><main><p>A patient may ask for a list of \
             the disclosures of their health information: to whom it went outside treatment \
             and billing, when, and why.</p></main>",
        ),
        (
            "topics/retention.html",
            "<title>Record retention</title><main><p>How long hospitals keep records, and \
             when they may destroy them.</p></main>",
        ),
        (
            "careers/hospitals.html",
            "<title>Working in hospitals</title><main><p>Hospitals employ records staff who \
             find charts and answer requests.</p></main>",
        ),
    ];

    const QUESTION: &str = "can i find out who the hospital shared my records with";

    fn ids(engine: &SearchEngine, request: SearchRequest) -> Vec<String> {
        let response = engine.search(request).unwrap();
        response.hits.into_iter().map(|hit| hit.id).collect()
    }

    fn scores(engine: &SearchEngine, query: &str) -> Vec<(String, f32)> {
        let response = engine.search(SearchRequest::new(query)).unwrap();
        response
            .hits
            .into_iter()
            .map(|hit| (hit.id, hit.score))
            .collect()
    }

    /// Which queries are reranked; `tests/corpus.rs` shows what it buys on the corpus.
    #[test]
    fn only_long_queries_on_an_index_with_meanings_are_reranked() {
        let words = IndexedCorpus::with_meanings(&PAGES, Meanings::Off).engine();
        let meanings = IndexedCorpus::with_meanings(&PAGES, Meanings::On).engine();
        // Three words: their words are their meaning.
        let short = "shared hospital records";
        let sorted = |mut hits: Vec<(String, f32)>| {
            hits.sort_by(|a, b| a.0.cmp(&b.0));
            hits
        };
        assert_eq!(
            sorted(scores(&words, short)),
            sorted(scores(&meanings, short))
        );
        // A question: every hit has a meaning, related to the question's, so each gains.
        let (before, after) = (scores(&words, QUESTION), scores(&meanings, QUESTION));
        assert_eq!(before.len(), 4);
        assert_eq!(after.len(), 4);
        for (id, score) in &before {
            let reranked = after.iter().find(|(other, _)| other == id).unwrap().1;
            assert!(reranked > *score, "{id}: {score} -> {reranked}");
        }
    }

    #[test]
    fn pages_of_reranked_results_follow_one_list() {
        let engine = IndexedCorpus::with_meanings(&PAGES, Meanings::On).engine();
        let page = |page: usize, per_page: usize| {
            let mut request = SearchRequest::new(QUESTION);
            request.page = page;
            request.per_page = per_page;
            ids(&engine, request)
        };
        let all = page(1, 10);
        assert_eq!(all.len(), 4);
        let one_by_one: Vec<String> = (1..=4).flat_map(|n| page(n, 1)).collect();
        assert_eq!(one_by_one, all);
        let response = engine.search(SearchRequest::new(QUESTION)).unwrap();
        let scores: Vec<f32> = response.hits.iter().map(|hit| hit.score).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    }

    #[test]
    fn a_reranked_hit_explains_its_meaning() {
        let engine = IndexedCorpus::with_meanings(&PAGES, Meanings::On).engine();
        let mut request = SearchRequest::new(QUESTION);
        request.explain = true;
        let response = engine.search(request).unwrap();
        let hit = &response.hits[0];
        let explain = hit.explain.as_ref().unwrap();
        assert_eq!(explain["value"].as_f64().unwrap() as f32, hit.score);
        let details = explain["details"].as_array().unwrap();
        assert!(details[1]["description"]
            .as_str()
            .unwrap()
            .starts_with("Meaning"));
        let sum = details[0]["value"].as_f64().unwrap() + details[1]["value"].as_f64().unwrap();
        assert!(
            (sum as f32 - hit.score).abs() < 1e-3 * hit.score,
            "{explain}"
        );
    }
}
