//! Property: the count next to a facet value is exactly the total that ticking it gives
//! (disjunctive within a kind, conjunctive across kinds), whatever pass answers the query
//! (every word, some words, typos, corrections).

use std::sync::OnceLock;

use proptest::prelude::*;

use crate::test_support::IndexedCorpus;
use crate::{SearchEngine, SearchRequest};

const WORDS: &[&str] = &[
    "coding",
    "registrar",
    "privacy",
    "exam",
    "records",
    "career",
    "audit",
    "cancer",
    "salary",
    "how",
    "do",
    "codng",
    "registar",
    "zzqx",
    "the",
];
const CREDENTIALS: &[&str] = &["RHIT", "RHIA", "CCS", "CPC", "CTR"];
const TOPICS: &[&str] = &["Registries", "Revenue cycle", "Medical coding"];

/// 40 pages mixing the words, two credentials in the title (so both are assigned) and a topic.
fn engine() -> &'static SearchEngine {
    static FIXTURE: OnceLock<(IndexedCorpus, SearchEngine)> = OnceLock::new();
    &FIXTURE
        .get_or_init(|| {
            let pages: Vec<(String, String)> = (0..40)
                .map(|i| {
                    let words: Vec<&str> = (0..6).map(|k| WORDS[(i * 7 + k * 3) % 9]).collect();
                    let a = CREDENTIALS[i % CREDENTIALS.len()];
                    let b = CREDENTIALS[(i / 2 + 1) % CREDENTIALS.len()];
                    let topic = TOPICS[i % TOPICS.len()];
                    let html = format!(
                        "<title>{a} and {b}: {} {}</title><main><h2>{topic}</h2><p>{}</p></main>",
                        words[0],
                        words[1],
                        words.join(" ")
                    );
                    (format!("p{i}.html"), html)
                })
                .collect();
            let fixture = IndexedCorpus::new(&pages);
            let engine = fixture.engine();
            (fixture, engine)
        })
        .1
}

fn total(query: &str, filters: &[(&str, Vec<String>)]) -> (usize, SearchRequest) {
    let mut request = SearchRequest::new(query);
    for (kind, values) in filters {
        for value in values {
            request = request.filter(kind, value.clone()).unwrap();
        }
    }
    let response = engine().search(request.clone()).unwrap();
    (response.total, request)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_facet_count_is_the_total_that_ticking_it_gives(
        words in prop::collection::vec(0..WORDS.len(), 0..10),
        credentials in prop::collection::vec(0..CREDENTIALS.len(), 0..2),
        topic in prop::option::of(0..TOPICS.len()),
    ) {
        let query: Vec<&str> = words.iter().map(|w| WORDS[*w]).collect();
        let query = query.join(" ");
        let mut filters: Vec<(&str, Vec<String>)> = Vec::new();
        if !credentials.is_empty() {
            filters.push(("credential", credentials.iter().map(|c| CREDENTIALS[*c].to_string()).collect()));
        }
        if let Some(topic) = topic {
            filters.push(("topic", vec![TOPICS[topic].to_string()]));
        }
        let (_, request) = total(&query, &filters);
        let response = engine().search(request).unwrap();
        for kind in ["credential", "topic"] {
            for count in response.facets.get(kind).into_iter().flatten() {
                // Ticking the value alone for its kind, the other kinds' filters kept.
                let mut ticked: Vec<(&str, Vec<String>)> =
                    filters.iter().filter(|(k, _)| *k != kind).cloned().collect();
                ticked.push((kind, vec![count.value.clone()]));
                let (found, _) = total(&query, &ticked);
                prop_assert_eq!(
                    found as u64, count.count,
                    "{:?} with {:?}: {} {} says {}, ticking it gives {}",
                    query, filters, kind, count.value, count.count, found
                );
            }
        }
    }
}

#[test]
fn the_fixture_has_facets_to_check() {
    let response = engine().search(SearchRequest::new("coding")).unwrap();
    assert!(response.total > 5, "{}", response.total);
    for kind in ["credential", "topic"] {
        assert!(
            response.facets[kind].len() >= 3,
            "{kind}: {:?}",
            response.facets[kind]
        );
    }
}
