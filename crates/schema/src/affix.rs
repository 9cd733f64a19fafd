//! A site's title suffix (" | HIM Careers Hub"): the separator-led ending most titles of a
//! site share. It says nothing about any one page, so the indexer ranks titles without it and
//! the engine shows them without it; both find it with [`common_suffix`].

use std::collections::HashMap;

use tantivy::Searcher;

use crate::fields::SUGGEST_TITLE_FIELD;

/// Titles read to find a suffix: enough to see what most pages share, few enough to cost
/// nothing next to a search or an indexing run.
pub const TITLE_SAMPLE: usize = 200;

/// Separators between a page's own title and the site's name.
const SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: "];

/// The separator-led ending shared by at least half of `titles` (and by five of them at
/// least).
pub fn common_suffix<S: AsRef<str>>(titles: &[S]) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for title in titles {
        let title = title.as_ref();
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

/// `title` without `suffix`, unless nothing would be left.
pub fn strip_suffix<'a>(title: &'a str, suffix: Option<&str>) -> &'a str {
    match suffix.and_then(|s| title.strip_suffix(s)) {
        Some(rest) if !rest.trim().is_empty() => rest.trim_end(),
        _ => title,
    }
}

/// Up to [`TITLE_SAMPLE`] titles of `searcher`'s documents, from the title fast column of each
/// segment in turn (no document is read from the store).
pub fn sample_titles(searcher: &Searcher) -> Vec<String> {
    let mut titles = Vec::new();
    let mut text = String::new();
    for segment in searcher.segment_readers() {
        let Ok(Some(column)) = segment.fast_fields().str(SUGGEST_TITLE_FIELD) else {
            continue;
        };
        // Live documents only: a site that renamed itself keeps deleted pages until a merge.
        for doc in segment.doc_ids_alive() {
            if titles.len() >= TITLE_SAMPLE {
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
        let suffix = Some(" | HIM Hub");
        assert_eq!(strip_suffix("Coder | HIM Hub", suffix), "Coder");
        assert_eq!(strip_suffix(" | HIM Hub", suffix), " | HIM Hub");
        assert_eq!(strip_suffix("Coder", suffix), "Coder");
        assert_eq!(strip_suffix("Coder | HIM Hub", None), "Coder | HIM Hub");
    }
}
