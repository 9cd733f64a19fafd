//! Ranking quality against a test collection, in the TREC conventions: graded judgments as
//! given (linear gains), unjudged documents non-relevant, queries without a relevant document
//! left out of averages. Also reads the collection's queries and judgments, so that
//! `himsearch eval` and the benchmarks' baseline read the same files the same way.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

/// Relevance grades of one query: document id -> grade (0 = judged not relevant).
pub type Judgments = HashMap<String, u32>;

/// Metrics of one ranked list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Normalized discounted cumulative gain at k (k = 10 unless set otherwise).
    pub ndcg: f64,
    /// Reciprocal rank of the first relevant document within the top 10.
    pub mrr10: f64,
    /// Precision at 10.
    pub p10: f64,
    /// Recall at 100.
    pub r100: f64,
    /// Average precision over the whole ranking.
    pub ap: f64,
}

/// Computes every metric of `ranking` under `judgments`; `None` when nothing is relevant.
pub fn evaluate(ranking: &[String], judgments: &Judgments, k: usize) -> Option<Metrics> {
    let relevant = judgments.values().filter(|g| **g > 0).count();
    if relevant == 0 {
        return None;
    }
    let grade = |id: &String| judgments.get(id).copied().unwrap_or(0);
    let mut ideal: Vec<u32> = judgments.values().copied().filter(|g| *g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let dcg = |grades: &mut dyn Iterator<Item = u32>| -> f64 {
        grades
            .take(k)
            .enumerate()
            .map(|(i, g)| f64::from(g) / ((i + 2) as f64).log2())
            .sum()
    };
    let ideal_dcg = dcg(&mut ideal.iter().copied());
    let ndcg = dcg(&mut ranking.iter().map(grade)) / ideal_dcg;
    let mrr10 = ranking
        .iter()
        .take(10)
        .position(|id| grade(id) > 0)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64);
    let p10 = ranking.iter().take(10).filter(|id| grade(id) > 0).count() as f64 / 10.0;
    let r100 = ranking.iter().take(100).filter(|id| grade(id) > 0).count() as f64 / relevant as f64;
    let mut hits = 0usize;
    let mut precision_sum = 0.0;
    for (i, id) in ranking.iter().enumerate() {
        if grade(id) > 0 {
            hits += 1;
            precision_sum += hits as f64 / (i + 1) as f64;
        }
    }
    Some(Metrics {
        ndcg,
        mrr10,
        p10,
        r100,
        ap: precision_sum / relevant as f64,
    })
}

/// Averages per-query metrics.
pub fn mean(all: &[Metrics]) -> Metrics {
    let n = all.len().max(1) as f64;
    let sum = |f: fn(&Metrics) -> f64| all.iter().map(f).sum::<f64>() / n;
    Metrics {
        ndcg: sum(|m| m.ndcg),
        mrr10: sum(|m| m.mrr10),
        p10: sum(|m| m.p10),
        r100: sum(|m| m.r100),
        ap: sum(|m| m.ap),
    }
}

/// Parses `query_id <TAB> doc_id <TAB> grade` lines (also space-separated, and the 4-column
/// TREC form `qid 0 docid grade`).
pub fn parse_qrels(text: &str) -> Result<HashMap<String, Judgments>, String> {
    let mut qrels: HashMap<String, Judgments> = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (query, doc, grade) = match fields.as_slice() {
            [] => continue,
            [q, d, g] => (q, d, g),
            [q, _, d, g] => (q, d, g),
            _ => {
                return Err(format!(
                    "line {}: expected query, document and grade",
                    number + 1
                ))
            }
        };
        let grade: i64 = grade
            .parse()
            .map_err(|_| format!("line {}: grade {grade:?} is not a whole number", number + 1))?;
        qrels
            .entry(query.to_string())
            .or_default()
            .insert(doc.to_string(), grade.max(0) as u32);
    }
    Ok(qrels)
}

/// One query of a test collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Id the judgments name it by.
    pub id: String,
    /// What is searched.
    pub text: String,
}

/// A line of a queries file that holds no query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryLineError {
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong with the line.
    pub message: String,
}

impl fmt::Display for QueryLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for QueryLineError {}

/// Parses a queries file: one JSON object a line, `{"id": "7", "text": "..."}`, in file
/// order. Ids may also be whole numbers (`7` is the query the judgments call `7`); other keys
/// are ignored and blank lines skipped. Any other line is an error: a query silently dropped
/// or searched as empty text would change the averages without a word.
pub fn parse_queries(text: &str) -> Result<Vec<Query>, QueryLineError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            parse_query(line).map_err(|message| QueryLineError {
                line: number + 1,
                message,
            })
        })
        .collect()
}

fn parse_query(line: &str) -> Result<Query, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|err| err.to_string())?;
    let id = match &value["id"] {
        serde_json::Value::String(id) => Some(id.clone()),
        other => other.as_u64().map(|n| n.to_string()),
    };
    match (id, value["text"].as_str()) {
        (Some(id), Some(text)) => Ok(Query {
            id,
            text: text.to_string(),
        }),
        _ => Err("expected {\"id\", \"text\"}".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hand_computed_binary_example() {
        // Relevant: a, c (binary). Ranking: b a c d.
        let judgments: Judgments = [("a".into(), 1), ("c".into(), 1), ("b".into(), 0)].into();
        let m = evaluate(&ids(&["b", "a", "c", "d"]), &judgments, 10).unwrap();
        // DCG = 1/log2(3) + 1/log2(4) = 0.63093 + 0.5; IDCG = 1 + 0.63093.
        assert!(
            (m.ndcg - (0.630_929_75 + 0.5) / 1.630_929_75).abs() < 1e-6,
            "{m:?}"
        );
        assert!((m.mrr10 - 0.5).abs() < 1e-12);
        assert!((m.p10 - 0.2).abs() < 1e-12);
        assert!((m.r100 - 1.0).abs() < 1e-12);
        // AP = (1/2 + 2/3) / 2.
        assert!((m.ap - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn graded_gains_are_linear() {
        let judgments: Judgments = [("a".into(), 3), ("b".into(), 1)].into();
        let m = evaluate(&ids(&["b", "a"]), &judgments, 10).unwrap();
        let dcg = 1.0 + 3.0 / 3f64.log2();
        let idcg = 3.0 + 1.0 / 3f64.log2();
        assert!((m.ndcg - dcg / idcg).abs() < 1e-12);
    }

    #[test]
    fn no_relevant_document_means_no_metrics() {
        let judgments: Judgments = [("a".into(), 0)].into();
        assert!(evaluate(&ids(&["a"]), &judgments, 10).is_none());
    }

    #[test]
    fn missed_everything_scores_zero() {
        let judgments: Judgments = [("a".into(), 1)].into();
        let m = evaluate(&ids(&["x", "y"]), &judgments, 10).unwrap();
        assert_eq!(m, Metrics::default());
    }

    #[test]
    fn qrels_formats() {
        let qrels = parse_qrels("1\td1\t1\n1 0 d2 2\n2\td3\t-1\n").unwrap();
        assert_eq!(qrels["1"]["d2"], 2);
        assert_eq!(qrels["2"]["d3"], 0, "negative grades are non-relevant");
        assert!(parse_qrels("1 d1 x").is_err());
    }

    #[test]
    fn queries_take_string_or_whole_number_ids_and_skip_blank_lines() {
        let text = "{\"id\": \"q1\", \"text\": \"rhit exam\", \"lang\": \"en\"}\n  \n{\"id\": 7, \"text\": \"coder\"}\r\n";
        let queries = parse_queries(text).unwrap();
        assert_eq!(
            queries,
            [
                Query {
                    id: "q1".into(),
                    text: "rhit exam".into()
                },
                Query {
                    id: "7".into(),
                    text: "coder".into()
                },
            ]
        );
        assert_eq!(parse_queries("\n\n").unwrap(), []);
    }

    #[test]
    fn a_line_without_a_query_is_an_error_naming_its_line() {
        let first = "{\"id\": \"1\", \"text\": \"a\"}\n\n";
        for (bad, message) in [
            ("{\"id\": \"2\"}", "expected {\"id\", \"text\"}"),
            ("{\"text\": \"b\"}", "expected {\"id\", \"text\"}"),
            (
                "{\"id\": -2, \"text\": \"b\"}",
                "expected {\"id\", \"text\"}",
            ),
            (
                "{\"id\": 2.5, \"text\": \"b\"}",
                "expected {\"id\", \"text\"}",
            ),
            (
                "{\"id\": \"2\", \"text\": 3}",
                "expected {\"id\", \"text\"}",
            ),
            ("[\"2\", \"b\"]", "expected {\"id\", \"text\"}"),
        ] {
            let err = parse_queries(&format!("{first}{bad}\n")).unwrap_err();
            assert_eq!((err.line, err.message.as_str()), (3, message), "{bad}");
        }
        let err = parse_queries("not json").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.starts_with("expected ident"), "{err}");
        assert!(err.to_string().starts_with("line 1: "), "{err}");
    }
}
