//! The shipped corpus: it indexes with exactly the warnings `corpus/README.md` explains, its
//! pages carry the expected facets, and the HIM relevance suite (`tests/relevance/`) passes.

use std::sync::OnceLock;

use him_query::{SearchEngine, SearchRequest};
use him_schema::Taxonomy;

use crate::util::{himsearch, repo_root};

/// The corpus indexed once for every test of this module.
fn engine() -> &'static SearchEngine {
    static ENGINE: OnceLock<(tempfile::TempDir, SearchEngine)> = OnceLock::new();
    let (_, engine) = ENGINE.get_or_init(|| {
        let index = tempfile::tempdir().unwrap();
        let options =
            him_indexer::IndexOptions::new(repo_root().join("corpus"), index.path()).unwrap();
        him_indexer::index_corpus(&options, &him_indexer::NoProgress).unwrap();
        let engine = SearchEngine::open(index.path(), Taxonomy::builtin().unwrap()).unwrap();
        (index, engine)
    });
    engine
}

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
    let expected: Vec<(String, String)> = [
        ("archive/draft-salary-survey.html", "noindex"),
        ("archive/medical-records-clerk-copy.html", "duplicate"),
        ("archive/old-resume-tips.html", "encoding_guessed"),
        ("archive/rhit-old.html", "canonical"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(found, expected);
    assert_eq!(summary["broken_links"], 0);
    assert!(summary["documents"].as_u64().unwrap() >= 100, "{summary}");
}

/// (page, facet, value that page must carry).
const FACET_CASES: &[(&str, &str, &str)] = &[
    ("credentials/rhit.html", "credential", "RHIT"),
    ("credentials/rhia.html", "credential", "RHIA"),
    ("credentials/cca.html", "credential", "CCA"),
    ("credentials/ccs.html", "credential", "CCS"),
    ("credentials/ccs-p.html", "credential", "CCS-P"),
    ("credentials/cdip.html", "credential", "CDIP"),
    ("credentials/chda.html", "credential", "CHDA"),
    ("credentials/chps.html", "credential", "CHPS"),
    ("credentials/cphi.html", "credential", "CPHI"),
    ("credentials/cpc.html", "credential", "CPC"),
    ("credentials/coc.html", "credential", "COC"),
    ("credentials/cpb.html", "credential", "CPB"),
    ("credentials/crc.html", "credential", "CRC"),
    ("credentials/ctr.html", "credential", "CTR"),
    ("credentials/rhit.html", "resource_type", "Credential"),
    ("jobs/coder.html", "job_title", "Coder"),
    (
        "jobs/medical-records-technician.html",
        "job_title",
        "Medical Records Technician",
    ),
    (
        "jobs/cancer-registrar.html",
        "job_title",
        "Cancer Registrar",
    ),
    ("jobs/cancer-registrar.html", "credential", "CTR"),
    ("jobs/cancer-registrar.html", "topic", "Registries"),
    ("jobs/privacy-officer.html", "job_title", "Privacy Officer"),
    (
        "jobs/privacy-officer.html",
        "topic",
        "HIPAA privacy and security",
    ),
    (
        "jobs/cdi-specialist.html",
        "job_title",
        "Clinical Documentation Improvement Specialist",
    ),
    ("jobs/mpi-specialist.html", "topic", "Master patient index"),
    (
        "jobs/release-of-information-specialist.html",
        "topic",
        "Release of information",
    ),
    (
        "jobs/risk-adjustment-coder.html",
        "job_title",
        "Risk Adjustment Coder",
    ),
    ("jobs/coder.html", "resource_type", "Job profile"),
    ("index.html", "resource_type", "Career pathway"),
    ("index.html", "credential", "RHIT"),
    ("index.html", "job_title", "Medical Records Technician"),
    ("index.html", "education_level", "Bachelor's"),
    (
        "education/associate-degree.html",
        "education_level",
        "Associate's",
    ),
    (
        "education/bachelors-degree.html",
        "education_level",
        "Bachelor's",
    ),
    (
        "education/masters-degree.html",
        "education_level",
        "Master's",
    ),
    (
        "education/certificate-programs.html",
        "education_level",
        "Certificate",
    ),
    (
        "education/associate-degree.html",
        "resource_type",
        "Program",
    ),
    ("topics/icd-10-cm.html", "topic", "ICD-10-CM"),
    ("topics/icd-10-pcs.html", "topic", "ICD-10-PCS"),
    (
        "topics/electronic-health-records.html",
        "topic",
        "Electronic health records",
    ),
    (
        "topics/hipaa-privacy-security.html",
        "resource_type",
        "Guide",
    ),
    ("resources/glossary.md", "resource_type", "Glossary"),
    (
        "resources/exam-prep-checklist.pdf",
        "resource_type",
        "Checklist",
    ),
    (
        "resources/certification-comparison.pdf",
        "resource_type",
        "Comparison",
    ),
    (
        "resources/reading-list.txt",
        "resource_type",
        "Reading list",
    ),
    ("articles/rhit-vs-rhia.html", "credential", "RHIA"),
];

/// (page, facet, value the page must not carry): the case rules and the two-mention rule.
const FACET_NEGATIVE_CASES: &[(&str, &str, &str)] = &[
    ("credentials/rhit.html", "credential", "RHIA"),
    ("credentials/cpc.html", "credential", "CCS"),
    ("credentials/ccs.html", "credential", "CPC"),
    ("jobs/coder.html", "credential", "CPC"),
    (
        "topics/hipaa-privacy-security.html",
        "resource_type",
        "Job profile",
    ),
];

#[test]
fn facet_extraction_over_the_corpus() {
    let engine = engine();
    let mut failures = Vec::new();
    for (page, facet, value) in FACET_CASES {
        let doc = engine
            .document(page)
            .unwrap()
            .unwrap_or_else(|| panic!("{page} not indexed"));
        if !doc.facets[*facet].iter().any(|v| v == value) {
            failures.push(format!(
                "{page}: {facet} {:?} lacks {value}",
                doc.facets[*facet]
            ));
        }
    }
    for (page, facet, value) in FACET_NEGATIVE_CASES {
        let doc = engine.document(page).unwrap().unwrap();
        if doc.facets[*facet].iter().any(|v| v == value) {
            failures.push(format!(
                "{page}: {facet} {:?} should not have {value}",
                doc.facets[*facet]
            ));
        }
    }
    assert!(FACET_CASES.len() >= 30);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One line of `tests/relevance/him-queries.tsv`.
struct RelevanceCase {
    query: String,
    expected: Vec<String>,
}

fn relevance_cases() -> Vec<RelevanceCase> {
    let text =
        std::fs::read_to_string(repo_root().join("tests/relevance/him-queries.tsv")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let mut columns = line.split('\t');
            let query = columns.next().unwrap().to_string();
            let expected = columns
                .next()
                .unwrap()
                .split('|')
                .map(str::to_string)
                .collect();
            RelevanceCase { query, expected }
        })
        .collect()
}

#[test]
fn him_relevance_suite_top_3() {
    let engine = engine();
    let cases = relevance_cases();
    assert!(cases.len() >= 40);
    let mut misses = Vec::new();
    let mut reciprocal_ranks = 0.0;
    for case in &cases {
        let mut request = SearchRequest::new(case.query.clone());
        request.per_page = 10;
        let response = engine.search(request).unwrap();
        let ids: Vec<&str> = response.hits.iter().map(|h| h.id.as_str()).collect();
        let rank = ids
            .iter()
            .position(|id| case.expected.iter().any(|e| e == id));
        reciprocal_ranks += rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0));
        if rank.is_none_or(|r| r >= 3) {
            misses.push(format!(
                "{:?}: got {:?}, want one of {:?}",
                case.query,
                &ids[..ids.len().min(3)],
                case.expected
            ));
        }
    }
    println!(
        "HIM relevance suite: success@3 {}/{}, MRR@10 {:.3}",
        cases.len() - misses.len(),
        cases.len(),
        reciprocal_ranks / cases.len() as f64
    );
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn shipped_pdfs_are_reproducible_from_their_sources() {
    let sources = repo_root().join("crates/corpus-tools/pdf-src");
    let mut checked = 0;
    for entry in std::fs::read_dir(&sources).unwrap() {
        let source = entry.unwrap().path();
        let text = std::fs::read_to_string(&source).unwrap();
        let name = source.file_stem().unwrap().to_str().unwrap();
        let shipped = std::fs::read(repo_root().join(format!("corpus/resources/{name}.pdf")))
            .unwrap_or_else(|_| panic!("corpus/resources/{name}.pdf missing: run make-pdfs"));
        assert!(
            shipped == him_corpus_tools::render_pdf(&text),
            "corpus/resources/{name}.pdf is stale: cargo run -p him-corpus-tools --bin make-pdfs"
        );
        let title = text.lines().next().unwrap();
        let doc = engine()
            .document(&format!("resources/{name}.pdf"))
            .unwrap()
            .unwrap();
        assert_eq!(doc.title, title, "the indexer reads the PDF back");
        checked += 1;
    }
    assert_eq!(checked, 3);
}
