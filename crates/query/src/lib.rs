//! The himsearch query engine: ranked search with filters, disjunctive facet counts and
//! highlighted snippets over an index written by `him-indexer`.
//!
//! [`SearchEngine::search`] takes a [`SearchRequest`] and returns the API's
//! [`SearchResponse`](him_schema::api::SearchResponse); the CLI prints it, the HTTP layer
//! serves it.
//!
//! ```no_run
//! use him_query::{SearchEngine, SearchRequest};
//! use him_schema::Taxonomy;
//!
//! let engine = SearchEngine::open("index".as_ref(), Taxonomy::builtin()?)?;
//! let response = engine.search(SearchRequest::new("rhit exam").filter("credential", "RHIT")?)?;
//! println!("{} hits", response.total);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod build;
mod cache;
mod check;
mod clauses;
mod engine;
mod error;
pub mod eval;
mod expand;
mod facet_table;
mod filter;
mod flat;
mod highlight;
pub mod http;
mod irregular;
mod materialize;
mod parse;
mod request;
mod snippet;
mod stats;
mod subject;
mod suggest;
mod synonyms;
#[cfg(test)]
mod test_support;

pub use cache::CacheStats;
pub use check::{check_index, CheckReport};
pub use engine::{DocumentView, SearchEngine};
pub use error::{Error, Result};
pub use filter::{parse_filter, parse_filter_array, Filter, FilterError};
pub use highlight::escape_html;
pub use request::{
    SearchRequest, DEFAULT_PER_PAGE, MAX_FILTER_VALUES, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS,
};
pub use suggest::Suggestion;
