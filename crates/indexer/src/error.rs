//! Errors that stop an indexing run. Problems with single files are not errors: they are
//! [`Problem`](crate::Problem)s in the [`Summary`](crate::Summary) and the run goes on.

use std::path::PathBuf;

/// Why an indexing run could not write an index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The corpus directory does not exist or is not a directory.
    #[error("corpus {0} is not a readable directory")]
    CorpusMissing(PathBuf),
    /// The index directory cannot be created or written.
    #[error("cannot use index directory {path}: {source}")]
    IndexDir {
        /// Index directory.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// Another process holds the index writer lock.
    #[error("index {0} is being written by another process; try again when it finishes")]
    IndexLocked(PathBuf),
    /// A configured CSS selector does not parse.
    #[error("invalid CSS selector {selector:?}: {message}")]
    Selector {
        /// The selector as given.
        selector: String,
        /// Parser message.
        message: String,
    },
    /// A `.himignore` pattern does not parse.
    #[error("invalid pattern {pattern:?} in .himignore: {message}")]
    IgnorePattern {
        /// The pattern.
        pattern: String,
        /// Parser message.
        message: String,
    },
    /// The JSONL input file cannot be read.
    #[error("cannot read {path}: {source}")]
    Input {
        /// Input file.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// `--meanings on` or `off` asked of an index built the other way, without `--rebuild`:
    /// an incremental run would leave some pages with meanings and some without.
    #[error(
        "index {index} was built {built}; add --rebuild to build it {wanted}",
        built = if *built_with { "with meanings" } else { "without meanings" },
        wanted = if *built_with { "without them" } else { "with them" }
    )]
    MeaningsNeedRebuild {
        /// Index directory.
        index: PathBuf,
        /// Whether the index holds meanings.
        built_with: bool,
    },
    /// Opening or checking the existing index failed.
    #[error(transparent)]
    Schema(#[from] him_schema::Error),
    /// tantivy failed while writing.
    #[error("index write failed: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
