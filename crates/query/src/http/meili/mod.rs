//! Meilisearch's search protocol, beside the API: `POST`/`GET /indexes/{uid}/search`,
//! `POST /multi-search`, `GET /indexes/{uid}`, `GET /indexes/{uid}/settings/filterable-attributes`,
//! `GET /indexes`, `GET /health` and `GET /version`, so that InstantSearch.js (through
//! instant-meilisearch), DocSearch-style modals and Meilisearch's own clients search a
//! himsearch index with no code of ours. Same engine, limits, keys (`Authorization: Bearer`)
//! and cache as `/api/search`; errors in the protocol's shape; write routes answer 501: the
//! index is built by `himsearch index` and `crawl`.

mod error;
mod format;
mod params;

use std::time::{Instant, SystemTime};

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

pub(super) use error::shape_errors;
use error::MeiliError;
use params::MeiliQuery;

use super::access::{given_key, same_key};
use super::{run_blocking, AppState, Client};

/// The protocol's routes.
pub(super) fn routes(state: &AppState) -> Router<AppState> {
    let read_only = || any(write_refused);
    Router::new()
        .route("/indexes", get(list_indexes).fallback(write_refused))
        .route("/indexes/{uid}", get(index_info).fallback(write_refused))
        .route("/indexes/{uid}/search", get(search_get).post(search_post))
        .route(
            "/indexes/{uid}/settings/filterable-attributes",
            get(filterable).fallback(write_refused),
        )
        .route(
            "/indexes/{uid}/settings",
            get(settings).fallback(write_refused),
        )
        .route("/indexes/{uid}/settings/{*rest}", read_only())
        .route("/indexes/{uid}/documents", read_only())
        .route("/indexes/{uid}/documents/{*rest}", read_only())
        .route("/tasks", get(tasks).fallback(write_refused))
        .route("/tasks/{*rest}", read_only())
        .route("/keys", read_only())
        .route("/keys/{*rest}", read_only())
        .route("/multi-search", post(multi_search))
        .route("/version", get(version))
        .route("/indexes/{uid}/facet-search", post(facet_search))
        // A layer (not a route layer), so that the refused writes need the key too.
        .layer(middleware::from_fn_with_state(state.clone(), require_key))
        // Health is public, as Meilisearch's is.
        .route(
            "/health",
            get(|| async { Json(json!({"status": "available"})) }),
        )
}

/// With an API key set, every route but `/health` needs `Authorization: Bearer KEY` (the API
/// key or the admin key), as the protocol's clients send it.
async fn require_key(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = state.config.api_key.as_deref() else {
        return next.run(request).await;
    };
    let given = given_key(request.headers());
    let Some(given) = given else {
        return MeiliError::new(
            StatusCode::UNAUTHORIZED,
            "missing_authorization_header",
            "The Authorization header is missing. It must use the bearer authorization method.",
        )
        .into_response();
    };
    let admin = state.config.admin_key.as_deref();
    if same_key(given, key.as_bytes()) || admin.is_some_and(|a| same_key(given, a.as_bytes())) {
        return next.run(request).await;
    }
    MeiliError::new(
        StatusCode::FORBIDDEN,
        "invalid_api_key",
        "The provided API key is invalid.",
    )
    .into_response()
}

async fn write_refused() -> MeiliError {
    MeiliError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        "This server answers the search part of the protocol over an index that himsearch builds: \
         add or change documents with `himsearch index` (a corpus or JSONL) or `himsearch crawl`, \
         and facet kinds in the taxonomy.",
    )
}

fn check_uid(state: &AppState, uid: &str) -> Result<(), MeiliError> {
    if uid == state.config.index_uid {
        Ok(())
    } else {
        Err(MeiliError::index_not_found(uid))
    }
}

/// `createdAt` and `updatedAt` of the served index: its directory's and its last commit's
/// (`meta.json`) modification times, RFC 3339.
fn index_json(state: &AppState) -> Value {
    let meta = state
        .config
        .index_dir
        .as_ref()
        .and_then(|d| std::fs::metadata(d.join("meta.json")).ok());
    let updated = meta.as_ref().and_then(|m| m.modified().ok());
    // The directory's birth where the file system records it, else the last commit.
    let created = state
        .config
        .index_dir
        .as_ref()
        .and_then(|d| std::fs::metadata(d).ok())
        .and_then(|m| m.created().ok())
        .filter(|c| updated.is_none_or(|u| *c <= u))
        .or(updated);
    let time = |at: Option<SystemTime>| {
        humantime::format_rfc3339_seconds(at.unwrap_or(SystemTime::UNIX_EPOCH)).to_string()
    };
    json!({
        "uid": state.config.index_uid,
        "primaryKey": "id",
        "createdAt": time(created),
        "updatedAt": time(updated),
    })
}

async fn list_indexes(State(state): State<AppState>) -> Json<Value> {
    Json(json!({"results": [index_json(&state)], "offset": 0, "limit": 20, "total": 1}))
}

async fn index_info(
    State(state): State<AppState>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, MeiliError> {
    check_uid(&state, &uid)?;
    Ok(Json(index_json(&state)))
}

async fn filterable(
    State(state): State<AppState>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, MeiliError> {
    check_uid(&state, &uid)?;
    let kinds = state.engine.taxonomy().kind_keys();
    Ok(Json(json!(kinds)))
}

async fn settings(
    State(state): State<AppState>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, MeiliError> {
    check_uid(&state, &uid)?;
    let kinds = state.engine.taxonomy().kind_keys();
    Ok(Json(json!({
        "displayedAttributes": ["*"],
        "searchableAttributes": ["title", "content"],
        "filterableAttributes": kinds,
        "sortableAttributes": [],
        "rankingRules": ["words", "typo", "proximity", "attribute", "exactness"],
        "distinctAttribute": null,
        "pagination": {"maxTotalHits": params::MAX_TOTAL_HITS},
        "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count"}},
    })))
}

/// No task is ever enqueued: the index is written by `himsearch index` and `crawl`.
async fn tasks() -> Json<Value> {
    Json(json!({"results": [], "total": 0, "limit": 20, "from": null, "next": null}))
}

/// `POST /indexes/{uid}/facet-search`: the values of `facetName` among the matches of `q`
/// and `filter` whose words start with `facetQuery` (any case), most frequent first; what a
/// searchable refinement list asks for.
async fn facet_search(
    State(state): State<AppState>,
    Client(client): Client,
    Path(uid): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, MeiliError> {
    check_uid(&state, &uid)?;
    let mut object = json_body(&headers, &body)?;
    let name = match object.remove("facetName") {
        Some(Value::String(name)) => name,
        _ => {
            return Err(MeiliError::bad(
                "invalid_facet_search_facet_name",
                "Missing field `facetName`.",
            ))
        }
    };
    if state.engine.taxonomy().kind_keyed(&name).is_none() {
        return Err(MeiliError::bad(
            "invalid_facet_search_facet_name",
            format!("Attribute `{name}` is not facet-searchable."),
        ));
    }
    let facet_query = object.remove("facetQuery").unwrap_or(Value::Null);
    let wanted = match &facet_query {
        Value::Null => String::new(),
        Value::String(text) => text.to_lowercase(),
        _ => {
            return Err(MeiliError::bad(
                "invalid_facet_search_facet_query",
                "`facetQuery` is a string.",
            ))
        }
    };
    object.remove("exhaustiveFacetCount");
    object.insert("facets".into(), json!([name.clone()]));
    object.insert("limit".into(), 0.into());
    let query = params::from_json(&object, state.engine.taxonomy())?;
    let started = Instant::now();
    let request = query.request();
    let response = run_blocking(&state, client, move |engine| engine.search(request)).await?;
    let hits: Vec<Value> = response
        .facets
        .get(&name)
        .into_iter()
        .flatten()
        .filter(|c| c.count > 0)
        .filter(|c| {
            wanted.is_empty()
                || c.value
                    .to_lowercase()
                    .split(|ch: char| !ch.is_alphanumeric())
                    .any(|word| word.starts_with(&wanted))
                || c.value.to_lowercase().starts_with(&wanted)
        })
        .take(100)
        .map(|c| json!({"value": c.value, "count": c.count}))
        .collect();
    Ok(Json(json!({
        "facetHits": hits,
        "facetQuery": facet_query,
        "processingTimeMs": started.elapsed().as_millis() as u64,
    })))
}

async fn version() -> Json<Value> {
    Json(json!({
        "commitSha": "unknown",
        "commitDate": "unknown",
        "pkgVersion": env!("CARGO_PKG_VERSION"),
    }))
}

async fn search_get(
    State(state): State<AppState>,
    Client(client): Client,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, MeiliError> {
    check_uid(&state, &uid)?;
    let query = params::from_query_string(raw.as_deref().unwrap_or(""), state.engine.taxonomy())?;
    Ok(Json(search(&state, client, query).await?))
}

fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, MeiliError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(MeiliError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_content_type",
            "The Content-Type header must be `application/json`.",
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|err| {
        MeiliError::bad(
            "malformed_payload",
            format!("The json payload provided is malformed. `{err}`."),
        )
    })?;
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(MeiliError::bad(
            "bad_request",
            "Invalid value type: expected an object.",
        )),
    }
}

async fn search_post(
    State(state): State<AppState>,
    Client(client): Client,
    Path(uid): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, MeiliError> {
    check_uid(&state, &uid)?;
    let object = json_body(&headers, &body)?;
    let query = params::from_json(&object, state.engine.taxonomy())?;
    Ok(Json(search(&state, client, query).await?))
}

async fn multi_search(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, MeiliError> {
    let object = json_body(&headers, &body)?;
    if object.get("federation").is_some_and(|f| !f.is_null()) {
        return Err(MeiliError::bad(
            "invalid_multi_search_federation",
            "Federated search is not supported: send the queries without `federation`.",
        ));
    }
    let Some(Value::Array(queries)) = object.get("queries") else {
        return Err(MeiliError::bad(
            "missing_multi_search_queries",
            "Missing field `queries`.",
        ));
    };
    if queries.len() > 20 {
        return Err(MeiliError::bad(
            "bad_request",
            "At most 20 queries per multi-search.",
        ));
    }
    let mut parsed = Vec::with_capacity(queries.len());
    for (i, entry) in queries.iter().enumerate() {
        let Value::Object(entry) = entry else {
            return Err(
                MeiliError::bad("bad_request", "Invalid value type: expected an object.").inside(i),
            );
        };
        let uid = entry
            .get("indexUid")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                MeiliError::bad("missing_index_uid", "Missing field `indexUid`.").inside(i)
            })?;
        check_uid(&state, uid).map_err(|e| e.inside(i))?;
        let query = params::from_json(entry, state.engine.taxonomy()).map_err(|e| e.inside(i))?;
        parsed.push(query);
    }
    // The rate limit counts searches: each query past the first takes a request's share.
    if let Some(ip) = client {
        if (1..parsed.len()).any(|_| !state.limiter.allow(ip)) {
            return Err(MeiliError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_search_requests",
                "Too many searches from this address; retry shortly.",
            ));
        }
    }
    let mut results = Vec::with_capacity(parsed.len());
    for (i, query) in parsed.into_iter().enumerate() {
        let mut result = search(&state, client, query)
            .await
            .map_err(|e| e.inside(i))?;
        result["indexUid"] = state.config.index_uid.clone().into();
        results.push(result);
    }
    Ok(Json(json!({"results": results})))
}

/// Runs one protocol search through the engine (slots, time limit, cache) and shapes it.
async fn search(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    query: MeiliQuery,
) -> Result<Value, MeiliError> {
    let started = Instant::now();
    let request = query.request();
    // A query asking only for counts (InstantSearch's disjunctive-facet queries) is not a
    // reader's search; the others are recorded like /api/search's.
    let (_, wanted) = query.window();
    let pending = (wanted > 0)
        .then(|| super::analytics::pending(state, &request))
        .flatten();
    let mut response = run_blocking(state, client, move |engine| engine.search(request)).await?;
    if let Some(pending) = pending {
        super::analytics::record(state, pending, &mut response);
    }
    let hits: Vec<Value> = if wanted == 0 {
        Vec::new()
    } else {
        response
            .hits
            .iter()
            .take(wanted)
            .map(|h| format::hit(h, &query))
            .collect()
    };
    let mut out = json!({
        "hits": hits,
        "query": query.q,
        "processingTimeMs": started.elapsed().as_millis() as u64,
    });
    match query.page_mode {
        Some((page, per_page)) => {
            out["page"] = page.into();
            out["hitsPerPage"] = per_page.into();
            out["totalHits"] = response.total.into();
            out["totalPages"] = if per_page == 0 {
                0
            } else {
                response.total.div_ceil(per_page)
            }
            .into();
        }
        None => {
            out["offset"] = query.offset.into();
            out["limit"] = query.limit.into();
            out["estimatedTotalHits"] = response.total.into();
        }
    }
    if let Some(names) = &query.facets {
        let all = names.iter().any(|n| n == "*");
        let mut distribution = Map::new();
        for (kind, counts) in &response.facets {
            if all || names.contains(kind) {
                let values: Map<String, Value> = counts
                    .iter()
                    .filter(|c| c.count > 0)
                    .map(|c| (c.value.clone(), c.count.into()))
                    .collect();
                distribution.insert(kind.clone(), Value::Object(values));
            }
        }
        out["facetDistribution"] = Value::Object(distribution);
        out["facetStats"] = json!({});
    }
    Ok(out)
}
