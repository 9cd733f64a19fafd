//! The shipped corpus indexes with exactly the warnings `corpus/README.md` explains, and its
//! pages carry the expected facets.

use crate::util::{himsearch, repo_root};

#[test]
fn shipped_corpus_indexes_with_only_the_expected_warnings() {
    let index = tempfile::tempdir().unwrap();
    let corpus = repo_root().join("corpus");
    let output = himsearch(&[
        "index",
        "--json",
        "--corpus",
        corpus.to_str().unwrap(),
        "--index",
        index.path().to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found: Vec<(String, String)> = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let expected = [
        ("archive/draft-salary-survey.html", "noindex"),
        ("archive/medical-records-clerk-copy.html", "duplicate"),
        ("archive/old-resume-tips.html", "encoding_guessed"),
        ("archive/rhit-old.html", "canonical"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(summary["broken_links"], 0);

    // Facets of a few pages (the full table of 30+ cases is the corpus issue's).
    let search = |query: &str| -> serde_json::Value {
        let output = himsearch(&[
            "search",
            "--json",
            "--index",
            index.path().to_str().unwrap(),
            "--limit",
            "1",
            "--",
            query,
        ]);
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let rhit = search("Registered Health Information Technician credential");
    assert_eq!(rhit["hits"][0]["id"], "credentials/rhit.html");
    assert!(rhit["hits"][0]["facets"]["credential"]
        .as_array()
        .unwrap()
        .contains(&"RHIT".into()));
    let coder = search("coder");
    assert_eq!(coder["hits"][0]["id"], "jobs/coder.html");
    assert_eq!(
        coder["hits"][0]["facets"]["resource_type"],
        serde_json::json!(["Job profile"])
    );
}
