//! `query-latency INDEX [ROUNDS]`: in-process latency of a mixed query set, per query kind,
//! through `SearchEngine::search` (everything the API does: facets, snippets, suggestion).
//! Prints median and p99 in microseconds; run a release build.

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
    ("zero results", "zzqx codres", None),
    (
        "long question",
        "how much do medical coders make after five years with a credential",
        None,
    ),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(index) = args.first() else {
        eprintln!("usage: query-latency INDEX [ROUNDS]");
        return ExitCode::from(2);
    };
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(200);
    let engine = match Taxonomy::builtin()
        .map_err(|e| e.to_string())
        .and_then(|t| SearchEngine::open(index.as_ref(), t).map_err(|e| e.to_string()))
    {
        Ok(engine) => engine,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut by_kind: Vec<(&str, Vec<u128>)> = Vec::new();
    let mut all = Vec::new();
    for round in 0..=rounds {
        for (kind, query, filter) in QUERIES {
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
            match by_kind.iter_mut().find(|(k, _)| k == kind) {
                Some((_, samples)) => samples.push(micros),
                None => by_kind.push((kind, vec![micros])),
            }
        }
    }
    let mut suggest = Vec::new();
    for _ in 0..rounds {
        for prefix in ["reg", "medical rec", "cc", "hip"] {
            let started = Instant::now();
            std::hint::black_box(engine.suggest(prefix, 8).expect("suggest"));
            suggest.push(started.elapsed().as_micros());
        }
    }
    println!("documents: {}, rounds: {rounds}", engine.num_docs());
    println!("{:<16} {:>10} {:>10}", "kind", "p50 (us)", "p99 (us)");
    for (kind, mut samples) in by_kind {
        let (p50, p99) = percentiles(&mut samples);
        println!("{kind:<16} {p50:>10} {p99:>10}");
    }
    let (p50, p99) = percentiles(&mut all);
    println!("{:<16} {p50:>10} {p99:>10}", "mixed");
    let (p50, p99) = percentiles(&mut suggest);
    println!("{:<16} {p50:>10} {p99:>10}", "suggest");
    ExitCode::SUCCESS
}

fn percentiles(samples: &mut [u128]) -> (u128, u128) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}
