//! JSON bodies of the search API, shared by `himsearch search --json` and the HTTP server so
//! both print exactly the same thing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Body of a search response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The query as received.
    pub query: String,
    /// Exact number of matching documents.
    pub total: usize,
    /// 1-based page number.
    pub page: usize,
    /// Hits per page.
    pub per_page: usize,
    /// Time spent searching, in milliseconds.
    pub took_ms: u64,
    /// The hits of this page, best first.
    pub hits: Vec<Hit>,
    /// Facet counts per facet name, computed disjunctively.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// A corrected query when this one found nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// The id of this search in the server's analytics, for click events (`POST
    /// /api/events`); absent when analytics are off and outside the HTTP API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_id: Option<String>,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Stable document id.
    pub id: String,
    /// Public URL.
    pub url: String,
    /// Title, plain text (escape it before rendering).
    pub title: String,
    /// Title as HTML: escaped, matches in `<mark>`.
    pub title_html: String,
    /// Best passage as HTML: escaped, matches in `<mark>`.
    pub snippet: String,
    /// The title as plain text split at the matches: even entries as they are, odd entries
    /// matched (`["", "RHIT", " exam"]`). For clients that render without parsing HTML.
    #[serde(default)]
    pub title_parts: Vec<String>,
    /// The snippet as plain text split at the matches, like `title_parts`.
    #[serde(default)]
    pub snippet_parts: Vec<String>,
    /// Relevance score.
    pub score: f32,
    /// Facet values of the document per facet name.
    pub facets: BTreeMap<String, Vec<String>>,
    /// Score breakdown, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<serde_json::Value>,
}

/// A facet value with its document count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    /// Canonical value.
    pub value: String,
    /// Documents carrying it under the other facets' filters.
    pub count: u64,
}

/// Body of every error response: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Code and message of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable snake_case code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}
