//! The browser side: the embeddable widget (`/embed.js`), the search page (`/`), the page that
//! documents the embed snippet (`/embed`), the analytics dashboard (`/admin`, whose data needs
//! the admin key) and their stylesheet. Everything is compiled into the
//! binary; nothing is fetched from elsewhere. Pages carry a strict Content-Security-Policy: no
//! inline script, same-origin only.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;

const EMBED_JS: &str = include_str!("ui/embed.js");
const EMBED_DOCS_JS: &str = include_str!("ui/embed-docs.js");
const SEARCH_HTML: &str = include_str!("ui/search.html");
const EMBED_HTML: &str = include_str!("ui/embed.html");
const PAGE_CSS: &str = include_str!("ui/page.css");
const ADMIN_HTML: &str = include_str!("ui/admin.html");
const ADMIN_JS: &str = include_str!("ui/admin.js");

/// Policy of our own pages: scripts, styles and API calls from this origin only, no framing.
/// The widget styles itself with a constructed stylesheet, which `style-src 'self'` permits.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// Routes of the browser side.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { page(SEARCH_HTML) }))
        .route("/embed", get(|| async { page(EMBED_HTML) }))
        .route("/admin", get(|| async { page(ADMIN_HTML) }))
        .route("/embed.js", get(|| async { script(EMBED_JS, true) }))
        .route(
            "/ui/embed-docs.js",
            get(|| async { script(EMBED_DOCS_JS, false) }),
        )
        .route("/ui/admin.js", get(|| async { script(ADMIN_JS, false) }))
        .route(
            "/ui/page.css",
            get(|| async { asset(PAGE_CSS, "text/css; charset=utf-8") }),
        )
}

fn page(html: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

/// JavaScript; the widget may be loaded by any site, so it says so for cross-origin isolation.
fn script(js: &'static str, cross_origin: bool) -> Response {
    let mut response = asset(js, "text/javascript; charset=utf-8");
    if cross_origin {
        response.headers_mut().insert(
            "cross-origin-resource-policy",
            HeaderValue::from_static("cross-origin"),
        );
    }
    response
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}
