//! Facet counting from per-segment tables: for every document, the facet values it carries,
//! decoded once per segment (when a commit is loaded) instead of once per matching document
//! per query.
//!
//! tantivy's `FacetCollector` reads a multi-valued column for every match and every facet kind
//! (an optional-index rank, then a dictionary mapping); at 100k documents that was 40% of a
//! one-word search. [`FacetTables`] is a tantivy `Warmer`: each new segment gets a compact
//! table (`offsets` into one array of value ids) before its searcher is published, and the
//! [`FacetTally`] collector counts every facet kind of a document in one small loop. The same
//! collector computes disjunctive counts (a filtered kind counted without its own filter) in a
//! single pass, by checking the filters against the table instead of re-running the query once
//! per filtered kind.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use him_schema::api::FacetCount;
use him_schema::{FacetKind, FACETS_FIELD};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::{SegmentId, SegmentReader};
use tantivy::schema::Facet;
use tantivy::{DocId, Score, Searcher, SearcherGeneration, SegmentOrdinal, Warmer};

/// The facet values of every document of one segment, as sets: documents share few distinct
/// sets of values (9,750 for the 100k-page benchmark index, of 23 values), so a query counts
/// matches per set, one increment per document, and spreads the sets' counts over their
/// values once at the end.
#[derive(Debug, Default)]
pub(crate) struct SegmentFacets {
    /// Kind and value of each segment-local value id.
    values: Vec<(FacetKind, String)>,
    /// Every kind key the segment's facets name, declared or not.
    kind_names: BTreeSet<String>,
    /// Set `s` holds the value ids `set_ids[set_offsets[s]..set_offsets[s + 1]]`.
    set_offsets: Vec<u32>,
    set_ids: Vec<u32>,
    /// The set of each document.
    doc_sets: Vec<u32>,
}

impl SegmentFacets {
    /// Reads every document's facets of `segment` (deleted documents included: doc ids are
    /// stable, and queries never reach deleted documents).
    fn build(segment: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let max_doc = segment.max_doc() as usize;
        let mut values: Vec<(FacetKind, String)> = Vec::new();
        let mut kind_names = BTreeSet::new();
        let mut per_doc: Vec<Vec<u32>> = vec![Vec::new(); max_doc];
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
        for (doc, ids) in per_doc.iter_mut().enumerate() {
            for ord in reader.facet_ords(doc as DocId) {
                if let Some(Some(id)) = local.get(ord as usize) {
                    if !ids.contains(id) {
                        ids.push(*id);
                    }
                }
            }
        }
        let mut set_numbers: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut set_offsets = vec![0];
        let mut set_ids = Vec::new();
        let mut doc_sets = Vec::with_capacity(max_doc);
        for mut ids in per_doc {
            ids.sort_unstable();
            let next = set_numbers.len() as u32;
            let number = *set_numbers.entry(ids).or_insert_with_key(|ids| {
                set_ids.extend_from_slice(ids);
                set_offsets.push(set_ids.len() as u32);
                next
            });
            doc_sets.push(number);
        }
        Ok(SegmentFacets {
            values,
            kind_names,
            set_offsets,
            set_ids,
            doc_sets,
        })
    }

    fn set_count(&self) -> usize {
        self.set_offsets.len() - 1
    }

    fn set_values(&self, set: usize) -> &[u32] {
        &self.set_ids[self.set_offsets[set] as usize..self.set_offsets[set + 1] as usize]
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
    /// Matches per set of values.
    set_counts: Vec<u32>,
    /// Sets with at least one match, in order of their first.
    touched: Vec<u32>,
    /// Per local value id: whether its kind is counted.
    counted: Vec<bool>,
    /// Per local value id: the index in `filters` of its kind's filter, if its kind is filtered.
    filter_of: Vec<Option<usize>>,
    /// Per local value id: whether its kind's filter accepts it.
    accepted: Vec<bool>,
    /// Number of filtered kinds.
    filter_count: usize,
    /// Per filter, whether the set being counted passes it (scratch).
    passed: Vec<bool>,
}

impl SegmentTally {
    /// Adds `matches` documents carrying the values `ids` to `counts`.
    fn count_set(&mut self, ids: &[u32], matches: u64, counts: &mut [u64]) {
        let mut failed = None;
        if self.filter_count > 0 {
            self.passed.fill(false);
            for &id in ids {
                if let (true, Some(filter)) =
                    (self.accepted[id as usize], self.filter_of[id as usize])
                {
                    self.passed[filter] = true;
                }
            }
            let mut failing = self
                .passed
                .iter()
                .enumerate()
                .filter(|(_, passed)| !**passed);
            failed = failing.next().map(|(filter, _)| filter);
            if failing.next().is_some() {
                // Fails two filters: counts towards no kind.
                return;
            }
        }
        for &id in ids {
            let id = id as usize;
            // Passing every filter, a document counts for every kind; failing one, only for
            // that kind's own values (what choosing another value of it would add).
            if self.counted[id] && (failed.is_none() || self.filter_of[id] == failed) {
                counts[id] += matches;
            }
        }
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = (Arc<SegmentFacets>, Vec<u64>);

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some(&set) = self.table.doc_sets.get(doc as usize) else {
            return;
        };
        let count = &mut self.set_counts[set as usize];
        if *count == 0 {
            self.touched.push(set);
        }
        *count += 1;
    }

    fn harvest(mut self) -> Self::Fruit {
        let table = Arc::clone(&self.table);
        let mut counts = vec![0u64; table.values.len()];
        let touched = std::mem::take(&mut self.touched);
        for &set in &touched {
            let matches = u64::from(self.set_counts[set as usize]);
            self.count_set(table.set_values(set as usize), matches, &mut counts);
        }
        (table, counts)
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
            set_counts: vec![0; table.set_count()],
            touched: Vec::new(),
            table,
            counted,
            filter_of,
            accepted,
            filter_count: self.filters.len(),
            passed: vec![false; self.filters.len()],
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
    /// documents passing every other kind's filter.
    fn reference(
        searcher: &Searcher,
        fields: &Fields,
        filters: &[(FacetKind, Vec<String>)],
    ) -> FacetTallies {
        kinds()
            .into_iter()
            .map(|kind| {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Must, Box::new(AllQuery))];
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

        #[test]
        fn counts_match_tantivys_facet_collector(
            docs in prop::collection::vec(document(), 1..40),
            deleted in prop::collection::vec(0..40usize, 0..6),
            filter_kinds in prop::collection::vec((0..KINDS, prop::collection::vec(0..VALUES.len(), 1..3)), 0..4),
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
            let ours = searcher.search(&AllQuery, &tally).unwrap();
            prop_assert_eq!(ours, reference(&searcher, &fields, &filters));
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
