//! Search analytics over HTTP: each search the API answers is handed to the
//! [`Recorder`](him_analytics::Recorder) (its response then carries a `query_id`), clicks arrive
//! at `POST /api/events`, and `GET /admin/analytics` reads the report back, with the
//! zero-result queries diagnosed by the engine. Recording never waits for the disk: the
//! recorder only queues.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use him_analytics::{
    new_query_id, normalize_query, now_ms, ClickEvent, Health, Report, SearchEvent,
};
use him_schema::api::SearchResponse;
use serde::Deserialize;
use serde_json::json;

use super::{params, run_blocking, ApiError, AppState, Client, Code};
use crate::SearchRequest;

/// Most hits one search can show: a click's position is at most this.
const MAX_POSITION: u32 = (crate::MAX_PAGE * crate::MAX_PER_PAGE) as u32;
/// Longest document id accepted (as `GET /api/doc/{id}`).
const MAX_ID_BYTES: usize = 2048;

/// What is kept of a request until its response is known.
pub(super) struct Pending {
    query: String,
    filters: Vec<(String, String)>,
    page: u32,
    started: Instant,
}

/// The part of `request` that is recorded, unless analytics are off or the request is an
/// `explain` (an admin's diagnosis, not a reader's search).
pub(super) fn pending(state: &AppState, request: &SearchRequest) -> Option<Pending> {
    if state.config.analytics.is_none() || request.explain {
        return None;
    }
    let mut filters: Vec<(String, String)> = request
        .filters
        .iter()
        .flat_map(|(kind, values)| values.iter().map(|v| (kind.name().to_string(), v.clone())))
        .collect();
    if let Some(expression) = &request.expression {
        chosen_values(expression, &mut filters);
    }
    Some(Pending {
        query: normalize_query(&request.query),
        filters,
        page: u32::try_from(request.page).unwrap_or(u32::MAX),
        started: Instant::now(),
    })
}

/// The values a filter expression asks for (not those it excludes), as the filters a reader
/// chose: what InstantSearch's refinements send through Meilisearch's protocol.
fn chosen_values(filter: &crate::Filter, out: &mut Vec<(String, String)>) {
    match filter {
        crate::Filter::And(parts) | crate::Filter::Or(parts) => {
            for part in parts {
                chosen_values(part, out);
            }
        }
        crate::Filter::Is(kind, values) => {
            out.extend(values.iter().map(|v| (kind.name().to_string(), v.clone())));
        }
        crate::Filter::Not(_) | crate::Filter::Exists(_) => {}
    }
}

/// Queues the search and gives the response its `query_id`.
pub(super) fn record(state: &AppState, pending: Pending, response: &mut SearchResponse) {
    let Some(recorder) = &state.config.analytics else {
        return;
    };
    let id = new_query_id();
    recorder.record_search(SearchEvent {
        id: id.clone(),
        at_ms: now_ms(),
        query: pending.query,
        filters: pending.filters,
        total: response.total as u64,
        page: pending.page,
        took_us: u64::try_from(pending.started.elapsed().as_micros()).unwrap_or(u64::MAX),
    });
    response.query_id = Some(id);
}

/// The body of `POST /api/events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    #[serde(rename = "type")]
    kind: String,
    query_id: String,
    id: String,
    position: u32,
}

/// `POST /api/events`: a click on a hit. The body is JSON whatever its content type
/// (`navigator.sendBeacon` sends text/plain to avoid a CORS preflight).
pub(super) async fn post_event(
    State(state): State<AppState>,
    Client(client): Client,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let Some(recorder) = state.config.analytics.clone() else {
        return Err(ApiError::new(
            Code::NotFound,
            "analytics are off on this server",
        ));
    };
    let event = parse_event(&body)?;
    let query_id = event.query_id.clone();
    let doc_id = event.id.clone();
    let lookup = Arc::clone(&recorder);
    let title = run_blocking(&state, client, move |engine| {
        if !lookup.knows(&query_id) {
            return Ok(Err(ApiError::new(
                Code::UnknownQueryId,
                format!("no search with query_id {query_id:?}"),
            )));
        }
        Ok(match engine.document(&doc_id)? {
            Some(doc) => Ok(engine.shown_title(&doc.title)),
            None => Err(ApiError::new(
                Code::InvalidParameter,
                format!("no document with id {doc_id:?}"),
            )),
        })
    })
    .await??;
    recorder.record_click(ClickEvent {
        query_id: event.query_id,
        at_ms: now_ms(),
        doc_id: event.id,
        title: Some(title),
        position: event.position,
    });
    Ok((StatusCode::ACCEPTED, Json(json!({"status": "accepted"}))).into_response())
}

fn parse_event(body: &[u8]) -> Result<EventBody, ApiError> {
    let event: EventBody = serde_json::from_slice(body).map_err(|err| {
        ApiError::new(
            Code::MalformedJson,
            format!("expected {{\"type\": \"click\", \"query_id\", \"id\", \"position\"}}: {err}"),
        )
    })?;
    let invalid = |message: String| Err(ApiError::new(Code::InvalidParameter, message));
    if event.kind != "click" {
        return invalid(format!(
            "unknown event type {:?}; the only type is \"click\"",
            event.kind
        ));
    }
    if event.query_id.is_empty() || event.query_id.len() > 64 {
        return invalid("query_id must be the query_id of a search response".into());
    }
    if event.id.is_empty() || event.id.len() > MAX_ID_BYTES {
        return invalid(format!("id must be 1 to {MAX_ID_BYTES} bytes"));
    }
    if event.position == 0 || event.position > MAX_POSITION {
        return invalid(format!("position must be between 1 and {MAX_POSITION}"));
    }
    Ok(event)
}

/// `GET /admin/analytics?days=N` (default 7): the report, its zero-result queries diagnosed.
pub(super) async fn report(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Report>, ApiError> {
    let Some(recorder) = state.config.analytics.clone() else {
        return Err(ApiError::new(
            Code::NotFound,
            "analytics are off on this server (serve --analytics FILE)",
        ));
    };
    let mut days = 7;
    for (key, value) in url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        if key == "days" {
            days = params::parse_number("days", &value)?;
        }
    }
    let days = u32::try_from(days)
        .ok()
        .filter(|d| (1..=him_analytics::MAX_DAYS).contains(d))
        .ok_or_else(|| {
            ApiError::new(
                Code::InvalidParameter,
                format!("days must be between 1 and {}", him_analytics::MAX_DAYS),
            )
        })?;
    run_blocking(&state, None, move |engine| {
        // What was answered a moment ago is in the report.
        recorder.flush();
        let report = him_analytics::report(recorder.path(), days, now_ms());
        Ok(report.map(|mut report| {
            report.classify_gaps(|query| engine.diagnose_zero_results(query).ok());
            report
        }))
    })
    .await?
    .map(Json)
    .map_err(|err| {
        tracing::warn!(error = %err, "analytics report failed");
        ApiError::new(Code::AnalyticsUnavailable, err.to_string())
    })
}

/// The analytics part of `/readyz`: `"off"`, `"ok"`, or `"degraded"` with the reason.
pub(super) fn readiness(state: &AppState) -> (&'static str, Option<String>) {
    match state.config.analytics.as_ref().map(|r| r.health()) {
        None => ("off", None),
        Some(Health::Ok) => ("ok", None),
        Some(Health::Degraded(reason)) => ("degraded", Some(reason)),
    }
}
