//! `index-baseline SITE [THREADS]`: the plain-tantivy indexing baseline of BENCHMARKS.md, the
//! floor under `himsearch index` on the same pages.
//!
//! Reads every `.html` file of SITE, parses it with `scraper` (the parser the indexer uses),
//! takes the text of `<title>` and of `<body>` (no boilerplate stripping, facets, links,
//! stemming or raw-word field), and indexes it in RAM with tantivy's defaults: title and body
//! as `TEXT` (default tokenizer), the body stored, one commit. Prints, as JSON, the input size
//! and three timings: parsing alone, indexing the parsed text alone, and both as one pipeline
//! on THREADS parser threads (default: every core) feeding the writer, as the indexer does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Instant;

use scraper::{Html, Selector};
use tantivy::schema::{Schema, STORED, TEXT};
use tantivy::{doc, Index, IndexWriter};

/// Writer memory per indexing thread, as the indexer's.
const WRITER_MEMORY_PER_THREAD: usize = 64 * 1024 * 1024;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(site) = args.first() else {
        eprintln!("usage: index-baseline SITE [THREADS]");
        return ExitCode::from(2);
    };
    let threads = match args.get(1).map(|t| t.parse::<usize>()) {
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("THREADS must be a positive number");
            return ExitCode::from(2);
        }
    };
    him_bench::finish_with_report(run(Path::new(site), threads))
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Title and body text of one page.
struct PageText {
    title: String,
    body: String,
}

fn run(site: &Path, threads: usize) -> Result<serde_json::Value, BoxError> {
    let files = html_files(site)?;
    let pages: Vec<Vec<u8>> = files.iter().map(std::fs::read).collect::<Result<_, _>>()?;
    let input_bytes: usize = pages.iter().map(Vec::len).sum();

    let started = Instant::now();
    let texts: Vec<PageText> = pages.iter().map(|bytes| page_text(bytes)).collect();
    let parse_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let (index, mut writer) = new_index(threads)?;
    let schema = index.schema();
    let (title, body) = (schema.get_field("title")?, schema.get_field("body")?);
    for text in &texts {
        writer.add_document(doc!(title => text.title.as_str(), body => text.body.as_str()))?;
    }
    writer.commit()?;
    let index_seconds = started.elapsed().as_secs_f64();
    drop(texts);

    let started = Instant::now();
    let documents = pipeline(&pages, threads)?;
    let pipeline_seconds = started.elapsed().as_secs_f64();

    let mb = input_bytes as f64 / 1e6;
    Ok(serde_json::json!({
        "pages": files.len(),
        "documents": documents,
        "input_mb": round(mb),
        "threads": threads,
        "parse_seconds": round(parse_seconds),
        "index_seconds": round(index_seconds),
        "pipeline_seconds": round(pipeline_seconds),
        "pipeline_mb_per_s": round(mb / pipeline_seconds),
    }))
}

/// Parsing and indexing as one pipeline: `threads` parser threads send documents to the
/// writer (which indexes on its own `threads` threads), as `himsearch index` does.
fn pipeline(pages: &[Vec<u8>], threads: usize) -> Result<u64, BoxError> {
    let (index, mut writer) = new_index(threads)?;
    let schema = index.schema();
    let (title, body) = (schema.get_field("title")?, schema.get_field("body")?);
    let (sender, receiver) = mpsc::sync_channel::<PageText>(64);
    std::thread::scope(|scope| -> Result<(), BoxError> {
        let chunk = pages.len().div_ceil(threads).max(1);
        for part in pages.chunks(chunk) {
            let sender = sender.clone();
            scope.spawn(move || {
                for bytes in part {
                    if sender.send(page_text(bytes)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(sender);
        for text in receiver {
            writer.add_document(doc!(title => text.title, body => text.body))?;
        }
        Ok(())
    })?;
    writer.commit()?;
    Ok(index.reader()?.searcher().num_docs())
}

fn new_index(threads: usize) -> Result<(Index, IndexWriter), BoxError> {
    let mut builder = Schema::builder();
    builder.add_text_field("title", TEXT);
    builder.add_text_field("body", TEXT | STORED);
    let index = Index::create_in_ram(builder.build());
    let writer = index.writer_with_num_threads(threads, threads * WRITER_MEMORY_PER_THREAD)?;
    Ok((index, writer))
}

fn page_text(bytes: &[u8]) -> PageText {
    let html = Html::parse_document(&String::from_utf8_lossy(bytes));
    let text_of = |selector: &Selector| {
        html.select(selector)
            .next()
            .map(|element| element.text().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    PageText {
        title: text_of(&selector("title")),
        body: text_of(&selector("body")),
    }
}

fn selector(css: &str) -> Selector {
    // Both selectors are constant, valid CSS.
    Selector::parse(css).expect("valid selector")
}

/// Every `.html` file under `dir`, sorted.
fn html_files(dir: &Path) -> Result<Vec<PathBuf>, BoxError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "html") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
