//! The himsearch indexer: turns a corpus of HIM pages (HTML) and the resources they link to
//! (PDF, text, Markdown) into a tantivy index with facets.
//!
//! [`index_corpus`] walks a directory, parses files in parallel, strips boilerplate, assigns
//! facets from the taxonomy, drops duplicates, checks links, and commits once, atomically.
//! Problems with single files never stop a run: they come back in the [`Summary`].
//!
//! ```
//! use him_indexer::{index_corpus, IndexOptions, NoProgress};
//!
//! let corpus = tempfile::tempdir()?;
//! std::fs::write(corpus.path().join("rhit.html"), "<title>RHIT</title><p>Exam facts.</p>")?;
//! let index = tempfile::tempdir()?;
//! let options = IndexOptions::new(index.path())?;
//! let summary = index_corpus(&options, corpus.path(), &NoProgress)?;
//! assert_eq!(summary.indexed, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod about;
mod classify;
mod decode;
mod document;
mod error;
mod extract;
mod fetched;
mod html;
mod html_depth;
mod jsonl;
mod links;
mod options;
mod pdf;
mod pipeline;
mod plain;
mod run;
mod summary;
mod titles;

pub use error::{Error, Result};
pub use fetched::{html_links, index_fetched, FetchedKind, FetchedPage, FetchedSite, HtmlLinks};
pub use html_depth::{MAX_HTML_DEPTH, MAX_OPEN_FORMATTING};
pub use jsonl::index_jsonl;
pub use links::normalize_url;
pub use options::{
    IndexOptions, Meanings, NoProgress, Progress, AUTO_MEANINGS_DOCUMENTS, DEFAULT_MAX_FILE_SIZE,
};
pub use pdf::{
    pdf_child_main, pdf_text, PdfExtractor, MAX_PDF_TEXT, PDF_MEMORY_BUDGET, PDF_TIME_BUDGET,
};
pub use pipeline::{index_corpus, IGNORE_FILE};
pub use summary::{Problem, ProblemKind, Summary};
