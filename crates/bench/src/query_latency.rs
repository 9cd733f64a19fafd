//! `query-latency INDEX [ROUNDS] [KIND]`: in-process latency of a mixed query set, per query kind,
//! through `SearchEngine::search` (everything the API does: facets, snippets, suggestion),
//! and in the same run the raw-tantivy baseline on the same index: `QueryParser` over title
//! and body (OR, BM25) + `TopDocs` top 10, no facets, snippets, typos or synonyms.
//! Prints median and p99 in microseconds and our overhead as a ratio; run a release build.
//! With KIND (e.g. `"one word"`), only that kind runs, and with one of the queries
//! (e.g. `"cancer regis"`), only that query: for profilers. With `--per-query`, a
//! second table gives each query's own p50 and p99: a kind's p99 is mostly its slower query's.

use std::process::ExitCode;
use std::time::Instant;

use him_query::{SearchEngine, SearchRequest};
use him_schema::Taxonomy;

/// A facet filter: (facet name, value).
type Filter = Option<(&'static str, &'static str)>;

/// (kind, query, filter) triples of the mixed set.
const QUERIES: &[(&str, &str, Filter)] = &[
    ("one word", "coder", None),
    ("one word", "privacy", None),
    ("three words", "rhit exam eligibility", None),
    ("three words", "cancer registrar duties", None),
    ("phrase", "\"release of information\"", None),
    ("phrase", "\"legal health record\"", None),
    ("typo", "regsitered administrator", None),
    ("typo", "informatcs specialist", None),
    ("prefix", "accredit", None),
    ("prefix", "cancer regis", None),
    ("facet filter", "exam", Some(("credential", "RHIT"))),
    (
        "facet filter",
        "coding",
        Some(("resource_type", "Job profile")),
    ),
    ("empty + facets", "", None),
    // Nothing as typed; "codres" is corrected to a word on most pages, so it lists those.
    ("zero results", "zzqx codres", None),
    // Nothing at all: no word is in the index or close to one.
    ("nothing found", "zzqx vvkwj", None),
    (
        "long question",
        "how much do medical coders make after five years with a credential",
        None,
    ),
];

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let per_query = args.iter().any(|arg| arg == "--per-query");
    args.retain(|arg| arg != "--per-query");
    let Some(index) = args.first() else {
        eprintln!("usage: query-latency INDEX [ROUNDS] [KIND | QUERY] [--per-query]");
        return ExitCode::from(2);
    };
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(200);
    let only = args.get(2).map(String::as_str);
    let queries: Vec<_> = QUERIES
        .iter()
        .filter(|(kind, query, _)| only.is_none_or(|wanted| wanted == *kind || wanted == *query))
        .collect();
    if queries.is_empty() {
        eprintln!("error: no query kind or query {only:?}");
        return ExitCode::from(2);
    }
    let engine = match Taxonomy::builtin()
        .map_err(|e| e.to_string())
        .and_then(|t| SearchEngine::open(index.as_ref(), t).map_err(|e| e.to_string()))
    {
        // Each round asks the same questions: kept vectors would time the model's pass once.
        Ok(engine) => engine.with_query_vector_cache(0),
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Completions are built on first use (every stored title): keep that out of the timings
    // and out of profiles.
    if let Err(err) = engine.suggest("warm", 1) {
        eprintln!("error: {err}");
        return ExitCode::FAILURE;
    }
    let mut by_kind: Vec<(&str, Vec<u128>)> = Vec::new();
    let mut by_query: Vec<Vec<u128>> = vec![Vec::new(); queries.len()];
    let mut all = Vec::new();
    for round in 0..=rounds {
        for (position, (kind, query, filter)) in queries.iter().enumerate() {
            let mut request = SearchRequest::new(*query);
            if let Some((facet, value)) = filter {
                request = request.filter(facet, *value).expect("known facet");
            }
            let started = Instant::now();
            let response = engine.search(request).expect("search");
            let micros = started.elapsed().as_micros();
            std::hint::black_box(response);
            if round == 0 {
                continue; // warm-up
            }
            all.push(micros);
            by_query[position].push(micros);
            match by_kind.iter_mut().find(|(k, _)| k == kind) {
                Some((_, samples)) => samples.push(micros),
                None => by_kind.push((kind, vec![micros])),
            }
        }
    }
    let raw = match raw_baseline(index.as_ref(), rounds, &queries) {
        Ok(raw) => raw,
        Err(err) => {
            eprintln!("error: raw baseline: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut suggest = Vec::new();
    for _ in 0..rounds {
        for prefix in ["reg", "medical rec", "cc", "hip"] {
            let started = Instant::now();
            std::hint::black_box(engine.suggest(prefix, 8).expect("suggest"));
            suggest.push(started.elapsed().as_micros());
        }
    }
    println!("documents: {}, rounds: {rounds}", engine.num_docs());
    println!(
        "{:<16} {:>10} {:>10} {:>12} {:>12} {:>8}",
        "kind", "p50 (us)", "p99 (us)", "raw p50", "raw p99", "p50 x"
    );
    let mut raw_all = Vec::new();
    for (kind, mut samples) in by_kind {
        let (p50, p99) = percentiles(&mut samples);
        let mut raw_samples: Vec<u128> = raw
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, micros)| *micros)
            .collect();
        raw_all.extend(raw_samples.iter().copied());
        let (raw50, raw99) = percentiles(&mut raw_samples);
        println!(
            "{kind:<16} {p50:>10} {p99:>10} {raw50:>12} {raw99:>12} {:>8.1}",
            p50 as f64 / raw50.max(1) as f64
        );
    }
    let (p50, p99) = percentiles(&mut all);
    let (raw50, raw99) = percentiles(&mut raw_all);
    println!(
        "{:<16} {p50:>10} {p99:>10} {raw50:>12} {raw99:>12} {:>8.1}",
        "mixed",
        p50 as f64 / raw50.max(1) as f64
    );
    let (p50, p99) = percentiles(&mut suggest);
    println!("{:<16} {p50:>10} {p99:>10}", "suggest");
    if per_query {
        println!(
            "\n{:<16} {:>10} {:>10}  query",
            "kind", "p50 (us)", "p99 (us)"
        );
        for ((kind, query, filter), mut samples) in queries.iter().zip(by_query) {
            let (p50, p99) = percentiles(&mut samples);
            let filter = filter.map_or(String::new(), |(facet, value)| {
                format!(" [{facet}={value}]")
            });
            println!("{kind:<16} {p50:>10} {p99:>10}  {query:?}{filter}");
        }
    }
    ExitCode::SUCCESS
}

/// Raw tantivy on the same index: (kind, micros) per query per round after a warm-up round.
fn raw_baseline(
    index: &std::path::Path,
    rounds: usize,
    queries: &[&(&'static str, &'static str, Filter)],
) -> tantivy::Result<Vec<(&'static str, u128)>> {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::QueryParser;
    let index = tantivy::Index::open_in_dir(index)?;
    him_schema::analysis::register(&index);
    let schema = index.schema();
    let fields = [schema.get_field("title")?, schema.get_field("body")?];
    let parser = QueryParser::for_index(&index, fields.to_vec());
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let mut out = Vec::new();
    for round in 0..=rounds {
        for (kind, query, _) in queries {
            let started = Instant::now();
            // The lenient parser never fails: bad syntax becomes terms, as a search box needs.
            let (parsed, _) = parser.parse_query_lenient(query);
            let hits =
                searcher.search(&parsed, &(TopDocs::with_limit(10).order_by_score(), Count))?;
            std::hint::black_box(hits);
            if round > 0 {
                out.push((*kind, started.elapsed().as_micros()));
            }
        }
    }
    Ok(out)
}

fn percentiles(samples: &mut [u128]) -> (u128, u128) {
    if samples.is_empty() {
        return (0, 0);
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}
