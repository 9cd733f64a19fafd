//! The OpenAPI description, generated from [`ROUTES`] (the same table the router test checks
//! every route against) and the served taxonomy's facet kinds (one filter parameter each).

use him_schema::Taxonomy;
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
        method: "post",
        path: "/api/events",
        summary:
            "Report a click on a hit: {\"type\": \"click\", \"query_id\", \"id\", \"position\"} \
                  (202; 400 for a bad event or an unknown query_id; 404 when analytics are off)",
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
        summary: "Readiness: the index is open; analytics ok, off or degraded",
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

/// Builds the OpenAPI 3.1 document of a server whose index uses `taxonomy`.
pub fn openapi(taxonomy: &Taxonomy) -> Value {
    let kind_keys: Vec<&str> = taxonomy.kinds().iter().map(|k| k.kind.name()).collect();
    // One query parameter per kind: `GET /api/search?credential=RHIT&credential=RHIA`.
    let facet_params: Vec<Value> = taxonomy
        .kinds()
        .iter()
        .map(|spec| {
            json!({
                "name": spec.kind.name(),
                "in": "query",
                "required": false,
                "description": format!("{}: filter (repeatable; values OR-ed, kinds AND-ed).", spec.label),
                "schema": {"type": "string", "examples": taxonomy.canonical_values(spec.kind)}
            })
        })
        .collect();
    let mut paths = Map::new();
    for route in ROUTES {
        let mut parameters: Vec<Value> = route
            .query
            .iter()
            .map(|(name, description)| {
                json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
            })
            .collect();
        if route.method == "get" && route.path == "/api/search" {
            parameters.splice(1..1, facet_params.iter().cloned());
        }
        for segment in route.path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let schema = if name == "facet" {
                    json!({"type": "string", "enum": kind_keys})
                } else {
                    json!({"type": "string"})
                };
                parameters
                    .push(json!({"name": name, "in": "path", "required": true, "schema": schema}));
            }
        }
        let mut operation = json!({
            "summary": route.summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "Success"},
                "4XX": {"description": "Client error: {\"error\": {\"code\", \"message\"}}"},
                "5XX": {"description": "Server error: {\"error\": {\"code\", \"message\"}}"}
            }
        });
        if route.method == "post" && route.path == "/api/search" {
            operation["requestBody"] = search_body(taxonomy);
        }
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

/// The JSON body of `POST /api/search`: the query parameters, typed, and one property per kind.
fn search_body(taxonomy: &Taxonomy) -> Value {
    let mut properties = Map::new();
    properties.insert("q".into(), json!({"type": "string"}));
    for spec in taxonomy.kinds() {
        properties.insert(
            spec.kind.name().into(),
            json!({
                "description": format!("{}: a value or a list of values (OR-ed).", spec.label),
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            }),
        );
    }
    properties.insert("page".into(), json!({"type": "integer", "minimum": 1}));
    properties.insert("per_page".into(), json!({"type": "integer", "minimum": 1}));
    properties.insert("explain".into(), json!({"type": "boolean"}));
    json!({
        "required": true,
        "content": {"application/json": {"schema": {
            "type": "object",
            "additionalProperties": false,
            "properties": properties
        }}}
    })
}
