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
        writeln!(out, "     {}", html_to_text(&hit.snippet))?;
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

/// Snippet HTML to terminal text: tags dropped, entities decoded.
fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
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
    fn snippets_lose_their_tags_and_entities() {
        assert_eq!(
            html_to_text("<mark>RHIT</mark> &amp; CCS &lt;exam&gt; &quot;prep&quot; &#39;24"),
            "RHIT & CCS <exam> \"prep\" '24"
        );
        assert_eq!(html_to_text("&amp;lt;"), "&lt;", "decoded once");
    }
}
