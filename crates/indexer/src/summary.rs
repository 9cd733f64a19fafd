//! The end-of-run report: counts and the list of problems, printable and serializable.

use serde::Serialize;

/// Problems kept in a summary before further ones are only counted, so a corpus of a
/// million broken files cannot exhaust memory.
pub(crate) const MAX_PROBLEMS: usize = 10_000;

/// What went wrong with one file or link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// The file holds binary data.
    Binary,
    /// The file is empty or only whitespace.
    Empty,
    /// The file is over the size limit.
    TooLarge,
    /// The file could not be read.
    Unreadable,
    /// The file name is not valid UTF-8.
    InvalidName,
    /// The file could not be parsed (PDF, JSON line).
    ParseError,
    /// Parsing worked but left no text.
    NoText,
    /// No encoding was declared and the bytes were not UTF-8: windows-1252 was assumed.
    EncodingGuessed,
    /// Bytes did not fit the declared encoding and were replaced.
    InvalidEncoding,
    /// A link to a corpus file that does not exist.
    BrokenLink,
    /// A canonical link to a corpus file that does not exist.
    BrokenCanonical,
    /// Same body text as another document: not indexed.
    Duplicate,
    /// The page names another corpus page as canonical: not indexed.
    Canonical,
    /// The page asks not to be indexed.
    Noindex,
    /// A facet given by the page is not in the taxonomy.
    UnknownFacet,
    /// Markup the page author should fix (a malformed `data-him-facet`).
    Markup,
    /// A whole build's final merge into one segment failed (often for lack of disk space):
    /// the run's documents are committed and searchable, in several segments.
    MergeFailed,
    /// Parsing the file would exceed a budget (PDF memory or time, HTML nesting depth): not
    /// indexed.
    OverBudget,
    /// A symbolic link whose target is outside the corpus (or missing): not followed.
    OutsideCorpus,
    /// Not a regular file (a FIFO, socket or device): never opened.
    SpecialFile,
    /// A URL whose scheme is neither http(s) nor relative (`javascript:`, `data:`…): dropped.
    UnsafeUrl,
}

/// One problem, naming the file and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Corpus path of the file (or `FILE:LINE` for JSONL input).
    pub path: String,
    /// Category.
    pub kind: ProblemKind,
    /// Human-readable reason.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Counts and problems of one indexing run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Documents added or replaced.
    pub indexed: usize,
    /// Files whose content hash matched the index: not re-parsed.
    pub unchanged: usize,
    /// Documents removed because their file is gone.
    pub deleted: usize,
    /// Supported files not indexed because of a problem (binary, empty, noindex...).
    pub skipped: usize,
    /// Files dropped as duplicates (same body, or canonical elsewhere).
    pub duplicates: usize,
    /// Links to corpus files that do not exist.
    pub broken_links: usize,
    /// Files of types himsearch does not index (images, stylesheets...), or ignored by
    /// `.himignore`.
    pub ignored: usize,
    /// Bytes of input read.
    pub bytes_read: u64,
    /// Documents in the index after the run.
    pub documents: u64,
    /// Wall time of the run.
    pub elapsed_ms: u64,
    /// The ending most titles share (" | HIM Careers Hub"), left out of ranked titles; `null`
    /// when there is none.
    pub title_suffix: Option<String>,
    /// Whether the index holds each page's meaning, for reranking long queries
    /// ([`crate::Meanings`]).
    pub meanings: bool,
    /// The problems, in corpus order.
    pub problems: Vec<Problem>,
    /// Problems counted but not listed (past the first 10,000).
    pub problems_omitted: usize,
}

impl Summary {
    pub(crate) fn problem(&mut self, path: &str, kind: ProblemKind, message: impl Into<String>) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem {
                path: path.to_string(),
                kind,
                message: message.into(),
            });
        } else {
            self.problems_omitted += 1;
        }
    }

    /// One line of counts, for people.
    pub fn counts_line(&self) -> String {
        format!(
            "{} indexed, {} unchanged, {} deleted, {} skipped, {} duplicates, {} broken links, {} documents in index ({:.1}s)",
            self.indexed,
            self.unchanged,
            self.deleted,
            self.skipped,
            self.duplicates,
            self.broken_links,
            self.documents,
            self.elapsed_ms as f64 / 1000.0
        )
    }
}
