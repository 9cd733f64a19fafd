//! A search request and its limits, validated before any index work.

use him_schema::{FacetKind, Taxonomy};

use crate::{Error, Result};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 512;
/// Default hits per page.
pub const DEFAULT_PER_PAGE: usize = 10;
/// Most hits per page.
pub const MAX_PER_PAGE: usize = 100;
/// Deepest page: beyond it collecting top documents costs more than any reader needs.
pub const MAX_PAGE: usize = 1000;
/// Most values of one facet in a filter.
pub const MAX_FILTER_VALUES: usize = 50;

/// What to search for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchRequest {
    /// Query text; empty browses everything under the filters.
    pub query: String,
    /// Filters: values of one kind are OR-ed, kinds are AND-ed.
    pub filters: Vec<(FacetKind, Vec<String>)>,
    /// 1-based page.
    pub page: usize,
    /// Hits per page.
    pub per_page: usize,
    /// Include a score breakdown per hit.
    pub explain: bool,
    /// A filter expression (Meilisearch's syntax), AND-ed with `filters`. With an expression
    /// and no `filters`, facet counts are conjunctive: each value's count among the matches.
    pub expression: Option<crate::Filter>,
    /// Hits to skip, instead of `(page - 1) * per_page` (Meilisearch's `offset`).
    pub offset: Option<usize>,
    /// Only documents with every content word (Meilisearch's `matchingStrategy: all`);
    /// otherwise a short query lists documents with some of its words after those with all.
    pub all_words: bool,
}

impl SearchRequest {
    /// A request for `query` with default paging.
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            filters: Vec::new(),
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            explain: false,
            expression: None,
            offset: None,
            all_words: false,
        }
    }

    /// Adds a filter value given by facet name (`job_title` or `job-title`), among the kinds
    /// of the built-in taxonomy and of every taxonomy loaded so far; [`SearchRequest::validated`]
    /// then checks the kind against the engine's taxonomy.
    pub fn filter(self, facet: &str, value: impl Into<String>) -> Result<SearchRequest> {
        let kind = FacetKind::named(facet).or_else(|| {
            // Declares the built-in kinds, for a request built before any engine opened.
            Taxonomy::builtin().ok()?;
            FacetKind::named(facet)
        });
        let kind = kind.ok_or_else(|| Error::UnknownFacet {
            name: facet.to_string(),
            known: FacetKind::declared()
                .iter()
                .map(|kind| kind.name())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        Ok(self.filter_kind(kind, value))
    }

    /// Adds a filter value of `kind`.
    pub fn filter_kind(mut self, kind: FacetKind, value: impl Into<String>) -> SearchRequest {
        let value = value.into();
        match self.filters.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, values)) => values.push(value),
            None => self.filters.push((kind, vec![value])),
        }
        self
    }

    /// Checks limits, and maps filter values to canonical taxonomy values (`rhit` -> `RHIT`);
    /// values outside the taxonomy are kept as given (a site may carry its own).
    pub fn validated(mut self, taxonomy: &Taxonomy) -> Result<SearchRequest> {
        let len = self.query.chars().count();
        if len > MAX_QUERY_CHARS {
            return Err(Error::QueryTooLong {
                len,
                max: MAX_QUERY_CHARS,
            });
        }
        if self.page == 0 || self.page > MAX_PAGE {
            return Err(Error::InvalidParameter(format!(
                "page must be between 1 and {MAX_PAGE}"
            )));
        }
        if self.offset.is_some_and(|o| o >= MAX_PAGE * MAX_PER_PAGE) {
            return Err(Error::InvalidParameter(format!(
                "offset must be below {}",
                MAX_PAGE * MAX_PER_PAGE
            )));
        }
        if self.per_page == 0 {
            return Err(Error::InvalidParameter(
                "per_page must be at least 1".to_string(),
            ));
        }
        if self.per_page > MAX_PER_PAGE {
            return Err(Error::PerPageTooLarge {
                got: self.per_page,
                max: MAX_PER_PAGE,
            });
        }
        for (kind, values) in &mut self.filters {
            if !taxonomy.has_kind(*kind) {
                return Err(Error::unknown_facet(kind.name(), taxonomy));
            }
            if values.len() > MAX_FILTER_VALUES {
                return Err(Error::InvalidParameter(format!(
                    "at most {MAX_FILTER_VALUES} values per facet"
                )));
            }
            for value in values.iter_mut() {
                let trimmed = value.trim();
                if trimmed.is_empty() || trimmed.chars().count() > 200 {
                    return Err(Error::InvalidParameter(format!(
                        "{kind} filter values must be 1 to 200 characters"
                    )));
                }
                *value = taxonomy
                    .canonicalize(*kind, trimmed)
                    .unwrap_or(trimmed)
                    .to_string();
            }
        }
        Ok(self)
    }
}
