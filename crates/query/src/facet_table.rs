//! Facet counting from per-segment tables: for every facet value, the documents that carry
//! it, built once per segment (when a commit is loaded) instead of read per matching document
//! per query.
//!
//! tantivy's `FacetCollector` reads a multi-valued column for every match and every facet kind
//! (an optional-index rank, then a dictionary mapping); at 100k documents that was 40% of a
//! one-word search. [`FacetTables`] is a tantivy `Warmer`: each new segment gets a roaring
//! bitmap of documents per value before its searcher is published, as Meilisearch keeps them.
//! The [`FacetTally`] collector only gathers a query's matches into a bitmap; a value's count is
//! the size of its intersection with them, so counting costs the number of values, not the
//! number of matches times the values each carries (a counter per document's set of values,
//! the previous design, spent a fifth of a filtered search on the 10k-page benchmark site once
//! most pages carried a set of their own; BENCHMARKS.md, #18). Disjunctive counts (a filtered
//! kind counted without its own filter) come from the same bitmaps: the matches are narrowed
//! by every other kind's accepted values, in one pass.
//!
//! Intersecting costs every value's documents, whatever the query: on a query with few matches
//! (a rare word), that was most of the counting. The tables also list each document's values
//! (a flat array, built in the same pass). Without filters, a query is counted document by
//! document, from its matches or, when it matches most of the segment (a common word), from
//! the documents it does not match, their counts taken from each value's total. With filters,
//! a query matching a quarter of a segment or less is counted from its matches' own values,
//! with the same disjunctive rule per document.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use him_schema::api::FacetCount;
use him_schema::{FacetKind, FACETS_FIELD};
use roaring::RoaringBitmap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::{SegmentId, SegmentReader};
use tantivy::schema::Facet;
use tantivy::{BitSet, DocId, Score, Searcher, SearcherGeneration, SegmentOrdinal, Warmer};

/// The facet values of one segment and the documents of each.
#[derive(Debug, Default)]
pub(crate) struct SegmentFacets {
    /// Kind and value of each segment-local value id.
    values: Vec<(FacetKind, String)>,
    /// Every kind key the segment's facets name, declared or not.
    kind_names: BTreeSet<String>,
    /// The documents of each value id (deleted ones included: doc ids are stable, and the
    /// matches they are intersected with never hold deleted documents).
    docs: Vec<RoaringBitmap>,
    /// The value ids of each document: those of document `d` are
    /// `doc_values[doc_starts[d]..doc_starts[d + 1]]`. Counting a few matches reads their own
    /// values instead of intersecting every value's documents with them.
    doc_values: Vec<u32>,
    doc_starts: Vec<u32>,
    /// The number of documents of each value id (deleted ones included, as in `docs`).
    totals: Vec<u64>,
}

impl SegmentFacets {
    /// Reads every document's facets of `segment`.
    fn build(segment: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let mut values: Vec<(FacetKind, String)> = Vec::new();
        let mut kind_names = BTreeSet::new();
        let mut facet = Facet::root();
        let reader = segment.facet_reader(FACETS_FIELD)?;
        // Facet ordinals to local value ids: only `/kind/value` facets of declared kinds have
        // one (not the root, not the `/kind` level, not kinds no taxonomy declares).
        let mut local: Vec<Option<u32>> = Vec::with_capacity(reader.num_facets());
        for ord in 0..reader.num_facets() as u64 {
            reader.facet_from_ord(ord, &mut facet)?;
            let id = match facet.to_path().as_slice() {
                [kind_name, value] => {
                    if !kind_names.contains(*kind_name) {
                        kind_names.insert((*kind_name).to_string());
                    }
                    FacetKind::existing(kind_name).map(|kind| {
                        values.push((kind, (*value).to_string()));
                        (values.len() - 1) as u32
                    })
                }
                _ => None,
            };
            local.push(id);
        }
        let mut lists: Vec<Vec<DocId>> = vec![Vec::new(); values.len()];
        let mut doc_values = Vec::new();
        let mut doc_starts = Vec::with_capacity(segment.max_doc() as usize + 1);
        for doc in 0..segment.max_doc() {
            doc_starts.push(doc_values.len() as u32);
            for ord in reader.facet_ords(doc) {
                if let Some(Some(id)) = local.get(ord as usize) {
                    let list = &mut lists[*id as usize];
                    if list.last() != Some(&doc) {
                        list.push(doc);
                        doc_values.push(*id);
                    }
                }
            }
        }
        doc_starts.push(doc_values.len() as u32);
        let totals = lists.iter().map(|list| list.len() as u64).collect();
        let docs = lists
            .into_iter()
            .map(|list| {
                RoaringBitmap::from_sorted_iter(list).map_err(|_| {
                    tantivy::TantivyError::InternalError("facet documents out of order".into())
                })
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(SegmentFacets {
            values,
            kind_names,
            docs,
            doc_values,
            doc_starts,
            totals,
        })
    }

    /// The segment's number of documents.
    fn max_doc(&self) -> u64 {
        self.doc_starts.len().saturating_sub(1) as u64
    }

    /// The value ids of document `doc` (none past the last document).
    fn values_of(&self, doc: usize) -> &[u32] {
        match (self.doc_starts.get(doc), self.doc_starts.get(doc + 1)) {
            (Some(&start), Some(&end)) => &self.doc_values[start as usize..end as usize],
            _ => &[],
        }
    }
}

/// Facet tables of every live segment, kept current by tantivy's warming of each new
/// searcher.
#[derive(Debug, Default)]
pub(crate) struct FacetTables {
    segments: RwLock<HashMap<SegmentId, Arc<SegmentFacets>>>,
}

impl FacetTables {
    /// The table of `segment`, built now if the warmer has not (a reader opened without it).
    fn get(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentFacets>> {
        let id = segment.segment_id();
        if let Some(table) = self.segments.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(table);
        }
        let table = Arc::new(SegmentFacets::build(segment)?);
        if let Ok(mut segments) = self.segments.write() {
            segments.insert(id, Arc::clone(&table));
        }
        Ok(table)
    }
}

impl FacetTables {
    /// Every kind key the facets of `searcher`'s segments name.
    pub(crate) fn kind_names(&self, searcher: &Searcher) -> tantivy::Result<BTreeSet<String>> {
        let mut names = BTreeSet::new();
        for segment in searcher.segment_readers() {
            names.extend(self.get(segment)?.kind_names.iter().cloned());
        }
        Ok(names)
    }
}

impl Warmer for FacetTables {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for segment in searcher.segment_readers() {
            self.get(segment)?;
        }
        Ok(())
    }

    fn garbage_collect(&self, live_generations: &[&SearcherGeneration]) {
        if let Ok(mut segments) = self.segments.write() {
            segments.retain(|id, _| {
                live_generations
                    .iter()
                    .any(|generation| generation.segments().contains_key(id))
            });
        }
    }
}

/// Counts facet values over a query's matches. With filters, a value of kind K is counted for
/// documents that pass every filter except K's own (disjunctive facets: choosing RHIT still
/// shows how many documents RHIA would add), so the query should carry no filter itself.
pub(crate) struct FacetTally {
    tables: Arc<FacetTables>,
    /// Kinds to count.
    kinds: Vec<FacetKind>,
    /// Accepted values per filtered kind.
    filters: Vec<(FacetKind, Vec<String>)>,
}

impl FacetTally {
    pub(crate) fn new(
        tables: Arc<FacetTables>,
        kinds: Vec<FacetKind>,
        filters: Vec<(FacetKind, Vec<String>)>,
    ) -> FacetTally {
        FacetTally {
            tables,
            kinds,
            filters,
        }
    }
}

/// Counts per kind, most frequent first, then by value.
pub(crate) type FacetTallies = Vec<(FacetKind, Vec<FacetCount>)>;

/// One segment's counting state.
pub(crate) struct SegmentTally {
    table: Arc<SegmentFacets>,
    /// The query's matches so far, a bit per document of the segment (setting a bit is the
    /// cheapest way to take a match; a roaring bitmap is made of it once, at the end).
    matches: Vec<u64>,
    /// Per local value id: whether its kind is counted.
    counted: Vec<bool>,
    /// Per local value id: the index in `filters` of its kind's filter, if its kind is filtered.
    filter_of: Vec<Option<usize>>,
    /// Per local value id: whether its kind's filter accepts it.
    accepted: Vec<bool>,
    /// Number of filtered kinds.
    filter_count: usize,
}

impl SegmentCollector for SegmentTally {
    type Fruit = (Arc<SegmentFacets>, Vec<u64>);

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(word) = self.matches.get_mut(doc as usize / 64) {
            *word |= 1 << (doc % 64);
        }
    }

    fn harvest(self) -> Self::Fruit {
        let matched: u64 = self.matches.iter().map(|w| u64::from(w.count_ones())).sum();
        let counts = if self.filter_count == 0 {
            self.count_without_filters(matched)
        } else if self.reads_documents(matched) {
            self.count_by_document()
        } else {
            self.count_by_value()
        };
        (self.table, counts)
    }
}

impl SegmentTally {
    /// Takes every document of `docs` (a set over the segment) as a match at once.
    pub(crate) fn take_all(&mut self, docs: &BitSet) {
        let buckets = docs.max_value().div_ceil(64) as usize;
        for (bucket, word) in self.matches.iter_mut().enumerate().take(buckets) {
            *word |= u64::from_le_bytes(docs.tinyset(bucket as u32).into_bytes());
        }
    }

    /// Whether counting reads each match's values rather than intersecting each value's
    /// documents with the matches. The first costs the matches' values, the second every
    /// document's values (the sum of all values' documents) whatever the query: matching a
    /// quarter of the documents or fewer, the first reads at most a quarter as many.
    fn reads_documents(&self, matched: u64) -> bool {
        self.filter_count <= 64 && matched * 4 <= self.table.max_doc()
    }

    /// Per filter, the documents it accepts (any of its accepted values).
    fn accepted_docs(&self) -> Vec<RoaringBitmap> {
        let mut accepted = vec![RoaringBitmap::new(); self.filter_count];
        for (id, docs) in self.table.docs.iter().enumerate() {
            if let (true, Some(filter)) = (self.accepted[id], self.filter_of[id]) {
                accepted[filter] |= docs;
            }
        }
        accepted
    }

    /// Counts by intersecting each counted value's documents with the matches.
    fn count_by_value(&self) -> Vec<u64> {
        let table = &self.table;
        let accepted = self.accepted_docs();
        let bytes: Vec<u8> = self.matches.iter().flat_map(|w| w.to_le_bytes()).collect();
        let matches = RoaringBitmap::from_lsb0_bytes(0, &bytes);
        // Passing every filter, a document counts for every kind; failing one, only for that
        // kind's own values (what choosing another value of it would add).
        let passing = |except: Option<usize>| -> RoaringBitmap {
            let mut docs = matches.clone();
            for (filter, accepts) in accepted.iter().enumerate() {
                if Some(filter) != except {
                    docs &= accepts;
                }
            }
            docs
        };
        let all = passing(None);
        let mut except: Vec<Option<RoaringBitmap>> = vec![None; self.filter_count];
        let mut counts = vec![0u64; table.values.len()];
        for (id, docs) in table.docs.iter().enumerate() {
            if !self.counted[id] {
                continue;
            }
            let base = match self.filter_of[id] {
                None => &all,
                Some(filter) => except[filter].get_or_insert_with(|| passing(Some(filter))),
            };
            counts[id] = base.intersection_len(docs);
        }
        counts
    }

    /// Counts without filters, where a match counts for each of its values: from the matches'
    /// values or, when most documents match (a common word), from the values of the rest,
    /// taken from each value's total; either way from at most half of the segment's
    /// documents. The same counts as [`Self::count_by_value`]: deleted documents never match,
    /// and the totals include them, so they are taken away with the rest.
    fn count_without_filters(&self, matched: u64) -> Vec<u64> {
        let table = &self.table;
        let from_rest = matched * 2 > table.max_doc();
        let mut tally = vec![0u64; table.values.len()];
        // Past the segment's last document, the rest holds no documents: no values.
        let words = self
            .matches
            .iter()
            .map(|&word| if from_rest { !word } else { word });
        for_each_set(words, |doc| {
            for &id in table.values_of(doc) {
                tally[id as usize] += 1;
            }
        });
        tally
            .into_iter()
            .zip(&table.totals)
            .zip(&self.counted)
            .map(|((tally, total), counted)| match (counted, from_rest) {
                (false, _) => 0,
                (true, false) => tally,
                (true, true) => total - tally,
            })
            .collect()
    }

    /// Counts by reading each match's values: the same counts as [`Self::count_by_value`]
    /// (at most 64 filters, one bit each).
    fn count_by_document(&self) -> Vec<u64> {
        let table = &self.table;
        let mut counts = vec![0u64; table.values.len()];
        let every_filter = match self.filter_count {
            64 => u64::MAX,
            n => (1u64 << n) - 1,
        };
        for_each_set(self.matches.iter().copied(), |doc| {
            let values = table.values_of(doc);
            // The filters the document passes: one of its values is accepted by each.
            let mut passes = 0u64;
            for &id in values {
                if let (true, Some(filter)) =
                    (self.accepted[id as usize], self.filter_of[id as usize])
                {
                    passes |= 1 << filter;
                }
            }
            let fails = every_filter & !passes;
            for &id in values {
                let id = id as usize;
                let counts_here = match self.filter_of[id] {
                    None => fails == 0,
                    Some(filter) => fails & !(1 << filter) == 0,
                };
                if self.counted[id] && counts_here {
                    counts[id] += 1;
                }
            }
        });
        counts
    }
}

/// Calls `f` with the number of every set bit of `words`, in order (bit `b` of word `w` is
/// number `64 * w + b`).
fn for_each_set(words: impl Iterator<Item = u64>, mut f: impl FnMut(usize)) {
    for (bucket, mut word) in words.enumerate() {
        while word != 0 {
            f(bucket * 64 + word.trailing_zeros() as usize);
            word &= word - 1;
        }
    }
}

impl Collector for FacetTally {
    type Fruit = FacetTallies;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        _segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        let table = self.tables.get(segment)?;
        let counted = table
            .values
            .iter()
            .map(|(kind, _)| self.kinds.contains(kind))
            .collect();
        let filter_of = table
            .values
            .iter()
            .map(|(kind, _)| self.filters.iter().position(|(k, _)| k == kind))
            .collect();
        let accepted = table
            .values
            .iter()
            .map(|(kind, value)| {
                self.filters
                    .iter()
                    .any(|(k, values)| k == kind && values.iter().any(|v| v == value))
            })
            .collect();
        Ok(SegmentTally {
            matches: vec![0; segment.max_doc() as usize / 64 + 1],
            table,
            counted,
            filter_of,
            accepted,
            filter_count: self.filters.len(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<(Arc<SegmentFacets>, Vec<u64>)>,
    ) -> tantivy::Result<FacetTallies> {
        let mut merged: HashMap<(FacetKind, &str), u64> = HashMap::new();
        for (table, counts) in &fruits {
            for ((kind, value), count) in table.values.iter().zip(counts) {
                if *count > 0 {
                    *merged.entry((*kind, value.as_str())).or_default() += count;
                }
            }
        }
        Ok(self
            .kinds
            .iter()
            .map(|kind| {
                let mut counts: Vec<FacetCount> = merged
                    .iter()
                    .filter(|((k, _), _)| k == kind)
                    .map(|((_, value), count)| FacetCount {
                        value: (*value).to_string(),
                        count: *count,
                    })
                    .collect();
                counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                (*kind, counts)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use him_schema::{build_schema, facet_of, Fields};
    use proptest::prelude::*;
    use tantivy::collector::FacetCollector;
    use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    const VALUES: [&str; 4] = ["A", "B", "C/D", "E"];
    /// More kinds than the 8 a `u8` of kind bits could hold.
    const KINDS: usize = 12;

    /// The kinds of a taxonomy declaring [`KINDS`] kinds.
    fn kinds() -> Vec<FacetKind> {
        let text: String = (0..KINDS)
            .map(|i| format!("[kinds.tally_{i:02}]\n"))
            .collect();
        let taxonomy = him_schema::Taxonomy::from_toml(&text).unwrap();
        taxonomy.kinds().iter().map(|spec| spec.kind).collect()
    }
    /// An index of `docs` (per document: value indexes per kind), committed in two segments,
    /// with every document whose number is in `deleted` removed.
    fn index_of(docs: &[Vec<Vec<usize>>], deleted: &[usize]) -> (tempfile::TempDir, Index, Fields) {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::create_in_dir(dir.path(), build_schema()).unwrap();
        him_schema::analysis::register(&index);
        let fields = Fields::new(&index.schema()).unwrap();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (number, values) in docs.iter().enumerate() {
            let mut document = TantivyDocument::default();
            document.add_text(fields.id, format!("d{number}"));
            for (kind, picked) in kinds().into_iter().zip(values) {
                for value in picked {
                    document.add_facet(fields.facets, facet_of(kind, VALUES[*value]));
                }
            }
            writer.add_document(document).unwrap();
            if number == docs.len() / 2 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        for number in deleted {
            writer.delete_term(Term::from_field_text(fields.id, &format!("d{number}")));
        }
        writer.commit().unwrap();
        (dir, index, fields)
    }

    /// A reader of `index` whose warmer fills the returned tables.
    fn warmed_reader(index: &Index) -> (Arc<FacetTables>, tantivy::IndexReader) {
        let tables = Arc::new(FacetTables::default());
        let warmer: Arc<dyn Warmer> = tables.clone();
        let reader = index
            .reader_builder()
            .warmers(vec![Arc::downgrade(&warmer)])
            .try_into()
            .unwrap();
        (tables, reader)
    }

    fn value_filter(fields: &Fields, kind: FacetKind, values: &[String]) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            values
                .iter()
                .map(|value| {
                    let term = fields.facet_term(kind, value);
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect(),
        ))
    }

    /// Disjunctive counts the slow way: per kind, tantivy's `FacetCollector` over the
    /// documents `query` matches that pass every other kind's filter.
    fn reference(
        searcher: &Searcher,
        fields: &Fields,
        query: &dyn Query,
        filters: &[(FacetKind, Vec<String>)],
    ) -> FacetTallies {
        kinds()
            .into_iter()
            .map(|kind| {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Must, query.box_clone())];
                for (filtered, values) in filters {
                    if *filtered != kind {
                        clauses.push((Occur::Must, value_filter(fields, *filtered, values)));
                    }
                }
                let mut collector = FacetCollector::for_field(FACETS_FIELD);
                collector.add_facet(Facet::from_path([kind.name()]));
                let counts = searcher
                    .search(&BooleanQuery::new(clauses), &collector)
                    .unwrap();
                let mut list: Vec<FacetCount> = counts
                    .get(Facet::from_path([kind.name()]))
                    .map(|(facet, count)| FacetCount {
                        value: facet.to_path().last().unwrap().to_string(),
                        count,
                    })
                    .collect();
                list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                (kind, list)
            })
            .collect()
    }

    fn document() -> impl Strategy<Value = Vec<Vec<usize>>> {
        prop::collection::vec(prop::collection::vec(0..VALUES.len(), 0..3), KINDS)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Over every document and every document but a few (without filters, counted from the
        /// documents that do not match; with them, value by value) and over a few (counted
        /// document by document), with and without filters.
        #[test]
        fn counts_match_tantivys_facet_collector(
            docs in prop::collection::vec(document(), 1..40),
            deleted in prop::collection::vec(0..40usize, 0..6),
            filter_kinds in prop::collection::vec((0..KINDS, prop::collection::vec(0..VALUES.len(), 1..3)), 0..4),
            few in prop::collection::vec(0..40usize, 1..5),
        ) {
            let (_dir, index, fields) = index_of(&docs, &deleted);
            let (tables, reader) = warmed_reader(&index);
            let searcher = reader.searcher();
            let mut filters: Vec<(FacetKind, Vec<String>)> = Vec::new();
            for (kind, values) in filter_kinds {
                let kind = kinds()[kind];
                if filters.iter().all(|(k, _)| *k != kind) {
                    filters.push((kind, values.iter().map(|v| VALUES[*v].to_string()).collect()));
                }
            }
            let tally = FacetTally::new(Arc::clone(&tables), kinds(), filters.clone());
            let few: Box<dyn Query> = Box::new(BooleanQuery::new(
                few.iter()
                    .map(|number| {
                        let term = Term::from_field_text(fields.id, &format!("d{number}"));
                        (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>)
                    })
                    .collect(),
            ));
            // Every document but the few: counted from the rest, without filters.
            let most: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::MustNot, few.box_clone()),
            ]));
            for query in [&AllQuery as &dyn Query, few.as_ref(), most.as_ref()] {
                let ours = searcher.search(query, &tally).unwrap();
                prop_assert_eq!(ours, reference(&searcher, &fields, query, &filters));
            }
            prop_assert!(tables.segments.read().unwrap().len() >= searcher.segment_readers().len());
        }
    }

    #[test]
    fn tables_of_merged_away_segments_are_dropped() {
        let docs: Vec<Vec<Vec<usize>>> = (0..6).map(|i| vec![vec![i % 4]; KINDS]).collect();
        let (_dir, index, _) = index_of(&docs, &[]);
        let (tables, reader) = warmed_reader(&index);
        assert_eq!(tables.segments.read().unwrap().len(), 2, "warmed on open");
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let ids = index.searchable_segment_ids().unwrap();
        writer.merge(&ids).wait().unwrap();
        writer.commit().unwrap();
        reader.reload().unwrap();
        let searcher = reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        tables.garbage_collect(&[searcher.generation()]);
        let kept: Vec<SegmentId> = tables.segments.read().unwrap().keys().copied().collect();
        assert_eq!(kept, [searcher.segment_readers()[0].segment_id()]);
        let tally = FacetTally::new(Arc::clone(&tables), vec![kinds()[0]], Vec::new());
        let counts = searcher.search(&AllQuery, &tally).unwrap();
        let total: u64 = counts[0].1.iter().map(|c| c.count).sum();
        assert_eq!(total, 6, "{counts:?}");
    }
}
