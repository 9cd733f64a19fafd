//! A site's title suffix (" | HIM Careers Hub"): shared by most pages, it says nothing about
//! any of them, so hits show their titles without it (the stored title keeps it). Found from
//! a sample of the titles of the commit being served, once per commit.

use std::collections::HashMap;
use std::sync::Mutex;

use tantivy::Searcher;

use crate::cache::Commit;

/// Titles read to find the suffix: enough to see what most pages share, few enough to cost
/// nothing next to a search.
const SAMPLE: u32 = 200;

/// Separators between a page's own title and the site's name.
const SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: "];

/// The suffix of the commit being served, found once per commit.
#[derive(Default)]
pub(crate) struct TitleSuffix {
    found: Mutex<Option<(Commit, Option<String>)>>,
}

impl TitleSuffix {
    /// The suffix most titles of `searcher`'s documents end with, if any.
    pub(crate) fn of(&self, searcher: &Searcher) -> Option<String> {
        let commit = Commit::of(searcher);
        let mut found = self
            .found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((seen, suffix)) = found.as_ref() {
            if seen.same_documents(&commit) {
                return suffix.clone();
            }
        }
        let suffix = common_suffix(&sample_titles(searcher));
        *found = Some((commit, suffix.clone()));
        suffix
    }
}

/// `title` without `suffix`, unless nothing would be left.
pub(crate) fn strip<'a>(title: &'a str, suffix: Option<&str>) -> &'a str {
    match suffix.and_then(|s| title.strip_suffix(s)) {
        Some(rest) if !rest.trim().is_empty() => rest.trim_end(),
        _ => title,
    }
}

/// Up to [`SAMPLE`] titles, from the title fast column of each segment in turn.
fn sample_titles(searcher: &Searcher) -> Vec<String> {
    let mut titles = Vec::new();
    let mut text = String::new();
    for segment in searcher.segment_readers() {
        let Ok(Some(column)) = segment.fast_fields().str("suggest_title") else {
            continue;
        };
        for doc in 0..segment.max_doc().min(SAMPLE) {
            if titles.len() as u32 >= SAMPLE {
                return titles;
            }
            if let Some(ord) = column.term_ords(doc).next() {
                if column.ord_to_str(ord, &mut text).is_ok() {
                    titles.push(text.clone());
                }
            }
        }
    }
    titles
}

/// The separator-led ending shared by at least half of `titles` (and by five of them at
/// least).
fn common_suffix(titles: &[String]) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for title in titles {
        let ending = SEPARATORS
            .iter()
            .filter_map(|separator| title.rfind(separator))
            .max()
            .map(|at| &title[at..]);
        if let Some(ending) = ending {
            *counts.entry(ending).or_default() += 1;
        }
    }
    let (ending, count) = counts.into_iter().max_by_key(|(e, c)| (*c, e.len()))?;
    (count >= 5 && count * 2 >= titles.len()).then(|| ending.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suffix_most_titles_share_is_found() {
        let mut titles: Vec<String> = (0..8).map(|i| format!("Page {i} | HIM Hub")).collect();
        titles.push("RHIT vs RHIA - a comparison | HIM Hub".into());
        titles.push("A page of its own".into());
        assert_eq!(common_suffix(&titles).as_deref(), Some(" | HIM Hub"));
        titles.truncate(4);
        assert_eq!(common_suffix(&titles), None, "too few to tell");
        let mixed: Vec<String> = (0..10).map(|i| format!("Page | site {i}")).collect();
        assert_eq!(common_suffix(&mixed), None, "no ending shared by half");
    }

    #[test]
    fn stripping_keeps_something() {
        assert_eq!(strip("Coder | HIM Hub", Some(" | HIM Hub")), "Coder");
        assert_eq!(strip(" | HIM Hub", Some(" | HIM Hub")), " | HIM Hub");
        assert_eq!(strip("Coder", Some(" | HIM Hub")), "Coder");
        assert_eq!(strip("Coder | HIM Hub", None), "Coder | HIM Hub");
    }
}
