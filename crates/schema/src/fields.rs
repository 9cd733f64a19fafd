//! The tantivy schema: every field the indexer writes and the query crate reads, declared once.

use std::path::Path;

use tantivy::directory::{Directory, MmapDirectory};
use tantivy::schema::Value;
use tantivy::schema::{
    BytesOptions, Facet, FacetOptions, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::{Index, TantivyDocument, Term};

use crate::analysis;
use crate::{Error, FacetKind, Result};

/// Bumped whenever [`build_schema`] changes, so an old index is rejected with a clear message.
pub const SCHEMA_VERSION: u32 = 9;

/// Longest title prefix kept in [`Fields::suggest_title`]: completions are short.
pub const SUGGEST_TITLE_CHARS: usize = 200;

/// Name of the [`Fields::suggest_title`] column (read by name, as a fast column).
pub(crate) const SUGGEST_TITLE_FIELD: &str = "suggest_title";

/// Name of the [`Fields::meaning`] column (read by name, as a fast column).
pub const MEANING_FIELD: &str = "meaning";

/// Name of the field holding [`SCHEMA_VERSION`]'s marker (a field whose name carries the version,
/// so schema equality alone detects a version change).
const VERSION_FIELD_PREFIX: &str = "schema_v";

/// Handles of every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Stable document id: the corpus-relative path, or the `id` of a JSONL line. STRING so it
    /// can be deleted and fetched by exact term; STORED for responses; FAST so evaluation and
    /// benchmarks read ranked ids without the doc store.
    pub id: Field,
    /// Source path relative to the corpus root (empty for JSONL documents): the key of
    /// incremental re-indexing. STRING + STORED, and FAST so a re-index reads every path
    /// without touching the doc store.
    pub path: Field,
    /// Public URL of the document. STORED only: never searched.
    pub url: Field,
    /// Page title. Stemmed TEXT for ranking (highest boost), STORED for display.
    pub title: Field,
    /// The title's first [`SUGGEST_TITLE_CHARS`] characters as a fast column (not indexed, not
    /// stored): completions read every title from it without touching the document store,
    /// which at 100k pages would map the whole store into memory.
    pub suggest_title: Field,
    /// h1-h3 texts: stemmed TEXT with their own boost. Not stored.
    pub headings: Field,
    /// Meta description. Stemmed TEXT, STORED for display.
    pub description: Field,
    /// Main body text after boilerplate removal. Stemmed TEXT, STORED for snippets.
    pub body: Field,
    /// Text of sections marked `data-him-weight`, repeated by weight. Stemmed TEXT, not stored.
    pub emphasis: Field,
    /// Title, headings, description and body as written: typo, prefix and vocabulary for
    /// did-you-mean. Raw TEXT, not stored.
    pub all_raw: Field,
    /// Links found in the page (resolved). STORED only.
    pub outlinks: Field,
    /// Corpus paths this page links to. STRING so the indexer can find pages that link to a
    /// deleted file. Not stored.
    pub links_to: Field,
    /// Language code (`en`). STRING + STORED.
    pub lang: Field,
    /// Source kind: html, pdf, text, markdown, jsonl. STRING + STORED.
    pub source_kind: Field,
    /// xxh3 of the raw file bytes: unchanged files are skipped on re-index. FAST + STORED.
    pub content_hash: Field,
    /// xxh3 of the normalized body text: exact duplicates are dropped. INDEXED + FAST.
    pub body_hash: Field,
    /// Every facet value of the document, as the tantivy facet `/kind/value` (see
    /// [`facet_of`]): one field whatever kinds the taxonomy declares, so an index does not
    /// depend on its taxonomy's list of kinds. Filterable by term, stored for hit display.
    pub facets: Field,
    /// What a page's title says it is about, not only filed under: the values whose own name
    /// or code is the title (`Coder`, `CCS: Certified Coding Specialist`;
    /// [`Fields::about_term`]) and the name, code or alias the title is (`Outpatient Coder`, an
    /// alias of Coder; [`Fields::title_form_term`]). A query that is such a name lists these
    /// pages first. Not stored.
    pub about: Field,
    /// What the page's opening means, as `him-semantic` embeds it (one quantized vector of
    /// `him_semantic::DIMS` bytes) when the index was built with meanings (the indexer's
    /// `Meanings`); empty otherwise. A bytes fast column, read for the first
    /// results of a long query only; not indexed, not stored.
    pub meaning: Field,
}

impl Fields {
    /// Resolves the handles on a schema built by [`build_schema`].
    pub fn new(schema: &Schema) -> Result<Fields> {
        let get = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| Error::TaxonomyInvalid(format!("schema has no field {name}")))
        };
        Ok(Fields {
            id: get("id")?,
            path: get("path")?,
            url: get("url")?,
            title: get("title")?,
            suggest_title: get(SUGGEST_TITLE_FIELD)?,
            headings: get("headings")?,
            description: get("description")?,
            body: get("body")?,
            emphasis: get("emphasis")?,
            all_raw: get("all_raw")?,
            outlinks: get("outlinks")?,
            links_to: get("links_to")?,
            lang: get("lang")?,
            source_kind: get("source_kind")?,
            content_hash: get("content_hash")?,
            body_hash: get("body_hash")?,
            facets: get(FACETS_FIELD)?,
            about: get("about")?,
            meaning: get(MEANING_FIELD)?,
        })
    }

    /// The term that finds documents about `value` of `kind` ([`Fields::about`]).
    pub fn about_term(&self, kind: FacetKind, value: &str) -> Term {
        Term::from_field_text(self.about, &about_text(kind, value))
    }

    /// The term that finds documents whose title is `surface`, a name, code or alias of a value
    /// of `kind` ([`Fields::about`]).
    pub fn title_form_term(&self, kind: FacetKind, surface: &str) -> Term {
        Term::from_field_text(self.about, &title_form_text(kind, surface))
    }

    /// The term that finds documents filed under `value` of `kind`.
    pub fn facet_term(&self, kind: FacetKind, value: &str) -> Term {
        Term::from_facet(self.facets, &facet_of(kind, value))
    }
}

/// The text of an [`Fields::about`] term: `kind/value`.
pub fn about_text(kind: FacetKind, value: &str) -> String {
    format!("{}/{value}", kind.name())
}

/// The text of an [`Fields::about`] term for a title that is `surface` (a name, code or alias
/// of a value of `kind`): `kind=surface`, the surface as [`analysis::name_tokens`] writes it.
pub fn title_form_text(kind: FacetKind, surface: &str) -> String {
    format!("{}={}", kind.name(), analysis::name_tokens(surface))
}

/// Name of the facet field.
pub const FACETS_FIELD: &str = "facets";

/// The tantivy facet of one value: the path `[kind, value]`. A `/` inside a value stays part of
/// the value (tantivy separates path segments with `\0` internally).
pub fn facet_of(kind: FacetKind, value: &str) -> Facet {
    Facet::from_path([kind.name(), value])
}

/// The (kind key, value) of a stored facet: tantivy's encoded form (segments joined by `\0`)
/// or its display form (`/kind/Health\/Wellness`, `/` escaped). `None` unless it has exactly
/// two segments.
pub fn parse_facet(stored: &str) -> Option<(String, String)> {
    let segments: Vec<String> = match stored.strip_prefix('/') {
        Some(display) => {
            let mut segments = vec![String::new()];
            let mut chars = display.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => segments.last_mut()?.extend(chars.next()),
                    '/' => segments.push(String::new()),
                    c => segments.last_mut()?.push(c),
                }
            }
            segments
        }
        None => stored.split('\u{0}').map(str::to_string).collect(),
    };
    match <[String; 2]>::try_from(segments) {
        Ok([kind, value]) => Some((kind, value)),
        Err(_) => None,
    }
}

/// The text stored in `field` of `doc` (its first value), or "". A title indexed pre-tokenized
/// (the indexer's `titles.rs`) is stored as its whole text, which tantivy reads back as a
/// plain string; a document built in memory still holds the pre-tokenized value.
pub fn stored_text(doc: &TantivyDocument, field: Field) -> String {
    let Some(value) = doc.get_first(field) else {
        return String::new();
    };
    match value.as_str() {
        Some(text) => text.to_string(),
        None => value
            .as_pre_tokenized_text()
            .map(|pre| pre.text)
            .unwrap_or_default(),
    }
}

/// Builds the himsearch schema.
pub fn build_schema() -> Schema {
    let text = |tokenizer: &str, stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    // The raw fields serve prefix, typo and spelling lookups: constant-score term matches and
    // document frequencies, never phrases or BM25. Doc ids only.
    let raw_terms = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analysis::RAW)
            .set_index_option(IndexRecordOption::Basic),
    );
    let mut builder = Schema::builder();
    builder.add_text_field("id", STRING | STORED | FAST);
    builder.add_text_field("path", STRING | STORED | FAST);
    builder.add_text_field("url", STORED);
    builder.add_text_field("title", text(analysis::STEMMED, true));
    builder.add_text_field(SUGGEST_TITLE_FIELD, TextOptions::default().set_fast("raw"));
    builder.add_text_field("headings", text(analysis::STEMMED, false));
    builder.add_text_field("description", text(analysis::STEMMED, true));
    builder.add_text_field("body", text(analysis::STEMMED, true));
    builder.add_text_field("emphasis", text(analysis::STEMMED, false));
    builder.add_text_field("all_raw", raw_terms);
    builder.add_text_field("outlinks", STORED);
    builder.add_text_field("links_to", STRING);
    builder.add_text_field("lang", STRING | STORED);
    builder.add_text_field("source_kind", STRING | STORED);
    builder.add_u64_field(
        "content_hash",
        NumericOptions::default().set_fast().set_stored(),
    );
    builder.add_u64_field(
        "body_hash",
        NumericOptions::default().set_fast().set_indexed(),
    );
    builder.add_facet_field(FACETS_FIELD, FacetOptions::default().set_stored());
    builder.add_text_field("about", STRING);
    builder.add_bytes_field(MEANING_FIELD, BytesOptions::default().set_fast());
    builder.add_bool_field(
        &format!("{VERSION_FIELD_PREFIX}{SCHEMA_VERSION}"),
        NumericOptions::default(),
    );
    builder.build()
}

/// Opens an existing himsearch index, checks its schema and registers the analyzers. Every
/// file is memory-mapped: for the indexer, which reads whole segments when it merges.
pub fn open_index_dir(dir: &Path) -> Result<Index> {
    match MmapDirectory::open(dir) {
        Ok(directory) => open_index_in(directory, dir),
        Err(_) => Err(Error::IndexMissing(dir.to_path_buf())),
    }
}

/// [`open_index_dir`] for a search server: on Unix the document store is read with `pread`
/// instead of mapped (`SearchDirectory`), so the stored text of documents shown does not
/// accumulate in the server's memory. Elsewhere every file is mapped.
pub fn open_index_for_search(dir: &Path) -> Result<Index> {
    #[cfg(unix)]
    let directory = crate::directory::SearchDirectory::open(dir);
    #[cfg(not(unix))]
    let directory = MmapDirectory::open(dir);
    match directory {
        Ok(directory) => open_index_in(directory, dir),
        Err(_) => Err(Error::IndexMissing(dir.to_path_buf())),
    }
}

fn open_index_in<D: Directory>(directory: D, dir: &Path) -> Result<Index> {
    if !Index::exists(&directory).unwrap_or(false) {
        return Err(Error::IndexMissing(dir.to_path_buf()));
    }
    let index = Index::open(directory).map_err(|err| Error::IndexIncompatible {
        path: dir.to_path_buf(),
        expected: SCHEMA_VERSION,
        detail: err.to_string(),
    })?;
    check_schema(&index, dir)?;
    analysis::register(&index);
    Ok(index)
}

/// Fails unless `index` has exactly this build's schema.
pub(crate) fn check_schema(index: &Index, dir: &Path) -> Result<()> {
    let schema = index.schema();
    if schema == build_schema() {
        return Ok(());
    }
    let found_version = schema.fields().find_map(|(_, entry)| {
        entry
            .name()
            .strip_prefix(VERSION_FIELD_PREFIX)
            .map(str::to_owned)
    });
    let detail = match found_version {
        Some(version) => format!("it has schema version {version}"),
        None => "its fields differ".to_string(),
    };
    Err(Error::IndexIncompatible {
        path: dir.to_path_buf(),
        expected: SCHEMA_VERSION,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_resolve_on_built_schema() {
        let fields = Fields::new(&build_schema()).unwrap();
        assert_ne!(fields.facets, fields.title);
    }

    #[test]
    fn facets_round_trip_with_a_slash_in_the_value() {
        let kind = crate::Taxonomy::builtin().unwrap().kinds()[4].kind;
        let facet = facet_of(kind, "Health/Wellness");
        let expected = Some(("topic".to_string(), "Health/Wellness".to_string()));
        assert_eq!(parse_facet(facet.encoded_str()), expected);
        assert_eq!(parse_facet(&facet.to_string()), expected);
        assert_eq!(parse_facet("/topic"), None);
    }

    #[test]
    fn missing_index_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let err = open_index_dir(dir.path()).unwrap_err();
        assert!(matches!(err, Error::IndexMissing(_)), "{err}");
    }

    #[test]
    fn foreign_index_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let mut builder = Schema::builder();
        builder.add_text_field("title", STORED);
        Index::create_in_dir(dir.path(), builder.build()).unwrap();
        let err = open_index_dir(dir.path()).unwrap_err();
        assert!(matches!(err, Error::IndexIncompatible { .. }), "{err}");
    }
}
