//! Reranking by meaning: the first results of a query of [`MIN_WORDS`] words or more are
//! reordered by how close each page's opening is to what the query means (`him-semantic`),
//! when the index holds pages' meanings (`him_indexer::Meanings`).
//!
//! Words find the candidates and decide the rest: only the first [`DEPTH`] results move, each
//! gaining [`WEIGHT`] times the best result's score for a meaning as close as can be (a cosine
//! of 1). A question put in other words than the page's ("how do i get a wrong diagnosis taken
//! out of my medical record" for the patient's right to amend) reaches its page this way when
//! the page is among the candidates but below pages that share more of its words. Short
//! queries are left alone: their words are their meaning, and the model's pass (about 16 ms of
//! one core for a question of twelve words) would cost many times their search.

use std::collections::HashMap;
use std::sync::{Arc, Once};

use quick_cache::sync::Cache;
use quick_cache::{OptionsBuilder, UnitWeighter};

use tantivy::columnar::BytesColumn;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Searcher};

use him_schema::MEANING_FIELD;
use him_semantic::{similarity, Embedder, QUERY_TOKENS};

use crate::build::{corrected_word, ABOUT_SCORE};
use crate::parse::ParsedQuery;
use crate::Result;

/// Words a query needs (filler words count: "how do i" is part of a question) for its results
/// to be reranked. Three or five did as well on the blind sets (BENCHMARKS.md, note (o)).
pub(super) const MIN_WORDS: usize = 4;

/// Results reranked: the first page and those that could reach it (20 and 30 did a little
/// worse, note (o)).
pub(super) const DEPTH: usize = 50;

/// What a perfect match of meaning adds, as a share of the best result's score (1.5 to 3 are
/// within a query or two of each other on the blind sets, note (o)).
const WEIGHT: f32 = 2.0;

/// The text whose meaning reranks a query's results, when they are to be reranked: a query
/// of [`MIN_WORDS`] words or more on an index whose pages have meanings. It is the query's
/// words without its operators (`-excluded` words, `OR`, quotes): a word the user excluded
/// must not pull pages about it up.
pub(super) fn text_of(searcher: &Searcher, query: &str, parsed: &ParsedQuery) -> Option<String> {
    if parsed.groups.len() < MIN_WORDS || !has_meanings(searcher) {
        return None;
    }
    Some(without_operators(query))
}

fn without_operators(query: &str) -> String {
    let words: Vec<&str> = query
        .split_whitespace()
        .filter(|word| !word.starts_with('-') && *word != "OR")
        .map(|word| word.trim_matches('"'))
        .filter(|word| !word.is_empty())
        .collect();
    words.join(" ")
}

/// `text` with each word that the ranking corrected (`corrections`, by raw token: a word no
/// document has, and the indexed word it is a slip for) replaced by its correction: the model
/// reads a misspelling as word pieces that mean something else ("behavorial" is not
/// "behavioral" to it). A real word the site does not use has no correction ("robots"), and a
/// corrected word loses the punctuation typed around it, which the model does not need.
pub(super) fn corrected(
    text: &str,
    corrections: &HashMap<String, Option<String>>,
    raw: &TextAnalyzer,
) -> String {
    if !corrections.values().any(Option::is_some) {
        return text.to_string();
    }
    let mut analyzer = raw.clone();
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| corrected_word(&mut analyzer, word, corrections))
        .collect();
    words.join(" ")
}

/// Loads the model when the index holds meanings (see [`crate::SearchEngine::warm_meanings`]).
pub(super) fn warm(searcher: &Searcher) {
    if has_meanings(searcher) {
        if let Err(err) = Embedder::get() {
            model_failed(&err.to_string());
        }
    }
}

/// Whether any segment has pages' meanings. The column exists in every segment of the schema,
/// empty in an index without meanings.
fn has_meanings(searcher: &Searcher) -> bool {
    searcher.segment_readers().iter().any(|segment| {
        matches!(
            segment.fast_fields().bytes(MEANING_FIELD),
            Ok(Some(column)) if column.num_terms() > 0
        )
    })
}

/// Query vectors by text, for a reader who asks the same words again: they tick a facet or
/// open the next page (requests the response cache has not seen), and each ask would cost the
/// model's pass again. The model lowercases what it reads, letter by letter, so texts that
/// differ only in case share a vector.
pub(super) struct QueryVectors(Cache<String, Arc<[f32]>>);

/// Query vectors kept by default: 1.5 KB each and their text (at most 512 characters).
pub(super) const VECTORS_KEPT: usize = 1024;

impl QueryVectors {
    /// A cache of up to `entries` vectors; none for 0.
    pub(super) fn new(entries: usize) -> Option<QueryVectors> {
        if entries == 0 {
            return None;
        }
        let options = OptionsBuilder::new()
            .estimated_items_capacity(entries)
            .weight_capacity(entries as u64)
            // A question is asked again soon after it is first asked, or not at all: half the
            // room for questions seen once (the default keeps 3% for them, so a busy server
            // would drop a question before its reader ticks a facet).
            .hot_allocation(0.5)
            .shards(1)
            .build()
            .expect("both capacities are set");
        Some(QueryVectors(Cache::with_options(
            options,
            UnitWeighter,
            Default::default(),
            Default::default(),
        )))
    }
}

/// `text` lowercased as the model's tokenizer does it: each letter on its own.
fn key(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
thread_local! {
    /// The model's passes run by this thread's searches.
    static PASSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// `text`'s vector, from `vectors` when it is there, or none if the model fails (nothing a
/// query holds can make it: it is logged once, and queries rank by their words).
fn embed(text: &str, vectors: Option<&QueryVectors>) -> Option<Arc<[f32]>> {
    let run = || -> Option<Arc<[f32]>> {
        #[cfg(test)]
        PASSES.with(|passes| passes.set(passes.get() + 1));
        him_semantic::embed(text, QUERY_TOKENS)
            .map_err(|err| model_failed(&err))
            .ok()
            .map(Arc::from)
    };
    let Some(vectors) = vectors else {
        return run();
    };
    let key = key(text);
    if let Some(vector) = vectors.0.get(&key) {
        return Some(vector);
    }
    let vector = run()?;
    vectors.0.insert(key, Arc::clone(&vector));
    Some(vector)
}

fn model_failed(err: &str) {
    static LOGGED: Once = Once::new();
    LOGGED.call_once(|| tracing::error!(error = %err, "ranking by words alone"));
}

/// Reorders `top` (best first) by score plus meaning, and returns what each document gained.
/// Each gains [`WEIGHT`] times the best score times its closeness to `text`'s meaning (a
/// cosine; unrelated meanings, below 0, gain nothing), so a reranked score never falls below
/// its words' score, and the list stays in descending order of score past the documents
/// reranked. A page without a meaning gains nothing. Pages listed first because the query is
/// their very name (`ABOUT_SCORE`) stay first, and the best of the others sets the scale: a
/// query that names something wants its page, and their constant score says nothing of how
/// well the others' words match. The query is embedded only when there are two documents or
/// more to reorder, and only once for the same text while `vectors` keeps it.
pub(super) fn rerank(
    searcher: &Searcher,
    top: &mut [(f32, DocAddress)],
    text: &str,
    vectors: Option<&QueryVectors>,
) -> Result<HashMap<DocAddress, f32>> {
    let named = top
        .iter()
        .take_while(|(score, _)| *score >= ABOUT_SCORE)
        .count();
    let top = &mut top[named..];
    let mut gains = HashMap::new();
    let Some(best) = top
        .first()
        .map(|(score, _)| *score)
        .filter(|best| *best > 0.0)
    else {
        return Ok(gains);
    };
    if top.len() < 2 {
        return Ok(gains);
    }
    let Some(query) = embed(text, vectors) else {
        return Ok(gains);
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
        let gain = WEIGHT * best * similarity(&query, &bytes).max(0.0);
        *score += gain;
        gains.insert(*address, gain);
    }
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(gains)
}

/// A hit's explanation (`words`, tantivy's account of its words' score) with what its meaning
/// added (`gain`), when it was reranked.
pub(super) fn explained(words: serde_json::Value, gain: Option<f32>) -> serde_json::Value {
    let Some(gain) = gain.filter(|gain| *gain > 0.0) else {
        return words;
    };
    let value = words.get("value").and_then(serde_json::Value::as_f64);
    serde_json::json!({
        "value": value.map(|value| value + f64::from(gain)),
        "description": "Sum of the words' score and the meaning's",
        "details": [
            words,
            {
                "value": gain,
                "description": format!(
                    "Meaning: {WEIGHT} x the best result's score x the cosine of the page's \
                     opening and the query"
                ),
            },
        ],
    })
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

    /// [`QUESTION`] finds `total` pages, and its pages of `per_page` results, one after the
    /// other, are its first page of them all.
    fn assert_pages_cut_one_list(engine: &SearchEngine, total: usize, per_page: usize) {
        let page = |page: usize, per_page: usize| {
            let mut request = SearchRequest::new(QUESTION);
            request.page = page;
            request.per_page = per_page;
            ids(engine, request)
        };
        let all = page(1, total);
        assert_eq!(all.len(), total);
        let pages: Vec<String> = (1..=total.div_ceil(per_page))
            .flat_map(|n| page(n, per_page))
            .collect();
        assert_eq!(pages, all);
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
        assert_pages_cut_one_list(&engine, 4, 1);
        let response = engine.search(SearchRequest::new(QUESTION)).unwrap();
        let scores: Vec<f32> = response.hits.iter().map(|hit| hit.score).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    }

    /// An index without meanings never runs the model: its column is there, empty.
    #[test]
    fn an_index_without_meanings_is_not_reranked() {
        for (meanings, reranked) in [(Meanings::Off, false), (Meanings::On, true)] {
            let engine = IndexedCorpus::with_meanings(&PAGES, meanings).engine();
            let searcher = engine.reader.searcher();
            let parsed = engine.query.parse(QUESTION);
            let text = super::text_of(&searcher, QUESTION, &parsed);
            assert_eq!(text.is_some(), reranked, "{meanings:?}");
        }
    }

    #[test]
    fn the_meaning_is_the_words_without_operators() {
        assert_eq!(
            super::without_operators("coding jobs \"at home\" -salary OR remote"),
            "coding jobs at home remote"
        );
    }

    /// A query that is the name of a job title lists the page about it first, meaning or not:
    /// its constant score neither moves nor scales the others' gains.
    #[test]
    fn a_name_typed_keeps_its_page_first() {
        let mut pages = PAGES
            .map(|(path, html)| (path.to_string(), html.to_string()))
            .to_vec();
        pages.push((
            "jobs/roi-specialist.html".into(),
            "<title>Release of Information Specialist</title><main><p>Answers requests for \
             copies of records.</p></main>"
                .into(),
        ));
        let engine = IndexedCorpus::with_meanings(&pages, Meanings::On).engine();
        let hits = scores(&engine, "release of information specialist");
        assert_eq!(hits[0].0, "jobs/roi-specialist.html");
        assert!(hits[0].1 >= crate::build::ABOUT_SCORE);
        assert!(hits[1..]
            .iter()
            .all(|(_, score)| *score < crate::build::ABOUT_SCORE));
    }

    /// More than [`DEPTH`] results: pages of them, on both sides of the 50th, cut one list.
    #[test]
    fn pages_across_the_reranked_depth_follow_one_list() {
        let pages: Vec<(String, String)> = (0..60)
            .map(|n| {
                (
                    format!("topics/page-{n}.html"),
                    format!(
                        "<title>Records page {n}</title><main><p>Hospitals share records, as page \
                         {n} says. {}</p></main>",
                        "Patients find their records. ".repeat(n % 7 + 1)
                    ),
                )
            })
            .collect();
        let engine = IndexedCorpus::with_meanings(&pages, Meanings::On).engine();
        assert_pages_cut_one_list(&engine, 60, 7);
    }

    /// The same words asked again with a facet ticked, on the next page or in other case reuse
    /// the question's vector: the model runs once.
    #[test]
    fn a_question_asked_again_reuses_its_vector() {
        use him_schema::Taxonomy;
        let engine = IndexedCorpus::with_meanings(&PAGES, Meanings::On).engine();
        let question = "who did the clinic share my health records with last year";
        let passes = || super::PASSES.with(std::cell::Cell::get);
        let before = passes();
        assert_eq!(ids(&engine, SearchRequest::new(question)).len(), 4);
        assert_eq!(passes(), before + 1);
        // Three topic pages are guides: reranked, with the question's vector.
        let mut guides = SearchRequest::new(question);
        guides.filters = vec![(
            Taxonomy::builtin_kind("resource_type"),
            vec!["Guide".to_string()],
        )];
        assert_eq!(ids(&engine, guides).len(), 3);
        let mut next = SearchRequest::new(question.to_uppercase());
        next.page = 2;
        next.per_page = 1;
        assert_eq!(ids(&engine, next).len(), 1);
        assert_eq!(passes(), before + 1, "the model ran again");
        let off = IndexedCorpus::with_meanings(&PAGES, Meanings::On)
            .engine()
            .with_query_vector_cache(0);
        assert!(off.query_vectors.is_none());
        assert_eq!(
            ids(&off, SearchRequest::new(question)),
            ids(&engine, SearchRequest::new(question))
        );
        assert_eq!(passes(), before + 2);
    }

    /// The model reads a question's misspelled words as the ranking corrected them: the
    /// misspelled question and the corrected one share a vector (the model runs once).
    #[test]
    fn the_model_reads_a_misspelled_word_as_corrected() {
        let engine = IndexedCorpus::with_meanings(&PAGES, Meanings::On).engine();
        let passes = || super::PASSES.with(std::cell::Cell::get);
        let before = passes();
        let typed = "can i find out who the hospital shared my recrods with";
        assert_eq!(ids(&engine, SearchRequest::new(typed)).len(), 4);
        assert_eq!(passes(), before + 1);
        assert_eq!(ids(&engine, SearchRequest::new(QUESTION)).len(), 4);
        assert_eq!(
            passes(),
            before + 1,
            "the corrected question was embedded anew"
        );

        let raw = him_schema::analysis::raw_analyzer();
        let corrections = [
            ("recrods".to_string(), Some("records".to_string())),
            ("zzqx".to_string(), None),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            super::corrected("Who read my Recrods zzqx", &corrections, &raw),
            "Who read my records zzqx"
        );
    }

    #[test]
    fn a_reranked_hit_explains_its_meaning() {
        let engine = IndexedCorpus::with_meanings(&PAGES, Meanings::On).engine();
        let mut request = SearchRequest::new(QUESTION);
        request.explain = true;
        let response = engine.search(request).unwrap();
        let hit = &response.hits[0];
        let explain = hit.explain.as_ref().unwrap();
        let value = explain["value"].as_f64().unwrap() as f32;
        assert!((value - hit.score).abs() < 1e-3 * hit.score, "{explain}");
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
