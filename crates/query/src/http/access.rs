//! Keys: an optional API key for non-public deployments (every `/api/` route) and a separate
//! admin key for `/admin/` routes, which are off unless an admin key is set. Keys come in the
//! `Authorization: Bearer` or `X-Api-Key` header, never the URL (URLs are logged), and are
//! compared in constant time. Search `explain` (score breakdowns: costly to compute and large
//! to send, and never cached) needs the admin key as well. The admin routes run a job the binary supplies (re-index or
//! re-crawl): this layer knows nothing of indexing.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{ApiError, AppState, Code};

/// A job behind `POST /admin/reindex`: runs to completion on a blocking thread and returns a
/// JSON summary, or a message.
#[derive(Clone)]
pub struct AdminJob(pub Arc<dyn Fn() -> Result<Value, String> + Send + Sync>);

impl std::fmt::Debug for AdminJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminJob")
    }
}

/// What the admin job did last.
#[derive(Debug, Default)]
pub(super) struct JobStatus {
    running: bool,
    runs: u64,
    last: Option<Value>,
}

/// Equal keys, in time that does not depend on where they differ.
///
/// `subtle`'s slice comparison returns at once on a length mismatch, which would tell a caller
/// how long the key is; so the lengths are compared as numbers and every byte of `expected` is
/// compared against `given` (zero past its end) whatever the lengths, with `subtle`'s
/// `Choice` keeping the compiler from turning the loop back into an early exit.
pub(super) fn same_key(given: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    let mut equal = (given.len() as u64).ct_eq(&(expected.len() as u64));
    for (i, byte) in expected.iter().enumerate() {
        equal &= given.get(i).copied().unwrap_or(0).ct_eq(byte);
    }
    bool::from(equal)
}

pub(super) fn given_key(headers: &HeaderMap) -> Option<&[u8]> {
    if let Some(value) = headers.get("x-api-key") {
        return Some(value.as_bytes());
    }
    let auth = headers.get(header::AUTHORIZATION)?.as_bytes();
    auth.strip_prefix(b"Bearer ")
        .or_else(|| auth.strip_prefix(b"bearer "))
}

/// Middleware: admin routes need the admin key; with an API key set, `/api/` routes need it
/// (the admin key is accepted too).
pub(super) async fn require_keys(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let given = given_key(request.headers());
    let is = |key: &Option<String>| {
        key.as_deref()
            .is_some_and(|k| given.is_some_and(|g| same_key(g, k.as_bytes())))
    };
    if path.starts_with("/admin/") {
        if state.config.admin_key.is_none() {
            return ApiError::new(Code::NotFound, "admin routes are off: no admin key is set")
                .into_response();
        }
        if !is(&state.config.admin_key) {
            return unauthorized("this route needs the admin key");
        }
    } else if path.starts_with("/api/")
        && path != "/api/openapi.json"
        && state.config.api_key.is_some()
        && !is(&state.config.api_key)
        && !is(&state.config.admin_key)
    {
        return unauthorized("this server needs an API key");
    }
    next.run(request).await
}

/// Whether `headers` carry the admin key; never without one configured.
pub(super) fn has_admin_key(state: &AppState, headers: &HeaderMap) -> bool {
    let given = given_key(headers);
    state
        .config
        .admin_key
        .as_deref()
        .is_some_and(|key| given.is_some_and(|g| same_key(g, key.as_bytes())))
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(Code::Unauthorized, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// `POST /admin/reindex`: starts the job unless it is running (409).
pub(super) async fn start_job(State(state): State<AppState>) -> Result<Response, ApiError> {
    let Some(job) = state.config.admin_job.clone() else {
        return Err(ApiError::new(
            Code::NotFound,
            "this server has no re-index job configured",
        ));
    };
    if !claim(&state.job_status) {
        return Err(ApiError::new(Code::Busy, "a re-index is already running").retry_after(5));
    }
    let status = Arc::clone(&state.job_status);
    tokio::task::spawn_blocking(move || run_claimed(&job, &status));
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(json!({"status": "started"})),
    )
        .into_response())
}

impl AppState {
    /// Runs the admin job on this thread (a scheduled re-crawl), recording its outcome for
    /// `GET /admin/status` as `POST /admin/reindex` does. Returns false, without running it,
    /// when there is no job or one is already running.
    pub fn run_admin_job(&self) -> bool {
        let Some(job) = self.config.admin_job.as_ref() else {
            return false;
        };
        if !claim(&self.job_status) {
            return false;
        }
        run_claimed(job, &self.job_status);
        true
    }
}

/// Marks the job as running unless it already is.
fn claim(status: &Mutex<JobStatus>) -> bool {
    let mut status = lock(status);
    !std::mem::replace(&mut status.running, true)
}

fn run_claimed(job: &AdminJob, status: &Mutex<JobStatus>) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (job.0)()));
    let last = match outcome {
        Ok(Ok(summary)) => json!({"ok": true, "summary": summary}),
        Ok(Err(message)) => json!({"ok": false, "error": message}),
        Err(_) => json!({"ok": false, "error": "the job panicked"}),
    };
    let mut status = lock(status);
    status.running = false;
    status.runs += 1;
    status.last = Some(last);
}

/// `GET /admin/status`.
pub(super) async fn job_status(State(state): State<AppState>) -> Response {
    let status = lock(&state.job_status);
    Json(json!({"running": status.running, "runs": status.runs, "last": status.last}))
        .into_response()
}

pub(super) fn new_status() -> Arc<Mutex<JobStatus>> {
    Arc::new(Mutex::new(JobStatus::default()))
}

fn lock(status: &Mutex<JobStatus>) -> std::sync::MutexGuard<'_, JobStatus> {
    status.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::same_key;

    #[test]
    fn keys_compare_whole() {
        assert!(same_key(b"s3cret-key", b"s3cret-key"));
        assert!(!same_key(b"s3cret-kez", b"s3cret-key"));
        assert!(!same_key(b"s3cret", b"s3cret-key"));
        assert!(!same_key(b"s3cret-key-longer", b"s3cret-key"));
        assert!(!same_key(b"", b"s3cret-key"));
        assert!(same_key(b"", b""));
        assert!(!same_key(b"x", b""));
        // A given key that is the expected one padded with the zeros used past its end.
        assert!(!same_key(b"s3cret-key\0\0", b"s3cret-key"));
        assert!(!same_key(b"s3cret", b"s3cret\0\0\0\0"));
    }
}
