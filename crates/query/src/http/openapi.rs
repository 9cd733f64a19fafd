//! The OpenAPI description, generated from [`ROUTES`], the same table the router test checks
//! every route against.

use serde_json::{json, Map, Value};

/// A documented route.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path, OpenAPI style (`/api/doc/{id}`).
    pub path: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Query parameters (name, description).
    pub query: &'static [(&'static str, &'static str)],
}

const SEARCH_PARAMS: &[(&str, &str)] = &[
    (
        "q",
        "Query text: words, \"phrases\", -exclusions, OR. Empty lists everything.",
    ),
    ("credential", "Filter (repeatable; values OR-ed)."),
    ("job_title", "Filter (repeatable)."),
    ("education_level", "Filter (repeatable)."),
    ("resource_type", "Filter (repeatable)."),
    ("topic", "Filter (repeatable)."),
    ("page", "1-based page (max 1000)."),
    ("per_page", "Hits per page (default 10, max 100)."),
    (
        "explain",
        "true to include score breakdowns; needs the admin key (403 without).",
    ),
];

/// Every route the server answers.
pub const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        method: "get",
        path: "/api/search",
        summary: "Ranked search with facet counts",
        query: SEARCH_PARAMS,
    },
    RouteDoc {
        method: "post",
        path: "/api/search",
        summary: "Search with a JSON body of the same fields",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/api/suggest",
        summary: "Completions for a prefix",
        query: &[
            ("q", "Prefix typed so far."),
            ("limit", "Most completions (default 8, max 20)."),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/api/facets",
        summary: "Facet value counts over the whole index",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/api/facets/{facet}",
        summary: "Search the values of one facet",
        query: &[
            ("q", "Text the value contains."),
            ("limit", "Most values (default 20, max 100)."),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/api/doc/{id}",
        summary: "Stored fields of one document",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/healthz",
        summary: "Liveness",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/readyz",
        summary: "Readiness: the index is open",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/metrics",
        summary: "Prometheus metrics",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/api/openapi.json",
        summary: "This description",
        query: &[],
    },
];

/// Builds the OpenAPI 3.1 document.
pub fn openapi() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let mut parameters: Vec<Value> = route
            .query
            .iter()
            .map(|(name, description)| {
                json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
            })
            .collect();
        for segment in route.path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                parameters.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
            }
        }
        let operation = json!({
            "summary": route.summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "Success"},
                "4XX": {"description": "Client error: {\"error\": {\"code\", \"message\"}}"},
                "5XX": {"description": "Server error: {\"error\": {\"code\", \"message\"}}"}
            }
        });
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "himsearch", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths
    })
}
