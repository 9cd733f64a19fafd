//! The directory a search server reads its index through: memory maps for every file except
//! the document store, which is read with positional reads (`pread`).
//!
//! Why the store is different: postings, term dictionaries and fast fields are read at random
//! and over and over, which memory maps serve best. The store is read one compressed block per
//! hit shown, and a long-tail workload shows nearly every document sooner or later: mapped, the
//! whole store (about half of the index: 109 of 202 MB at 100k pages) ends up resident in the
//! server's own memory. Read with `pread`, those pages stay in the kernel's page cache, shared
//! and reclaimable, and the server keeps only tantivy's small cache of decompressed blocks. One
//! `pread` of a 16 KB block costs microseconds against the milliseconds of a search.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr,
};
use tantivy::HasLen;

/// File extension of tantivy's document store.
const STORE_EXTENSION: &str = "store";

/// An [`MmapDirectory`] that reads document stores with `pread` instead of mapping them.
#[derive(Debug, Clone)]
pub struct SearchDirectory {
    mapped: MmapDirectory,
    root: PathBuf,
}

impl SearchDirectory {
    /// Opens the index directory `root`.
    pub fn open(
        root: &Path,
    ) -> Result<SearchDirectory, tantivy::directory::error::OpenDirectoryError> {
        Ok(SearchDirectory {
            mapped: MmapDirectory::open(root)?,
            root: root.to_path_buf(),
        })
    }
}

impl Directory for SearchDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        if path.extension().and_then(|ext| ext.to_str()) != Some(STORE_EXTENSION) {
            return self.mapped.get_file_handle(path);
        }
        let full_path = self.root.join(path);
        let file = File::open(&full_path).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => OpenReadError::FileDoesNotExist(path.to_path_buf()),
            _ => OpenReadError::wrap_io_error(err, path.to_path_buf()),
        })?;
        let len = file
            .metadata()
            .map_err(|err| OpenReadError::wrap_io_error(err, path.to_path_buf()))?
            .len() as usize;
        Ok(Arc::new(PositionalFile { file, len }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mapped.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mapped.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mapped.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mapped.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.mapped.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.mapped.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.mapped.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mapped.watch(watch_callback)
    }
}

/// A read-only file read with positional reads. A deleted file stays readable while open, as a
/// memory map does, so a reader keeps its segments while a re-index replaces them.
#[derive(Debug)]
struct PositionalFile {
    file: File,
    len: usize,
}

impl FileHandle for PositionalFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.start > range.end || range.end > self.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("range {range:?} outside a file of {} bytes", self.len),
            ));
        }
        let mut buffer = vec![0; range.len()];
        self.file.read_exact_at(&mut buffer, range.start as u64)?;
        Ok(OwnedBytes::new(buffer))
    }
}

impl HasLen for PositionalFile {
    fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stores_by_range_and_everything_else_through_the_maps() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.store"), b"0123456789").unwrap();
        std::fs::write(dir.path().join("a.idx"), b"abcdef").unwrap();
        let directory = SearchDirectory::open(dir.path()).unwrap();

        let store = directory.get_file_handle(Path::new("a.store")).unwrap();
        assert_eq!(store.len(), 10);
        assert_eq!(store.read_bytes(3..7).unwrap().as_slice(), b"3456");
        assert_eq!(store.read_bytes(10..10).unwrap().as_slice(), b"");
        let err = store.read_bytes(8..11).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);

        let mapped = directory.get_file_handle(Path::new("a.idx")).unwrap();
        assert_eq!(mapped.read_bytes(1..3).unwrap().as_slice(), b"bc");

        // Deleted while open: still readable, as a map would be.
        std::fs::remove_file(dir.path().join("a.store")).unwrap();
        assert_eq!(store.read_bytes(0..2).unwrap().as_slice(), b"01");
        assert!(matches!(
            directory.get_file_handle(Path::new("a.store")),
            Err(OpenReadError::FileDoesNotExist(_))
        ));
    }
}
