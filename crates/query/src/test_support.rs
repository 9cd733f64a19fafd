//! The fixture the query crate's unit tests share: HTML pages written to a temporary corpus
//! directory and indexed by `him-indexer` into a temporary index directory, as a site would be.

use tempfile::TempDir;

use crate::SearchEngine;

/// A corpus directory and the index built from it; both are deleted when it drops.
pub(crate) struct IndexedCorpus {
    pub(crate) corpus: TempDir,
    pub(crate) index: TempDir,
}

impl IndexedCorpus {
    /// Writes `pages` (path within the corpus, HTML) and indexes them.
    pub(crate) fn new(pages: &[(impl AsRef<str>, impl AsRef<str>)]) -> IndexedCorpus {
        IndexedCorpus::with_meanings(pages, him_indexer::Meanings::Auto)
    }

    /// [`Self::new`], the index built with or without pages' meanings.
    pub(crate) fn with_meanings(
        pages: &[(impl AsRef<str>, impl AsRef<str>)],
        meanings: him_indexer::Meanings,
    ) -> IndexedCorpus {
        let fixture = IndexedCorpus {
            corpus: tempfile::tempdir().unwrap(),
            index: tempfile::tempdir().unwrap(),
        };
        for (path, html) in pages {
            fixture.write(path.as_ref(), html.as_ref());
        }
        let mut options = him_indexer::IndexOptions::new(fixture.index.path()).unwrap();
        options.meanings = meanings;
        him_indexer::index_corpus(&options, fixture.corpus.path(), &him_indexer::NoProgress)
            .unwrap();
        fixture
    }

    /// Writes one page, creating its folders; [`Self::reindex`] makes it searchable.
    pub(crate) fn write(&self, path: &str, html: &str) {
        let full = self.corpus.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, html).unwrap();
    }

    /// Indexes the corpus again (incrementally, as `himsearch index` does) and commits.
    pub(crate) fn reindex(&self) {
        let options = him_indexer::IndexOptions::new(self.index.path()).unwrap();
        him_indexer::index_corpus(&options, self.corpus.path(), &him_indexer::NoProgress).unwrap();
    }

    /// A search engine over the index, with the built-in taxonomy.
    pub(crate) fn engine(&self) -> SearchEngine {
        SearchEngine::open(self.index.path(), him_schema::Taxonomy::builtin().unwrap()).unwrap()
    }
}
