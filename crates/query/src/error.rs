//! Search errors, split into the user's (bad query or parameter: a 4xx) and ours (the index
//! failed: a 5xx whose detail is logged, never shown).

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of range or malformed.
    #[error("{0}")]
    InvalidParameter(String),
    /// A facet name the taxonomy does not declare.
    #[error("unknown facet {name:?} (known: {known})")]
    UnknownFacet {
        /// The name given.
        name: String,
        /// The taxonomy's kinds, comma-separated.
        known: String,
    },
    /// The query is longer than the limit.
    #[error("query is {len} characters long; the limit is {max}")]
    QueryTooLong {
        /// Length received.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// More hits per page than allowed.
    #[error("per_page {got} is over the maximum of {max}")]
    PerPageTooLarge {
        /// Value received.
        got: usize,
        /// Limit.
        max: usize,
    },
    /// The index could not be opened.
    #[error(transparent)]
    Index(#[from] him_schema::Error),
    /// tantivy failed during a search.
    #[error("search failed: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl Error {
    /// [`Error::UnknownFacet`] for `name`, naming the kinds of `taxonomy`.
    pub fn unknown_facet(name: &str, taxonomy: &him_schema::Taxonomy) -> Error {
        Error::UnknownFacet {
            name: name.to_string(),
            known: taxonomy.kind_list(),
        }
    }

    /// Stable snake_case code for the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidParameter(_) => "invalid_parameter",
            Error::UnknownFacet { .. } => "unknown_facet",
            Error::QueryTooLong { .. } => "query_too_long",
            Error::PerPageTooLarge { .. } => "per_page_too_large",
            Error::Index(_) => "index_unavailable",
            Error::Tantivy(_) => "internal",
        }
    }

    /// True when the caller's input caused the error.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::InvalidParameter(_)
                | Error::UnknownFacet { .. }
                | Error::QueryTooLong { .. }
                | Error::PerPageTooLarge { .. }
        )
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
