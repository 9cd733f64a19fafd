//! The search engine over a himsearch index: query building, ranking, filters, disjunctive
//! facet counts and highlighted snippets. Both the CLI and the HTTP layer call
//! [`SearchEngine::search`], so they answer identically.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use him_schema::api::{FacetCount, Hit, SearchResponse};
use him_schema::{analysis, open_index_for_search, FacetKind, Fields, Taxonomy};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, Bm25StatisticsProvider, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyQuery,
    FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, Searcher, TantivyDocument, Term};

use crate::cache::{CacheKey, Commit, ResponseCache};
use crate::expand::Expander;
use crate::facet_table::{add_tallies, FacetTables, FacetTallies, FacetTally};
use crate::flat::SumQuery;
use crate::highlight::Highlighter;
use crate::materialize::{DocSetMemo, MaterializedQuery, MemoizedQuery};
use crate::parse::{parse, ParsedQuery, Term as QueryTerm};
use crate::request::SearchRequest;
use crate::stats::MemoStatistics;
use crate::suggest::{correct_word, Completions, Suggester, Suggestion};
use crate::Result;

/// Ranked text fields and their boosts. Headings (h1-h3, which on web pages repeat the title)
/// weigh most; the title field itself is not boosted further, because on the public test
/// collections (BENCHMARKS.md) a title boost of 4 cost 7 nDCG points on CISI and 3 on
/// Cranfield while our HIM relevance suite passed either way.
const FIELD_BOOSTS: [(&str, f32); 5] = [
    ("title", 1.0),
    ("headings", 2.5),
    ("description", 1.5),
    ("body", 1.0),
    ("emphasis", 1.0),
];

/// Share of the non-best fields' scores added to the best field's (dis-max tie breaker);
/// 0.5 measured best across med, CISI and Cranfield (0.1 to 0.7 tried).
const TIE_BREAKER: f32 = 0.5;

/// Boost of documents filed under a credential or job title the query names.
const FACET_BOOST: f32 = 2.0;

/// Weight of a typo match relative to an exact one; typo matches score a constant, so any
/// exact BM25 match of the same word outranks them.
const TYPO_BOOST: f32 = 0.3;

/// Longest query (in words) that gets typo tolerance: a few typed words benefit; in a long
/// natural-language question every word's near neighbours add more noise than the rare
/// misspelling costs.
const MAX_WORDS_WITH_TYPOS: usize = 6;

/// Weight of a prefix match of the word being typed.
const PREFIX_BOOST: f32 = 0.5;

/// Shortest prefix expanded: one letter would match most of the vocabulary.
const MIN_PREFIX_CHARS: usize = 2;

/// Weight of a synonym relative to the words typed.
const SYNONYM_BOOST: f32 = 0.35;

/// Weight and slop of the proximity clause for multi-word queries.
const PROXIMITY_BOOST: f32 = 1.5;
const PROXIMITY_SLOP: u32 = 3;

/// Below this many documents with every word, documents with some of the words are listed
/// after them.
const FEW_RESULTS: usize = 10;

/// Decompressed document-store blocks kept per segment (tantivy's default is 100). A page of
/// hits lands in ten random blocks, so a large cache seldom hits; a small one bounds the heap
/// on indexes with many segments. At 100k pages the heap after load was the same within
/// noise either way (BENCHMARKS.md), so this is a bound, not a measured saving.
const DOC_STORE_CACHED_BLOCKS: usize = 8;

/// Search over one index directory.
pub struct SearchEngine {
    reader: IndexReader,
    fields: Fields,
    taxonomy: Taxonomy,
    stemmer: TextAnalyzer,
    raw: TextAnalyzer,
    expander: Expander,
    ranked_fields: Vec<(Field, f32)>,
    /// Completions of the commit being served.
    completions: Completions,
    /// Per-segment facet values, built as each commit is loaded (the reader's warmer).
    facet_tables: Arc<FacetTables>,
    /// Credentials and job titles by the [`Taxonomy::name_key`] of every name, code and alias,
    /// for the facet boost of queries that name one (`canonicalize` scans every surface form).
    named_values: HashMap<String, Vec<(FacetKind, String)>>,
    /// Responses of the current commit, when turned on.
    cache: Option<ResponseCache>,
}

/// What [`SearchEngine::rank`] is asked for besides the query.
struct RankOptions {
    /// Expand the last word as a prefix (typing in progress).
    prefix_last: bool,
    /// Hits to skip, then hits to return.
    offset: usize,
    limit: usize,
    /// Count every facet over the documents listed (only correct without filters: filtered
    /// kinds need disjunctive counts).
    with_facets: bool,
}

/// The outcome of [`SearchEngine::rank`].
struct Ranking {
    strict: Box<dyn Query>,
    partial: Option<Box<dyn Query>>,
    total: usize,
    top: Vec<(f32, DocAddress, bool)>,
    text_query: Option<Box<dyn Query>>,
    every_word_matched: bool,
    /// Facet counts over every document listed, when asked for.
    facets: Option<FacetTallies>,
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
        let fields = Fields::new(&index.schema())?;
        let schema = index.schema();
        let ranked_fields = FIELD_BOOSTS
            .iter()
            .map(|(name, boost)| Ok((schema.get_field(name)?, *boost)))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let facet_tables = Arc::new(FacetTables::default());
        let warmer: Arc<dyn tantivy::Warmer> = facet_tables.clone();
        let reader = index
            .reader_builder()
            .warmers(vec![Arc::downgrade(&warmer)])
            .doc_store_cache_num_blocks(DOC_STORE_CACHED_BLOCKS)
            .try_into()?;
        let mut named_values: HashMap<String, Vec<(FacetKind, String)>> = HashMap::new();
        for kind in [FacetKind::Credential, FacetKind::JobTitle] {
            for (surface, canonical) in taxonomy.surface_forms(kind) {
                let entry = (kind, canonical.to_string());
                let values = named_values.entry(Taxonomy::name_key(surface)).or_default();
                if !values.contains(&entry) {
                    values.push(entry);
                }
            }
        }
        Ok(SearchEngine {
            facet_tables,
            named_values,
            cache: None,
            reader,
            fields,
            expander: Expander::new(&taxonomy),
            taxonomy,
            stemmer: analysis::stemmed_analyzer(),
            raw: analysis::raw_analyzer(),
            ranked_fields,
            completions: Completions::default(),
        })
    }

    /// Number of documents searchable now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
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
        let parsed = parse(&request.query);

        let filters: Vec<(FacetKind, Box<dyn Query>)> = request
            .filters
            .iter()
            .map(|(kind, values)| (*kind, self.filter_query(*kind, values)))
            .collect();

        let prefix_last =
            !request.query.ends_with(char::is_whitespace) && !request.query.ends_with('"');
        let offset = (request.page - 1) * request.per_page;
        // Without filters, the ranking passes count facets as they go; with filters, one more
        // pass over the unfiltered query counts every kind disjunctively (facet_table.rs).
        let Ranking {
            strict,
            partial,
            total,
            top,
            text_query,
            every_word_matched,
            facets: ranked_facets,
        } = self.rank(
            searcher,
            &parsed,
            &filters,
            RankOptions {
                prefix_last,
                offset,
                limit: request.per_page,
                with_facets: filters.is_empty(),
            },
        )?;
        let tallies = match ranked_facets {
            Some(tallies) => tallies,
            None => {
                let query = self.combine(
                    text_query.as_deref(),
                    &parsed,
                    &[],
                    &MemoStatistics::new(searcher),
                );
                let tally = FacetTally::new(
                    Arc::clone(&self.facet_tables),
                    FacetKind::ALL.to_vec(),
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

        // Offered whenever no document had every word, even if partial matches were found.
        let suggestion = if !every_word_matched && !parsed.groups.is_empty() {
            self.did_you_mean(searcher, &parsed, &request.query)?
        } else {
            None
        };

        let highlighter = Highlighter::new(searcher, text_query.as_deref(), &self.fields)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address, strict_match) in top {
            let mut hit = self.hit(searcher, &highlighter, score, address)?;
            if request.explain {
                let query = match (&partial, strict_match) {
                    (Some(partial_query), false) => partial_query.as_ref(),
                    _ => strict.as_ref(),
                };
                hit.explain = explain_hit(query, searcher, address)?;
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
        })
    }

    /// Ids of the best `depth` documents for `query` (no facets, no snippets), ranked exactly as
    /// [`SearchEngine::search`] ranks them: for evaluation and benchmarks.
    pub fn ranked_ids(&self, query: &str, depth: usize) -> Result<Vec<String>> {
        let request = SearchRequest::new(query).validated(&self.taxonomy)?;
        let searcher = self.reader.searcher();
        let parsed = parse(&request.query);
        // Whole queries, not typing in progress: no prefix expansion of the last word.
        let options = RankOptions {
            prefix_last: false,
            offset: 0,
            limit: depth,
            with_facets: false,
        };
        let ranking = self.rank(&searcher, &parsed, &[], options)?;
        let mut ids = Vec::with_capacity(ranking.top.len());
        let mut columns: HashMap<u32, tantivy::columnar::StrColumn> = HashMap::new();
        let mut text = String::new();
        for (_, address, _) in ranking.top {
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

    /// Ranks documents for a parsed query: those with every word first; when fewer than
    /// [`FEW_RESULTS`] have them all, then those with some of the words.
    fn rank(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        filters: &[(FacetKind, Box<dyn Query>)],
        options: RankOptions,
    ) -> Result<Ranking> {
        let RankOptions {
            prefix_last,
            offset,
            limit,
            with_facets,
        } = options;
        let tally = || {
            with_facets.then(|| {
                FacetTally::new(
                    Arc::clone(&self.facet_tables),
                    FacetKind::ALL.to_vec(),
                    Vec::new(),
                )
            })
        };
        // Typo tolerance is a fallback, as in Typesense: the near neighbours of every word
        // (a bitset per word and distance) cost more than the rest of a query, and when the
        // words as typed already find a page of documents, the misspelled ones add nothing
        // worth that. Long questions never get typos (MAX_WORDS_WITH_TYPOS).
        let typos_allowed = parsed.groups.len() <= MAX_WORDS_WITH_TYPOS;
        // Every query built below (and kept in the Ranking for facet counts and explanations)
        // shares one memo, so each typo or prefix clause walks the term dictionary once.
        let memo = DocSetMemo::default();
        let statistics = MemoStatistics::new(searcher);
        // The text query AND the filters. Without filters, sums of clauses are evaluated
        // clause by clause (flat.rs); a filter limits the matches, which document-at-a-time
        // intersection exploits.
        let combined = |text: Option<&dyn Query>| -> Box<dyn Query> {
            let flat = filters
                .is_empty()
                .then(|| SumQuery::flatten(text?))
                .flatten();
            let text = flat.as_ref().map(|q| q as &dyn Query).or(text);
            self.combine(text, parsed, filters, &statistics)
        };
        let strict_pass = |typos: bool| -> Result<_> {
            let all_words = self.text_query(parsed, true, prefix_last, typos, &memo, &statistics);
            let strict = combined(all_words.as_deref());
            // One pass counts, collects the page of strict matches (if the page starts
            // there) and counts facets.
            let (total, top, facets) = searcher.search_with_statistics_provider(
                strict.as_ref(),
                &(
                    Count,
                    TopDocs::with_limit(limit)
                        .and_offset(offset)
                        .order_by_score(),
                    tally(),
                ),
                &statistics,
            )?;
            Ok((all_words, strict, total, top, facets))
        };
        let (mut all_words, mut strict, mut strict_total, mut strict_top, mut facets) =
            strict_pass(false)?;
        let with_typos = typos_allowed && strict_total < FEW_RESULTS;
        if with_typos && self.has_typo_candidates(parsed) {
            (all_words, strict, strict_total, strict_top, facets) = strict_pass(true)?;
        }
        let every_word_matched = strict_total > 0;
        let mut top: Vec<(f32, DocAddress, bool)> = Vec::with_capacity(limit);
        top.extend(
            strict_top
                .into_iter()
                .map(|(score, address)| (score, address, true)),
        );

        // Few documents have every word: list them first, then the documents that have some
        // of the words, best first (long natural-language queries nearly always land here).
        let partial = (strict_total < FEW_RESULTS && parsed.groups.len() > 1).then(|| {
            let any_words =
                self.text_query(parsed, false, prefix_last, with_typos, &memo, &statistics);
            let mut query = combined(any_words.as_deref());
            // Documents with every word were listed first; with none, nothing to leave out.
            if let Some(all) = all_words.as_ref().filter(|_| strict_total > 0) {
                query = Box::new(BooleanQuery::new(vec![
                    (Occur::Must, query),
                    (Occur::MustNot, Box::new(MaterializedQuery(all.box_clone()))),
                ]));
            }
            (any_words, query)
        });
        let mut partial_total = 0;
        if let Some((_, query)) = &partial {
            let wanted = (limit - top.len()).max(1);
            let partial_offset = offset.saturating_sub(strict_total);
            let (count, partial_top, partial_facets) = searcher.search_with_statistics_provider(
                query.as_ref(),
                &(
                    Count,
                    TopDocs::with_limit(wanted)
                        .and_offset(partial_offset)
                        .order_by_score(),
                    tally(),
                ),
                &statistics,
            )?;
            partial_total = count;
            if let (Some(facets), Some(more)) = (facets.as_mut(), partial_facets) {
                add_tallies(facets, more);
            }
            let room = limit - top.len();
            top.extend(
                partial_top
                    .into_iter()
                    .take(room)
                    .map(|(score, address)| (score, address, false)),
            );
        }
        let total = strict_total + partial_total;

        // Facets and highlights describe every document listed: with partial matches, those
        // of the any-word query.
        let text_query = match &partial {
            Some((any_words, _)) => any_words.as_ref().map(|q| q.box_clone()),
            None => all_words.as_ref().map(|q| q.box_clone()),
        };

        Ok(Ranking {
            strict,
            partial: partial.map(|(_, query)| query),
            total,
            top,
            text_query,
            every_word_matched,
            facets,
        })
    }

    /// A corrected query when some words are in no document, as typed or stemmed, but a close
    /// word is, and the corrected query finds more documents. A plural whose singular is indexed
    /// (`certifications`) is the same stem, not a misspelling.
    fn did_you_mean(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        query: &str,
    ) -> Result<Option<String>> {
        let statistics = MemoStatistics::new(searcher);
        let mut corrected = query.to_string();
        let mut changed = false;
        for term in parsed.groups.iter().flatten() {
            let QueryTerm::Word(word) = term else {
                continue;
            };
            let raw = analysis::tokens(&mut self.raw.clone(), word);
            let [token] = raw.as_slice() else { continue };
            if self.expander.is_protected(word) || self.stems_indexed(word, &statistics) {
                continue;
            }
            if let Some(better) = correct_word(searcher, self.fields.all_raw, token)? {
                corrected = corrected.replacen(word.as_str(), &better, 1);
                changed = true;
            }
        }
        if !changed {
            return Ok(None);
        }
        // Offered only when it finds more: more documents with any of its words as typed.
        let memo = DocSetMemo::default();
        let found = |parsed: &ParsedQuery| -> Result<usize> {
            match self.text_query(parsed, false, false, false, &memo, &statistics) {
                Some(text) => Ok(searcher.search_with_statistics_provider(
                    text.as_ref(),
                    &Count,
                    &statistics,
                )?),
                None => Ok(0),
            }
        };
        let better = found(&parse(&corrected))? > found(parsed)?;
        Ok(better.then_some(corrected))
    }

    /// Whether some ranked field holds every stem of `word`.
    fn stems_indexed(&self, word: &str, statistics: &MemoStatistics) -> bool {
        let stems = analysis::tokens(&mut self.stemmer.clone(), word);
        !stems.is_empty()
            && self.ranked_fields.iter().any(|(field, _)| {
                stems.iter().all(|stem| {
                    let term = Term::from_field_text(*field, stem);
                    statistics.doc_freq(&term).map_or(true, |freq| freq > 0)
                })
            })
    }

    fn suggester(&self) -> Result<Arc<Suggester>> {
        self.completions
            .current(&self.reader, self.fields.suggest_title, &self.taxonomy)
    }

    /// Builds the completions now (a pass over every title: a quarter of a second at 100k pages)
    /// instead of in the first `suggest` call. A server calls it from a background thread.
    pub fn warm_completions(&self) -> Result<()> {
        self.suggester().map(|_| ())
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

    /// Stored fields of the document with this id.
    pub fn document(&self, id: &str) -> Result<Option<DocumentView>> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
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
            id: text(self.fields.id),
            url: text(self.fields.url),
            title: text(self.fields.title),
            description: text(self.fields.description),
            body: text(self.fields.body),
            lang: text(self.fields.lang),
            source_kind: text(self.fields.source_kind),
            outlinks: doc
                .get_all(self.fields.outlinks)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            facets: self.stored_facets(&doc),
        }))
    }

    fn stored_facets(&self, doc: &TantivyDocument) -> BTreeMap<String, Vec<String>> {
        FacetKind::ALL
            .into_iter()
            .map(|kind| {
                let values = doc
                    .get_all(self.fields.facet(kind))
                    .filter_map(|v| v.as_facet().map(facet_value))
                    .collect();
                (kind.name().to_string(), values)
            })
            .collect()
    }

    /// The text part of the query; `None` when it has no searchable word (browse).
    ///
    /// Plain words become units that match the word itself (stemmed, ranked by BM25), a typo of
    /// it, a prefix of it when it is the last word being typed, or a synonym; runs of words that
    /// form a taxonomy term (`release of information`) become one unit that also matches the
    /// term's synonyms (`ROI`). Units are all required, or any when `all_required` is false.
    fn text_query(
        &self,
        parsed: &ParsedQuery,
        all_required: bool,
        prefix_last: bool,
        typos: bool,
        memo: &DocSetMemo,
        statistics: &MemoStatistics,
    ) -> Option<Box<dyn Query>> {
        let occur = if all_required {
            Occur::Must
        } else {
            Occur::Should
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let groups = &parsed.groups;
        let mut i = 0;
        while i < groups.len() {
            let run_end = (i..groups.len())
                .find(|&k| !matches!(groups[k].as_slice(), [QueryTerm::Word(_)]))
                .unwrap_or(groups.len());
            if run_end == i {
                let alternatives: Vec<Box<dyn Query>> = groups[i]
                    .iter()
                    .filter_map(|term| self.term_query(term, statistics))
                    .collect();
                if let Some(query) = any_of(alternatives) {
                    clauses.push((occur, query));
                }
                i += 1;
                continue;
            }
            let words: Vec<&str> = groups[i..run_end].iter().map(|g| g[0].text()).collect();
            let mut k = 0;
            while k < words.len() {
                let is_last = |index: usize| prefix_last && i + index + 1 == groups.len();
                let span = self.expander.longest_span(&words, k);
                let unit = if span > 1 {
                    let parts: Vec<Box<dyn Query>> = (k..k + span)
                        .filter_map(|w| {
                            self.word_query(words[w], is_last(w), false, typos, memo, statistics)
                        })
                        .collect();
                    let mut options: Vec<Box<dyn Query>> = Vec::new();
                    if !parts.is_empty() {
                        options.push(Box::new(BooleanQuery::new(
                            parts.into_iter().map(|q| (occur, q)).collect(),
                        )));
                    }
                    options.extend(self.synonym_queries(&words[k..k + span].join(" "), statistics));
                    k += span;
                    any_of(options)
                } else {
                    let unit = self.word_query(words[k], is_last(k), true, typos, memo, statistics);
                    k += 1;
                    unit
                };
                if let Some(query) = unit {
                    clauses.push((occur, query));
                }
            }
            if run_end - i > 1 {
                if let Some(proximity) = self.proximity_query(&words) {
                    clauses.push((Occur::Should, proximity));
                }
            }
            i = run_end;
        }
        if clauses.is_empty() {
            return None;
        }
        for (kind, value) in self.named_facets(parsed) {
            let term =
                Term::from_facet(self.fields.facet(kind), &Facet::from_path([value.as_str()]));
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    FACET_BOOST,
                )),
            ));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// Whether any plain word of the query would get typo clauses.
    fn has_typo_candidates(&self, parsed: &ParsedQuery) -> bool {
        parsed.groups.iter().flatten().any(|term| {
            let QueryTerm::Word(word) = term else {
                return false;
            };
            let raw = analysis::tokens(&mut self.raw.clone(), word);
            matches!(raw.as_slice(), [token] if typo_eligible(&self.expander, word, token))
        })
    }

    /// One plain word: exact (stemmed), typo (raw, by length, never for codes), prefix (raw,
    /// last word only) and, when `with_synonyms`, its synonyms. `None` for stopwords.
    fn word_query(
        &self,
        word: &str,
        is_last: bool,
        with_synonyms: bool,
        typos: bool,
        memo: &DocSetMemo,
        statistics: &MemoStatistics,
    ) -> Option<Box<dyn Query>> {
        // The analyzers drop a token of 40 or more letters: such a word is in no document,
        // and must find none rather than vanish from the query (which would list everything).
        if analysis::has_overlong_token(word) {
            return Some(Box::new(EmptyQuery));
        }
        let exact = self.term_query(&QueryTerm::Word(word.to_string()), statistics);
        let mut options: Vec<Box<dyn Query>> = Vec::new();
        let raw = analysis::tokens(&mut self.raw.clone(), word);
        if let [token] = raw.as_slice() {
            let len = token.chars().count();
            let term = Term::from_field_text(self.fields.all_raw, token);
            if is_last && len >= MIN_PREFIX_CHARS {
                options.push(Box::new(BoostQuery::new(
                    Box::new(MemoizedQuery::new(
                        Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, true)),
                        memo,
                    )),
                    PREFIX_BOOST,
                )));
            }
            if exact.is_none() && options.is_empty() {
                return None;
            }
            if typos && typo_eligible(&self.expander, word, token) {
                // Each allowed distance is its own clause, so a word one edit away (matching
                // both) outranks one two edits away.
                let max_distance = if len >= 9 { 2 } else { 1 };
                for distance in 1..=max_distance {
                    options.push(Box::new(BoostQuery::new(
                        Box::new(MemoizedQuery::new(
                            Box::new(FuzzyTermQuery::new(term.clone(), distance, true)),
                            memo,
                        )),
                        TYPO_BOOST / f32::from(distance),
                    )));
                }
            }
        } else if exact.is_none() {
            return None;
        }
        options.extend(exact);
        if with_synonyms {
            options.extend(self.synonym_queries(word, statistics));
        }
        any_of(options)
    }

    /// Synonyms of `phrase` over every ranked field, as one clause scored by the best-matching
    /// synonym (so a term with many aliases does not outweigh the words typed), weighted below
    /// those words. Aliases that contain every word of `phrase` are left out: they add no
    /// recall, only score (`Coder` -> `Professional Coder`).
    fn synonym_queries(&self, phrase: &str, statistics: &MemoStatistics) -> Vec<Box<dyn Query>> {
        let own = analysis::tokens(&mut self.stemmer.clone(), phrase);
        let alternatives: Vec<Box<dyn Query>> = self
            .expander
            .alternatives(phrase)
            .into_iter()
            .filter(|alt| {
                let tokens = analysis::tokens(&mut self.stemmer.clone(), alt);
                !own.iter().all(|t| tokens.contains(t))
            })
            .filter_map(|alt| self.term_query(&QueryTerm::Phrase(alt), statistics))
            .collect();
        if alternatives.is_empty() {
            return Vec::new();
        }
        vec![Box::new(BoostQuery::new(
            Box::new(DisjunctionMaxQuery::new(alternatives)),
            SYNONYM_BOOST,
        ))]
    }

    /// Rewards documents where the words stand close together, in title or body.
    fn proximity_query(&self, words: &[&str]) -> Option<Box<dyn Query>> {
        let tokens = analysis::tokens(&mut self.stemmer.clone(), &words.join(" "));
        if tokens.len() < 2 {
            return None;
        }
        let per_field: Vec<Box<dyn Query>> = [(self.fields.title, 2.0), (self.fields.body, 1.0)]
            .into_iter()
            .map(|(field, boost)| {
                let terms = tokens
                    .iter()
                    .enumerate()
                    .map(|(pos, t)| (pos, Term::from_field_text(field, t)))
                    .collect();
                Box::new(BoostQuery::new(
                    Box::new(PhraseQuery::new_with_offset_and_slop(terms, PROXIMITY_SLOP)),
                    boost * PROXIMITY_BOOST,
                )) as Box<dyn Query>
            })
            .collect();
        Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
            per_field,
            TIE_BREAKER,
        )))
    }

    /// One word or phrase over every ranked field that has it. A field where no document has
    /// the word (or one of the phrase's words) is left out: its clause could not match, yet
    /// each pass would build its weight (a BM25 table and a scorer). A word no field has
    /// becomes a query that matches nothing, so a required word still excludes every document.
    fn term_query(&self, term: &QueryTerm, statistics: &MemoStatistics) -> Option<Box<dyn Query>> {
        let mut analyzer = self.stemmer.clone();
        let tokens = analysis::positioned_tokens(&mut analyzer, term.text());
        if tokens.is_empty() {
            return None;
        }
        // An error here leaves the clause in; the search itself will report it.
        let indexed = |term: &Term| statistics.doc_freq(term).map_or(true, |freq| freq > 0);
        let first = tokens[0].0;
        let per_field: Vec<Box<dyn Query>> = self
            .ranked_fields
            .iter()
            .filter_map(|(field, boost)| {
                let terms: Vec<(usize, Term)> = tokens
                    .iter()
                    .map(|(pos, t)| (pos - first, Term::from_field_text(*field, t)))
                    .collect();
                if !terms.iter().all(|(_, term)| indexed(term)) {
                    return None;
                }
                let query: Box<dyn Query> = match <[_; 1]>::try_from(terms) {
                    Ok([(_, term)]) => Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                    Err(terms) => Box::new(PhraseQuery::new_with_offset(terms)),
                };
                Some(Box::new(BoostQuery::new(query, *boost)) as Box<dyn Query>)
            })
            .collect();
        if per_field.is_empty() {
            return Some(Box::new(EmptyQuery));
        }
        Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
            per_field,
            TIE_BREAKER,
        )))
    }

    /// Credentials and job titles the query names (`rhit`, `medical records tech`).
    fn named_facets(&self, parsed: &ParsedQuery) -> Vec<(FacetKind, String)> {
        let words: Vec<&str> = parsed
            .groups
            .iter()
            .flatten()
            .flat_map(|term| term.text().split_whitespace())
            .collect();
        let mut named = Vec::new();
        for len in 1..=4.min(words.len()) {
            for window in words.windows(len) {
                let phrase = Taxonomy::name_key(&window.join(" "));
                for entry in self.named_values.get(&phrase).into_iter().flatten() {
                    if !named.contains(entry) {
                        named.push(entry.clone());
                    }
                }
            }
        }
        named
    }

    fn filter_query(&self, kind: FacetKind, values: &[String]) -> Box<dyn Query> {
        let field = self.fields.facet(kind);
        Box::new(BooleanQuery::new(
            values
                .iter()
                .map(|value| {
                    let term = Term::from_facet(field, &Facet::from_path([value.as_str()]));
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect(),
        ))
    }

    /// Text query AND every filter, AND NOT the exclusions.
    fn combine(
        &self,
        text: Option<&dyn Query>,
        parsed: &ParsedQuery,
        filters: &[(FacetKind, Box<dyn Query>)],
        statistics: &MemoStatistics,
    ) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            text.map_or_else(|| Box::new(AllQuery) as Box<dyn Query>, |q| q.box_clone()),
        )];
        for (_, filter) in filters {
            clauses.push((Occur::Must, filter.box_clone()));
        }
        for term in &parsed.excluded {
            if let Some(query) = self.term_query(term, statistics) {
                clauses.push((Occur::MustNot, Box::new(MaterializedQuery(query))));
            }
        }
        Box::new(BooleanQuery::new(clauses))
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
        score: f32,
        address: DocAddress,
    ) -> Result<Hit> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field: Field| stored_text(&doc, field);
        let title = text(self.fields.title);
        let body = text(self.fields.body);
        let description = text(self.fields.description);
        let facets = self.stored_facets(&doc);
        Ok(Hit {
            id: text(self.fields.id),
            url: text(self.fields.url),
            title_html: highlighter.title(&title),
            snippet: highlighter.snippet(&body, &description),
            title,
            score,
            facets,
            explain: None,
        })
    }
}

/// The first stored text of `field` (empty when absent).
fn stored_text(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string()
}

/// Words of 5+ letters get typo clauses, except credentials, acronyms and codes (a typo of
/// `RHIA` is `RHIT`, another credential).
fn typo_eligible(expander: &Expander, word: &str, token: &str) -> bool {
    token.chars().count() >= 5
        && !expander.is_protected(word)
        && !token.chars().any(|c| c.is_ascii_digit())
}

/// One query matching any of `options`; `None` when there are none.
fn any_of(options: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match options.len() {
        0 => None,
        1 => options.into_iter().next(),
        _ => Some(Box::new(BooleanQuery::new(
            options.into_iter().map(|q| (Occur::Should, q)).collect(),
        ))),
    }
}

/// The value of a stored one-segment facet. The store gives tantivy's encoded form (segments
/// joined by `\0`, a `/` inside a value kept as is: `Health/Wellness`); the display form
/// (`/Health\/Wellness`, `/` escaped) is accepted too. Either way a value with a `/` comes back
/// whole, as the facet counts show it.
fn facet_value(stored: &str) -> String {
    let Some(display) = stored.strip_prefix('/') else {
        return stored.rsplit('\u{0}').next().unwrap_or(stored).to_string();
    };
    let mut segment = String::new();
    let mut chars = display.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => segment.extend(chars.next()),
            '/' => segment.clear(),
            c => segment.push(c),
        }
    }
    segment
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::highlight::snippet_generator;
    use crate::test_support::IndexedCorpus;
    use tantivy::snippet::SnippetGenerator;

    /// A reader reloads when a file watch reports a commit it already serves; the completions
    /// built for that commit must keep serving instead of being rebuilt.
    #[test]
    fn completions_survive_a_reload_of_the_same_commit() {
        let fixture =
            IndexedCorpus::new(&[("a.html", "<title>Coding careers</title><p>alpha text</p>")]);
        let engine = fixture.engine();
        let first = engine.suggester().unwrap();
        let generation = engine.reader.searcher().generation().generation_id();
        engine.reader.reload().unwrap();
        assert_ne!(
            engine.reader.searcher().generation().generation_id(),
            generation,
            "tantivy counts every reload as a new generation"
        );
        assert!(Arc::ptr_eq(&first, &engine.suggester().unwrap()));
        assert!(!engine.completions.is_rebuilding());
    }

    /// Our snippet generator (stemming only words that could match) highlights exactly what
    /// tantivy's own generator, stemming every word, highlights.
    #[test]
    fn snippets_match_tantivys_generator() {
        let bodies = [
            "Medical coders code diagnoses. A coding career starts with the CCA; coders later \
             earn the CCS. Registries and registrars keep cancer data.",
            "Privacy officers enforce HIPAA: the privacy rule, the security rule and breach \
             notification. Officers train staff every year.",
            "Registered health information technicians (RHIT) release information and audit \
             records; technicians often become coders or analysts.",
        ];
        let pages: Vec<(String, String)> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                (
                    format!("p{i}.html"),
                    format!("<title>Page {i} about coding</title><main><p>{body}</p></main>"),
                )
            })
            .collect();
        let fixture = IndexedCorpus::new(&pages);
        let engine = fixture.engine();
        let searcher = engine.reader.searcher();
        for text in [
            "coding registries",
            "privacy officer",
            "technician coders",
            "rhit",
        ] {
            let parsed = parse(text);
            let query = engine
                .text_query(
                    &parsed,
                    false,
                    false,
                    false,
                    &DocSetMemo::default(),
                    &MemoStatistics::new(&searcher),
                )
                .unwrap();
            for field in [engine.fields.body, engine.fields.title] {
                let ours = snippet_generator(&searcher, query.as_ref(), field, 80).unwrap();
                let mut theirs =
                    SnippetGenerator::create(&searcher, query.as_ref(), field).unwrap();
                theirs.set_max_num_chars(80);
                let mut highlighted = 0;
                for body in bodies.iter().chain(&["Page 1 about coding"]) {
                    let (a, b) = (ours.snippet(body), theirs.snippet(body));
                    assert_eq!(a.to_html(), b.to_html(), "{text:?} in {body:?}");
                    highlighted += a.highlighted().len();
                }
                if field == engine.fields.body {
                    assert!(highlighted > 0, "{text:?} highlights something");
                }
            }
        }
    }

    #[test]
    fn facet_values_decode() {
        assert_eq!(facet_value("RHIT"), "RHIT");
        assert_eq!(facet_value("/CCS-P"), "CCS-P");
        // A value with a slash round-trips whole (issue #23).
        assert_eq!(facet_value("Health/Wellness"), "Health/Wellness");
        assert_eq!(facet_value("/Health\\/Wellness"), "Health/Wellness");
        assert_eq!(facet_value("a\u{0}b/c"), "b/c");
    }
}
