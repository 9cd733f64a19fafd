//! What the commands print: JSON on stdout, search hits and the index summary as text, the
//! indexing progress bar on a terminal, and a reader that stops early (`| head`) taken as
//! success.

use std::io::{StdoutLock, Write};
use std::path::Path;

use him_indexer::{Progress, Summary};
use him_schema::api::SearchResponse;

use crate::Failure;

/// A reader that stops early (`| head`) is not an error.
pub(crate) fn ignore_broken_pipe(result: std::io::Result<()>) -> Result<(), Failure> {
    match result {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

/// Writes one JSON document with `write` (`serde_json::to_writer` or `to_writer_pretty`) and a
/// newline to stdout.
pub(crate) fn print_json(
    write: impl FnOnce(&mut StdoutLock<'static>) -> serde_json::Result<()>,
) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let written = write(&mut out)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out));
    ignore_broken_pipe(written)
}

/// The problems of an indexing run on stderr, then its counts line on stdout.
pub(crate) fn print_index_summary(summary: &Summary, index: &Path) {
    let mut err = std::io::stderr().lock();
    for problem in &summary.problems {
        let _ = writeln!(err, "warning: {problem}");
    }
    if summary.problems_omitted > 0 {
        let _ = writeln!(
            err,
            "warning: {} more problems not listed",
            summary.problems_omitted
        );
    }
    let _ = writeln!(
        std::io::stdout(),
        "{} -> {}",
        summary.counts_line(),
        index.display()
    );
}

/// A page of search results as text: a header, each hit's title, URL and snippet, then the
/// facet counts.
pub(crate) fn print_results(
    out: &mut impl Write,
    response: &SearchResponse,
) -> std::io::Result<()> {
    let pages = response.total.div_ceil(response.per_page.max(1)).max(1);
    writeln!(
        out,
        "{} result{} for {:?} (page {} of {}, {} ms)",
        response.total,
        if response.total == 1 { "" } else { "s" },
        response.query,
        response.page,
        pages,
        response.took_ms
    )?;
    let first = (response.page - 1) * response.per_page;
    for (i, hit) in response.hits.iter().enumerate() {
        writeln!(out)?;
        writeln!(
            out,
            "{:>3}. {}  [{:.2}]",
            first + i + 1,
            hit.title,
            hit.score
        )?;
        writeln!(out, "     {}", hit.url)?;
        writeln!(out, "     {}", hit.snippet_parts.concat())?;
    }
    writeln!(out)?;
    for (name, counts) in &response.facets {
        if counts.is_empty() {
            continue;
        }
        let list: Vec<String> = counts
            .iter()
            .take(8)
            .map(|c| format!("{} ({})", c.value, c.count))
            .collect();
        writeln!(out, "{name}: {}", list.join(", "))?;
    }
    Ok(())
}

/// Progress bar on a terminal; nothing otherwise.
pub(crate) struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    pub(crate) fn new(enabled: bool) -> Bar {
        Bar(enabled.then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} files {per_sec} {wide_msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        }))
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(total);
        }
    }

    fn advance(&self, path: &str) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
            bar.set_message(path.to_string());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_print_as_the_text_they_are() {
        let hit = him_schema::api::Hit {
            id: "a.html".into(),
            url: "a.html".into(),
            title: "A <b>".into(),
            title_html: "A &lt;b&gt;".into(),
            snippet: "<mark>RHIT</mark> &amp; CCS &lt;exam&gt; &#39;24".into(),
            title_parts: vec!["A <b>".into()],
            snippet_parts: vec!["".into(), "RHIT".into(), " & CCS <exam> '24".into()],
            score: 1.0,
            facets: Default::default(),
            explain: None,
        };
        let response = SearchResponse {
            query: "rhit".into(),
            total: 1,
            page: 1,
            per_page: 10,
            took_ms: 0,
            hits: vec![hit],
            facets: Default::default(),
            suggestion: None,
            query_id: None,
        };
        let mut out = Vec::new();
        print_results(&mut out, &response).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("     RHIT & CCS <exam> '24\n"), "{text}");
    }
}
