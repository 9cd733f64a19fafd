//! `himsearch serve`: opens the index (building it from the corpus when there is none),
//! turns the flags into the server's settings and keys, and runs the HTTP server until Ctrl-C
//! or SIGTERM. The server itself is `him_query::http`'s.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::builder::RangedU64ValueParser;
use clap::Args;
use him_query::http::{AppState, ServerConfig};
use him_query::SearchEngine;

use crate::args::load_taxonomy;
use crate::output::{print_index_summary, Bar};
use crate::{crawl, jobs, usage, Failure};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
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
    recrawl_every: Option<Duration>,
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
    /// Searches one client (address, or /64 for IPv6) runs at once, 1 to 65536 (the default
    /// is one per core); its further searches wait for one of its own to end, so a client
    /// sending expensive queries slows itself, not everyone.
    #[arg(
        long,
        value_name = "N",
        default_value_t = ServerConfig::default().max_searches_per_client,
        value_parser = per_client_limit()
    )]
    max_searches_per_client: usize,
    /// Connections one client (address, or /64 for IPv6) holds open at once, 1 to 65536; more
    /// are closed unanswered.
    #[arg(
        long,
        value_name = "N",
        default_value_t = ServerConfig::default().max_connections_per_client,
        value_parser = per_client_limit()
    )]
    max_connections_per_client: usize,
    /// Seconds a connection may stay open with no request in progress (from accept to its
    /// first request, and between requests) before it is closed, 1 to 86400.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = ServerConfig::default().idle_timeout.as_secs(),
        value_parser = seconds()
    )]
    idle_timeout: u64,
    /// Seconds a client may take to send a request's body, from the end of its headers, before
    /// it is answered 408 and the connection closed, 1 to 86400.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = ServerConfig::default().body_read_timeout.as_secs(),
        value_parser = seconds()
    )]
    body_timeout: u64,
    /// Record searches and clicks in this SQLite file, or `off` to record nothing. Default:
    /// beside the index directory, named after it (`index/` -> `index.analytics.db`).
    #[arg(long, value_name = "FILE|off")]
    analytics: Option<String>,
    /// The uid the index answers to on Meilisearch's search protocol (`/indexes/{uid}/search`).
    #[arg(long, value_name = "NAME", default_value = "him", value_parser = index_uid)]
    index_uid: String,
    /// Days analytics rows are kept; older ones are deleted (at start and hourly).
    #[arg(long, value_name = "N", default_value_t = 90, value_parser = RangedU64ValueParser::<u32>::new().range(1..=3650))]
    analytics_days: u32,
}

/// Meilisearch's rule for index uids: 1 to 400 ASCII letters, digits, `-` and `_`.
fn index_uid(value: &str) -> Result<String, String> {
    let valid = !value.is_empty()
        && value.len() <= 400
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(value.to_string())
    } else {
        Err("an index uid is 1 to 400 ASCII letters, digits, `-` and `_`".into())
    }
}

/// The server would take 0 as 1: refused rather than silently changed. Past a few thousand the
/// server's overall caps bind first.
fn per_client_limit() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..=65_536)
}

/// Zero would close every connection, or refuse every body, at once; the ceiling keeps
/// deadlines representable.
fn seconds() -> RangedU64ValueParser<u64> {
    RangedU64ValueParser::new().range(1..=86_400)
}

pub(crate) fn run_serve(args: ServeArgs) -> Result<(), Failure> {
    let engine = open_or_build(&args)?
        .with_response_cache(args.cache_entries, args.cache_mb.saturating_mul(1 << 20));
    if args.recrawl_every.is_some() {
        crawl::check_recrawl(&args.index)?;
    }
    let config = config(&args)?;
    let documents = engine.num_docs();
    // Before the server listens: its memory is then the same before and after the first long
    // query, and that query does not wait for the model.
    engine.warm_meanings();
    let engine = Arc::new(engine);
    let warming = Arc::clone(&engine);
    std::thread::spawn(move || {
        if let Err(err) = warming.warm_completions() {
            eprintln!("warning: completions not built in advance: {err}");
        }
    });
    let recorder = config.analytics.clone();
    let state = AppState::new(engine, config);
    if let Some(every) = args.recrawl_every {
        jobs::schedule_recrawl(state.clone(), every);
    }
    let served = listen(args.addr, state, documents);
    // What was answered last is written before the process ends.
    if let Some(recorder) = recorder {
        recorder.flush();
    }
    served
}

/// The engine over the index, after indexing the corpus into it when it holds no index yet.
fn open_or_build(args: &ServeArgs) -> Result<SearchEngine, Failure> {
    let taxonomy = load_taxonomy(args.taxonomy.as_deref())?;
    match SearchEngine::open(&args.index, taxonomy.clone()) {
        Ok(engine) => {
            crate::search::warn_ignored_kinds(&engine);
            Ok(engine)
        }
        Err(him_query::Error::Index(him_schema::Error::IndexMissing(_))) => {
            eprintln!(
                "no index at {}: indexing {} first",
                args.index.display(),
                args.corpus.display()
            );
            let options = jobs::index_options(&args.index, args.taxonomy.as_deref())?;
            let progress = Bar::new(std::io::stderr().is_terminal());
            let summary = him_indexer::index_corpus(&options, &args.corpus, &progress)?;
            print_index_summary(&summary, &args.index);
            Ok(SearchEngine::open(&args.index, taxonomy)?)
        }
        Err(err) => Err(err.into()),
    }
}

/// The server's settings: the flags, the keys, and the admin job when a key or a re-crawl
/// schedule needs one.
fn config(args: &ServeArgs) -> Result<ServerConfig, Failure> {
    let api_key = read_key(args.api_key_file.as_deref(), "HIMSEARCH_API_KEY")?;
    let admin_key = read_key(args.admin_key_file.as_deref(), "HIMSEARCH_ADMIN_KEY")?;
    let admin_job = (admin_key.is_some() || args.recrawl_every.is_some())
        .then(|| jobs::reindex_job(&args.corpus, &args.index, args.taxonomy.as_deref()))
        .transpose()?;
    Ok(ServerConfig {
        cors_origins: args.cors_origin.clone(),
        rate_limit_per_sec: args.rate_limit,
        site_dir: args.site_dir.clone(),
        max_searches_per_client: args.max_searches_per_client,
        max_connections_per_client: args.max_connections_per_client,
        idle_timeout: Duration::from_secs(args.idle_timeout),
        body_read_timeout: Duration::from_secs(args.body_timeout),
        api_key,
        admin_key,
        admin_job,
        analytics: recorder(args),
        index_uid: args.index_uid.clone(),
        index_dir: Some(args.index.clone()),
        ..Default::default()
    })
}

/// The analytics recorder the flags ask for. A database that cannot be opened does not stop
/// the server: it is reported (here, in the log and on /readyz) and searches go on.
fn recorder(args: &ServeArgs) -> Option<Arc<him_analytics::Recorder>> {
    let path = match args.analytics.as_deref() {
        Some("off") => return None,
        Some(path) => PathBuf::from(path),
        None => crate::analytics::default_database(&args.index),
    };
    let settings = him_analytics::Settings {
        retention_days: args.analytics_days,
        ..Default::default()
    };
    let recorder = him_analytics::Recorder::open(&path, settings);
    if let him_analytics::Health::Degraded(problem) = recorder.health() {
        eprintln!("warning: analytics are degraded, searches go on: {problem}");
    }
    Some(Arc::new(recorder))
}

/// Serves `state` on `addr` until Ctrl-C or SIGTERM.
fn listen(addr: std::net::SocketAddr, state: AppState, documents: u64) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
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
