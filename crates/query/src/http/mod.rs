//! The HTTP API: an axum [`Router`] over a [`SearchEngine`]. Handlers only translate between
//! HTTP and the engine; limits (body size and time, concurrency, time, rate) are enforced here,
//! per client in `limits`, per connection in `conn`.

mod access;
mod analytics;
mod conn;
mod error;
mod limits;
mod meili;
mod metrics;
mod openapi;
mod params;
mod site;
mod trace;
mod ui;

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequestParts, MatchedPath, Path, RawQuery, Request, State,
};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, Version};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use him_schema::api::SearchResponse;
use serde_json::json;
use tokio::sync::Semaphore;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

pub use access::AdminJob;
pub use conn::serve;
pub use error::{ApiError, Code};
pub use metrics::Metrics;
pub use openapi::{openapi, RouteDoc, ROUTES};
pub use params::parse_search_params;
pub use ui::PAGE_CSP;

use limits::{PerClient, RateLimiter};

use crate::{SearchEngine, SearchRequest};

/// Limits and policies of the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Origins allowed by CORS; empty allows any origin (the API is read-only).
    pub cors_origins: Vec<String>,
    /// Searches running at once. Searches are CPU-bound: more than a few per core only
    /// share the cores and multiply per-thread allocator arenas.
    pub max_concurrent_searches: usize,
    /// Of those, the most one client (address, or /64 for IPv6) holds at once; its further
    /// searches wait for one of its own to end (within `queue_wait`), so a client sending
    /// expensive queries slows itself, not everyone. Suggestions, facets and documents count too.
    pub max_searches_per_client: usize,
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
    /// Longest a client may take to send a request's body, from the end of its headers; then
    /// it is answered 408 and the connection closed.
    pub body_read_timeout: Duration,
    /// Longest a connection may stay open with no request in progress, from accept to its
    /// first request and between requests; then it is closed.
    pub idle_timeout: Duration,
    /// Largest request head (request line and headers); more is answered 431.
    pub max_header_bytes: usize,
    /// Connections open at once; more are closed at once.
    pub max_connections: usize,
    /// Connections one client (address, or /64 for IPv6) has open at once; more are closed at
    /// once, so one client cannot take all of `max_connections`.
    pub max_connections_per_client: usize,
    /// Key every `/api/` request must carry, for non-public deployments.
    pub api_key: Option<String>,
    /// Key of the `/admin/` routes; without one they are off.
    pub admin_key: Option<String>,
    /// What `POST /admin/reindex` runs.
    pub admin_job: Option<AdminJob>,
    /// Where searches and clicks are recorded; `None` records nothing (`--analytics off`).
    pub analytics: Option<Arc<him_analytics::Recorder>>,
    /// The uid the served index answers to on Meilisearch's protocol (`/indexes/{uid}`).
    pub index_uid: String,
    /// The served index's directory, for the protocol's `createdAt` and `updatedAt`.
    pub index_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ServerConfig {
            cors_origins: Vec::new(),
            max_concurrent_searches: cores * 2,
            max_searches_per_client: cores,
            queue_wait: Duration::from_millis(250),
            request_timeout: Duration::from_secs(5),
            max_body_bytes: 16 * 1024,
            rate_limit_per_sec: 200,
            site_dir: None,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_connections: 4096,
            max_connections_per_client: 256,
            api_key: None,
            admin_key: None,
            admin_job: None,
            analytics: None,
            index_uid: "him".to_string(),
            index_dir: None,
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
    client_searches: Arc<PerClient>,
    limiter: Arc<RateLimiter>,
    job_status: Arc<Mutex<access::JobStatus>>,
}

impl AppState {
    /// State for `engine` under `config`.
    pub fn new(engine: Arc<SearchEngine>, config: ServerConfig) -> AppState {
        AppState {
            searches: Arc::new(Semaphore::new(config.max_concurrent_searches.max(1))),
            client_searches: PerClient::new(config.max_searches_per_client),
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
    let mut app =
        Router::new()
            .route("/api/search", get(search_get).post(search_post))
            .route("/api/suggest", get(suggest))
            .route("/api/facets", get(all_facets))
            .route("/api/facets/{facet}", get(facet_values))
            .route("/api/doc/{*id}", get(document))
            .route("/api/events", axum::routing::post(analytics::post_event))
            .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
            .route("/readyz", get(ready))
            .route("/metrics", get(metrics_text))
            .route(
                "/api/openapi.json",
                get(|State(state): State<AppState>| async move {
                    Json(openapi(state.engine.taxonomy()))
                }),
            )
            .route("/admin/reindex", axum::routing::post(access::start_job))
            .route("/admin/status", get(access::job_status))
            .route("/admin/analytics", get(analytics::report))
            .merge(meili::routes(&state))
            .merge(ui::routes());
    if let Some(dir) = &state.config.site_dir {
        app = app.merge(site::routes(dir));
    }
    app.fallback(|| async { ApiError::new(Code::NotFound, "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(Code::MethodNotAllowed, "method not allowed on this route")
        })
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), read_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            access::require_keys,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(middleware::from_fn(meili::shape_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(cors)
        .layer(middleware::from_fn(no_cors_on_site))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(trace::request_span)
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .with_state(state)
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
            // Meilisearch's clients name themselves in every request (the protocol's routes).
            header::HeaderName::from_static("x-meilisearch-client"),
        ])
        .max_age(Duration::from_secs(3600))
}

async fn search_get(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let request = parse_search_params(raw.as_deref().unwrap_or(""), state.engine.taxonomy())?;
    run_search(&state, client, &headers, request).await
}

async fn search_post(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<SearchResponse>, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
    if !json {
        return Err(ApiError::new(
            Code::MalformedJson,
            "expected a JSON body (content-type: application/json)",
        ));
    }
    let request = params::parse_search_body(&body, state.engine.taxonomy())?;
    run_search(&state, client, &headers, request).await
}

/// The client's address, when known (router tests without a connection have none).
struct Client(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Client, Infallible> {
        let info = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(Client(info.map(|info| info.0.ip())))
    }
}

/// Runs blocking engine work off the async threads, within the concurrency caps (in all and
/// for `client`) and the time limit.
async fn run_blocking<T: Send + 'static>(
    state: &AppState,
    client: Option<IpAddr>,
    work: impl FnOnce(&SearchEngine) -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let overloaded = || {
        ApiError::new(
            Code::Overloaded,
            "too many searches in progress; retry shortly",
        )
        .retry_after(1)
    };
    let deadline = tokio::time::Instant::now() + state.config.queue_wait;
    // The client's own share first: a client over it waits behind its own searches, without
    // taking a shared slot from anyone else.
    let client_permit = match client {
        Some(ip) => Some(
            state
                .client_searches
                .acquire_until(ip, deadline)
                .await
                .ok_or_else(overloaded)?,
        ),
        None => None,
    };
    let permit = match Arc::clone(&state.searches).try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => tokio::time::timeout_at(deadline, Arc::clone(&state.searches).acquire_owned())
            .await
            .map_err(|_| overloaded())?
            .map_err(|_| overloaded())?,
    };
    let engine = Arc::clone(&state.engine);
    // Both permits live as long as the work, which goes on after a timeout answer: the slots
    // count CPU in use, not requests waiting for an answer.
    let task = tokio::task::spawn_blocking(move || {
        let _permits = (permit, client_permit);
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
    client: Option<IpAddr>,
    headers: &HeaderMap,
    request: SearchRequest,
) -> Result<Json<SearchResponse>, ApiError> {
    if request.explain && !access::has_admin_key(state, headers) {
        return Err(ApiError::new(
            Code::Forbidden,
            "explain needs the admin key",
        ));
    }
    let pending = analytics::pending(state, &request);
    let mut response = run_blocking(state, client, move |engine| engine.search(request)).await?;
    if let Some(pending) = pending {
        analytics::record(state, pending, &mut response);
    }
    Ok(Json(response))
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
            let limit = params::parse_number("limit", text)?;
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
    Client(client): Client,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = limited_query(raw.as_deref());
    let limit = limit_of(&query, 8, 20)?;
    let prefix = query.q.clone();
    let suggestions =
        run_blocking(&state, client, move |engine| engine.suggest(&prefix, limit)).await?;
    Ok(Json(json!({"query": query.q, "suggestions": suggestions})).into_response())
}

async fn all_facets(
    State(state): State<AppState>,
    Client(client): Client,
) -> Result<Response, ApiError> {
    let mut request = SearchRequest::new("");
    request.per_page = 1;
    let response = run_blocking(&state, client, move |engine| engine.search(request)).await?;
    let kinds: Vec<_> = state
        .engine
        .taxonomy()
        .kinds()
        .iter()
        .map(|spec| {
            json!({"key": spec.kind.name(), "label": spec.label, "show_on_hits": spec.policy.show_on_hits})
        })
        .collect();
    // Where relative result links open, relative to the API's base (the server may sit behind
    // a path prefix): the widget's default base when the server publishes the site.
    let site = state.config.site_dir.is_some().then_some("site/");
    Ok(Json(
        json!({"total": response.total, "kinds": kinds, "facets": response.facets, "site": site}),
    )
    .into_response())
}

async fn facet_values(
    State(state): State<AppState>,
    Client(client): Client,
    Path(facet): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let taxonomy = state.engine.taxonomy();
    let kind = taxonomy
        .kind_keyed(&facet)
        .ok_or_else(|| ApiError::from(crate::Error::unknown_facet(&facet, taxonomy)))?;
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
    let values = run_blocking(&state, client, move |engine| {
        engine.facet_values(kind, &text, limit)
    })
    .await?;
    Ok(Json(json!({"facet": kind.name(), "query": query.q, "values": values})).into_response())
}

async fn document(
    State(state): State<AppState>,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if id.len() > 2048 {
        return Err(ApiError::new(
            Code::InvalidParameter,
            "document id is too long",
        ));
    }
    let lookup = id.clone();
    match run_blocking(&state, client, move |engine| engine.document(&lookup)).await? {
        Some(doc) => Ok(Json(doc).into_response()),
        None => Err(ApiError::new(
            Code::NotFound,
            format!("no document with id {id:?}"),
        )),
    }
}

async fn ready(State(state): State<AppState>) -> Response {
    let (analytics, problem) = analytics::readiness(&state);
    let mut body = json!({
        "status": "ready",
        "documents": state.engine.num_docs(),
        "analytics": analytics,
    });
    if let Some(problem) = problem {
        body["analytics_error"] = problem.into();
    }
    Json(body).into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(
        state.engine.num_docs(),
        state.engine.cache_stats(),
        state.config.analytics.as_deref(),
    );
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

/// Reads the whole body (within the size limit) before the handler runs, in at most
/// `body_read_timeout` in all: a per-chunk timeout would let a body sent at one byte a second
/// hold the connection for hours.
async fn read_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    use http_body_util::{BodyExt, LengthLimitError, Limited};
    let (parts, body) = request.into_parts();
    if http_body::Body::size_hint(&body).exact() == Some(0) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let limited = Limited::new(body, state.config.max_body_bytes).collect();
    match tokio::time::timeout(state.config.body_read_timeout, limited).await {
        Ok(Ok(collected)) => {
            let body = axum::body::Body::from(collected.to_bytes());
            next.run(Request::from_parts(parts, body)).await
        }
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => {
            ApiError::new(Code::PayloadTooLarge, "request body is over the size limit")
                .into_response()
        }
        // A broken body (bad chunked framing) or a client that went away mid-body.
        Ok(Err(_)) => {
            ApiError::new(Code::MalformedJson, "the request body could not be read").into_response()
        }
        Err(_) => {
            let mut response = ApiError::new(
                Code::RequestTimeout,
                "the request body took too long to arrive",
            )
            .into_response();
            // The rest of the body is not read, so the connection cannot carry another request.
            if parts.version <= Version::HTTP_11 {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }
    }
}

/// Takes the CORS headers off `/site/` responses: those are pages opened in a tab, and no
/// other origin has reason to read them.
async fn no_cors_on_site(request: Request, next: Next) -> Response {
    let site = site::is_site_path(request.uri().path());
    let mut response = next.run(request).await;
    if site {
        let headers = response.headers_mut();
        let cors: Vec<_> = headers
            .keys()
            .filter(|name| name.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for name in cors {
            headers.remove(name);
        }
    }
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

#[cfg(test)]
mod tests;
