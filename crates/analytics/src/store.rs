//! The database: its schema, opening it, writing a batch of events in one transaction, and
//! deleting what is past the retention period. Times are milliseconds since the Unix epoch
//! (UTC); `day` is the UTC date, kept so reports group by day with an index-free scan of the
//! period.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags};

use crate::event::{ClickEvent, SearchEvent};
use crate::{Error, Result};

/// The tables, created when missing. `filters` is a JSON object of arrays
/// (`{"credential": ["RHIT"]}`), read back with SQLite's JSON functions.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS searches (
    id TEXT PRIMARY KEY NOT NULL,
    at INTEGER NOT NULL,
    day TEXT NOT NULL,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,
    total INTEGER NOT NULL,
    page INTEGER NOT NULL,
    took_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS searches_at ON searches(at);
CREATE TABLE IF NOT EXISTS clicks (
    query_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    day TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    title TEXT,
    position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS clicks_at ON clicks(at);
CREATE INDEX IF NOT EXISTS clicks_query ON clicks(query_id);
CREATE INDEX IF NOT EXISTS clicks_doc ON clicks(doc_id, at);
";

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) fn db_error(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |source| Error::Database {
        path: path.display().to_string(),
        source,
    }
}

/// Opens (creating) the database for writing: WAL mode, so readers never block the writer
/// and a killed process loses no committed transaction; `synchronous = NORMAL`, which in WAL
/// mode keeps the database consistent through a crash and syncs at checkpoints.
pub(crate) fn open_for_writing(path: &Path) -> Result<Connection> {
    let err = db_error(path);
    let conn = Connection::open(path).map_err(&err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(&err)?;
    // A file that is not a database fails here, on its first read.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(&err)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(&err)?;
    conn.execute_batch(SCHEMA).map_err(&err)?;
    Ok(conn)
}

/// Opens an existing database to read it; refuses a file that does not start as SQLite's
/// (SQLite would serve the pages still in its write-ahead log and hide the damage).
pub(crate) fn open_for_reading(path: &Path) -> Result<Connection> {
    let err = db_error(path);
    if header(path) == Header::Foreign {
        return Err(err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
            Some("file is not a database".into()),
        )));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(&err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(&err)?;
    Ok(conn)
}

/// What starts the file at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Header {
    Missing,
    /// Something else than SQLite's header: overwritten or damaged.
    Foreign,
    /// SQLite's header, or an empty file (a new database before its first write).
    Sqlite,
}

/// Reads the first 16 bytes of the file at `path`.
pub(crate) fn header(path: &Path) -> Header {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return Header::Missing;
    };
    let mut start = [0u8; 16];
    match file.read_exact(&mut start) {
        Ok(()) if &start == b"SQLite format 3\0" => Header::Sqlite,
        Err(_) if file.metadata().is_ok_and(|m| m.len() == 0) => Header::Sqlite,
        _ => Header::Foreign,
    }
}

/// One event to write.
#[derive(Debug)]
pub(crate) enum Event {
    Search(SearchEvent),
    Click(ClickEvent),
}

/// Writes `events` in one transaction: all of them or, on an error, none.
pub(crate) fn write(conn: &mut Connection, events: &[Event]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut search = tx.prepare_cached(
            "INSERT OR IGNORE INTO searches (id, at, day, query, filters, total, page, took_us)
             VALUES (?1, ?2, date(?2 / 1000, 'unixepoch'), ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut click = tx.prepare_cached(
            "INSERT INTO clicks (query_id, at, day, doc_id, title, position)
             VALUES (?1, ?2, date(?2 / 1000, 'unixepoch'), ?3, ?4, ?5)",
        )?;
        for event in events {
            match event {
                Event::Search(s) => {
                    search.execute(params![
                        s.id,
                        s.at_ms,
                        s.query,
                        filters_json(&s.filters),
                        i64::try_from(s.total).unwrap_or(i64::MAX),
                        s.page,
                        i64::try_from(s.took_us).unwrap_or(i64::MAX),
                    ])?;
                }
                Event::Click(c) => {
                    click.execute(params![c.query_id, c.at_ms, c.doc_id, c.title, c.position])?;
                }
            }
        }
    }
    tx.commit()
}

/// Deletes searches and clicks older than `cutoff_ms`; returns how many rows went.
pub(crate) fn delete_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    let searches = conn.execute("DELETE FROM searches WHERE at < ?1", [cutoff_ms])?;
    let clicks = conn.execute("DELETE FROM clicks WHERE at < ?1", [cutoff_ms])?;
    Ok(searches + clicks)
}

/// Whether a search with this id is recorded.
pub(crate) fn has_search(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM searches WHERE id = ?1")?
        .exists([id])
}

fn filters_json(filters: &[(String, String)]) -> String {
    let mut object = serde_json::Map::new();
    for (kind, value) in filters {
        let values = object
            .entry(kind.clone())
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if let serde_json::Value::Array(values) = values {
            values.push(serde_json::Value::String(value.clone()));
        }
    }
    serde_json::Value::Object(object).to_string()
}
