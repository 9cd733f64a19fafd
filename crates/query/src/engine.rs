//! The search engine over a himsearch index: query building, ranking, filters, disjunctive
//! facet counts and highlighted snippets. Both the CLI and the HTTP layer call
//! [`SearchEngine::search`], so they answer identically.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use him_schema::api::{FacetCount, Hit, SearchResponse};
use him_schema::{analysis, open_index_for_search, parse_facet, stored_text, FacetKind, Taxonomy};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, EnableScoring, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, Searcher, TantivyDocument, Term, TERMINATED,
};

use crate::build::{is_filler, is_format_word, QueryBuilder, QueryModel};
use crate::cache::{CacheKey, Commit, ResponseCache};
use crate::facet_table::{FacetTables, FacetTally};
use crate::highlight::Highlighter;
use crate::parse::{ParsedQuery, Term as QueryTerm};
use crate::request::SearchRequest;
use crate::subject::Subject;
use crate::suggest::{Completions, Suggester, Suggestion};
use crate::Result;
use rank::{RankOptions, Ranking};
use stored::StoredDoc;

/// Decompressed document-store blocks kept per segment (tantivy's default is 100). A page of
/// hits lands in ten random blocks, so a large cache seldom hits; a small one bounds the heap
/// on indexes with many segments. At 100k pages the heap after load was the same within
/// noise either way, so this is a bound, not a measured saving.
const DOC_STORE_CACHED_BLOCKS: usize = 8;

/// Search over one index directory.
pub struct SearchEngine {
    reader: IndexReader,
    /// Fields, analyzers and synonyms that queries are built from.
    query: QueryModel,
    taxonomy: Taxonomy,
    /// Completions of the commit being served.
    completions: Completions,
    /// Per-segment facet values, built as each commit is loaded (the reader's warmer).
    facet_tables: Arc<FacetTables>,
    /// Responses of the current commit, when turned on.
    cache: Option<ResponseCache>,
    /// The title suffix most pages share, hidden in hits.
    title_suffix: affix::TitleSuffix,
    /// Vectors of the questions asked lately, when kept.
    query_vectors: Option<meaning::QueryVectors>,
}

/// Stored fields of one document, for `GET /api/doc/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentView {
    /// Stable id.
    pub id: String,
    /// Public URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Meta description.
    pub description: String,
    /// Main text.
    pub body: String,
    /// Language code.
    pub lang: String,
    /// html, pdf, text, markdown or jsonl.
    pub source_kind: String,
    /// Links found in the document.
    pub outlinks: Vec<String>,
    /// Facet values per facet name.
    pub facets: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for SearchEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchEngine").finish_non_exhaustive()
    }
}

impl SearchEngine {
    /// Opens the index at `dir`; it picks up new commits as they land.
    pub fn open(dir: &Path, taxonomy: Taxonomy) -> Result<SearchEngine> {
        let index = open_index_for_search(dir)?;
        SearchEngine::from_index(index, taxonomy)
    }

    /// Wraps an already opened index (its analyzers registered).
    pub fn from_index(index: Index, taxonomy: Taxonomy) -> Result<SearchEngine> {
        analysis::register(&index);
        let query = QueryModel::new(&index.schema(), &taxonomy)?;
        let facet_tables = Arc::new(FacetTables::default());
        let warmer: Arc<dyn tantivy::Warmer> = facet_tables.clone();
        let reader = index
            .reader_builder()
            .warmers(vec![Arc::downgrade(&warmer)])
            .doc_store_cache_num_blocks(DOC_STORE_CACHED_BLOCKS)
            .try_into()?;
        Ok(SearchEngine {
            facet_tables,
            cache: None,
            reader,
            query,
            taxonomy,
            completions: Completions::default(),
            title_suffix: affix::TitleSuffix::default(),
            query_vectors: meaning::QueryVectors::new(meaning::VECTORS_KEPT),
        })
    }

    /// Number of documents searchable now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Facet kinds the index carries that the taxonomy does not declare, sorted. Their values
    /// are ignored: not counted, not filterable, not shown (an index built with a richer
    /// taxonomy stays searchable; the CLI warns).
    pub fn ignored_kinds(&self) -> Result<Vec<String>> {
        let names = self.facet_tables.kind_names(&self.reader.searcher())?;
        Ok(names
            .into_iter()
            .filter(|name| self.taxonomy.kind_keyed(name).is_none())
            .collect())
    }

    /// The taxonomy used for filters and facet boosts.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// Keeps up to `entries` responses of the current commit, holding at most `max_bytes`, and
    /// answers repeated requests from them (0 entries or bytes turn the cache off). A new commit
    /// empties it, so it never answers with documents that changed.
    pub fn with_response_cache(mut self, entries: usize, max_bytes: usize) -> SearchEngine {
        self.cache = (entries > 0 && max_bytes > 0).then(|| ResponseCache::new(entries, max_bytes));
        self
    }

    /// Keeps the vectors of up to `entries` questions whose results are reranked by meaning
    /// (1,024 unless set, half of the room for questions asked once; 0 turns it off), so that
    /// asking one again, with a facet ticked or for the next page, does not run the model
    /// again. Vectors depend on the words alone: a new commit keeps them.
    pub fn with_query_vector_cache(mut self, entries: usize) -> SearchEngine {
        self.query_vectors = meaning::QueryVectors::new(entries);
        self
    }

    /// Hits and misses of the response cache; `None` when it is off.
    pub fn cache_stats(&self) -> Option<crate::CacheStats> {
        self.cache.as_ref().map(ResponseCache::stats)
    }

    /// Runs a search.
    pub fn search(&self, request: SearchRequest) -> Result<SearchResponse> {
        let started = Instant::now();
        let request = request.validated(&self.taxonomy)?;
        let searcher = self.reader.searcher();
        let cached = self.cache.as_ref().zip(CacheKey::of(&request));
        let commit = Commit::of(&searcher);
        if let Some((cache, key)) = &cached {
            if let Some(hit) = cache.get(commit, key) {
                let mut response = SearchResponse::clone(&hit);
                response.took_ms = started.elapsed().as_millis() as u64;
                return Ok(response);
            }
        }
        let response = self.search_on(&searcher, request, started)?;
        if let Some((cache, key)) = cached {
            cache.insert(commit, key, Arc::new(response.clone()));
        }
        Ok(response)
    }

    /// Runs a validated search on one commit.
    fn search_on(
        &self,
        searcher: &Searcher,
        request: SearchRequest,
        started: Instant,
    ) -> Result<SearchResponse> {
        let parsed = self.query.parse(&request.query);

        let mut filters: Vec<Box<dyn Query>> = request
            .filters
            .iter()
            .map(|(kind, values)| self.query.filter_query(*kind, values))
            .collect();
        if let Some(expression) = &request.expression {
            filters.push(self.query.expression_query(expression));
        }

        let prefix_last = prefix_last(&request.query, &parsed);
        let offset = request
            .offset
            .unwrap_or((request.page - 1) * request.per_page);
        // Without filters, the ranking passes count facets as they go; so do they with filters
        // by value when they read a sum's arrays (disjunctively: rank.rs). Otherwise one more
        // pass over the unfiltered query counts every kind disjunctively (facet_table.rs).
        let Ranking {
            query: ranked_by,
            total,
            top,
            text_query,
            every_word_matched,
            facets: ranked_facets,
            corrections,
            meaning_gains,
        } = self.rank(
            searcher,
            &parsed,
            &filters,
            RankOptions {
                prefix_last,
                offset,
                limit: request.per_page,
                all_words: request.all_words,
                // Counts over the matches are right unless some kind is filtered by value, which
                // needs disjunctive counts (an expression's are conjunctive, as Meilisearch's).
                with_facets: request.filters.is_empty(),
                value_filters: request.expression.is_none().then(|| {
                    request
                        .filters
                        .iter()
                        .map(|(kind, values)| (*kind, values.clone()))
                        .collect()
                }),
                meaning: meaning::text_of(searcher, &request.query, &parsed),
            },
        )?;
        let tallies = match ranked_facets {
            Some(tallies) => tallies,
            None => {
                // The kinds filtered by value are counted disjunctively over the text query and
                // the expression, if any.
                let expression: Vec<Box<dyn Query>> = request
                    .expression
                    .iter()
                    .map(|e| self.query.expression_query(e))
                    .collect();
                let query = QueryBuilder::new(&self.query, searcher).combine(
                    text_query.as_deref(),
                    &parsed,
                    &expression,
                );
                let tally = FacetTally::new(
                    Arc::clone(&self.facet_tables),
                    self.kinds(),
                    request
                        .filters
                        .iter()
                        .map(|(kind, values)| (*kind, values.clone()))
                        .collect(),
                );
                searcher.search(query.as_ref(), &tally)?
            }
        };
        let facets: BTreeMap<String, Vec<FacetCount>> = tallies
            .into_iter()
            .map(|(kind, counts)| (kind.name().to_string(), counts))
            .collect();

        // What the query asks about, for the hits' snippets.
        let subject = (!top.is_empty())
            .then(|| Subject::of(&self.query, &parsed, &corrections, prefix_last))
            .flatten();
        // Offered whenever no document had every word, even if partial matches were found.
        let suggestion = if !every_word_matched && !parsed.groups.is_empty() {
            self.did_you_mean(searcher, &parsed, &request.query, corrections)?
        } else {
            None
        };

        // Highlighting needs the query's terms and their statistics: nothing to do for no hit.
        let highlighted = text_query.as_deref().filter(|_| !top.is_empty());
        let highlighter = Highlighter::new(searcher, highlighted, subject, &self.query.fields)?;
        let mut hits = Vec::with_capacity(top.len());
        let suffix = if top.is_empty() {
            None
        } else {
            self.title_suffix.of(searcher)
        };
        for (score, address) in top {
            let mut hit = self.hit(searcher, &highlighter, suffix.as_deref(), score, address)?;
            if request.explain {
                hit.explain = explain_hit(ranked_by.as_ref(), searcher, address)?
                    .map(|words| meaning::explained(words, meaning_gains.get(&address).copied()));
            }
            hits.push(hit);
        }

        Ok(SearchResponse {
            query: request.query,
            total,
            page: request.page,
            per_page: request.per_page,
            took_ms: started.elapsed().as_millis() as u64,
            hits,
            facets,
            suggestion,
            query_id: None,
        })
    }

    /// Ids of the best `depth` documents for `query` (no facets, no snippets), ranked exactly as
    /// [`SearchEngine::search`] ranks them (the last word also a prefix, as typed in a search
    /// box): for evaluation and benchmarks. `whole_query` turns the prefix off.
    pub fn ranked_ids(&self, query: &str, depth: usize, whole_query: bool) -> Result<Vec<String>> {
        let request = SearchRequest::new(query).validated(&self.taxonomy)?;
        let searcher = self.reader.searcher();
        let parsed = self.query.parse(&request.query);
        let options = RankOptions {
            prefix_last: !whole_query && prefix_last(&request.query, &parsed),
            offset: 0,
            limit: depth,
            with_facets: false,
            all_words: false,
            value_filters: None,
            meaning: meaning::text_of(&searcher, &request.query, &parsed),
        };
        let ranking = self.rank(&searcher, &parsed, &[], options)?;
        let mut ids = Vec::with_capacity(ranking.top.len());
        let mut columns: HashMap<u32, tantivy::columnar::StrColumn> = HashMap::new();
        let mut text = String::new();
        for (_, address) in ranking.top {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    let reader = searcher.segment_reader(address.segment_ord);
                    let Some(column) = reader.fast_fields().str("id")? else {
                        continue;
                    };
                    entry.insert(column)
                }
            };
            if let Some(ord) = column.term_ords(address.doc_id).next() {
                column
                    .ord_to_str(ord, &mut text)
                    .map_err(tantivy::TantivyError::from)?;
                ids.push(text.clone());
            }
        }
        Ok(ids)
    }

    /// A corrected query when some words are in no document, as typed or stemmed, but a close
    /// word is, and the corrected query finds more documents. A plural whose singular is indexed
    /// (`certifications`) is the same stem, not a misspelling.
    fn did_you_mean(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        query: &str,
        corrections: HashMap<String, Option<String>>,
    ) -> Result<Option<String>> {
        let builder = QueryBuilder::new(&self.query, searcher)
            .taking_words_as_typed()
            .with_corrections(corrections);
        let mut corrected = query.to_string();
        let mut replacements: Vec<String> = Vec::new();
        for term in parsed.groups.iter().flatten() {
            let QueryTerm::Word(word) = term else {
                continue;
            };
            let raw = analysis::tokens(&mut self.query.raw.clone(), word);
            let [token] = raw.as_slice() else { continue };
            // A filler word is what was meant, indexed or not: "cant" is not "can".
            if self.query.expander.is_protected(word)
                || is_filler(word)
                || builder.stems_indexed(word)
            {
                continue;
            }
            if let Some(better) = builder.correction(token) {
                corrected = corrected.replacen(word.as_str(), &better, 1);
                replacements.push(better);
            }
        }
        if replacements.is_empty() {
            return Ok(None);
        }
        // Offered only when it finds more documents with its words as written (the builder
        // adds no synonyms: they would make the comparison about other words, and a word's
        // synonym phrases cost a full evaluation each time, uncached without scoring). It can
        // only when some document has a corrected word and none of the words as typed:
        // looking for one stops at the first, where counting both queries reads every match of
        // every word (a long question's words match most of a site), so the counts are
        // compared only then.
        let Some(added) = builder.text_query(
            &self.query.parse(&replacements.join(" ")),
            false,
            false,
            false,
        ) else {
            return Ok(None);
        };
        let typed = builder.text_query(parsed, false, false, false);
        if !finds_beyond(searcher, added.as_ref(), typed.as_deref())? {
            return Ok(None);
        }
        let corrected_parsed = self.query.parse(&corrected);
        let Some(corrected_query) = builder.text_query(&corrected_parsed, false, false, false)
        else {
            return Ok(None);
        };
        let better =
            if self.typed_within_corrected(searcher, &builder, parsed, &corrected_parsed)? {
                // Every document the typed query matches, the corrected one matches too: it finds
                // more when it matches one document besides, which counting both would read every
                // match of the other words to learn.
                finds_beyond(searcher, corrected_query.as_ref(), typed.as_deref())?
            } else {
                let typed = match typed {
                    Some(query) => searcher.search_with_statistics_provider(
                        query.as_ref(),
                        &Count,
                        builder.statistics(),
                    )?,
                    None => 0,
                };
                // The corrected query is read only until it has found more.
                matches_more_than(searcher, corrected_query.as_ref(), typed)?
            };
        Ok(better.then_some(corrected))
    }

    /// Whether every document the `typed` query matches, the `corrected` one matches too,
    /// because the words it replaced match no document and nothing else differs: the other
    /// words are the same clauses of the disjunction. Not when the typed words name a value
    /// (its facet term and its page are clauses of the whole query), nor when they have no
    /// content word or name a format, whose clauses then depend on the other words (a
    /// preference matches alone beside no content word; a format word is searched only inside
    /// a synonym span).
    fn typed_within_corrected(
        &self,
        searcher: &Searcher,
        builder: &QueryBuilder<'_>,
        typed: &ParsedQuery,
        corrected: &ParsedQuery,
    ) -> Result<bool> {
        let names_a_format = typed
            .groups
            .iter()
            .flatten()
            .any(|term| term.text().split_whitespace().any(is_format_word));
        if typed.groups.len() != corrected.groups.len()
            || typed.excluded != corrected.excluded
            || self.query.content_groups(typed) == 0
            || names_a_format
            || builder.names_a_value(typed)
        {
            return Ok(false);
        }
        for (was, now) in typed.groups.iter().zip(&corrected.groups) {
            if was == now {
                continue;
            }
            let [QueryTerm::Word(word)] = was.as_slice() else {
                return Ok(false);
            };
            let alone = ParsedQuery {
                groups: vec![vec![QueryTerm::Word(word.clone())]],
                ..ParsedQuery::default()
            };
            match builder.text_query(&alone, false, false, false) {
                Some(query) if !matches_more_than(searcher, query.as_ref(), 0)? => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }

    fn suggester(&self) -> Result<Arc<Suggester>> {
        self.completions.current(
            &self.reader,
            self.query.fields.suggest_title,
            &self.taxonomy,
        )
    }

    /// Builds the completions now (a pass over every title: a quarter of a second at 100k pages)
    /// instead of in the first `suggest` call. A server calls it from a background thread.
    pub fn warm_completions(&self) -> Result<()> {
        self.suggester().map(|_| ())
    }

    /// Loads the model that reranks long queries by meaning now (about 0.1 s) instead of in
    /// the first such search, when the index holds pages' meanings.
    pub fn warm_meanings(&self) {
        meaning::warm(&self.reader.searcher());
    }

    /// Completions for a prefix typed in a search box.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>> {
        if prefix.chars().count() > crate::MAX_QUERY_CHARS {
            return Err(crate::Error::QueryTooLong {
                len: prefix.chars().count(),
                max: crate::MAX_QUERY_CHARS,
            });
        }
        Ok(self.suggester()?.suggest(prefix, limit))
    }

    /// Values of one facet over the whole index whose name contains `query` (any case), most
    /// frequent first.
    pub fn facet_values(
        &self,
        kind: FacetKind,
        query: &str,
        limit: usize,
    ) -> Result<Vec<FacetCount>> {
        let searcher = self.reader.searcher();
        let wanted = query.trim().to_lowercase();
        let mut counts = self.facet_counts(&searcher, &AllQuery, kind)?;
        counts.retain(|c| c.value.to_lowercase().contains(&wanted));
        counts.truncate(limit);
        Ok(counts)
    }

    /// A stored title as hits show it: without the suffix most of the site's titles share.
    pub fn shown_title(&self, stored: &str) -> String {
        let suffix = self.title_suffix.of(&self.reader.searcher());
        affix::strip(stored, suffix.as_deref()).to_string()
    }

    /// Stored fields of the document with this id.
    pub fn document(&self, id: &str) -> Result<Option<DocumentView>> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.query.fields.id, id),
            IndexRecordOption::Basic,
        );
        let Some((_, address)) = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field: Field| stored_text(&doc, field);
        Ok(Some(DocumentView {
            id: text(self.query.fields.id),
            url: text(self.query.fields.url),
            title: text(self.query.fields.title),
            description: text(self.query.fields.description),
            body: text(self.query.fields.body),
            lang: text(self.query.fields.lang),
            source_kind: text(self.query.fields.source_kind),
            outlinks: doc
                .get_all(self.query.fields.outlinks)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            facets: self.stored_facets(
                doc.get_all(self.query.fields.facets)
                    .filter_map(|v| v.as_facet()),
            ),
        }))
    }

    /// A document's facets by kind, every kind of the taxonomy present, from its stored paths.
    fn stored_facets<'a>(
        &self,
        stored: impl Iterator<Item = &'a str>,
    ) -> BTreeMap<String, Vec<String>> {
        let mut facets: BTreeMap<String, Vec<String>> = self
            .taxonomy
            .kinds()
            .iter()
            .map(|spec| (spec.kind.name().to_string(), Vec::new()))
            .collect();
        for stored in stored {
            // A kind the served taxonomy lacks is ignored (see `ignored_kinds`).
            if let Some((kind, value)) = parse_facet(stored) {
                if let Some(values) = facets.get_mut(&kind) {
                    values.push(value);
                }
            }
        }
        facets
    }

    /// The kinds this engine counts and filters by: the taxonomy's, in its order.
    fn kinds(&self) -> Vec<FacetKind> {
        self.taxonomy.kinds().iter().map(|spec| spec.kind).collect()
    }

    /// Counts of one facet kind over `query`'s matches.
    fn facet_counts(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        kind: FacetKind,
    ) -> Result<Vec<FacetCount>> {
        let tally = FacetTally::new(Arc::clone(&self.facet_tables), vec![kind], Vec::new());
        Ok(searcher
            .search(query, &tally)?
            .pop()
            .map(|(_, counts)| counts)
            .unwrap_or_default())
    }

    fn hit(
        &self,
        searcher: &Searcher,
        highlighter: &Highlighter,
        title_suffix: Option<&str>,
        score: f32,
        address: DocAddress,
    ) -> Result<Hit> {
        let mut doc: StoredDoc = searcher.doc(address)?;
        let fields = &self.query.fields;
        let title = doc.take(fields.title);
        let body = doc.take(fields.body);
        let description = doc.take(fields.description);
        let facets = self.stored_facets(doc.facets());
        let shown = affix::strip(&title, title_suffix).to_string();
        let snippet = highlighter.snippet(&body, &description, &title, &shown);
        let title = shown;
        let title_marks = highlighter.title(&title);
        Ok(Hit {
            id: doc.take(fields.id),
            url: doc.take(fields.url),
            title_html: title_marks.to_html(),
            title_parts: title_marks.parts(),
            snippet: snippet.to_html(),
            snippet_parts: snippet.parts(),
            title,
            score,
            facets,
            explain: None,
        })
    }
}

/// Whether some live document matches `query` but not `beyond` (matching nothing when absent).
fn finds_beyond(
    searcher: &Searcher,
    query: &dyn Query,
    beyond: Option<&dyn Query>,
) -> Result<bool> {
    let unscored = || EnableScoring::disabled_from_searcher(searcher);
    let query = query.weight(unscored())?;
    let beyond = beyond.map(|q| q.weight(unscored())).transpose()?;
    for reader in searcher.segment_readers() {
        let alive = reader.alive_bitset();
        let mut candidates = query.scorer(reader, 1.0)?;
        let mut covered = match &beyond {
            Some(weight) => Some(weight.scorer(reader, 1.0)?),
            None => None,
        };
        let mut doc = candidates.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                let at = match covered.as_mut() {
                    Some(covered) if covered.doc() < doc => covered.seek(doc),
                    Some(covered) => covered.doc(),
                    None => TERMINATED,
                };
                if at != doc {
                    return Ok(true);
                }
            }
            doc = candidates.advance();
        }
    }
    Ok(false)
}

/// Whether `query` matches more than `count` live documents, read until it has.
fn matches_more_than(searcher: &Searcher, query: &dyn Query, count: usize) -> Result<bool> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut found = 0;
    for reader in searcher.segment_readers() {
        let alive = reader.alive_bitset();
        let mut matches = weight.scorer(reader, 1.0)?;
        let mut doc = matches.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                found += 1;
                if found > count {
                    return Ok(true);
                }
            }
            doc = matches.advance();
        }
    }
    Ok(false)
}

/// Whether the last word is still being typed: a query ending in a space or a closing quote is
/// finished, and so is one whose last word lost a clitic ("... hospital's").
fn prefix_last(query: &str, parsed: &ParsedQuery) -> bool {
    !query.ends_with(char::is_whitespace) && !query.ends_with('"') && !parsed.ends_with_clitic
}

/// The score breakdown of one hit. tantivy 0.27's `BooleanWeight::explain` seeks sub-scorers
/// that may already be exhausted (an `EmptyScorer` for a term missing from the segment),
/// which trips a `debug_assert` in `DocSet::seek`; release builds answer correctly. Found by
/// the `search_params` fuzz target (regression: `fuzz/regressions/search_params/`). A debug
/// build answers "unavailable" instead of aborting the request.
fn explain_hit(
    query: &dyn Query,
    searcher: &Searcher,
    address: DocAddress,
) -> Result<Option<serde_json::Value>> {
    let explained = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        query.explain(searcher, address)
    }));
    Ok(match explained {
        Ok(explanation) => serde_json::from_str(&explanation?.to_pretty_json()).ok(),
        Err(_) => Some(serde_json::json!({"unavailable": "tantivy could not explain this score"})),
    })
}

mod affix;
mod feedback;
mod gaps;
mod meaning;
mod rank;
mod stored;

#[cfg(test)]
mod facet_counts;

#[cfg(test)]
mod tests;
