//! `himsearch check`: verifies an index directory before it is served.

use std::path::Path;

use serde::Serialize;
use tantivy::collector::Count;
use tantivy::query::AllQuery;

use crate::Result;

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Documents searchable.
    pub documents: u64,
    /// Segments in the last commit.
    pub segments: usize,
    /// Index files whose checksum does not match their content.
    pub damaged_files: Vec<String>,
}

impl CheckReport {
    /// True when nothing is damaged.
    pub fn is_ok(&self) -> bool {
        self.damaged_files.is_empty()
    }
}

/// Opens the index at `dir` (schema version included), verifies every file's checksum, and
/// reads every segment once. Errors name what is wrong; nothing here panics on bad data.
pub fn check_index(dir: &Path) -> Result<CheckReport> {
    let index = him_schema::open_index_dir(dir)?;
    let mut damaged_files: Vec<String> = index
        .validate_checksum()?
        .into_iter()
        .map(|path| path.display().to_string())
        .collect();
    damaged_files.sort();
    let segments = index.searchable_segment_metas()?.len();
    if !damaged_files.is_empty() {
        return Ok(CheckReport {
            documents: 0,
            segments,
            damaged_files,
        });
    }
    let searcher = index.reader()?.searcher();
    let documents = searcher.search(&AllQuery, &Count)? as u64;
    Ok(CheckReport {
        documents,
        segments,
        damaged_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::IndexedCorpus;

    fn built_index() -> IndexedCorpus {
        IndexedCorpus::new(&[("a.html", "<title>A</title><p>alpha text</p>")])
    }

    #[test]
    fn healthy_index_passes() {
        let fixture = built_index();
        let report = check_index(fixture.index.path()).unwrap();
        assert!(report.is_ok());
        assert_eq!(report.documents, 1);
    }

    #[test]
    fn damaged_file_is_named() {
        let fixture = built_index();
        let index = fixture.index.path();
        let store = std::fs::read_dir(index)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "store"))
            .unwrap();
        let mut bytes = std::fs::read(&store).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&store, bytes).unwrap();
        let report = check_index(index).unwrap();
        assert!(!report.is_ok());
        assert!(report.damaged_files[0].ends_with(".store"), "{report:?}");
    }

    #[test]
    fn foreign_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("meta.json"), "not json").unwrap();
        assert!(check_index(dir.path()).is_err());
    }
}
