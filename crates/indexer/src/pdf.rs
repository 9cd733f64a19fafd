//! PDF to [`Extracted`] with `pdf-extract` (pure Rust). Malformed PDFs are errors, never
//! crashes: the parser is run under `catch_unwind` because it panics on some broken files.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::extract::{collapse_whitespace, truncate_words, Extracted};

/// Extracts the text of a PDF; the first line is the title.
pub(crate) fn extract_pdf(bytes: &[u8]) -> Result<Extracted, String> {
    let text = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }))
    .map_err(|_| "PDF parser failed on this file".to_string())?
    .map_err(|err| format!("cannot read PDF: {err}"))?;
    let title = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(|line| truncate_words(line, 200))
        .unwrap_or_default();
    Ok(Extracted {
        title,
        body: collapse_whitespace(&text),
        ..Extracted::default()
    })
}
