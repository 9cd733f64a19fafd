//! API errors: one table maps each stable code to its HTTP status, and every error response
//! has the body `{"error": {"code", "message"}}`. Internal errors are logged with their detail
//! and answered with a generic message.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use him_schema::api::{ErrorBody, ErrorDetail};

/// Stable error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A parameter is malformed or out of range.
    InvalidParameter,
    /// A facet name that does not exist.
    UnknownFacet,
    /// The query is over the length limit.
    QueryTooLong,
    /// `per_page` over the maximum.
    PerPageTooLarge,
    /// A JSON body that does not parse or has the wrong shape.
    MalformedJson,
    /// No such route or document.
    NotFound,
    /// The route exists but not for this method.
    MethodNotAllowed,
    /// The body is over the size limit.
    PayloadTooLarge,
    /// This client sent too many requests.
    RateLimited,
    /// A key is required and none or a wrong one was given.
    Unauthorized,
    /// The request asks for something only the admin key may (`explain`).
    Forbidden,
    /// The client took too long to send the request body.
    RequestTimeout,
    /// The admin job is already running.
    Busy,
    /// Too many searches in flight: shed instead of queueing.
    Overloaded,
    /// The request took longer than the limit.
    Timeout,
    /// The index cannot be read.
    IndexUnavailable,
    /// A click names a search this server did not answer (or no longer keeps).
    UnknownQueryId,
    /// The analytics database cannot be read.
    AnalyticsUnavailable,
    /// A bug or an I/O failure on our side.
    Internal,
}

impl Code {
    /// Every code.
    pub const ALL: [Code; 19] = [
        Code::InvalidParameter,
        Code::UnknownFacet,
        Code::QueryTooLong,
        Code::PerPageTooLarge,
        Code::MalformedJson,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::PayloadTooLarge,
        Code::RateLimited,
        Code::Unauthorized,
        Code::Forbidden,
        Code::RequestTimeout,
        Code::Busy,
        Code::Overloaded,
        Code::Timeout,
        Code::IndexUnavailable,
        Code::UnknownQueryId,
        Code::AnalyticsUnavailable,
        Code::Internal,
    ];

    /// The code sent as `name`, if it is one of ours.
    pub fn named(name: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|code| code.describe().0 == name)
    }

    /// The code as sent, and its HTTP status.
    pub fn describe(self) -> (&'static str, StatusCode) {
        match self {
            Code::InvalidParameter => ("invalid_parameter", StatusCode::BAD_REQUEST),
            Code::UnknownFacet => ("unknown_facet", StatusCode::BAD_REQUEST),
            Code::QueryTooLong => ("query_too_long", StatusCode::BAD_REQUEST),
            Code::PerPageTooLarge => ("per_page_too_large", StatusCode::BAD_REQUEST),
            Code::MalformedJson => ("malformed_json", StatusCode::BAD_REQUEST),
            Code::NotFound => ("not_found", StatusCode::NOT_FOUND),
            Code::MethodNotAllowed => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            Code::PayloadTooLarge => ("payload_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            Code::RateLimited => ("rate_limited", StatusCode::TOO_MANY_REQUESTS),
            Code::Unauthorized => ("unauthorized", StatusCode::UNAUTHORIZED),
            Code::Forbidden => ("forbidden", StatusCode::FORBIDDEN),
            Code::RequestTimeout => ("request_timeout", StatusCode::REQUEST_TIMEOUT),
            Code::Busy => ("busy", StatusCode::CONFLICT),
            Code::Overloaded => ("overloaded", StatusCode::SERVICE_UNAVAILABLE),
            Code::Timeout => ("timeout", StatusCode::SERVICE_UNAVAILABLE),
            Code::IndexUnavailable => ("index_unavailable", StatusCode::SERVICE_UNAVAILABLE),
            Code::UnknownQueryId => ("unknown_query_id", StatusCode::BAD_REQUEST),
            Code::AnalyticsUnavailable => {
                ("analytics_unavailable", StatusCode::SERVICE_UNAVAILABLE)
            }
            Code::Internal => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

/// An error answered to a client.
#[derive(Debug)]
pub struct ApiError {
    code: Code,
    message: String,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    /// An error with a message for the client.
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// Adds a `Retry-After` header.
    pub fn retry_after(mut self, secs: u64) -> ApiError {
        self.retry_after_secs = Some(secs);
        self
    }

    /// The error's code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The message the client reads.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<crate::Error> for ApiError {
    fn from(err: crate::Error) -> ApiError {
        let code = match &err {
            crate::Error::InvalidParameter(_) => Code::InvalidParameter,
            crate::Error::UnknownFacet { .. } => Code::UnknownFacet,
            crate::Error::QueryTooLong { .. } => Code::QueryTooLong,
            crate::Error::PerPageTooLarge { .. } => Code::PerPageTooLarge,
            crate::Error::Index(_) => Code::IndexUnavailable,
            _ => Code::Internal,
        };
        if err.is_user_error() {
            ApiError::new(code, err.to_string())
        } else {
            tracing::error!(error = %err, "search failed");
            ApiError::new(
                code,
                "the search index could not be read; try again shortly",
            )
            .retry_after(1)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status) = self.code.describe();
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message: self.message,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn every_code_is_found_by_its_name() {
        for code in Code::ALL {
            assert_eq!(Code::named(code.describe().0), Some(code));
        }
        assert_eq!(Code::named("no_such_code"), None);
    }
}
