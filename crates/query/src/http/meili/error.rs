//! Errors in Meilisearch's shape, `{"message", "code", "type", "link"}`, which its clients
//! surface; and a middleware that gives the server's own errors (rate limits, body limits,
//! overload) that shape on the protocol's routes.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::super::Code;

/// An error answered on the protocol's routes.
#[derive(Debug)]
pub(crate) struct MeiliError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl MeiliError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        MeiliError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 with `code`.
    pub(crate) fn bad(code: &'static str, message: impl Into<String>) -> Self {
        MeiliError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The same error inside `.queries[i]` of a multi-search.
    pub(crate) fn inside(mut self, index: usize) -> Self {
        self.message = format!("Inside `.queries[{index}]`: {}", self.message);
        self
    }

    pub(crate) fn index_not_found(uid: &str) -> Self {
        MeiliError::new(
            StatusCode::NOT_FOUND,
            "index_not_found",
            format!("Index `{uid}` not found."),
        )
    }
}

impl From<super::super::ApiError> for MeiliError {
    fn from(err: super::super::ApiError) -> Self {
        let (code, status) = err.code().describe();
        MeiliError::new(status, meili_code(code, status), err.message().to_string())
    }
}

fn body(status: StatusCode, code: &str, message: &str) -> Value {
    let kind = match status.as_u16() {
        401 | 403 => "auth",
        400..=499 => "invalid_request",
        503 => "system",
        _ => "internal",
    };
    json!({
        "message": message,
        "code": code,
        "type": kind,
        "link": format!("https://docs.meilisearch.com/errors#{code}"),
    })
}

impl IntoResponse for MeiliError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(body(self.status, self.code, &self.message)),
        )
            .into_response()
    }
}

/// The protocol's code for one of the server's own.
fn meili_code(code: &'static str, status: StatusCode) -> &'static str {
    match code {
        "malformed_json" => "malformed_payload",
        "unknown_facet" => "invalid_search_facets",
        "query_too_long" => "invalid_search_q",
        "invalid_parameter" | "per_page_too_large" => "bad_request",
        "unauthorized" if status == StatusCode::UNAUTHORIZED => "missing_authorization_header",
        "internal" => "internal",
        other => other,
    }
}

/// Whether `path` is one of the protocol's routes.
pub(crate) fn is_protocol_path(path: &str) -> bool {
    path == "/indexes"
        || path.starts_with("/indexes/")
        || path == "/multi-search"
        || path == "/health"
        || path == "/version"
        || path == "/tasks"
        || path.starts_with("/tasks/")
        || path == "/keys"
        || path.starts_with("/keys/")
}

/// Middleware: an error of the server's shape (`{"error": {"code", "message"}}`) answered on
/// a protocol route is rewritten into the protocol's shape, headers kept.
pub(crate) async fn shape_errors(request: Request, next: Next) -> Response {
    if !is_protocol_path(request.uri().path()) {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let (mut parts, original) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(original, 64 * 1024).await else {
        return (parts.status, Body::empty()).into_response();
    };
    let ours: Option<Value> = serde_json::from_slice(&bytes).ok();
    let Some(error) = ours.as_ref().and_then(|v| v.get("error")) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let code = error["code"].as_str().unwrap_or("internal");
    let message = error["message"].as_str().unwrap_or("");
    let code = Code::named(code).map_or("internal", |c| meili_code(c.describe().0, status));
    let reshaped = body(status, code, message).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(reshaped))
}
