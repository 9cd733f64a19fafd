//! Plain text and Markdown to [`Extracted`].

use crate::extract::{collapse_whitespace, truncate_words, Extracted};

/// Extracts a plain text file (and a PDF's text): the first non-empty line is the title, and
/// the top heading, as a web page's `h1` and a Markdown file's `# ` line are both; without it
/// a file ranked below the pages that link to it for the words of its own title.
pub(crate) fn extract_text(text: &str) -> Extracted {
    let title = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(|line| truncate_words(line, 200))
        .unwrap_or_default();
    Extracted {
        headings: (!title.is_empty())
            .then(|| title.clone())
            .into_iter()
            .collect(),
        title,
        body: collapse_whitespace(text),
        ..Extracted::default()
    }
}

/// Extracts a Markdown file: ATX headings (`#`) are headings, the first `# ` is the title,
/// inline link targets are links, and emphasis markers are dropped from the text.
pub(crate) fn extract_markdown(text: &str) -> Extracted {
    let mut out = Extracted::default();
    let mut body = String::with_capacity(text.len());
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        let mut content = trimmed;
        if !in_fence {
            let hashes = trimmed.chars().take_while(|c| *c == '#').count();
            if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
                let heading = strip_inline(
                    trimmed[hashes..].trim().trim_end_matches('#').trim(),
                    &mut out.links,
                    &mut out.link_text,
                );
                if hashes == 1 && out.title.is_empty() {
                    out.title = truncate_words(&heading, 200);
                }
                if hashes <= 3 {
                    out.headings.push(heading.clone());
                }
                body.push_str(&heading);
                body.push('\n');
                continue;
            }
            content = content
                .trim_start_matches(['>', '*', '-', '+'])
                .trim_start();
        }
        body.push_str(&strip_inline(content, &mut out.links, &mut out.link_text));
        body.push('\n');
    }
    out.body = collapse_whitespace(&body);
    if out.title.is_empty() {
        out.title = extract_text(&out.body).title.chars().take(120).collect();
    }
    out
}

/// Drops `*`/`_`/backtick emphasis and turns `[text](target)` into `text`, recording targets
/// and their text.
fn strip_inline(line: &str, links: &mut Vec<String>, link_text: &mut String) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let parsed = after.find("](").and_then(|close| {
            let target_start = close + 2;
            after[target_start..]
                .find(')')
                .map(|end| (close, target_start, target_start + end))
        });
        match parsed {
            Some((close, target_start, target_end)) => {
                out.push_str(&after[..close]);
                // An image's alt text (`![chart](x.png)`) is no reference to a page.
                if !out[..out.len() - close].ends_with('!') {
                    link_text.push_str(&without_emphasis(&after[..close]));
                    link_text.push('\n');
                }
                let target = after[target_start..target_end]
                    .split_whitespace()
                    .next()
                    .unwrap_or("");
                if !target.is_empty() {
                    links.push(target.to_string());
                }
                rest = &after[target_end + 1..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    without_emphasis(&out)
}

/// `text` without Markdown's emphasis markers.
fn without_emphasis(text: &str) -> String {
    text.replace(['*', '`'], "").replace("__", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_title_headings_links() {
        let page = extract_markdown(
            "Intro line\n# HIM Glossary\n\n## Terms\n- **RHIT**: see [the RHIT page](credentials/rhit.html \"t\").\n![CTR vs RHIT chart](chart.png)\n```\ncode # not heading\n```\n",
        );
        assert_eq!(page.title, "HIM Glossary");
        assert_eq!(page.headings, ["HIM Glossary", "Terms"]);
        assert_eq!(page.links, ["credentials/rhit.html", "chart.png"]);
        assert_eq!(page.link_text, "the RHIT page\n");
        assert!(
            page.body.contains("RHIT: see the RHIT page."),
            "{}",
            page.body
        );
        assert!(page.body.contains("code # not heading"));
    }

    #[test]
    fn text_title_is_first_line() {
        let page = extract_text("\n\n  Reading list  \nBooks\n");
        assert_eq!(page.title, "Reading list");
        assert_eq!(page.headings, ["Reading list"]);
        assert_eq!(page.body, "Reading list Books");
        assert!(extract_text(" \n").headings.is_empty());
    }
}
