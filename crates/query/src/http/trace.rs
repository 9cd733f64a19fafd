//! What one request writes to the log. Every request gets a span with its method, path and
//! query; path and query are cut to [`MAX_LOGGED_BYTES`] each, so a client sending 16 KiB URLs
//! (even ones refused with 429) grows the log by a bounded amount per request.

use axum::http::{Request, Uri};
use tracing::Span;

/// Longest path, and longest query, written to the log for one request.
pub(super) const MAX_LOGGED_BYTES: usize = 256;

/// The span of one request (`tower_http::trace::MakeSpan`).
pub(super) fn request_span<B>(request: &Request<B>) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %logged_uri(request.uri()),
        version = ?request.version(),
    )
}

/// `uri`'s path and query as logged: each at most [`MAX_LOGGED_BYTES`], cut at a character
/// boundary and marked with how much was left out.
pub(super) fn logged_uri(uri: &Uri) -> String {
    let mut logged = cut(uri.path());
    if let Some(query) = uri.query() {
        logged.push('?');
        logged.push_str(&cut(query));
    }
    logged
}

fn cut(text: &str) -> String {
    if text.len() <= MAX_LOGGED_BYTES {
        return text.to_string();
    }
    let mut end = MAX_LOGGED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[{} more bytes]", &text[..end], text.len() - end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_uris_are_logged_whole() {
        let uri: Uri = "/api/search?q=rhit&per_page=5".parse().unwrap();
        assert_eq!(logged_uri(&uri), "/api/search?q=rhit&per_page=5");
    }

    #[test]
    fn a_15k_url_is_cut_to_the_bound() {
        let query = format!("q={}", "a".repeat(15_500));
        let uri: Uri = format!("/api/search?{query}").parse().unwrap();
        let logged = logged_uri(&uri);
        assert_eq!(
            logged,
            format!(
                "/api/search?q={}…[{} more bytes]",
                "a".repeat(254),
                query.len() - 256
            )
        );
        let path = format!("/{}", "p".repeat(20_000));
        let uri: Uri = format!("{path}?{query}").parse().unwrap();
        let logged = logged_uri(&uri);
        assert!(logged.len() < 2 * MAX_LOGGED_BYTES + 60, "{}", logged.len());
        assert!(logged.starts_with(&format!("/{}…[19745 more bytes]?q=", "p".repeat(255))));
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        // 255 ASCII bytes then a 2-byte character straddling the bound.
        let text = format!("{}é{}", "x".repeat(255), "y".repeat(10));
        assert_eq!(cut(&text), format!("{}…[12 more bytes]", "x".repeat(255)));
    }
}
