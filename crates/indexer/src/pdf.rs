//! PDF to [`Extracted`] with `pdf-extract` (pure Rust); the text is then read like a plain
//! text file (first line is the title). Malformed PDFs are errors, never
//! crashes: the parser is run under `catch_unwind` because it panics on some broken files.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::extract::Extracted;
use crate::plain::extract_text;

/// Extracts the text of a PDF; the first line is the title.
pub(crate) fn extract_pdf(bytes: &[u8]) -> Result<Extracted, String> {
    let text = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }))
    .map_err(|_| "PDF parser failed on this file".to_string())?
    .map_err(|err| format!("cannot read PDF: {err}"))?;
    Ok(extract_text(&text))
}
