//! `himsearch index --jsonl` and `himsearch eval`.

use crate::util::{himsearch, ids, problems, Site};

#[test]
fn jsonl_documents_are_indexed_and_bad_lines_reported() {
    let site = Site::new();
    let file = site.dir.path().join("docs.jsonl");
    std::fs::write(
        &file,
        concat!(
            "{\"id\": \"d1\", \"title\": \"Cancer registrar duties\", \"text\": \"Abstract every case.\"}\n",
            "{\"id\": \"d2\", \"title\": \"Coding\", \"text\": \"RHIT RHIT coders\", \"url\": \"https://x.example/d2\", \"facets\": {\"topic\": \"Registries\"}}\n",
            "not json\n",
            "\n",
            "{\"title\": \"no id\"}\n",
        ),
    )
    .unwrap();
    let summary = site.index_jsonl(&file);
    assert_eq!(summary["indexed"], 2);
    let name = file.display().to_string();
    assert_eq!(
        problems(&summary),
        [
            (format!("{name}:3"), "parse_error".to_string()),
            (format!("{name}:5"), "parse_error".to_string())
        ]
    );
    assert_eq!(ids(&site.search("registrar", &[])), ["d1"]);
    let d2 = site.search("coders", &[]);
    assert_eq!(d2["hits"][0]["url"], "https://x.example/d2");
    assert_eq!(
        d2["hits"][0]["facets"]["credential"],
        serde_json::json!(["RHIT"])
    );
    assert_eq!(
        d2["hits"][0]["facets"]["topic"],
        serde_json::json!(["Registries"])
    );
}

#[test]
fn eval_reports_trec_metrics() {
    let site = Site::new();
    let dir = site.dir.path();
    std::fs::write(
        dir.join("docs.jsonl"),
        concat!(
            "{\"id\": \"a\", \"title\": \"\", \"text\": \"glucose levels in maternal plasma\"}\n",
            "{\"id\": \"b\", \"title\": \"\", \"text\": \"fetal heart rate monitoring\"}\n",
            "{\"id\": \"c\", \"title\": \"\", \"text\": \"lens proteins of the eye\"}\n",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("queries.jsonl"),
        "{\"id\": \"1\", \"text\": \"maternal glucose\"}\n{\"id\": \"2\", \"text\": \"eye lens\"}\n{\"id\": \"3\", \"text\": \"unjudged\"}\n",
    )
    .unwrap();
    // Query 2's relevant document is not retrieved at all: "b" is judged, "c" is not.
    std::fs::write(dir.join("qrels.tsv"), "1\ta\t1\n2\tb\t1\n2\tc\t0\n").unwrap();
    site.index_jsonl(&dir.join("docs.jsonl"));
    let index = site.index_dir();
    let output = himsearch(&[
        "eval",
        "--json",
        "--per-query",
        "--index",
        index.to_str().unwrap(),
        "--queries",
        dir.join("queries.jsonl").to_str().unwrap(),
        "--qrels",
        dir.join("qrels.tsv").to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["queries"], 2, "query 3 has no judgments");
    assert_eq!(report["per_query"][0]["metrics"]["ndcg"], 1.0);
    assert_eq!(report["per_query"][1]["metrics"]["ndcg"], 0.0);
    assert_eq!(report["mean"]["ndcg"], 0.5);
    assert_eq!(report["mean"]["mrr10"], 0.5);

    let bad = dir.join("bad.tsv");
    std::fs::write(&bad, "1 a x\n").unwrap();
    let output = himsearch(&[
        "eval",
        "--index",
        index.to_str().unwrap(),
        "--queries",
        dir.join("queries.jsonl").to_str().unwrap(),
        "--qrels",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
}
