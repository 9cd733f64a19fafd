//! The shipped corpus: it indexes with exactly the warnings `corpus/README.md` explains, its
//! pages carry the expected facets, and the HIM relevance suite (`tests/relevance/`) passes.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use him_query::{SearchEngine, SearchRequest};
use him_schema::Taxonomy;
use regex::Regex;

use crate::util::{himsearch, repo_root};

/// The corpus indexed once for every test of this module.
fn engine() -> &'static SearchEngine {
    static ENGINE: OnceLock<(tempfile::TempDir, SearchEngine)> = OnceLock::new();
    let (_, engine) = ENGINE.get_or_init(|| {
        let index = tempfile::tempdir().unwrap();
        let options = him_indexer::IndexOptions::new(index.path()).unwrap();
        let corpus = repo_root().join("corpus");
        him_indexer::index_corpus(&options, &corpus, &him_indexer::NoProgress).unwrap();
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
    // The second edition of the corpus (#20) doubled it.
    assert!(summary["documents"].as_u64().unwrap() >= 200, "{summary}");
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
    // Pages of the second edition of the corpus (#20).
    (
        "articles/rhia-exam-format-and-prep.html",
        "credential",
        "RHIA",
    ),
    (
        "articles/ccs-exam-format-and-prep.html",
        "credential",
        "CCS",
    ),
    (
        "articles/cpc-exam-format-and-prep.html",
        "credential",
        "CPC",
    ),
    (
        "articles/cca-exam-format-and-prep.html",
        "credential",
        "CCA",
    ),
    ("articles/how-to-become-an-rhit.html", "credential", "RHIT"),
    ("articles/cpc-vs-coc.html", "credential", "COC"),
    ("resources/rhia-study-plan.md", "credential", "RHIA"),
    (
        "jobs/medical-billing-and-coding-specialist.html",
        "job_title",
        "Medical Biller",
    ),
    ("jobs/him-manager.html", "job_title", "HIM Director"),
    ("jobs/inpatient-coder.html", "job_title", "Coder"),
    ("jobs/outpatient-coder.html", "job_title", "Coder"),
    (
        "employers/coder-job-description-template.html",
        "job_title",
        "Coder",
    ),
    ("jobs/him-supervisor.html", "resource_type", "Job profile"),
    (
        "jobs/cdi-manager.html",
        "topic",
        "Clinical documentation improvement",
    ),
    (
        "jobs/data-integrity-analyst.html",
        "topic",
        "Master patient index",
    ),
    ("topics/hcc-risk-adjustment.html", "topic", "ICD-10-CM"),
    ("topics/oasis-home-health.html", "topic", "ICD-10-CM"),
    (
        "topics/evaluation-and-management.html",
        "topic",
        "CPT and HCPCS",
    ),
    (
        "topics/modifiers-and-ncci-edits.html",
        "topic",
        "CPT and HCPCS",
    ),
    (
        "topics/breach-response.html",
        "topic",
        "HIPAA privacy and security",
    ),
    (
        "standards/42-cfr-part-2.html",
        "topic",
        "HIPAA privacy and security",
    ),
    (
        "standards/hitech-act.html",
        "topic",
        "Electronic health records",
    ),
    (
        "topics/release-of-information.html",
        "topic",
        "Release of information",
    ),
    (
        "articles/him-pay-and-outlook-figures.html",
        "topic",
        "Salary and job outlook",
    ),
    (
        "articles/coder-salary.html",
        "topic",
        "Salary and job outlook",
    ),
    (
        "articles/renewing-ahima-credentials.html",
        "topic",
        "Continuing education",
    ),
    (
        "articles/maintaining-aapc-credentials.html",
        "topic",
        "Continuing education",
    ),
    (
        "education/program-costs-and-financial-aid.html",
        "resource_type",
        "Program",
    ),
];

/// (page, facet, value the page must not carry): the case rules and the two-mention rule.
const FACET_NEGATIVE_CASES: &[(&str, &str, &str)] = &[
    ("credentials/rhit.html", "credential", "RHIA"),
    ("credentials/cpc.html", "credential", "CCS"),
    ("credentials/ccs.html", "credential", "CPC"),
    // jobs/coder.html once stood here (a passing CPC mention); the page now says employers
    // look for the CPC, a requirement a job seeker filters by (issue #16, facet recall).
    (
        "topics/hipaa-privacy-security.html",
        "resource_type",
        "Job profile",
    ),
    // Lists of every credential or job title (an index, a glossary) are about none of them.
    ("credentials/index.html", "credential", "RHIT"),
    ("resources/glossary.md", "credential", "CPC"),
    ("index.html", "job_title", "Coder"),
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
    assert!(FACET_CASES.len() >= 70);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Judged facets of `tests/relevance/{file}`: (page, kind) to the complete set of values the
/// page should carry for that kind.
type FacetJudgments = std::collections::BTreeMap<(String, String), Vec<String>>;

/// (true positives, false positives, false negatives) per kind.
type FacetCounts = std::collections::BTreeMap<String, (usize, usize, usize)>;

fn facet_judgments(file: &str) -> FacetJudgments {
    let text = std::fs::read_to_string(repo_root().join("tests/relevance").join(file)).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let mut columns = line.split('\t');
            let (page, kind) = (columns.next().unwrap(), columns.next().unwrap());
            let values = columns
                .next()
                .unwrap_or("")
                .split('|')
                .filter(|v| !v.is_empty())
                .map(String::from)
                .collect();
            ((page.to_string(), kind.to_string()), values)
        })
        .collect()
}

/// (true positives, false positives, false negatives) per kind of `got` against `judged`, and
/// each disagreement.
fn facet_agreement(
    judged: &FacetJudgments,
    got: impl Fn(&str, &str) -> Vec<String>,
) -> (FacetCounts, Vec<String>) {
    let mut kinds = FacetCounts::default();
    let mut errors = Vec::new();
    for ((page, kind), wanted) in judged {
        let got = got(page, kind);
        let entry = kinds.entry(kind.clone()).or_default();
        for value in &got {
            if wanted.contains(value) {
                entry.0 += 1;
            } else {
                entry.1 += 1;
                errors.push(format!(
                    "{page}: {kind} {value:?} not judged (false positive)"
                ));
            }
        }
        for value in wanted.iter().filter(|v| !got.contains(v)) {
            entry.2 += 1;
            errors.push(format!("{page}: {kind} {value:?} missing (false negative)"));
        }
    }
    (kinds, errors)
}

/// Prints the table of `kinds` under `heading` and returns (kind, precision, recall).
fn facet_table(heading: &str, kinds: &FacetCounts) -> Vec<(String, f64, f64)> {
    println!("{heading}\n| kind | precision | recall |\n|---|---|---|");
    let mut figures = Vec::new();
    for (kind, (tp, fp, fn_)) in kinds {
        let precision = *tp as f64 / (tp + fp).max(1) as f64;
        let recall = *tp as f64 / (tp + fn_).max(1) as f64;
        println!(
            "| {kind} | {precision:.3} ({tp}/{}) | {recall:.3} ({tp}/{}) |",
            tp + fp,
            tp + fn_
        );
        figures.push((kind.clone(), precision, recall));
    }
    figures
}

/// Facet assignment against the judged set (issue #16): precision and recall per kind, against
/// the first judge (`facet-judgments.tsv`, the issue's set) and a second one who judged the same
/// pages blind (`facet-judgments-second.tsv`); and how far the two judges agree, the ceiling
/// the issue's targets are read against.
#[test]
fn facet_assignment_precision_and_recall() {
    let engine = engine();
    let filed = |page: &str, kind: &str| -> Vec<String> {
        let doc = engine
            .document(page)
            .unwrap()
            .unwrap_or_else(|| panic!("{page} not indexed"));
        doc.facets[kind].clone()
    };
    let first = facet_judgments("facet-judgments.tsv");
    let second = facet_judgments("facet-judgments-second.tsv");
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>(),
        "both judges judge the same pages and kinds"
    );
    let (kinds, errors) = facet_agreement(&first, filed);
    for error in &errors {
        println!("facet: {error}");
    }
    let judged: usize = kinds.values().map(|(tp, _, fn_)| tp + fn_).sum();
    assert!(judged >= 150, "{judged} judged (page, facet, value) pairs");
    let against_first = facet_table("The engine against the first judge:", &kinds);
    let (kinds, _) = facet_agreement(&second, filed);
    let against_second = facet_table("The engine against the second judge:", &kinds);
    let (kinds, _) = facet_agreement(&first, |page, kind| {
        second[&(page.to_string(), kind.to_string())].clone()
    });
    facet_table("The second judge against the first:", &kinds);
    let majority = facet_majority(&first, &second);
    let (kinds, _) = facet_agreement(&majority, filed);
    let against_majority = facet_table("The engine against the majority of three judges:", &kinds);
    for (judge, other) in [(&first, "first"), (&second, "second")] {
        let (kinds, _) = facet_agreement(&majority, |page, kind| {
            judge[&(page.to_string(), kind.to_string())].clone()
        });
        facet_table(&format!("The {other} judge against the majority:"), &kinds);
    }
    for (figures, floors) in [
        (against_first, FACET_FLOORS),
        (against_second, FACET_FLOORS_SECOND),
        (against_majority, FACET_FLOORS_MAJORITY),
    ] {
        for (kind, precision, recall) in figures {
            let (min_precision, min_recall) = floors
                .iter()
                .find(|(k, _, _)| *k == kind)
                .map_or((0.0, 0.0), |(_, p, r)| (*p, *r));
            assert!(
                precision >= min_precision && recall >= min_recall,
                "{kind}: precision {precision:.3} (floor {min_precision}), recall {recall:.3} (floor {min_recall})"
            );
        }
    }
}

/// Floors the facet figures must hold against the first judge, (kind, precision, recall):
/// today's figures less a little (BENCHMARKS.md), so a change that files pages worse fails. The
/// issue's targets (precision 0.95, recall 0.9 for credential and job title) are not reached;
/// the second judge reaches neither against the first (credential recall 0.739, job title
/// precision 0.833).
const FACET_FLOORS: &[(&str, f64, f64)] = &[("credential", 0.91, 0.90), ("job_title", 0.88, 0.81)];

/// The same against the second judge.
const FACET_FLOORS_SECOND: &[(&str, f64, f64)] =
    &[("credential", 0.74, 0.96), ("job_title", 0.88, 0.72)];

/// The same against the majority of the three judges.
const FACET_FLOORS_MAJORITY: &[(&str, f64, f64)] =
    &[("credential", 0.77, 0.94), ("job_title", 0.90, 0.71)];

/// The majority of three judges: the values the first two agree on, and of those they dispute,
/// the ones a third judge, who saw only the disputed (page, kind, value) triples and the pages,
/// files (`facet-judgments-third.tsv`: page, kind, value, `yes` or `no`, why).
fn facet_majority(first: &FacetJudgments, second: &FacetJudgments) -> FacetJudgments {
    let text =
        std::fs::read_to_string(repo_root().join("tests/relevance/facet-judgments-third.tsv"))
            .unwrap();
    let mut third = std::collections::BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let columns: Vec<&str> = line.split('\t').collect();
        let verdict = match columns[3] {
            "yes" => true,
            "no" => false,
            other => panic!("{line}: verdict {other:?}"),
        };
        third.insert((columns[0], columns[1], columns[2]), verdict);
    }
    let mut majority = FacetJudgments::new();
    let mut disputed = 0;
    for (key, values) in first {
        let other = &second[key];
        let mut kept: Vec<String> = values
            .iter()
            .filter(|v| other.contains(v))
            .cloned()
            .collect();
        for value in values
            .iter()
            .chain(other)
            .filter(|v| !(values.contains(v) && other.contains(v)))
        {
            disputed += 1;
            let verdict = third
                .get(&(key.0.as_str(), key.1.as_str(), value.as_str()))
                .unwrap_or_else(|| panic!("the third judge has no verdict on {key:?} {value:?}"));
            if *verdict {
                kept.push(value.clone());
            }
        }
        majority.insert(key.clone(), kept);
    }
    assert_eq!(
        disputed,
        third.len(),
        "the third judge judges exactly the disputed values"
    );
    majority
}

/// One line of `tests/relevance/him-queries.tsv`.
struct RelevanceCase {
    query: String,
    /// Judged pages: grade 2 (the page wanted) unless written `page=1` (useful).
    judged: Vec<(String, u32)>,
    kind: String,
}

/// The cases of `tests/relevance/{file}`.
fn relevance_cases(file: &str) -> Vec<RelevanceCase> {
    let text = std::fs::read_to_string(repo_root().join("tests/relevance").join(file)).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let mut columns = line.split('\t');
            let query = columns.next().unwrap().to_string();
            let judged = columns
                .next()
                .unwrap()
                .split('|')
                .map(|page| match page.split_once('=') {
                    Some((page, grade)) => (page.to_string(), grade.parse().unwrap()),
                    None => (page.to_string(), 2),
                })
                .collect();
            let kind = columns.next().expect("a kind column").to_string();
            RelevanceCase {
                query,
                judged,
                kind,
            }
        })
        .collect()
}

/// success@3 (a grade-2 page in the top 3), reciprocal rank of the first grade-2 page, and
/// nDCG@10 of one query's ranking.
fn case_metrics(case: &RelevanceCase, ids: &[&str]) -> (bool, f64, f64) {
    let grade = |id: &str| {
        case.judged
            .iter()
            .find(|(page, _)| page == id)
            .map_or(0, |(_, grade)| *grade)
    };
    let first = ids.iter().position(|id| grade(id) == 2);
    let dcg = |grades: &mut dyn Iterator<Item = u32>| -> f64 {
        grades
            .take(10)
            .enumerate()
            .map(|(i, g)| (2f64.powi(g as i32) - 1.0) / (i as f64 + 2.0).log2())
            .sum()
    };
    let mut ideal: Vec<u32> = case.judged.iter().map(|(_, g)| *g).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ndcg = dcg(&mut ids.iter().map(|id| grade(id))) / dcg(&mut ideal.into_iter());
    (
        first.is_some_and(|rank| rank < 3),
        first.map_or(0.0, |rank| 1.0 / (rank as f64 + 1.0)),
        ndcg,
    )
}

/// The suite's first rows are the first edition's queries (the 101-page corpus), in order.
const FIRST_EDITION_QUERIES: usize = 51;
const LAST_FIRST_EDITION_QUERY: &str = "skilled nursing facility";

/// Per kind of query and for "all": (queries, successes, reciprocal ranks, nDCG).
type KindFigures = std::collections::BTreeMap<String, (usize, usize, f64, f64)>;

/// What [`run_cases`] measured: the figures per kind, the misses (no page wanted in the top
/// 3), and each case's reciprocal rank, in the cases' order.
struct CaseRun {
    kinds: KindFigures,
    misses: Vec<String>,
    reciprocal_ranks: Vec<f64>,
}

/// Runs `cases` through the search path users take; prints a table per kind and the misses.
fn run_cases(engine: &SearchEngine, name: &str, cases: &[RelevanceCase]) -> CaseRun {
    let mut misses = Vec::new();
    let mut reciprocal_ranks = Vec::with_capacity(cases.len());
    // Per kind: (queries, successes, reciprocal ranks, nDCG).
    let mut kinds = KindFigures::default();
    for case in cases {
        let mut request = SearchRequest::new(case.query.clone());
        request.per_page = 10;
        let response = engine.search(request).unwrap();
        let ids: Vec<&str> = response.hits.iter().map(|h| h.id.as_str()).collect();
        let (success, reciprocal_rank, ndcg) = case_metrics(case, &ids);
        reciprocal_ranks.push(reciprocal_rank);
        for key in [case.kind.as_str(), "all"] {
            let entry = kinds.entry(key.to_string()).or_default();
            *entry = (
                entry.0 + 1,
                entry.1 + usize::from(success),
                entry.2 + reciprocal_rank,
                entry.3 + ndcg,
            );
        }
        if !success {
            misses.push(format!(
                "{} {:?}: got {:?}, want {:?}",
                case.kind,
                case.query,
                &ids[..ids.len().min(3)],
                case.judged
            ));
        }
    }
    println!(
        "{name} ({} queries, through SearchEngine::search):",
        cases.len()
    );
    println!("| kind | queries | success@3 | MRR@10 | nDCG@10 |");
    println!("|---|---|---|---|---|");
    for (kind, (n, ok, rr, ndcg)) in &kinds {
        let n_f = *n as f64;
        println!(
            "| {kind} | {n} | {:.3} | {:.3} | {:.3} |",
            *ok as f64 / n_f,
            rr / n_f,
            ndcg / n_f
        );
    }
    for miss in &misses {
        println!("miss: {miss}");
    }
    CaseRun {
        kinds,
        misses,
        reciprocal_ranks,
    }
}

/// Asserts success@3 and nDCG@10 over all of a run's queries, listing the misses on failure.
fn assert_overall(kinds: &KindFigures, misses: &[String], min_success: f64, min_ndcg: f64) {
    let (n, ok, _, ndcg) = kinds["all"];
    assert!(
        ok as f64 / n as f64 >= min_success,
        "success@3 {ok}/{n}:\n{}",
        misses.join("\n")
    );
    assert!(
        ndcg / n as f64 >= min_ndcg,
        "nDCG@10 {:.3}",
        ndcg / n as f64
    );
}

/// The HIM suite through the search path users take, reported per kind of query. The figures
/// to hold are the held-out set's targets (issue #16): success@3 >= 0.95 and nDCG@10 >= 0.80
/// overall, and no kind below 0.85 success@3.
#[test]
fn him_relevance_suite_top_3() {
    let engine = engine();
    let cases = relevance_cases("him-queries.tsv");
    assert!(cases.len() >= 150, "{} queries", cases.len());
    let run = run_cases(engine, "HIM relevance suite", &cases);
    // The corpus's second edition (issue #20) must answer the first edition's queries no
    // worse than the 101-page corpus did: MRR@10 0.987 then.
    assert_eq!(
        cases[FIRST_EDITION_QUERIES - 1].query,
        LAST_FIRST_EDITION_QUERY
    );
    let reciprocal_ranks: f64 = run.reciprocal_ranks[..FIRST_EDITION_QUERIES].iter().sum();
    let first_mrr = reciprocal_ranks / FIRST_EDITION_QUERIES as f64;
    println!("first edition's {FIRST_EDITION_QUERIES} queries: MRR@10 {first_mrr:.3}");
    assert!(first_mrr >= 0.987, "first edition MRR@10 {first_mrr:.3}");
    assert_overall(&run.kinds, &run.misses, 0.95, 0.80);
    for (kind, (n, ok, _, _)) in &run.kinds {
        assert!(
            *ok as f64 / *n as f64 >= 0.85,
            "{kind}: success@3 {ok}/{n}:\n{}",
            run.misses.join("\n")
        );
    }
}

/// Queries written blind from the corpus (`blind-queries.tsv`), the way the held-out set of
/// issue #16 was: helpers wrote them without seeing the engine, though their misses have since
/// guided changes; they keep the kinds of questions users type from regressing. Floors: today's
/// figures, rounded down (the held-out targets are 0.95 / 0.80).
#[test]
fn blind_queries_top_3() {
    let engine = engine();
    let cases = relevance_cases("blind-queries.tsv");
    assert!(cases.len() >= 1428, "{} queries", cases.len());
    let run = run_cases(engine, "Queries written blind", &cases);
    // Today's 0.910 / 0.835 less a query or two: the model's arithmetic may round differently
    // on another processor, which can swap two close pages.
    assert_overall(&run.kinds, &run.misses, 0.902, 0.828);
}

/// Questions put in other words than their pages' reach those pages by meaning
/// (`him-semantic`): each is in the top 3, where on the same corpus indexed without meanings
/// none was (today 15th, 5th, 5th and 29th). All four are queries of `blind-queries.tsv`; a
/// later gain of ranking by words may lift one of them, so three must still miss by words.
#[test]
fn questions_in_other_words_find_their_pages_by_meaning() {
    let cases = [
        (
            "how do i get a wrong diagnosis taken out of my medical record",
            "topics/patient-right-to-amend.html",
        ),
        (
            "2009 stimulus law that paid hospitals to switch from paper charts to computers",
            "standards/hitech-act.html",
        ),
        (
            "doctors recycling the same progress note every day",
            "topics/copy-paste-documentation.html",
        ),
        (
            "how can i start medical coding with no healthcare background",
            "articles/how-to-become-a-medical-coder.html",
        ),
    ];
    let index = tempfile::tempdir().unwrap();
    let mut options = him_indexer::IndexOptions::new(index.path()).unwrap();
    options.meanings = him_indexer::Meanings::Off;
    him_indexer::index_corpus(
        &options,
        &repo_root().join("corpus"),
        &him_indexer::NoProgress,
    )
    .unwrap();
    let words = SearchEngine::open(index.path(), Taxonomy::builtin().unwrap()).unwrap();
    let top_3 = |engine: &SearchEngine, query: &str| -> Vec<String> {
        let response = engine.search(SearchRequest::new(query)).unwrap();
        response
            .hits
            .into_iter()
            .take(3)
            .map(|hit| hit.id)
            .collect()
    };
    let mut missed_by_words = Vec::new();
    for (query, page) in cases {
        let by_meaning = top_3(engine(), query);
        assert!(
            by_meaning.iter().any(|id| id == page),
            "{query}: {by_meaning:?}"
        );
        if !top_3(&words, query).iter().any(|id| id == page) {
            missed_by_words.push(query);
        }
    }
    assert!(missed_by_words.len() >= 3, "{missed_by_words:?}");
}

/// The ten commonest questions (`questions.rs`) open on a page whose snippet shows the answer:
/// the page's opening when its title asks the question, else the passage with the words the
/// title does not hold.
#[test]
fn the_commonest_questions_are_answered_in_the_snippet() {
    for (question, answers, words) in crate::questions::QUESTIONS {
        let response = engine().search(SearchRequest::new(*question)).unwrap();
        let hit = &response.hits[0];
        assert!(
            answers.contains(&hit.id.as_str()),
            "{question:?}: {}",
            hit.id
        );
        let snippet = hit.snippet_parts.concat();
        assert!(
            words.iter().any(|answer| snippet.contains(answer)),
            "{question:?}: the snippet does not answer: {snippet:?}"
        );
    }
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

/// Every text page of the corpus (HTML, Markdown, plain text) and every PDF source, as
/// (path shown in messages, text). Pages the indexer decodes otherwise (the windows-1252 one)
/// are read lossily: the rules below only look at ASCII.
fn text_pages() -> Vec<(String, String)> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo_root().join("corpus"), &mut files);
    walk(&repo_root().join("crates/corpus-tools/pdf-src"), &mut files);
    files.sort();
    let pages: Vec<(String, String)> = files
        .into_iter()
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("html" | "md" | "txt")
            )
        })
        .map(|path| {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            let shown = path
                .strip_prefix(repo_root())
                .unwrap()
                .display()
                .to_string();
            (shown, text)
        })
        .collect();
    assert!(pages.len() >= 200, "{} pages", pages.len());
    pages
}

/// The text within `radius` bytes of `start..end`, widened to character boundaries.
fn around(text: &str, start: usize, end: usize, radius: usize) -> &str {
    let mut from = start.saturating_sub(radius);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + radius).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    &text[from..to]
}

/// The occupation codes `../shared/HIM-FACTS.md` lists (#20): the 2010 SOC code and the
/// seed's O*NET code, and the two 2018 SOC codes it was split into.
const KNOWN_SOC_CODES: &[&str] = &["29-2071", "29-2071.00", "29-2072", "29-2072.00", "29-9021"];

#[test]
fn corpus_states_only_known_soc_codes_and_dates_the_2010_one() {
    let soc = Regex::new(r"\b\d\d-\d{4}(\.\d\d)?\b").unwrap();
    let mut failures = Vec::new();
    for (page, text) in text_pages() {
        for code in soc.find_iter(&text) {
            if !KNOWN_SOC_CODES.contains(&code.as_str()) {
                failures.push(format!("{page}: {} is not in HIM-FACTS.md", code.as_str()));
            }
            // 29-2071 is the 2010 code: a page may name it only as such, next to the 2018 split.
            let context = around(&text, code.start(), code.end(), 200);
            if code.as_str().starts_with("29-2071")
                && !context.contains("2010")
                && !context.contains("2018")
            {
                failures.push(format!(
                    "{page}: {} presented without \"2010\" or \"2018\" nearby: {context:?}",
                    code.as_str()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_percentage_and_dollar_figure_sits_near_a_year() {
    let figure = Regex::new(r"\d+%|\$\d").unwrap();
    let year = Regex::new(r"\b(19|20)\d\d\b").unwrap();
    // Sponsored boxes are boilerplate the indexer drops, not statements of the corpus; the one
    // in `jobs/medical-records-clerk.html` must stay byte-identical to its archived duplicate.
    let ad = Regex::new(r#"(?s)<aside class="ad">.*?</aside>"#).unwrap();
    let mut failures = Vec::new();
    for (page, text) in text_pages() {
        let text = ad.replace_all(&text, "");
        for found in figure.find_iter(&text) {
            let context = around(&text, found.start(), found.end(), 200);
            if !year.is_match(context) {
                failures.push(format!("{page}: undated figure in {context:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_internal_link_resolves_to_a_corpus_file() {
    let corpus = repo_root().join("corpus");
    let html_link = Regex::new(r#"href\s*=\s*"([^"]*)""#).unwrap();
    let markdown_link = Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let external = Regex::new(r"^([A-Za-z][A-Za-z0-9+.-]*:|//|#)").unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (page, text) in text_pages() {
        let Some(relative) = page.strip_prefix("corpus/") else {
            continue;
        };
        let links = if page.ends_with(".html") {
            &html_link
        } else if page.ends_with(".md") {
            &markdown_link
        } else {
            continue;
        };
        for link in links.captures_iter(&text) {
            let href = &link[1];
            if href.is_empty() || external.is_match(href) {
                continue;
            }
            let path = href.split(['#', '?']).next().unwrap();
            let mut target = PathBuf::new();
            let base = Path::new(relative).parent().unwrap();
            for part in base.join(path).components() {
                match part {
                    std::path::Component::ParentDir if !target.pop() => {
                        failures.push(format!("{page}: {href} leaves the corpus"));
                    }
                    std::path::Component::Normal(name) => target.push(name),
                    _ => {}
                }
            }
            if !corpus.join(&target).is_file() {
                failures.push(format!("{page}: {href} does not resolve to a corpus file"));
            }
            checked += 1;
        }
    }
    assert!(checked >= 500, "only {checked} internal links");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_html_page_has_a_title_and_a_description() {
    let mut failures = Vec::new();
    for (page, text) in text_pages() {
        // The rough pages of `corpus/archive/` are kept as they are on purpose.
        if !page.ends_with(".html") || page.starts_with("corpus/archive/") {
            continue;
        }
        if !text.contains("<title>") || !text.contains(r#"<meta name="description""#) {
            failures.push(page);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
