//! A search request of the protocol (`POST` body, `GET` query string, or one entry of a
//! multi-search), read into [`MeiliQuery`] and turned into the engine's [`SearchRequest`].
//! Parameters the protocol has and himsearch cannot honour answer 400 with Meilisearch's code
//! for that parameter; unknown parameters answer 400 `bad_request`, as Meilisearch does.

use him_schema::Taxonomy;
use serde_json::{Map, Value};

use super::error::MeiliError;
use crate::{parse_filter, parse_filter_array, Filter, SearchRequest};

/// Hits a protocol search returns at most (Meilisearch's `pagination.maxTotalHits`).
pub(crate) const MAX_TOTAL_HITS: usize = 1000;

/// Meilisearch's `matchingStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// Documents with some of the words after those with all (himsearch's ranking).
    Last,
    /// Only documents with every word.
    All,
}

/// A protocol search, validated.
#[derive(Debug, Clone)]
pub(crate) struct MeiliQuery {
    pub(crate) q: String,
    pub(crate) offset: usize,
    pub(crate) limit: usize,
    /// `page`/`hitsPerPage` mode: exhaustive counts, `totalHits` and `totalPages`.
    pub(crate) page_mode: Option<(usize, usize)>,
    pub(crate) filter: Option<Filter>,
    /// Kinds whose counts are asked for (`["*"]`: all).
    pub(crate) facets: Option<Vec<String>>,
    pub(crate) retrieve: Option<Vec<String>>,
    pub(crate) highlight: Vec<String>,
    pub(crate) pre_tag: String,
    pub(crate) post_tag: String,
    pub(crate) crop: Vec<String>,
    pub(crate) crop_length: usize,
    pub(crate) crop_marker: String,
    pub(crate) show_ranking_score: bool,
    pub(crate) strategy: Strategy,
}

const KNOWN: &[&str] = &[
    "q",
    "offset",
    "limit",
    "page",
    "hitsPerPage",
    "filter",
    "facets",
    "attributesToRetrieve",
    "attributesToHighlight",
    "highlightPreTag",
    "highlightPostTag",
    "attributesToCrop",
    "cropLength",
    "cropMarker",
    "showRankingScore",
    "showRankingScoreDetails",
    "showMatchesPosition",
    "matchingStrategy",
    "sort",
    "attributesToSearchOn",
    "rankingScoreThreshold",
    "distinct",
    "hybrid",
    "vector",
    "retrieveVectors",
    "locales",
    "indexUid",
    "federationOptions",
    "facetName",
    "facetQuery",
    "exhaustiveFacetCount",
];

/// Reads a JSON object of search parameters.
pub(crate) fn from_json(
    object: &Map<String, Value>,
    taxonomy: &Taxonomy,
) -> Result<MeiliQuery, MeiliError> {
    for key in object.keys() {
        if !KNOWN.contains(&key.as_str()) {
            return Err(MeiliError::bad(
                "bad_request",
                format!(
                    "Unknown field `{key}`: expected one of `{}`",
                    KNOWN.join("`, `")
                ),
            ));
        }
    }
    let get = |key: &str| object.get(key).filter(|v| !v.is_null());
    let q = match get("q") {
        None => String::new(),
        Some(Value::String(q)) => q.clone(),
        Some(_) => return Err(type_error("q", "invalid_search_q", "a string")),
    };
    if q.chars().count() > crate::MAX_QUERY_CHARS {
        return Err(MeiliError::bad(
            "invalid_search_q",
            format!("`q` is over {} characters", crate::MAX_QUERY_CHARS),
        ));
    }
    let number = |key: &str, code: &'static str| -> Result<Option<usize>, MeiliError> {
        match get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| type_error(key, code, "a positive integer")),
        }
    };
    let offset = number("offset", "invalid_search_offset")?;
    let limit = number("limit", "invalid_search_limit")?;
    let page = number("page", "invalid_search_page")?;
    let hits_per_page = number("hitsPerPage", "invalid_search_hits_per_page")?;
    let page_mode = (page.is_some() || hits_per_page.is_some())
        .then(|| (page.unwrap_or(1), hits_per_page.unwrap_or(20)));
    let filter = match get("filter") {
        None => None,
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => Some(parse_filter(text, taxonomy).map_err(filter_error)?),
        Some(Value::Array(items)) => {
            Some(parse_filter_array(items, taxonomy).map_err(filter_error)?)
        }
        Some(_) => {
            return Err(type_error(
                "filter",
                "invalid_search_filter",
                "a string or an array",
            ))
        }
    };
    let list = |key: &str, code: &'static str| -> Result<Option<Vec<String>>, MeiliError> {
        match get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| type_error(key, code, "an array of strings")),
            Some(_) => Err(type_error(key, code, "an array of strings")),
        }
    };
    let facets = list("facets", "invalid_search_facets")?;
    if let Some(facets) = &facets {
        for name in facets {
            if name != "*" && taxonomy.kind_keyed(name).is_none() {
                return Err(MeiliError::bad(
                    "invalid_search_facets",
                    format!(
                        "Invalid facet distribution, attribute `{name}` is not filterable. The available filterable attributes are `{}`.",
                        taxonomy.kind_list()
                    ),
                ));
            }
        }
    }
    let text = |key: &str, code: &'static str, default: &str| -> Result<String, MeiliError> {
        match get(key) {
            None => Ok(default.to_string()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(type_error(key, code, "a string")),
        }
    };
    let flag = |key: &str, code: &'static str| -> Result<bool, MeiliError> {
        match get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(type_error(key, code, "a boolean")),
        }
    };
    let strategy = match get("matchingStrategy").map(|v| v.as_str()) {
        None | Some(Some("last" | "frequency")) => Strategy::Last,
        Some(Some("all")) => Strategy::All,
        Some(_) => {
            return Err(MeiliError::bad(
                "invalid_search_matching_strategy",
                "Invalid value in parameter `matchingStrategy`: expected one of `last`, `all`, `frequency`.",
            ))
        }
    };
    refuse_unsupported(object)?;
    flag(
        "showMatchesPosition",
        "invalid_search_show_matches_position",
    )?;
    flag(
        "showRankingScoreDetails",
        "invalid_search_show_ranking_score_details",
    )?;
    Ok(MeiliQuery {
        q,
        offset: offset.unwrap_or(0),
        limit: limit.unwrap_or(20),
        page_mode,
        filter,
        facets,
        retrieve: list(
            "attributesToRetrieve",
            "invalid_search_attributes_to_retrieve",
        )?,
        highlight: list(
            "attributesToHighlight",
            "invalid_search_attributes_to_highlight",
        )?
        .unwrap_or_default(),
        pre_tag: text(
            "highlightPreTag",
            "invalid_search_highlight_pre_tag",
            "<em>",
        )?,
        post_tag: text(
            "highlightPostTag",
            "invalid_search_highlight_post_tag",
            "</em>",
        )?,
        crop: list("attributesToCrop", "invalid_search_attributes_to_crop")?.unwrap_or_default(),
        crop_length: number("cropLength", "invalid_search_crop_length")?.unwrap_or(10),
        crop_marker: text("cropMarker", "invalid_search_crop_marker", "…")?,
        show_ranking_score: flag("showRankingScore", "invalid_search_show_ranking_score")?,
        strategy,
    })
}

/// Parameters whose every value but the neutral one would need what these documents lack
/// (sortable attributes, vectors, a distinct attribute).
fn refuse_unsupported(object: &Map<String, Value>) -> Result<(), MeiliError> {
    let present = |key: &str| {
        object.get(key).is_some_and(|v| match v {
            Value::Null => false,
            Value::Array(items) => !items.is_empty() && items != &[Value::String("*".into())],
            Value::Bool(b) => *b,
            _ => true,
        })
    };
    for (key, code, message) in [
        ("sort", "invalid_search_sort", "Attribute is not sortable: this index has no sortable attributes; hits are ranked by relevance."),
        ("attributesToSearchOn", "invalid_search_attributes_to_search_on", "Searching on chosen attributes is not supported: every searchable attribute is searched."),
        ("distinct", "invalid_search_distinct", "This index has no distinct attribute."),
        ("hybrid", "invalid_search_hybrid_query", "This index has no embedders: hybrid search is not supported."),
        ("vector", "invalid_search_vector", "This index has no embedders: vector search is not supported."),
        ("retrieveVectors", "invalid_search_retrieve_vectors", "This index has no vectors."),
    ] {
        if present(key) {
            return Err(MeiliError::bad(code, message));
        }
    }
    Ok(())
}

/// Reads a `GET` query string: lists comma-separated, numbers and booleans as text.
pub(crate) fn from_query_string(raw: &str, taxonomy: &Taxonomy) -> Result<MeiliQuery, MeiliError> {
    let mut object = Map::new();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let key = key.into_owned();
        let value = value.into_owned();
        let typed = match key.as_str() {
            "offset" | "limit" | "page" | "hitsPerPage" | "cropLength" => {
                match value.trim().parse::<u64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => Value::String(value),
                }
            }
            "showRankingScore" | "showMatchesPosition" | "showRankingScoreDetails" => {
                match value.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::String(value),
                }
            }
            "facets"
            | "attributesToRetrieve"
            | "attributesToHighlight"
            | "attributesToCrop"
            | "sort"
            | "attributesToSearchOn" => Value::Array(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
            _ => Value::String(value),
        };
        object.insert(key, typed);
    }
    from_json(&object, taxonomy)
}

impl MeiliQuery {
    /// The hits asked for, within [`MAX_TOTAL_HITS`]: (offset, count).
    pub(crate) fn window(&self) -> (usize, usize) {
        let (offset, limit) = match self.page_mode {
            // Page 0 holds no hits, as in Meilisearch.
            Some((0, _)) => (0, 0),
            Some((page, per_page)) => ((page - 1).saturating_mul(per_page), per_page),
            None => (self.offset, self.limit),
        };
        let end = offset.saturating_add(limit).min(MAX_TOTAL_HITS);
        (offset.min(MAX_TOTAL_HITS), end.saturating_sub(offset))
    }

    /// The engine's request: up to 100 hits from the window's start (`limit` above 100
    /// returns 100); with no hits asked for, one is fetched for the counts and dropped.
    pub(crate) fn request(&self) -> SearchRequest {
        let (offset, count) = self.window();
        let mut request = SearchRequest::new(self.q.clone());
        request.expression = self.filter.clone();
        request.per_page = count.clamp(1, crate::MAX_PER_PAGE);
        request.offset = Some(if count == 0 { 0 } else { offset });
        request.all_words = self.strategy == Strategy::All;
        request
    }
}

fn type_error(key: &str, code: &'static str, expected: &str) -> MeiliError {
    MeiliError::bad(
        code,
        format!("Invalid value type at `.{key}`: expected {expected}."),
    )
}

fn filter_error(err: crate::FilterError) -> MeiliError {
    MeiliError::bad("invalid_search_filter", err.to_string())
}
