//! Shared vocabulary of himsearch: the tantivy [`schema`](fields::build_schema) and its
//! [`Fields`], the text [analyzers](analysis), the HIM [`Taxonomy`] with its [`FacetMatcher`],
//! and the serde types of the search API ([`api`]).
//!
//! The indexer writes what this crate declares and the query crate reads it back, so both
//! agree on field names, tokenizers and facet values by construction.
//!
//! ```
//! use him_schema::Taxonomy;
//!
//! let taxonomy = Taxonomy::builtin()?;
//! let matcher = taxonomy.matcher();
//! let found = matcher.extract("Pass the Registered Health Information Technician exam.");
//! let credential = taxonomy.kind_named("credential").unwrap();
//! assert!(found.get(credential).contains(&"RHIT".to_string()));
//! # Ok::<(), him_schema::Error>(())
//! ```
#![deny(missing_docs)]

pub mod affix;
pub mod analysis;
pub mod api;
#[cfg(unix)]
mod directory;
mod error;
mod facets;
mod fields;
mod matcher;
mod taxonomy;

#[cfg(unix)]
pub use directory::SearchDirectory;
pub use error::{Error, Result};
pub use facets::{FacetKind, FacetValues};
pub use fields::{
    about_text, build_schema, facet_of, open_index_dir, open_index_for_search, parse_facet,
    stored_text, title_form_text, Fields, FACETS_FIELD, MEANING_FIELD, SCHEMA_VERSION,
    SUGGEST_TITLE_CHARS,
};
pub use matcher::{FacetMatcher, Mentions};
pub use taxonomy::{Extraction, FacetValueSpec, KindPolicy, KindSpec, SynonymGroup, Taxonomy};
