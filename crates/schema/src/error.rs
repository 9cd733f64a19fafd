//! Errors raised while loading the taxonomy or opening an index.

use std::path::PathBuf;

/// Everything that can go wrong in the schema crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The taxonomy file could not be read.
    #[error("cannot read taxonomy {path}: {source}")]
    TaxonomyRead {
        /// File that failed.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The taxonomy file is not valid TOML of the expected shape.
    #[error("invalid taxonomy: {0}")]
    TaxonomyParse(String),
    /// The taxonomy parsed but breaks an invariant (collision, dangling reference).
    #[error("inconsistent taxonomy: {0}")]
    TaxonomyInvalid(String),
    /// The index directory holds no himsearch index.
    #[error("no index at {0} (run `himsearch index` first)")]
    IndexMissing(PathBuf),
    /// The index directory holds an index this version cannot read.
    #[error("index at {path} is not a himsearch index of schema version {expected}: {detail} (rebuild it with `himsearch index --rebuild`)")]
    IndexIncompatible {
        /// Index directory.
        path: PathBuf,
        /// Schema version this build expects.
        expected: u32,
        /// What differed.
        detail: String,
    },
    /// tantivy failed to open or read the index.
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
