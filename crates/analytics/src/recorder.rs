//! The recorder: a bounded queue in front of one writer thread. Handlers only `try_send`;
//! the thread gathers what arrives within [`Settings::batch_window`] into one transaction, so
//! a killed server loses at most that window, and deletes rows past the retention period on
//! start and every hour.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use rusqlite::config::DbConfig;
use rusqlite::Connection;

use crate::event::{now_ms, ClickEvent, SearchEvent};
use crate::store::{self, Event};

/// How the recorder runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Rows older than this many days are deleted.
    pub retention_days: u32,
    /// Events waiting for the writer at most; more are dropped (and counted).
    pub queue: usize,
    /// Longest an event waits to be written, which is what a killed server can lose.
    pub batch_window: Duration,
    /// Most events in one transaction.
    pub batch_max: usize,
    /// After a failure, how long before the database is opened again.
    pub retry_every: Duration,
    /// Recent query ids kept in memory (16 bytes each), so a click on a search still queued
    /// is known; older ones are looked up in the database. At least `queue` + `batch_max`.
    pub recent_ids: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            retention_days: 90,
            queue: 8192,
            batch_window: Duration::from_millis(250),
            batch_max: 2048,
            retry_every: Duration::from_secs(30),
            recent_ids: 16_384,
        }
    }
}

/// Whether events are being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// The last write (or opening) succeeded.
    Ok,
    /// The database cannot be written: events are dropped until it can. The message says why.
    Degraded(String),
}

enum Message {
    Event(Event),
    /// Write what is queued, then answer.
    Flush(SyncSender<()>),
}

/// State shared by the handlers and the writer thread.
struct Shared {
    path: PathBuf,
    settings: Settings,
    dropped: AtomicU64,
    written: AtomicU64,
    problem: Mutex<Option<String>>,
    recent: Cache<u128, ()>,
}

/// Records searches and clicks into the database at `path`. Dropping it writes what is queued
/// and stops the thread.
pub struct Recorder {
    shared: Arc<Shared>,
    sender: Option<SyncSender<Message>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Opens (creating) the database and starts the writer. Never fails: a database that
    /// cannot be opened is logged, the recorder is [`Health::Degraded`], and it tries again
    /// every [`Settings::retry_every`].
    pub fn open(path: &Path, settings: Settings) -> Recorder {
        let shared = Arc::new(Shared {
            path: path.to_path_buf(),
            recent: Cache::new(settings.recent_ids.max(1)),
            settings,
            dropped: AtomicU64::new(0),
            written: AtomicU64::new(0),
            problem: Mutex::new(None),
        });
        let connection = match store::open_for_writing(path) {
            Ok(conn) => Some(conn),
            Err(err) => {
                shared.failed(&err.to_string());
                None
            }
        };
        let (sender, receiver) = mpsc::sync_channel(shared.settings.queue.max(1));
        let writer = Writer {
            opened: connection.as_ref().and_then(|_| file_id(path)),
            shared: Arc::clone(&shared),
            retry_now: false,
            connection,
            last_attempt: Instant::now(),
            next_retention: Instant::now(),
        };
        let watched = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("analytics-writer".into())
            .spawn(move || {
                let run = std::panic::AssertUnwindSafe(|| writer.run(&receiver));
                if std::panic::catch_unwind(run).is_err() {
                    watched.failed("the writer thread stopped: events are no longer recorded");
                }
            })
            .ok();
        if thread.is_none() {
            shared.failed("the writer thread could not start");
        }
        Recorder {
            shared,
            sender: Some(sender),
            thread,
        }
    }

    /// Queues a search; false when it was dropped (queue full or writer gone).
    pub fn record_search(&self, event: SearchEvent) -> bool {
        let id = id_bits(&event.id);
        let sent = self.send(Event::Search(event));
        if let (true, Some(id)) = (sent, id) {
            self.shared.recent.insert(id, ());
        }
        sent
    }

    /// Queues a click; false when it was dropped.
    pub fn record_click(&self, event: ClickEvent) -> bool {
        self.send(Event::Click(event))
    }

    fn send(&self, event: Event) -> bool {
        let sent = self
            .sender
            .as_ref()
            .is_some_and(|s| match s.try_send(Message::Event(event)) {
                Ok(()) => true,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            });
        if !sent {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
        sent
    }

    /// Whether `query_id` is a search this server recorded: one of the recent ones, or one
    /// in the database. The database is opened for each lookup, which only clicks on searches
    /// older than the recent ones need: a connection kept open would hold on to a file that
    /// has since been replaced.
    pub fn knows(&self, query_id: &str) -> bool {
        let Some(bits) = id_bits(query_id) else {
            return false;
        };
        if self.shared.recent.get(&bits).is_some() {
            return true;
        }
        store::open_for_reading(&self.shared.path)
            .ok()
            .is_some_and(|conn| store::has_search(&conn, query_id).unwrap_or(false))
    }

    /// Writes everything queued so far and waits for it (tests, and a server shutting down).
    pub fn flush(&self) {
        let Some(sender) = &self.sender else { return };
        let (ack, done) = mpsc::sync_channel(1);
        if sender.send(Message::Flush(ack)).is_ok() {
            let _ = done.recv();
        }
    }

    /// Whether events are being written.
    pub fn health(&self) -> Health {
        match lock(&self.shared.problem).clone() {
            None => Health::Ok,
            Some(message) => Health::Degraded(message),
        }
    }

    /// Events dropped since start: queue full, or the database failing.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Events written since start.
    pub fn written(&self) -> u64 {
        self.shared.written.load(Ordering::Relaxed)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Shared {
    /// Notes a failure; logged when the recorder was healthy, so a broken database is one
    /// warning, not one per batch.
    fn failed(&self, message: &str) {
        let mut problem = lock(&self.problem);
        if problem.is_none() {
            tracing::warn!(
                path = %self.path.display(),
                error = message,
                "analytics are degraded: events are dropped until the database can be written"
            );
        }
        *problem = Some(message.to_string());
    }

    fn recovered(&self) {
        let mut problem = lock(&self.problem);
        if problem.take().is_some() {
            tracing::info!(path = %self.path.display(), "analytics database writable again");
        }
    }
}

/// A query id as a number: exactly 32 lower-case hex digits, as [`crate::new_query_id`]
/// makes them (so one id has one spelling, and clicks join their search).
pub(crate) fn id_bits(id: &str) -> Option<u128> {
    if id.len() != 32
        || !id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    u128::from_str_radix(id, 16).ok()
}

/// A poisoned lock only means another thread panicked while holding it; the data (a message,
/// a connection) is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The writer thread's state.
struct Writer {
    shared: Arc<Shared>,
    connection: Option<Connection>,
    /// Open the database at the next need, without waiting for `retry_every`.
    retry_now: bool,
    /// The file the connection has open: a file replaced, removed or overwritten under it
    /// (restored from a backup, deleted by hand, damaged) is noticed before each batch and
    /// opened again, instead of written on through a connection that no longer sees it.
    opened: Option<FileId>,
    last_attempt: Instant,
    next_retention: Instant,
}

const RETENTION_EVERY: Duration = Duration::from_secs(3600);

impl Writer {
    fn run(mut self, receiver: &mpsc::Receiver<Message>) {
        let settings = self.shared.settings.clone();
        self.retention();
        loop {
            let first = match receiver.recv_timeout(RETENTION_EVERY) {
                Ok(message) => Some(message),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            let mut batch = Vec::new();
            let mut acks = Vec::new();
            let mut closed = false;
            if let Some(first) = first {
                let deadline = Instant::now() + settings.batch_window;
                let mut next = Some(first);
                while let Some(message) = next.take() {
                    match message {
                        Message::Event(event) => batch.push(event),
                        Message::Flush(ack) => {
                            acks.push(ack);
                            break;
                        }
                    }
                    if batch.len() >= settings.batch_max {
                        break;
                    }
                    let wait = deadline.saturating_duration_since(Instant::now());
                    match receiver.recv_timeout(wait) {
                        Ok(message) => next = Some(message),
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => closed = true,
                    }
                }
            }
            self.write(&batch);
            self.retention();
            for ack in acks {
                let _ = ack.send(());
            }
            if closed {
                return;
            }
        }
    }

    /// The connection, reopened after a failure at most every `retry_every`, and never onto a
    /// file that is not SQLite's (SQLite would read its first pages from the write-ahead log
    /// and write on into a damaged file).
    fn connection(&mut self) -> Option<&mut Connection> {
        let file = file_state(&self.shared.path);
        if let Some(conn) = self
            .connection
            .take_if(|_| file != FileState::Sqlite(self.opened))
        {
            // Closing the last connection checkpoints its write-ahead log into the file at
            // the path: never into one that is not ours any more.
            if file == FileState::NotSqlite {
                let _ = conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true);
            }
            drop(conn);
            self.retry_now = true;
        }
        if file == FileState::NotSqlite {
            let message = format!(
                "analytics database {}: file is not a database (its header is not SQLite's: \
                 overwritten or damaged)",
                self.shared.path.display()
            );
            self.shared.failed(&message);
            return None;
        }
        if self.connection.is_none()
            && (self.retry_now || self.last_attempt.elapsed() >= self.shared.settings.retry_every)
        {
            self.retry_now = false;
            self.last_attempt = Instant::now();
            match store::open_for_writing(&self.shared.path) {
                Ok(conn) => {
                    self.connection = Some(conn);
                    self.opened = file_id(&self.shared.path);
                }
                Err(err) => self.shared.failed(&err.to_string()),
            }
        }
        self.connection.as_mut()
    }

    fn write(&mut self, batch: &[Event]) {
        if batch.is_empty() {
            return;
        }
        let count = batch.len() as u64;
        let Some(conn) = self.connection() else {
            self.shared.dropped.fetch_add(count, Ordering::Relaxed);
            return;
        };
        match store::write(conn, batch) {
            Ok(()) => {
                self.shared.written.fetch_add(count, Ordering::Relaxed);
                self.shared.recovered();
            }
            Err(err) => {
                self.shared.dropped.fetch_add(count, Ordering::Relaxed);
                self.fail(&err);
            }
        }
    }

    fn retention(&mut self) {
        if Instant::now() < self.next_retention {
            return;
        }
        self.next_retention = Instant::now() + RETENTION_EVERY;
        let days = i64::from(self.shared.settings.retention_days);
        let cutoff = now_ms() - days * 86_400_000;
        let Some(conn) = self.connection() else {
            return;
        };
        if let Err(err) = store::delete_before(conn, cutoff) {
            self.fail(&err);
        }
    }

    /// A failed statement: the connection is dropped (the file may have been replaced or
    /// damaged) and opened again later.
    fn fail(&mut self, err: &rusqlite::Error) {
        let message = format!("analytics database {}: {err}", self.shared.path.display());
        self.shared.failed(&message);
        self.connection = None;
        self.last_attempt = Instant::now();
    }
}

/// Identity of a file: device and inode where there are such things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId(u64, u64);

/// What is at the database's path now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileState {
    Missing,
    /// There, but not starting with SQLite's header.
    NotSqlite,
    Sqlite(Option<FileId>),
}

fn file_state(path: &Path) -> FileState {
    match store::header(path) {
        store::Header::Missing => FileState::Missing,
        store::Header::Foreign => FileState::NotSqlite,
        store::Header::Sqlite => FileState::Sqlite(file_id(path)),
    }
}

fn file_id(path: &Path) -> Option<FileId> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(FileId(meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some(FileId(0, 0))
    }
}
