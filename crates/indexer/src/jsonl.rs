//! JSONL input: one document per line, `{"id", "title", "text", "url"?, "facets"?}`, as CMS
//! exports and IR test collections come. Lines go through the same facet assignment and
//! document building as corpus files; bad lines are reported by line number and skipped.

use std::io::{BufRead, BufReader};
use std::path::Path;

use him_schema::{FacetMatcher, Fields, Taxonomy};
use serde_json::Value;
use tantivy::TantivyDocument;

use crate::classify::assign_facets;
use crate::document::{build_document, DocumentParts};
use crate::extract::{collapse_whitespace, Extracted};
use crate::options::{IndexOptions, Progress};
use crate::pipeline::detect_language;
use crate::run::{Run, Source};
use crate::summary::{ProblemKind, Summary};
use crate::{Error, Result};

/// Lines parsed per parallel batch.
const BATCH: usize = 256;

/// Largest line accepted (a document of a few MiB is already unusual in an export).
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Indexes the documents of a JSONL file into `options.index`.
/// A document replaces the indexed document with the same `id`.
pub fn index_jsonl(
    options: &IndexOptions,
    file: &Path,
    progress: &dyn Progress,
) -> Result<Summary> {
    let input = std::fs::File::open(file).map_err(|source| Error::Input {
        path: file.to_path_buf(),
        source,
    })?;
    // Lines, read only when a new index chooses its meanings by its input's size.
    let documents = || {
        count_lines(file).map_err(|source| Error::Input {
            path: file.to_path_buf(),
            source,
        })
    };
    let mut run = Run::open(options, documents)?;
    let meanings = run.summary.meanings;
    let matcher = options.taxonomy.matcher();
    let name = file.display().to_string();
    let mut reader = BufReader::new(input);
    let mut line_number = 0usize;
    let mut finished = false;
    progress.start(0);
    while !finished {
        let mut batch: Vec<(usize, Vec<u8>)> = Vec::with_capacity(BATCH);
        while batch.len() < BATCH {
            let mut line = Vec::new();
            // A line is read up to the limit only; parse_line reports it as too long and the
            // rest of it is skipped, so one endless line cannot exhaust memory.
            let read = std::io::Read::take(&mut reader, MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut line);
            if line.len() > MAX_LINE_BYTES && line.last() != Some(&b'\n') {
                if let Err(source) = skip_line(&mut reader) {
                    return Err(Error::Input {
                        path: file.to_path_buf(),
                        source,
                    });
                }
            }
            match read {
                Ok(0) => {
                    finished = true;
                    break;
                }
                Ok(_) => {
                    line_number += 1;
                    run.summary.bytes_read += line.len() as u64;
                    batch.push((line_number, line));
                }
                Err(source) => {
                    return Err(Error::Input {
                        path: file.to_path_buf(),
                        source,
                    })
                }
            }
        }
        // Facets, language and the document are built by the parser threads too: the loop
        // below runs alone.
        let fields = run.fields.clone();
        let parsed = run.parse(&batch, |(number, line)| {
            let prepared = parse_line(&options.taxonomy, line)
                .map(|page| page.map(|page| prepare(options, &matcher, &fields, page, meanings)));
            (*number, prepared)
        });
        for (number, result) in parsed {
            let location = format!("{name}:{number}");
            let Prepared {
                id,
                title,
                doc,
                warnings,
            } = match result {
                Ok(Some(prepared)) => prepared,
                Ok(None) => continue,
                Err(message) => {
                    run.summary.skipped += 1;
                    run.summary
                        .problem(&location, ProblemKind::ParseError, message);
                    continue;
                }
            };
            for (kind, warning) in warnings {
                run.summary.problem(&location, kind, warning);
            }
            run.replace_by_id(&id, &title, doc)?;
            run.summary.indexed += 1;
            progress.advance(&location);
        }
    }
    run.finish(Source::Jsonl, progress)
}

/// Lines of `file` (its documents, blank lines aside), read a buffer at a time.
fn count_lines(file: &Path) -> std::io::Result<u64> {
    let mut reader = BufReader::new(std::fs::File::open(file)?);
    let mut lines = 0u64;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', buffer).count() as u64;
        let read = buffer.len();
        reader.consume(read);
    }
}

/// Reads past the end of the current line.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'\n', buffer) {
            Some(end) => {
                reader.consume(end + 1);
                return Ok(());
            }
            None => {
                let len = buffer.len();
                reader.consume(len);
            }
        }
    }
}

/// Facets, language and tantivy document of one line's document, with its warnings.
fn prepare(
    options: &IndexOptions,
    matcher: &FacetMatcher,
    fields: &Fields,
    page: LineDocument,
    meaning: bool,
) -> Prepared {
    let (facets, facet_warnings) = assign_facets(&options.taxonomy, matcher, "", &page.extracted);
    let mut warnings: Vec<_> = facet_warnings
        .into_iter()
        .map(|w| (ProblemKind::UnknownFacet, w))
        .collect();
    let given = page.url.as_deref().unwrap_or(&page.id);
    let url = if safe_link(given) {
        given
    } else {
        warnings.push((
            ProblemKind::UnsafeUrl,
            format!(
                "url {:?} is neither http(s) nor relative: dropped",
                given.chars().take(80).collect::<String>()
            ),
        ));
        ""
    };
    let lang = detect_language(&page.extracted.body);
    let doc = build_document(
        fields,
        &DocumentParts {
            id: &page.id,
            path: "",
            url,
            source_kind: "jsonl",
            lang: &lang,
            page: &page.extracted,
            facets: &facets,
            outlinks: &[],
            links_to: &[],
            content_hash: 0,
            body_hash: 0,
            meaning,
        },
    );
    Prepared {
        id: page.id,
        title: page.extracted.title,
        doc,
        warnings,
    }
}

/// A line's document, ready to write but for its title (see `titles.rs`).
struct Prepared {
    id: String,
    title: String,
    doc: TantivyDocument,
    warnings: Vec<(ProblemKind, String)>,
}

/// True for a URL a result may link to: http(s), or relative. The check parses as browsers do
/// (tabs and newlines removed, surrounding spaces and controls trimmed, case folded), so
/// `" Java\tScript:alert(1)"` is seen as the `javascript:` URL a browser would run.
pub(crate) fn safe_link(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(parsed) => matches!(parsed.scheme(), "http" | "https"),
        Err(url::ParseError::RelativeUrlWithoutBase) => true,
        Err(_) => false,
    }
}

/// One parsed line.
struct LineDocument {
    id: String,
    url: Option<String>,
    extracted: Extracted,
}

/// Parses one line; `Ok(None)` for a blank line.
fn parse_line(taxonomy: &Taxonomy, line: &[u8]) -> Result<Option<LineDocument>, String> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if line.len() > MAX_LINE_BYTES {
        return Err(format!("line is over {MAX_LINE_BYTES} bytes"));
    }
    let value: Value =
        serde_json::from_slice(line).map_err(|err| format!("invalid JSON: {err}"))?;
    let object = value.as_object().ok_or("expected a JSON object")?;
    let id = match object.get("id") {
        Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_string(),
        Some(Value::Number(id)) => id.to_string(),
        _ => return Err("missing or empty \"id\"".to_string()),
    };
    let text_of = |key: &str| -> Result<String, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(text)) => Ok(collapse_whitespace(text)),
            Some(_) => Err(format!("\"{key}\" must be a string")),
        }
    };
    let title = text_of("title")?;
    let body = text_of("text")?;
    if title.is_empty() && body.is_empty() {
        return Err(format!("document {id:?} has no title and no text"));
    }
    let url = match object.get("url") {
        Some(Value::String(url)) if !url.is_empty() => Some(url.clone()),
        _ => None,
    };
    let mut meta_facets = Vec::new();
    if let Some(facets) = object.get("facets") {
        let facets = facets.as_object().ok_or("\"facets\" must be an object")?;
        for (name, values) in facets {
            let kind = taxonomy.kind_named(name).ok_or_else(|| {
                format!("unknown facet {name:?} (kinds: {})", taxonomy.kind_list())
            })?;
            let values = match values {
                Value::String(value) => vec![value.clone()],
                Value::Array(values) => values
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .ok_or("facet values must be strings")
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                _ => {
                    return Err(format!(
                        "facet {name:?} must be a string or a list of strings"
                    ))
                }
            };
            meta_facets.push((kind.name().to_string(), values));
        }
    }
    Ok(Some(LineDocument {
        id,
        url,
        extracted: Extracted {
            title,
            body,
            meta_facets,
            ..Extracted::default()
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_relative_links_are_safe() {
        for safe in [
            "https://example.org/a",
            "HTTP://x.org",
            "/jobs/coder.html",
            "a.html",
            "?q=1",
            "#top",
            "//cdn.example.org/x",
        ] {
            assert!(safe_link(safe), "{safe}");
        }
        for unsafe_ in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:x",
            "\u{1}javascript:x",
            "data:text/html,<script>",
            "vbscript:msgbox",
            "VBScript:x",
            "file:///etc/passwd",
            "http://[::1",
        ] {
            assert!(!safe_link(unsafe_), "{unsafe_:?}");
        }
    }

    #[test]
    fn lines_parse_or_explain_why_not() {
        let taxonomy = Taxonomy::builtin().unwrap();
        let doc = parse_line(
            &taxonomy,
            br#"{"id": 7, "title": "T", "text": "a  b", "facets": {"credential": "RHIT"}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!((doc.id.as_str(), doc.extracted.body.as_str()), ("7", "a b"));
        assert_eq!(
            doc.extracted.meta_facets,
            [("credential".to_string(), vec!["RHIT".to_string()])]
        );
        assert!(parse_line(&taxonomy, b"  \n").unwrap().is_none());
        for (line, why) in [
            (&b"{not json"[..], "invalid JSON"),
            (br#"[1]"#, "object"),
            (br#"{"title": "x"}"#, "id"),
            (br#"{"id": "x"}"#, "no title and no text"),
            (br#"{"id": "x", "text": 5}"#, "must be a string"),
            (
                br#"{"id": "x", "text": "t", "facets": {"colour": "red"}}"#,
                "unknown facet",
            ),
        ] {
            let err = parse_line(&taxonomy, line).err().unwrap_or_default();
            assert!(
                err.contains(why),
                "{}: {err}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
