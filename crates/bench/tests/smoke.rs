//! The bench binaries in a tiny smoke mode, so they cannot rot between benchmark runs: each
//! runs for real on a small generated site (or collection) and its report is checked. Timings
//! are not asserted: benchmarks are not timed tests.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use him_query::http::{serve, AppState, ServerConfig};
use him_query::SearchEngine;
use him_schema::Taxonomy;

/// Runs a bench binary; panics with its output unless it succeeds.
fn run(binary: &str, args: &[&str]) -> String {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(binary).args(args).output().unwrap();
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(
        status.success(),
        "{binary} {args:?}: {status}\n{stdout}\n{}",
        String::from_utf8_lossy(&stderr)
    );
    stdout
}

/// A site of `pages` generated pages by the `gen-site` binary, indexed into `index`.
fn generated_index(site: &Path, index: &Path, pages: usize) {
    let report = run(
        env!("CARGO_BIN_EXE_gen-site"),
        &[&pages.to_string(), site.to_str().unwrap(), "7"],
    );
    assert!(report.starts_with(&format!("{pages} pages")), "{report}");
    let options = him_indexer::IndexOptions::new(index).unwrap();
    let summary = him_indexer::index_corpus(&options, site, &him_indexer::NoProgress).unwrap();
    assert_eq!(summary.indexed + summary.duplicates, pages);
}

#[test]
fn query_latency_reports_every_kind_and_query() {
    let (site, index) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generated_index(site.path(), index.path(), 60);
    let report = run(
        env!("CARGO_BIN_EXE_query-latency"),
        &[index.path().to_str().unwrap(), "2", "--per-query"],
    );
    assert!(report.starts_with("documents: 60, rounds: 2"), "{report}");
    for kind in [
        "one word",
        "three words",
        "phrase",
        "typo",
        "prefix",
        "facet filter",
        "empty + facets",
        "zero results",
        "long question",
        "mixed",
        "suggest",
    ] {
        let line = report
            .lines()
            .find(|line| line.starts_with(kind))
            .unwrap_or_else(|| panic!("no {kind:?} line in\n{report}"));
        let p50: u64 = line[kind.len()..]
            .split_whitespace()
            .next()
            .and_then(|p50| p50.parse().ok())
            .unwrap_or_else(|| panic!("no p50 in {line:?}"));
        assert!(p50 < 60_000_000, "{line}");
    }
    // The per-query table names each query once, filters included.
    assert_eq!(report.matches("\"cancer regis\"").count(), 1, "{report}");
    assert!(report.contains("\"exam\" [credential=RHIT]"), "{report}");

    let unknown = Command::new(env!("CARGO_BIN_EXE_query-latency"))
        .args([index.path().to_str().unwrap(), "1", "no such kind"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn http_load_gets_no_unexpected_answers() {
    let (site, index) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generated_index(site.path(), index.path(), 40);
    let engine = SearchEngine::open(index.path(), Taxonomy::builtin().unwrap()).unwrap();
    let config = ServerConfig {
        rate_limit_per_sec: 0,
        ..Default::default()
    };
    let state = AppState::new(Arc::new(engine), config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));

    for workload in ["mixed", "zipf", "soak"] {
        let report = run(
            env!("CARGO_BIN_EXE_http-load"),
            &[
                &url,
                "--workload",
                workload,
                "--connections",
                "2",
                "--seconds",
                "1",
                "--json",
            ],
        );
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        assert_eq!(report["unexpected"], 0, "{workload}: {report}");
        assert!(report["requests"].as_u64().unwrap() > 0, "{report}");
        assert!(report["statuses"]["200"].as_u64().unwrap() > 0, "{report}");
        if workload == "soak" {
            // The hostile requests are answered, with client errors.
            let client_errors: u64 = report["statuses"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(status, _)| status.starts_with('4'))
                .map(|(_, count)| count.as_u64().unwrap())
                .sum();
            assert!(client_errors > 0, "{report}");
        }
    }
    stop.send(()).unwrap();
    runtime.block_on(server).unwrap().unwrap();
}

#[test]
fn baseline_eval_scores_a_tiny_collection() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let docs = file(
        "docs.jsonl",
        concat!(
            r#"{"id": "d1", "title": "Medical coder", "text": "coder coding codes"}"#,
            "\n",
            r#"{"id": "d2", "title": "Privacy officer", "text": "privacy rule breach"}"#,
            "\n",
            r#"{"id": "d3", "title": "Registrar", "text": "cancer registry"}"#,
            "\n",
        ),
    );
    let queries = file(
        "queries.jsonl",
        concat!(
            r#"{"id": "1", "text": "coder"}"#,
            "\n",
            // Read as `himsearch eval` reads it: a whole-number id names the same query.
            r#"{"id": 2, "text": "privacy breach"}"#,
            "\n\n",
            r#"{"id": "3", "text": "unjudged query"}"#,
            "\n",
        ),
    );
    let qrels = file("qrels.tsv", "1 0 d1 1\n2 0 d2 2\n");
    let report = run(
        env!("CARGO_BIN_EXE_baseline-eval"),
        &[&docs, &queries, &qrels],
    );
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    // The third query has no judgments and is left out, as `himsearch eval` does.
    assert_eq!(report["queries"], 2, "{report}");
    assert_eq!(report["k"], 10);
    // Each query's one relevant document is the only one matching it: first, every time.
    assert_eq!(report["mean"]["mrr10"], 1.0, "{report}");
    assert_eq!(report["mean"]["ndcg"], 1.0, "{report}");
    assert_eq!(report["mean"]["p10"], 0.1, "{report}");

    // A query without text is an error naming its line, not an empty query counted as a miss.
    let bad = file(
        "bad.jsonl",
        "{\"id\": \"1\", \"text\": \"coder\"}\n{\"id\": \"2\"}\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_baseline-eval"))
        .args([&docs, &bad, &qrels])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("bad.jsonl:2: expected {\"id\", \"text\"}"),
        "{said}"
    );
}

#[test]
fn index_baseline_indexes_every_html_page() {
    let site = tempfile::tempdir().unwrap();
    run(
        env!("CARGO_BIN_EXE_gen-site"),
        &["60", site.path().to_str().unwrap(), "7"],
    );
    let html_pages = walk_files(site.path())
        .iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "html"))
        .count();
    assert!(html_pages > 0);
    let report = run(
        env!("CARGO_BIN_EXE_index-baseline"),
        &[site.path().to_str().unwrap(), "2"],
    );
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["pages"], html_pages);
    assert_eq!(report["documents"], html_pages);
    assert_eq!(report["threads"], 2);
    assert!(report["input_mb"].as_f64().unwrap() > 0.0, "{report}");
    for timing in ["parse_seconds", "index_seconds", "pipeline_seconds"] {
        assert!(report[timing].as_f64().is_some(), "{report}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_index-baseline"))
        .args([site.path().to_str().unwrap(), "0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// Every file under `dir`.
fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}
