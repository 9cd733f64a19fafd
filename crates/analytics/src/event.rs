//! What is recorded: a search as the server answered it, a click on one of its hits.

use std::time::{SystemTime, UNIX_EPOCH};

/// One search answered by the HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchEvent {
    /// The id the response carried (`query_id`), which clicks refer to.
    pub id: String,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    /// The query text, normalized ([`normalize_query`]).
    pub query: String,
    /// Filters as (facet kind, value) pairs.
    pub filters: Vec<(String, String)>,
    /// Matching documents.
    pub total: u64,
    /// 1-based page.
    pub page: u32,
    /// Time the server took, in microseconds.
    pub took_us: u64,
}

/// A reader opened a hit of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct ClickEvent {
    /// The `query_id` of the search whose hit was opened.
    pub query_id: String,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    /// The document opened.
    pub doc_id: String,
    /// Its title when clicked, so reports read well after it leaves the index.
    pub title: Option<String>,
    /// 1-based position among the search's hits (page 2's first hit is 11 at 10 a page).
    pub position: u32,
}

/// Longest query kept, in characters (the API's own limit is 512).
const MAX_QUERY_CHARS: usize = 512;

/// The form a query is counted under: trimmed, runs of white space as one space, lower case.
/// `RHIT  Exam ` and `rhit exam` are the same search.
pub fn normalize_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for word in query.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    match out.char_indices().nth(MAX_QUERY_CHARS) {
        Some((cut, _)) => out[..cut].to_string(),
        None => out,
    }
}

/// A new query id: 32 hex digits, a UUIDv7 (the millisecond, then 74 random bits): unguessable,
/// so a click cannot be credited to someone else's search, and time-ordered, so the table's
/// index grows at its end (half the cost per row of random ids, BENCHMARKS.md).
pub fn new_query_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_counted_in_one_form() {
        assert_eq!(normalize_query("  RHIT   Exam\t"), "rhit exam");
        assert_eq!(normalize_query("ÉTUDE"), "étude");
        assert_eq!(normalize_query(""), "");
        assert_eq!(normalize_query(&"a".repeat(600)).len(), 512);
    }

    #[test]
    fn query_ids_are_distinct_hex() {
        let (a, b) = (new_query_id(), new_query_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
