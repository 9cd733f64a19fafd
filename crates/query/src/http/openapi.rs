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
    RouteDoc {
        method: "post",
        path: "/indexes/{uid}/search",
        summary: "Meilisearch's search protocol: a JSON body of q, offset, limit, page, hitsPerPage, \
                  filter (string or array form, over the facet kinds), facets, attributesToRetrieve, \
                  attributesToHighlight, highlightPreTag, highlightPostTag, attributesToCrop, \
                  cropLength, cropMarker, showRankingScore, matchingStrategy (errors in \
                  Meilisearch's shape)",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/indexes/{uid}/search",
        summary: "Meilisearch's search protocol, parameters in the query string (lists comma-separated)",
        query: MEILI_PARAMS,
    },
    RouteDoc {
        method: "post",
        path: "/multi-search",
        summary: "Meilisearch's multi-search: {\"queries\": [{\"indexUid\", ...search parameters}]} -> {\"results\": [...]}",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/indexes",
        summary: "Meilisearch's index list: the served index",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/indexes/{uid}",
        summary: "The served index: uid, primaryKey (id), createdAt, updatedAt (its last commit)",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/indexes/{uid}/settings/filterable-attributes",
        summary: "The facet kinds, which filters and facets name",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/health",
        summary: "Meilisearch's health: {\"status\": \"available\"}",
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/version",
        summary: "Meilisearch's version route: pkgVersion is himsearch's",
        query: &[],
    },
];

const MEILI_PARAMS: &[(&str, &str)] = &[
    ("q", "Query text."),
    ("offset", "Hits to skip (offset + limit at most 1000)."),
    (
        "limit",
        "Hits to return (default 20; at most 100 are returned).",
    ),
    (
        "page",
        "1-based page, with hitsPerPage: exhaustive totalHits and totalPages.",
    ),
    ("hitsPerPage", "Hits per page."),
    (
        "filter",
        "A filter expression: credential = RHIT AND (topic = Coding OR topic = Privacy).",
    ),
    ("facets", "Facet kinds to count, comma-separated, or *."),
    (
        "attributesToRetrieve",
        "Attributes of each hit, comma-separated (default *).",
    ),
    (
        "attributesToHighlight",
        "Attributes highlighted in _formatted (title, content, hierarchy_lvl1, or *).",
    ),
    ("highlightPreTag", "Before each match (default <em>)."),
    ("highlightPostTag", "After each match (default </em>)."),
    (
        "attributesToCrop",
        "Attributes cropped in _formatted (content:20 sets a length).",
    ),
    ("cropLength", "Words kept around the matches (default 10)."),
    ("cropMarker", "Marks cut text (default …)."),
    (
        "showRankingScore",
        "true adds _rankingScore (0 to 1) to each hit.",
    ),
    (
        "matchingStrategy",
        "last (default: pages with some words after those with all) or all.",
    ),
];

/// Builds the OpenAPI 3.1 document of a server whose index uses `taxonomy`.
pub fn openapi(taxonomy: &Taxonomy) -> Value {
    let kind_keys = taxonomy.kind_keys();
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
