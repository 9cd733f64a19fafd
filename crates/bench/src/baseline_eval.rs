//! `baseline-eval DOCS QUERIES QRELS [K]`: the plain-tantivy baseline of BENCHMARKS.md.
//!
//! Indexes a JSONL collection in RAM with tantivy's defaults (default tokenizer: lowercase,
//! no stemming, no stopwords; title and text as TEXT), runs every query through a plain
//! `QueryParser` over title and text (OR of the words, BM25), keeps the top 1000, and reports
//! the same metrics as `himsearch eval`, from the same queries and judgments read the same way,
//! computed by the same code.

use std::process::ExitCode;

use him_query::eval::{evaluate, mean, parse_qrels, parse_queries};
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{Schema, Value, STORED, STRING, TEXT};
use tantivy::{doc, Index, TantivyDocument};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: baseline-eval DOCS.jsonl QUERIES.jsonl QRELS.tsv [K]");
        return ExitCode::from(2);
    }
    him_bench::finish_with_report(run(&args))
}

fn run(args: &[String]) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let k: usize = args.get(3).map_or(Ok(10), |k| k.parse())?;
    let mut builder = Schema::builder();
    let id = builder.add_text_field("id", STRING | STORED);
    let title = builder.add_text_field("title", TEXT);
    let text = builder.add_text_field("text", TEXT);
    let index = Index::create_in_ram(builder.build());
    let mut writer = index.writer(100_000_000)?;
    for line in std::fs::read_to_string(&args[0])?
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let value: serde_json::Value = serde_json::from_str(line)?;
        let field = |name: &str| value[name].as_str().unwrap_or("").to_string();
        writer.add_document(
            doc!(id => field("id"), title => field("title"), text => field("text")),
        )?;
    }
    writer.commit()?;
    let searcher = index.reader()?.searcher();
    let parser = QueryParser::for_index(&index, vec![title, text]);
    let qrels = parse_qrels(&std::fs::read_to_string(&args[2])?)
        .map_err(|message| format!("{}: {message}", args[2]))?;
    let queries = parse_queries(&std::fs::read_to_string(&args[1])?)
        .map_err(|err| format!("{}:{}: {}", args[1], err.line, err.message))?;
    let mut all = Vec::new();
    for query in queries {
        let Some(judgments) = qrels.get(&query.id) else {
            continue;
        };
        // Lenient parsing: the collections' queries contain quotes, colons and parentheses
        // that the query language would otherwise reject.
        let (parsed, _) = parser.parse_query_lenient(&query.text);
        let top = searcher.search(&parsed, &TopDocs::with_limit(1000).order_by_score())?;
        let mut ranking = Vec::with_capacity(top.len());
        for (_, address) in top {
            let stored: TantivyDocument = searcher.doc(address)?;
            ranking.push(
                stored
                    .get_first(id)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string(),
            );
        }
        if let Some(metrics) = evaluate(&ranking, judgments, k) {
            all.push(metrics);
        }
    }
    Ok(serde_json::json!({"queries": all.len(), "k": k, "mean": mean(&all)}))
}
