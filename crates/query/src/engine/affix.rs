//! A site's title suffix (" | HIM Careers Hub"): shared by most pages, it says nothing about
//! any of them, so hits show their titles without it (the stored title keeps it). Found
//! (`him_schema::affix`) from a sample of the titles of the commit being served, once per
//! commit.

use std::convert::Infallible;

use him_schema::affix::{common_suffix, sample_titles};
use tantivy::Searcher;

use crate::cache::PerCommit;

/// The suffix of the commit being served, found once per commit.
#[derive(Default)]
pub(crate) struct TitleSuffix {
    found: PerCommit<Option<String>>,
}

impl TitleSuffix {
    /// The suffix most titles of `searcher`'s documents end with, if any.
    pub(crate) fn of(&self, searcher: &Searcher) -> Option<String> {
        let Ok(suffix) = self.found.get(searcher, || {
            Ok::<_, Infallible>(common_suffix(&sample_titles(searcher)))
        });
        suffix
    }
}

/// `title` without `suffix`, unless nothing would be left.
pub(crate) use him_schema::affix::strip_suffix as strip;
