//! The HTTP API: an axum [`Router`] over a [`SearchEngine`]. Handlers only translate between
//! HTTP and the engine; limits (body size, concurrency, time, rate) are enforced here.

mod access;
mod error;
mod metrics;
mod openapi;
mod ui;

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Path, RawQuery, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use him_schema::api::SearchResponse;
use him_schema::FacetKind;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Semaphore;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

pub use access::AdminJob;
pub use error::{ApiError, Code};
pub use metrics::Metrics;
pub use openapi::{openapi, RouteDoc, ROUTES};
pub use ui::PAGE_CSP;

use crate::{SearchEngine, SearchRequest};

/// Limits and policies of the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Origins allowed by CORS; empty allows any origin (the API is read-only).
    pub cors_origins: Vec<String>,
    /// Searches running at once. Searches are CPU-bound: more than a few per core only
    /// share the cores and multiply per-thread allocator arenas.
    pub max_concurrent_searches: usize,
    /// Longest a search waits for a free slot before it is answered 503: a short, bounded
    /// queue that absorbs bursts instead of an unbounded one.
    pub queue_wait: Duration,
    /// Longest a search may take before the client gets a 503.
    pub request_timeout: Duration,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Requests per second allowed per client IP (burst of twice that); 0 disables.
    pub rate_limit_per_sec: u32,
    /// Directory of the indexed site, served under `/site/` so the search page's relative
    /// result links open; `None` serves nothing there.
    pub site_dir: Option<PathBuf>,
    /// Longest a client may take to send a request's headers (slow-client protection).
    pub header_read_timeout: Duration,
    /// Largest request head (request line and headers); more is answered 431.
    pub max_header_bytes: usize,
    /// Connections open at once; more are closed at once.
    pub max_connections: usize,
    /// Key every `/api/` request must carry, for non-public deployments.
    pub api_key: Option<String>,
    /// Key of the `/admin/` routes; without one they are off.
    pub admin_key: Option<String>,
    /// What `POST /admin/reindex` runs.
    pub admin_job: Option<AdminJob>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ServerConfig {
            cors_origins: Vec::new(),
            max_concurrent_searches: cores * 2,
            queue_wait: Duration::from_millis(250),
            request_timeout: Duration::from_secs(5),
            max_body_bytes: 16 * 1024,
            rate_limit_per_sec: 200,
            site_dir: None,
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_connections: 4096,
            api_key: None,
            admin_key: None,
            admin_job: None,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    engine: Arc<SearchEngine>,
    config: Arc<ServerConfig>,
    metrics: Arc<Metrics>,
    searches: Arc<Semaphore>,
    limiter: Arc<RateLimiter>,
    job_status: Arc<Mutex<access::JobStatus>>,
}

impl AppState {
    /// State for `engine` under `config`.
    pub fn new(engine: Arc<SearchEngine>, config: ServerConfig) -> AppState {
        AppState {
            searches: Arc::new(Semaphore::new(config.max_concurrent_searches.max(1))),
            limiter: Arc::new(RateLimiter::new(config.rate_limit_per_sec)),
            job_status: access::new_status(),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            engine,
        }
    }
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let cors = cors_layer(&state.config.cors_origins);
    Router::new()
        .route("/api/search", get(search_get).post(search_post))
        .route("/api/suggest", get(suggest))
        .route("/api/facets", get(all_facets))
        .route("/api/facets/{facet}", get(facet_values))
        .route("/api/doc/{*id}", get(document))
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics_text))
        .route("/api/openapi.json", get(|| async { Json(openapi()) }))
        .route("/admin/reindex", axum::routing::post(access::start_job))
        .route("/admin/status", get(access::job_status))
        .merge(ui::routes(state.config.site_dir.as_deref()))
        .fallback(|| async { ApiError::new(Code::NotFound, "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(Code::MethodNotAllowed, "method not allowed on this route")
        })
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            access::require_keys,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(cors)
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` resolves, then lets in-flight
/// requests finish (for at most 10 s). Connections are served by hyper directly, not
/// `axum::serve`, for the limits it does not expose: time to send headers (slowloris), size
/// of the request head, and open connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::Service;

    let config = Arc::clone(&state.config);
    let app = router(state);
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        // hyper's smallest read buffer is 8 KiB; the head must fit in it.
        .max_buf_size(config.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(config.max_header_bytes).unwrap_or(u32::MAX))
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let connections = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().call(request.map(axum::body::Body::new))
            });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _permit = permit;
            // Errors here are clients going away or timing out: nothing to answer.
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 10 s; stopping anyway");
    }
    Ok(())
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let allow = if origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static("x-api-key"),
        ])
        .max_age(Duration::from_secs(3600))
}

async fn search_get(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let request = parse_search_params(raw.as_deref().unwrap_or(""))?;
    run_search(&state, request).await
}

/// A value or a list of values in a JSON body.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(value) => vec![value],
            OneOrMany::Many(values) => values,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchBody {
    #[serde(default)]
    q: String,
    #[serde(default)]
    credential: OneOrMany,
    #[serde(default)]
    job_title: OneOrMany,
    #[serde(default)]
    education_level: OneOrMany,
    #[serde(default)]
    resource_type: OneOrMany,
    #[serde(default)]
    topic: OneOrMany,
    page: Option<usize>,
    per_page: Option<usize>,
    #[serde(default)]
    explain: bool,
}

async fn search_post(
    State(state): State<AppState>,
    body: Result<Json<SearchBody>, JsonRejection>,
) -> Result<Json<SearchResponse>, ApiError> {
    let Json(body) = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(Code::PayloadTooLarge, "request body is over the size limit")
        } else {
            ApiError::new(Code::MalformedJson, rejection.body_text())
        }
    })?;
    let mut request = SearchRequest::new(body.q);
    request.page = body.page.unwrap_or(1);
    request.per_page = body.per_page.unwrap_or(crate::DEFAULT_PER_PAGE);
    request.explain = body.explain;
    for (kind, values) in [
        (FacetKind::Credential, body.credential),
        (FacetKind::JobTitle, body.job_title),
        (FacetKind::EducationLevel, body.education_level),
        (FacetKind::ResourceType, body.resource_type),
        (FacetKind::Topic, body.topic),
    ] {
        for value in values.into_vec() {
            request = request.filter(kind.name(), value)?;
        }
    }
    run_search(&state, request).await
}

/// Parses `q`, filters, `page`, `per_page`, `explain` from a query string (facet names
/// repeat; unknown parameters are ignored): what `GET /api/search` does with its URL.
pub fn parse_search_params(raw: &str) -> Result<SearchRequest, ApiError> {
    let mut request = SearchRequest::new("");
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "q" => request.query = value.into_owned(),
            "page" => request.page = parse_number("page", &value)?,
            "per_page" => request.per_page = parse_number("per_page", &value)?,
            "explain" => request.explain = parse_bool("explain", &value)?,
            other => {
                if let Some(kind) = FacetKind::parse(other).filter(|k| k.name() == other) {
                    request = request.filter(kind.name(), value.into_owned())?;
                }
                // Other parameters (cache busters, analytics tags) are ignored.
            }
        }
    }
    Ok(request)
}

fn parse_number(name: &str, value: &str) -> Result<usize, ApiError> {
    value.trim().parse().map_err(|_| {
        ApiError::new(
            Code::InvalidParameter,
            format!("{name} must be a positive whole number"),
        )
    })
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" | "1" | "" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::new(
            Code::InvalidParameter,
            format!("{name} must be true or false"),
        )),
    }
}

/// Runs blocking engine work off the async threads, within the concurrency cap and time limit.
async fn run_blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&SearchEngine) -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let overloaded = || {
        ApiError::new(
            Code::Overloaded,
            "too many searches in progress; retry shortly",
        )
        .retry_after(1)
    };
    let permit = match Arc::clone(&state.searches).try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => tokio::time::timeout(
            state.config.queue_wait,
            Arc::clone(&state.searches).acquire_owned(),
        )
        .await
        .map_err(|_| overloaded())?
        .map_err(|_| overloaded())?,
    };
    let engine = Arc::clone(&state.engine);
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(&engine)
    });
    match tokio::time::timeout(state.config.request_timeout, task).await {
        Ok(Ok(result)) => result.map_err(ApiError::from),
        Ok(Err(join)) => {
            tracing::error!(error = %join, "search task failed");
            Err(ApiError::new(Code::Internal, "internal error"))
        }
        Err(_) => Err(ApiError::new(Code::Timeout, "the search took too long").retry_after(1)),
    }
}

async fn run_search(
    state: &AppState,
    request: SearchRequest,
) -> Result<Json<SearchResponse>, ApiError> {
    run_blocking(state, move |engine| engine.search(request))
        .await
        .map(Json)
}

#[derive(Debug)]
struct LimitedQuery {
    q: String,
    limit: Option<String>,
}

fn limit_of(query: &LimitedQuery, default: usize, max: usize) -> Result<usize, ApiError> {
    match &query.limit {
        None => Ok(default),
        Some(text) => {
            let limit = parse_number("limit", text)?;
            if limit == 0 || limit > max {
                return Err(ApiError::new(
                    Code::InvalidParameter,
                    format!("limit must be between 1 and {max}"),
                ));
            }
            Ok(limit)
        }
    }
}

fn limited_query(raw: Option<&str>) -> LimitedQuery {
    let mut query = LimitedQuery {
        q: String::new(),
        limit: None,
    };
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "q" => query.q = value.into_owned(),
            "limit" => query.limit = Some(value.into_owned()),
            _ => {}
        }
    }
    query
}

async fn suggest(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = limited_query(raw.as_deref());
    let limit = limit_of(&query, 8, 20)?;
    let prefix = query.q.clone();
    let suggestions = run_blocking(&state, move |engine| engine.suggest(&prefix, limit)).await?;
    Ok(Json(json!({"query": query.q, "suggestions": suggestions})).into_response())
}

async fn all_facets(State(state): State<AppState>) -> Result<Response, ApiError> {
    let mut request = SearchRequest::new("");
    request.per_page = 1;
    let response = run_blocking(&state, move |engine| engine.search(request)).await?;
    Ok(Json(json!({"total": response.total, "facets": response.facets})).into_response())
}

async fn facet_values(
    State(state): State<AppState>,
    Path(facet): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let kind = FacetKind::parse(&facet)
        .filter(|k| k.name() == facet)
        .ok_or_else(|| ApiError::from(crate::Error::UnknownFacet(facet.clone())))?;
    let query = limited_query(raw.as_deref());
    let limit = limit_of(&query, 20, 100)?;
    if query.q.chars().count() > crate::MAX_QUERY_CHARS {
        return Err(crate::Error::QueryTooLong {
            len: query.q.chars().count(),
            max: crate::MAX_QUERY_CHARS,
        }
        .into());
    }
    let text = query.q.clone();
    let values = run_blocking(&state, move |engine| {
        engine.facet_values(kind, &text, limit)
    })
    .await?;
    Ok(Json(json!({"facet": kind.name(), "query": query.q, "values": values})).into_response())
}

async fn document(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if id.len() > 2048 {
        return Err(ApiError::new(
            Code::InvalidParameter,
            "document id is too long",
        ));
    }
    let lookup = id.clone();
    match run_blocking(&state, move |engine| engine.document(&lookup)).await? {
        Some(doc) => Ok(Json(doc).into_response()),
        None => Err(ApiError::new(
            Code::NotFound,
            format!("no document with id {id:?}"),
        )),
    }
}

async fn ready(State(state): State<AppState>) -> Response {
    Json(json!({"status": "ready", "documents": state.engine.num_docs()})).into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let body = state
        .metrics
        .render(state.engine.num_docs(), state.engine.cache_stats());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .record(&route, response.status().as_u16(), started.elapsed());
    response
}

async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(ip) = client {
        if !state.limiter.allow(ip) {
            return ApiError::new(Code::RateLimited, "too many requests from this address")
                .retry_after(1)
                .into_response();
        }
    }
    next.run(request).await
}

/// Token bucket per client IP.
#[derive(Debug)]
struct RateLimiter {
    per_sec: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Clients remembered before idle ones are forgotten, so a flood of addresses cannot grow
/// memory without bound.
const MAX_TRACKED_CLIENTS: usize = 100_000;

impl RateLimiter {
    fn new(per_sec: u32) -> RateLimiter {
        RateLimiter {
            per_sec: f64::from(per_sec),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn allow(&self, ip: IpAddr) -> bool {
        if self.per_sec <= 0.0 {
            return true;
        }
        let burst = self.per_sec * 2.0;
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        if buckets.len() > MAX_TRACKED_CLIENTS {
            buckets.retain(|_, (_, seen)| now.duration_since(*seen) < Duration::from_secs(10));
        }
        let (tokens, last) = buckets.entry(ip).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_sec).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests;
