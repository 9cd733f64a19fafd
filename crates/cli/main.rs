//! The `himsearch` command line: parses arguments, calls the indexer and query libraries, and
//! maps their errors to exit codes (0 success, 2 bad usage or bad query, 1 anything else).
//! No indexing or search logic lives here.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod crawl;
mod jobs;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use him_indexer::{index_corpus, Progress, Summary};
use him_query::{SearchEngine, SearchRequest};
use him_schema::api::SearchResponse;
use him_schema::{FacetKind, Taxonomy};

#[derive(Debug, Parser)]
#[command(
    name = "himsearch",
    version,
    about = "Full-text search for Health Information Management resources"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Index a corpus directory (incremental; --rebuild starts over).
    Index(IndexArgs),
    /// Search an index from the command line.
    Search(SearchArgs),
    /// Serve the search API on HTTP (builds the index from the corpus first if there is none).
    Serve(ServeArgs),
    /// Measure ranking quality against relevance judgments (nDCG, MRR, P@10, R@100, MAP).
    Eval(EvalArgs),
    /// Verify an index: schema version, file checksums, every segment readable.
    Check(CheckArgs),
    /// Crawl a live site (robots.txt, sitemaps, links) into an index.
    Crawl(crawl::CrawlArgs),
    /// Extract one PDF's text from stdin to stdout under a memory and time budget (what
    /// indexing runs for every PDF).
    #[command(hide = true)]
    ExtractPdf,
    /// Run the server's re-index once and print its JSON summary (what `serve` runs for
    /// POST /admin/reindex and --recrawl-every).
    #[command(hide = true)]
    AdminJob(jobs::AdminJobArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Index directory.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct EvalArgs {
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
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Index directory.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Corpus to index when the index directory holds no index yet.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Origin allowed by CORS (repeatable); none given allows any origin.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origin: Vec<String>,
    /// Requests per second allowed per client address (0: no limit).
    #[arg(long, default_value_t = 200)]
    rate_limit: u32,
    /// Taxonomy TOML file replacing the built-in one.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// File holding the API key every /api/ request must carry (Authorization: Bearer KEY or
    /// X-Api-Key: KEY); also read from HIMSEARCH_API_KEY. Without one the API is public.
    #[arg(long, value_name = "FILE")]
    api_key_file: Option<PathBuf>,
    /// File holding the admin key, which turns on POST /admin/reindex and GET /admin/status;
    /// also read from HIMSEARCH_ADMIN_KEY.
    #[arg(long, value_name = "FILE")]
    admin_key_file: Option<PathBuf>,
    /// Re-crawl what the last `himsearch crawl` into this index crawled, this often (6h,
    /// 30m, 1d); each re-crawl swaps the index atomically.
    #[arg(long, value_name = "INTERVAL", value_parser = crawl::parse_interval)]
    recrawl_every: Option<std::time::Duration>,
    /// Search responses kept for the commit being served (0: no cache; ~25 KB each). Repeated requests
    /// (the browse page, popular queries, common prefixes) are answered from it; a new
    /// commit empties it.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    cache_entries: usize,
    /// Most memory the response cache may hold, in MB (0: no cache). Least recently used
    /// responses go first when either bound is reached (a page of 100 hits holds ~120 KB).
    #[arg(long, value_name = "MB", default_value_t = 64)]
    cache_mb: usize,
    /// Serve this directory (usually the corpus) under /site/, so that the search page's
    /// relative result links open. Off by default: only what you name is published.
    #[arg(long, value_name = "DIR")]
    site_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct IndexArgs {
    /// Corpus directory to index.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Index the documents of a JSONL file ({"id", "title", "text", "url"?, "facets"?} a line)
    /// instead of a corpus directory.
    #[arg(long, conflicts_with = "corpus")]
    jsonl: Option<PathBuf>,
    /// Index directory (created when missing).
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Public base URL of the corpus: document URLs are joined to it.
    #[arg(long)]
    base_url: Option<String>,
    /// Discard the existing index and index everything again.
    #[arg(long)]
    rebuild: bool,
    /// Taxonomy TOML file replacing the built-in one.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// Largest file indexed, in bytes.
    #[arg(long, default_value_t = him_indexer::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
    /// Extra CSS selector of the content root (repeatable).
    #[arg(long = "include", value_name = "SELECTOR")]
    include: Vec<String>,
    /// Extra CSS selector of boilerplate to drop (repeatable).
    #[arg(long = "exclude", value_name = "SELECTOR")]
    exclude: Vec<String>,
    /// Parser threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// Index directory.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Print the API's JSON response.
    #[arg(long)]
    json: bool,
    /// Hits per page.
    #[arg(long, default_value_t = him_query::DEFAULT_PER_PAGE)]
    limit: usize,
    /// Page number, from 1.
    #[arg(long, default_value_t = 1)]
    page: usize,
    /// Filter by credential (repeatable; values are OR-ed).
    #[arg(long, value_name = "V")]
    credential: Vec<String>,
    /// Filter by job title (repeatable).
    #[arg(long = "job-title", value_name = "V")]
    job_title: Vec<String>,
    /// Filter by education level (repeatable).
    #[arg(long = "education-level", value_name = "V")]
    education_level: Vec<String>,
    /// Filter by resource type (repeatable).
    #[arg(long = "resource-type", value_name = "V")]
    resource_type: Vec<String>,
    /// Filter by topic (repeatable).
    #[arg(long, value_name = "V")]
    topic: Vec<String>,
    /// Include each hit's score breakdown (JSON output).
    #[arg(long)]
    explain: bool,
    /// Taxonomy TOML file replacing the built-in one.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// The query; empty lists everything under the filters.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    query: Vec<String>,
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure {
            code: 1,
            error: error.into(),
        }
    }
}

fn usage(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 2,
        error: error.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server logs one line per request; the batch commands only what went wrong.
    let default_level = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HIMSEARCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for people; log files and journald get plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = match cli.command {
        Command::Index(args) => run_index(args),
        Command::Search(args) => run_search(args),
        Command::Serve(args) => run_serve(args),
        Command::Eval(args) => run_eval(args),
        Command::Check(args) => run_check(args),
        Command::Crawl(args) => crawl::run_crawl(args),
        Command::ExtractPdf => jobs::run_extract_pdf(),
        Command::AdminJob(args) => jobs::run_admin_job(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}

fn load_taxonomy(path: Option<&Path>) -> Result<Taxonomy, Failure> {
    match path {
        Some(path) => Taxonomy::load(path).map_err(usage),
        None => Ok(Taxonomy::builtin()?),
    }
}

fn run_index(args: IndexArgs) -> Result<(), Failure> {
    let mut options = jobs::index_options(&args.corpus, &args.index, args.taxonomy.as_deref())?;
    options.rebuild = args.rebuild;
    options.max_file_size = args.max_file_size;
    options.include_selectors = args.include;
    options.exclude_selectors = args.exclude;
    options.threads = args.threads;
    if let Some(base) = &args.base_url {
        let url = url::Url::parse(base)
            .with_context(|| format!("--base-url {base:?} is not an absolute URL"))
            .map_err(usage)?;
        options.base_url = Some(url);
    }
    let show_bar = !args.quiet && !args.json && std::io::stderr().is_terminal();
    let progress = Bar::new(show_bar);
    let summary = match &args.jsonl {
        Some(file) => him_indexer::index_jsonl(&options, file, &progress),
        None => index_corpus(&options, &progress),
    }
    .map_err(|err| match err {
        him_indexer::Error::Selector { .. } => usage(err),
        other => Failure::from(other),
    })?;
    if args.json {
        let mut out = std::io::stdout().lock();
        let written = serde_json::to_writer_pretty(&mut out, &summary)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out));
        ignore_broken_pipe(written)?;
    } else if !args.quiet {
        print_index_summary(&summary, &options.index);
    }
    Ok(())
}

fn print_index_summary(summary: &Summary, index: &Path) {
    let mut err = std::io::stderr().lock();
    for problem in &summary.problems {
        let _ = writeln!(err, "warning: {problem}");
    }
    if summary.problems_omitted > 0 {
        let _ = writeln!(
            err,
            "warning: {} more problems not listed",
            summary.problems_omitted
        );
    }
    let _ = writeln!(
        std::io::stdout(),
        "{} -> {}",
        summary.counts_line(),
        index.display()
    );
}

fn run_search(args: SearchArgs) -> Result<(), Failure> {
    let taxonomy = load_taxonomy(args.taxonomy.as_deref())?;
    let engine = SearchEngine::open(&args.index, taxonomy)?;
    let mut request = SearchRequest::new(args.query.join(" "));
    request.page = args.page;
    request.per_page = args.limit;
    request.explain = args.explain;
    for (kind, values) in [
        (FacetKind::Credential, args.credential),
        (FacetKind::JobTitle, args.job_title),
        (FacetKind::EducationLevel, args.education_level),
        (FacetKind::ResourceType, args.resource_type),
        (FacetKind::Topic, args.topic),
    ] {
        for value in values {
            request = request.filter(kind.name(), value).map_err(usage)?;
        }
    }
    let response = engine.search(request).map_err(|err| {
        if err.is_user_error() {
            usage(err)
        } else {
            Failure::from(err)
        }
    })?;
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer(&mut out, &response)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        print_results(&mut out, &response)
    };
    ignore_broken_pipe(written)
}

/// A reader that stops early (`| head`) is not an error.
fn ignore_broken_pipe(result: std::io::Result<()>) -> Result<(), Failure> {
    match result {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

fn run_check(args: CheckArgs) -> Result<(), Failure> {
    let report = him_query::check_index(&args.index)?;
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else if report.is_ok() {
        writeln!(
            out,
            "ok: {} documents in {} segments at {}",
            report.documents,
            report.segments,
            args.index.display()
        )
    } else {
        Ok(())
    };
    ignore_broken_pipe(written)?;
    if report.is_ok() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "index at {} is damaged: {} (rebuild it with `himsearch index --rebuild`)",
            args.index.display(),
            report.damaged_files.join(", ")
        )
        .into())
    }
}

fn run_eval(args: EvalArgs) -> Result<(), Failure> {
    use him_query::eval::{evaluate, mean, parse_qrels};
    let taxonomy = load_taxonomy(args.taxonomy.as_deref())?;
    let engine = SearchEngine::open(&args.index, taxonomy)?;
    let qrels_text = std::fs::read_to_string(&args.qrels)
        .with_context(|| format!("cannot read {}", args.qrels.display()))?;
    let qrels = parse_qrels(&qrels_text)
        .map_err(|message| usage(anyhow::anyhow!("{}: {message}", args.qrels.display())))?;
    let queries_text = std::fs::read_to_string(&args.queries)
        .with_context(|| format!("cannot read {}", args.queries.display()))?;
    let mut per_query = Vec::new();
    for (number, line) in queries_text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line).map_err(|err| {
            usage(anyhow::anyhow!(
                "{}:{}: {err}",
                args.queries.display(),
                number + 1
            ))
        })?;
        let (Some(id), Some(text)) = (
            value["id"]
                .as_str()
                .map(str::to_string)
                .or_else(|| value["id"].as_u64().map(|n| n.to_string())),
            value["text"].as_str(),
        ) else {
            return Err(usage(anyhow::anyhow!(
                "{}:{}: expected {{\"id\", \"text\"}}",
                args.queries.display(),
                number + 1
            )));
        };
        let Some(judgments) = qrels.get(&id) else {
            continue;
        };
        // Queries over the API limit are cut, as a search box would: count characters, not bytes.
        let text: String = text.chars().take(him_query::MAX_QUERY_CHARS).collect();
        let ranking = engine.ranked_ids(&text, args.depth)?;
        if let Some(metrics) = evaluate(&ranking, judgments, args.k) {
            per_query.push((id, metrics));
        }
    }
    let all: Vec<_> = per_query.iter().map(|(_, m)| *m).collect();
    let overall = mean(&all);
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let body = serde_json::json!({
            "queries": all.len(),
            "k": args.k,
            "mean": overall,
            "per_query": if args.per_query {
                serde_json::to_value(per_query.iter().map(|(id, m)| serde_json::json!({"id": id, "metrics": m})).collect::<Vec<_>>())?
            } else {
                serde_json::Value::Null
            },
        });
        writeln!(out, "{body}")
    } else {
        let mut text = String::new();
        if args.per_query {
            for (id, m) in &per_query {
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
        writeln!(out, "{text}")
    };
    ignore_broken_pipe(written)
}

fn run_serve(args: ServeArgs) -> Result<(), Failure> {
    let taxonomy = load_taxonomy(args.taxonomy.as_deref())?;
    let engine = match SearchEngine::open(&args.index, taxonomy.clone()) {
        Ok(engine) => engine,
        Err(him_query::Error::Index(him_schema::Error::IndexMissing(_))) => {
            eprintln!(
                "no index at {}: indexing {} first",
                args.index.display(),
                args.corpus.display()
            );
            let options = jobs::index_options(&args.corpus, &args.index, args.taxonomy.as_deref())?;
            let summary = index_corpus(&options, &Bar::new(std::io::stderr().is_terminal()))?;
            print_index_summary(&summary, &args.index);
            SearchEngine::open(&args.index, taxonomy)?
        }
        Err(err) => return Err(err.into()),
    };
    let engine =
        engine.with_response_cache(args.cache_entries, args.cache_mb.saturating_mul(1 << 20));
    if args.recrawl_every.is_some() {
        crawl::check_recrawl(&args.index)?;
    }
    let api_key = read_key(args.api_key_file.as_deref(), "HIMSEARCH_API_KEY")?;
    let admin_key = read_key(args.admin_key_file.as_deref(), "HIMSEARCH_ADMIN_KEY")?;
    let admin_job = (admin_key.is_some() || args.recrawl_every.is_some())
        .then(|| jobs::reindex_job(&args.corpus, &args.index, args.taxonomy.as_deref()))
        .transpose()?;
    let config = him_query::http::ServerConfig {
        cors_origins: args.cors_origin,
        rate_limit_per_sec: args.rate_limit,
        site_dir: args.site_dir,
        api_key,
        admin_key,
        admin_job,
        ..Default::default()
    };
    let documents = engine.num_docs();
    let engine = std::sync::Arc::new(engine);
    let warming = std::sync::Arc::clone(&engine);
    std::thread::spawn(move || {
        if let Err(err) = warming.warm_completions() {
            eprintln!("warning: completions not built in advance: {err}");
        }
    });
    let state = him_query::http::AppState::new(engine, config);
    if let Some(every) = args.recrawl_every {
        jobs::schedule_recrawl(state.clone(), every);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr()?;
        eprintln!("serving {documents} documents on http://{addr}/ (Ctrl-C to stop)");
        him_query::http::serve(listener, state, shutdown_signal()).await?;
        eprintln!("stopped");
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(())
}

/// A key from a file (trimmed) or, failing that, an environment variable. Keys shorter than
/// 16 characters are refused: they are guessable.
fn read_key(file: Option<&Path>, env: &str) -> Result<Option<String>, Failure> {
    let key = match file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read key file {}", path.display()))
                .map_err(usage)?
                .trim()
                .to_string(),
        ),
        None => std::env::var(env).ok().map(|k| k.trim().to_string()),
    };
    match key {
        Some(key) if key.chars().count() < 16 => Err(usage(anyhow::anyhow!(
            "keys must be at least 16 characters (from {})",
            file.map_or_else(|| env.to_string(), |p| p.display().to_string())
        ))),
        Some(key) => Ok(Some(key)),
        None => Ok(None),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn print_results(out: &mut impl Write, response: &SearchResponse) -> std::io::Result<()> {
    let pages = response.total.div_ceil(response.per_page.max(1)).max(1);
    writeln!(
        out,
        "{} result{} for {:?} (page {} of {}, {} ms)",
        response.total,
        if response.total == 1 { "" } else { "s" },
        response.query,
        response.page,
        pages,
        response.took_ms
    )?;
    let first = (response.page - 1) * response.per_page;
    for (i, hit) in response.hits.iter().enumerate() {
        writeln!(out)?;
        writeln!(
            out,
            "{:>3}. {}  [{:.2}]",
            first + i + 1,
            hit.title,
            hit.score
        )?;
        writeln!(out, "     {}", hit.url)?;
        writeln!(out, "     {}", html_to_text(&hit.snippet))?;
    }
    writeln!(out)?;
    for (name, counts) in &response.facets {
        if counts.is_empty() {
            continue;
        }
        let list: Vec<String> = counts
            .iter()
            .take(8)
            .map(|c| format!("{} ({})", c.value, c.count))
            .collect();
        writeln!(out, "{name}: {}", list.join(", "))?;
    }
    Ok(())
}

/// Snippet HTML to terminal text: tags dropped, entities decoded.
fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Progress bar on a terminal; nothing otherwise.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new(enabled: bool) -> Bar {
        Bar(enabled.then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} files {per_sec} {wide_msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        }))
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(total);
        }
    }

    fn advance(&self, path: &str) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
            bar.set_message(path.to_string());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
