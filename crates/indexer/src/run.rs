//! One indexing run, whatever its input: it opens the index and its writer (emptying it for a
//! rebuild), reads what is indexed already, parses on its own thread pool, writes and deletes
//! documents, and ends with one atomic commit. [`crate::index_corpus`],
//! [`crate::index_fetched`] and [`crate::index_jsonl`] differ only in how they list and read
//! their inputs.

use std::collections::HashMap;
use std::time::Instant;

use him_schema::Fields;
use rayon::prelude::*;
use tantivy::{IndexReader, Searcher, TantivyDocument, Term};

use crate::options::AUTO_MEANINGS_DOCUMENTS;
use crate::pipeline::{
    finish_run, open_or_create, open_writer, read_known, write_parsed, Context, Known, Ready,
    MEANINGS_KEY,
};
use crate::titles::Writes;
use crate::{Error, IndexOptions, Meanings, Progress, Result, Summary};

/// What a run indexes: recorded in the commit's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A corpus directory.
    Corpus,
    /// Pages fetched by a crawl.
    Crawl,
    /// A JSONL file.
    Jsonl,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Corpus => "corpus",
            Source::Crawl => "crawl",
            Source::Jsonl => "jsonl",
        }
    }
}

/// An open indexing run (see the module docs).
pub(crate) struct Run<'a> {
    pub(crate) options: &'a IndexOptions,
    pub(crate) fields: Fields,
    pub(crate) summary: Summary,
    writes: Writes,
    reader: IndexReader,
    whole_build: bool,
    /// Whether anything was written or deleted: a run that changed nothing does not commit.
    changed: bool,
    pool: rayon::ThreadPool,
    started: Instant,
}

impl<'a> Run<'a> {
    /// Opens `options.index` for writing (creating it when missing). `documents` counts the
    /// input's documents (files of a supported kind, lines or pages), asked only when a new
    /// index chooses its meanings by size ([`Meanings::Auto`]).
    pub(crate) fn open(
        options: &'a IndexOptions,
        documents: impl FnOnce() -> Result<u64>,
    ) -> Result<Run<'a>> {
        let started = Instant::now();
        let index = open_or_create(options)?;
        let fields = Fields::new(&index.schema())?;
        let (writer, whole_build) = open_writer(&index, options)?;
        let meanings = meanings_of(options, &index, whole_build, documents)?;
        let reader = index.reader()?;
        let changed = options.rebuild;
        if options.rebuild {
            writer.delete_all_documents()?;
        }
        let before = (!options.rebuild).then(|| reader.searcher());
        let writes = Writes::new(writer, fields.clone(), &options.taxonomy, before.as_ref());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.thread_count())
            .build()
            .map_err(|err| Error::Tantivy(tantivy::TantivyError::SystemError(err.to_string())))?;
        Ok(Run {
            options,
            fields,
            summary: Summary {
                meanings,
                ..Summary::default()
            },
            writes,
            reader,
            whole_build,
            changed,
            pool,
            started,
        })
    }

    /// The documents indexed before this run whose path `keep` accepts (none for a rebuild).
    pub(crate) fn known(&self, keep: impl Fn(&str) -> bool) -> Result<HashMap<String, Known>> {
        if self.options.rebuild {
            return Ok(HashMap::new());
        }
        Ok(read_known(&self.searcher())?
            .into_iter()
            .filter(|(path, _)| keep(path))
            .collect())
    }

    /// A searcher over the index as it was when the run opened.
    pub(crate) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Threads of the run's parser pool.
    pub(crate) fn threads(&self) -> usize {
        self.pool.current_num_threads().max(1)
    }

    /// `parse` over `items` on the run's pool, results in input order.
    pub(crate) fn parse<T: Sync, O: Send>(
        &self,
        items: &[T],
        parse: impl Fn(&T) -> O + Sync + Send,
    ) -> Vec<O> {
        self.pool.install(|| items.par_iter().map(parse).collect())
    }

    /// Removes the document stored under `path`.
    pub(crate) fn delete_path(&mut self, path: &str) {
        self.writes
            .delete_term(Term::from_field_text(self.fields.path, path));
        self.changed = true;
    }

    /// Writes a parsed page (unless it duplicates another) and records its problems.
    pub(crate) fn write(
        &mut self,
        context: &Context<'_>,
        ready: Ready,
        body_owner: &mut HashMap<u64, String>,
    ) {
        write_parsed(
            &mut self.writes,
            context,
            ready,
            body_owner,
            &mut self.summary,
        );
        self.changed = true;
    }

    /// Adds `document` (titled `title`), replacing any document with the same `id`.
    pub(crate) fn replace_by_id(
        &mut self,
        id: &str,
        title: &str,
        document: TantivyDocument,
    ) -> Result<()> {
        self.writes
            .delete_term(Term::from_field_text(self.fields.id, id));
        self.writes.add(title, document)?;
        self.changed = true;
        Ok(())
    }

    /// Commits (when anything changed), merges a whole build into one segment, and returns the
    /// summary with the document count and time.
    pub(crate) fn finish(self, source: Source, progress: &dyn Progress) -> Result<Summary> {
        let Run {
            writes,
            reader,
            whole_build,
            changed,
            mut summary,
            started,
            ..
        } = self;
        let (writer, title_suffix) = writes.finish()?;
        summary.title_suffix = title_suffix;
        finish_run(
            writer,
            &reader,
            whole_build,
            changed.then_some(source.label()),
            summary,
            started,
            progress,
        )
    }
}

/// Whether a run's documents get meanings: a whole build decides (by `options.meanings`, and
/// for [`Meanings::Auto`] by the input's size); an incremental run keeps what the index was
/// built with, and refuses to change it, which only a whole build can do for every page.
fn meanings_of(
    options: &IndexOptions,
    index: &tantivy::Index,
    whole_build: bool,
    documents: impl FnOnce() -> Result<u64>,
) -> Result<bool> {
    if whole_build {
        return Ok(match options.meanings {
            Meanings::On => true,
            Meanings::Off => false,
            Meanings::Auto => documents()? <= AUTO_MEANINGS_DOCUMENTS,
        });
    }
    // Every commit records the choice; an index committed before meanings existed has none.
    let built_with = index
        .load_metas()?
        .payload
        .and_then(|payload| serde_json::from_str::<serde_json::Value>(&payload).ok())
        .and_then(|payload| payload.get(MEANINGS_KEY)?.as_bool())
        .unwrap_or(false);
    match options.meanings {
        Meanings::Auto => Ok(built_with),
        Meanings::On if built_with => Ok(true),
        Meanings::Off if !built_with => Ok(false),
        _ => Err(Error::MeaningsNeedRebuild {
            index: options.index.clone(),
            built_with,
        }),
    }
}
