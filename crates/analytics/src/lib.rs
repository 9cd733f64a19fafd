//! Search analytics: what a site's readers search for, what they do not find and what they
//! open, kept in an embedded SQLite database.
//!
//! The HTTP server hands each answered search and each click to a [`Recorder`], which queues
//! it (bounded: under overload events are dropped and counted, a search never waits for the
//! disk) for one background thread that writes them in batches, in WAL mode, and deletes rows
//! older than the retention period. [`report`] reads the database back as a [`Report`], for
//! `GET /admin/analytics`, the dashboard and `himsearch analytics`.
//!
//! Nothing that identifies a reader is stored: no address, no cookie, no user id. A failing
//! database (corrupt, unwritable) never stops searches: the recorder reports itself degraded
//! and drops events until the database can be opened again.

mod event;
mod recorder;
mod report;
mod store;

pub use event::{new_query_id, normalize_query, now_ms, ClickEvent, SearchEvent};
pub use recorder::{Health, Recorder, Settings};
pub use report::{report, ContentGap, Diagnosis, GapKind, Report, MAX_DAYS};

/// What can go wrong reading or writing the database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite refused: the file is not a database, is corrupt, locked or unwritable.
    #[error("analytics database {path}: {source}")]
    Database {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A report was asked for a number of days out of range.
    #[error("days must be between 1 and {max}")]
    Days {
        /// The largest number of days.
        max: u32,
    },
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, Error>;
