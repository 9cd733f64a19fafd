//! `himsearch eval`: ranks a test collection's queries with the engine and reports the TREC
//! metrics. Reading the queries and judgments and computing the metrics is `him_query::eval`'s,
//! shared with the benchmarks' baseline.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use him_query::eval::{evaluate, mean, parse_qrels, parse_queries, Metrics};
use him_query::SearchEngine;

use crate::args::load_taxonomy;
use crate::output::{ignore_broken_pipe, print_json};
use crate::{usage, Failure};

#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    /// Index directory.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Queries, one JSON object a line: {"id", "text"}.
    #[arg(long)]
    queries: PathBuf,
    /// Judgments: query_id TAB doc_id TAB grade.
    #[arg(long)]
    qrels: PathBuf,
    /// Cut-off of nDCG.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Ranked documents kept per query (for MAP and recall).
    #[arg(long, default_value_t = 1000)]
    depth: usize,
    /// Print every query's metrics too.
    #[arg(long)]
    per_query: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Taxonomy TOML file replacing the built-in one.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// Rank each query as a finished query, without expanding its last word as a prefix
    /// (by default queries are ranked exactly as `search` and the API rank them).
    #[arg(long)]
    whole_queries: bool,
}

pub(crate) fn run_eval(args: EvalArgs) -> Result<(), Failure> {
    let taxonomy = load_taxonomy(args.taxonomy.as_deref())?;
    let engine = SearchEngine::open(&args.index, taxonomy)?;
    let qrels = parse_qrels(&read(&args.qrels)?)
        .map_err(|message| usage(anyhow::anyhow!("{}: {message}", args.qrels.display())))?;
    let queries = parse_queries(&read(&args.queries)?).map_err(|err| {
        usage(anyhow::anyhow!(
            "{}:{}: {}",
            args.queries.display(),
            err.line,
            err.message
        ))
    })?;
    let mut per_query = Vec::new();
    for query in queries {
        let Some(judgments) = qrels.get(&query.id) else {
            continue;
        };
        // Queries over the API limit are cut, as a search box would: count characters, not bytes.
        let text: String = query
            .text
            .chars()
            .take(him_query::MAX_QUERY_CHARS)
            .collect();
        let ranking = engine.ranked_ids(&text, args.depth, args.whole_queries)?;
        if let Some(metrics) = evaluate(&ranking, judgments, args.k) {
            per_query.push((query.id, metrics));
        }
    }
    if args.json {
        print_json_report(&args, &per_query)
    } else {
        print_text_report(&args, &per_query)
    }
}

fn read(path: &Path) -> Result<String, Failure> {
    Ok(std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?)
}

fn print_json_report(args: &EvalArgs, per_query: &[(String, Metrics)]) -> Result<(), Failure> {
    let all: Vec<_> = per_query.iter().map(|(_, m)| *m).collect();
    let body = serde_json::json!({
        "queries": all.len(),
        "k": args.k,
        "mean": mean(&all),
        "per_query": if args.per_query {
            serde_json::to_value(per_query.iter().map(|(id, m)| serde_json::json!({"id": id, "metrics": m})).collect::<Vec<_>>())?
        } else {
            serde_json::Value::Null
        },
    });
    print_json(|out| serde_json::to_writer(out, &body))
}

fn print_text_report(args: &EvalArgs, per_query: &[(String, Metrics)]) -> Result<(), Failure> {
    let all: Vec<_> = per_query.iter().map(|(_, m)| *m).collect();
    let overall = mean(&all);
    let mut text = String::new();
    if args.per_query {
        for (id, m) in per_query {
            text.push_str(&format!(
                "{id:>8}  nDCG@{} {:.4}  MRR@10 {:.4}  P@10 {:.4}  R@100 {:.4}  AP {:.4}\n",
                args.k, m.ndcg, m.mrr10, m.p10, m.r100, m.ap
            ));
        }
    }
    text.push_str(&format!(
        "{} queries  nDCG@{} {:.4}  MRR@10 {:.4}  P@10 {:.4}  R@100 {:.4}  MAP {:.4}",
        all.len(),
        args.k,
        overall.ndcg,
        overall.mrr10,
        overall.p10,
        overall.r100,
        overall.ap
    ));
    ignore_broken_pipe(writeln!(std::io::stdout().lock(), "{text}"))
}
