//! A bounded cache of search responses for the commit being served.
//!
//! Site-search traffic repeats itself: the empty browse page, the popular queries, and the
//! prefixes everybody types on the way to them. A response is a pure function of the request
//! and the commit, so the cache keys on the normalized request and is emptied the moment a new
//! commit becomes searchable: it can never serve a stale answer. Requests asking for score
//! explanations bypass it.
//!
//! It is bounded twice: by entries, and by the bytes its responses hold. Responses differ in
//! size by an order of magnitude (10 or 100 hits, few or many facet values): bounded by count
//! alone, 1,024 distinct requests for pages of 100 hits grew a server's heap by 124 MB.
//!
//! Eviction is `quick_cache`'s (a CLOCK-Pro variant: responses asked for again are kept over
//! responses asked for once) under one weight that carries both bounds: a response weighs its
//! bytes times the entry bound, but never less than the byte budget, against a total of the
//! byte budget times the entry bound. So at most `entries` responses fit, and at most the
//! byte budget.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use quick_cache::sync::Cache;
use quick_cache::{OptionsBuilder, Weighter};

use him_schema::api::{FacetCount, SearchResponse};
use him_schema::FacetKind;
use tantivy::Searcher;

use crate::request::SearchRequest;

/// What identifies a response: the request with filters in a canonical order (values of one
/// kind are OR-ed and kinds AND-ed, so order never changes the answer).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    query: String,
    filters: Vec<(FacetKind, Vec<String>)>,
    expression: Option<crate::Filter>,
    offset: Option<usize>,
    all_words: bool,
    page: usize,
    per_page: usize,
}

impl CacheKey {
    /// The key of a validated request; `None` for requests that are never cached.
    pub(crate) fn of(request: &SearchRequest) -> Option<CacheKey> {
        if request.explain {
            return None;
        }
        let mut filters = request.filters.clone();
        for (_, values) in &mut filters {
            values.sort();
            values.dedup();
        }
        filters.sort();
        Some(CacheKey {
            query: request.query.clone(),
            filters,
            expression: request.expression.clone(),
            offset: request.offset,
            all_words: request.all_words,
            page: request.page,
            per_page: request.per_page,
        })
    }
}

/// Counters of a response cache, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Searches answered from the cache.
    pub hits: u64,
    /// Cacheable searches that had to run.
    pub misses: u64,
}

/// Responses of one commit.
pub(crate) struct ResponseCache {
    /// Bytes held at most, as measured by [`approximate_size`].
    max_bytes: usize,
    /// The commit every entry was computed on. Entries are inserted and the cache emptied
    /// only while it is locked, so no response of a replaced commit outlives the emptying.
    commit: Mutex<Commit>,
    responses: Cache<CacheKey, Cached, Weight>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("max_bytes", &self.max_bytes)
            .field("responses", &self.responses.len())
            .field("weight", &self.responses.weight())
            .finish_non_exhaustive()
    }
}

/// The commit a response was computed on. tantivy's generation counts reloads, and a reader
/// also reloads when it merely notices a commit it already serves (file-watch events arrive
/// late), so the cache compares what the searcher serves (its segments and their deletes)
/// and uses the generation only to tell older from newer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Commit {
    generation: u64,
    segments: u64,
}

impl Commit {
    /// The commit `searcher` serves.
    pub(crate) fn of(searcher: &Searcher) -> Commit {
        let served = searcher.generation();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        served.segments().hash(&mut hasher);
        Commit {
            generation: served.generation_id(),
            segments: hasher.finish(),
        }
    }

    /// What identifies the documents served (segments and deletes), whatever the reloads.
    pub(crate) fn documents(&self) -> u64 {
        self.segments
    }

    /// Whether both serve the same segments with the same deletes, whatever their reloads.
    pub(crate) fn same_documents(&self, other: &Commit) -> bool {
        self.segments == other.segments
    }
}

/// A value found once per commit served (its documents, whatever the reloads): the site's
/// title suffix, its common words.
pub(crate) struct PerCommit<T> {
    found: std::sync::Mutex<Option<(Commit, T)>>,
}

impl<T> Default for PerCommit<T> {
    fn default() -> Self {
        PerCommit {
            found: std::sync::Mutex::new(None),
        }
    }
}

impl<T: Clone> PerCommit<T> {
    /// The value for the commit `searcher` serves, found by `find` if that commit has none yet.
    pub(crate) fn get<E>(
        &self,
        searcher: &Searcher,
        find: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let commit = Commit::of(searcher);
        let mut found = self
            .found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((seen, value)) = found.as_ref() {
            if seen.same_documents(&commit) {
                return Ok(value.clone());
            }
        }
        let value = find()?;
        *found = Some((commit, value.clone()));
        Ok(value)
    }
}

#[derive(Debug, Clone)]
struct Cached {
    /// [`Commit::segments`] of the commit it was computed on.
    segments: u64,
    /// [`approximate_size`] of `response`, computed once.
    bytes: usize,
    response: Arc<SearchResponse>,
}

/// A response's weight: `entries` times its bytes, or `budget` if that is more. Against a total
/// of `budget` times `entries`, every response weighs at least a share of one entry, and at
/// least its share of the bytes.
#[derive(Debug, Clone, Copy)]
struct Weight {
    entries: u64,
    budget: u64,
}

impl Weighter<CacheKey, Cached> for Weight {
    fn weight(&self, _key: &CacheKey, cached: &Cached) -> u64 {
        (cached.bytes as u64)
            .saturating_mul(self.entries)
            .max(self.budget)
    }
}

/// Heap bytes a cached response holds: its strings by capacity, its vectors, its maps' nodes,
/// and the allocator's own overhead per allocation. Measured against the server's heap (100-hit
/// pages, 1,500 distinct queries), a plain sum of string lengths undercounted by 1.8x: most of
/// the difference is each hit's facet map, a B-tree node of room for 11 entries.
pub(crate) fn approximate_size(response: &SearchResponse) -> usize {
    use std::mem::size_of;
    /// glibc's header and rounding per allocation.
    const PER_ALLOCATION: usize = 16;
    /// Entries per B-tree node (std's `CAPACITY`).
    const NODE_ENTRIES: usize = 11;
    fn owned(text: &String) -> usize {
        if text.capacity() == 0 {
            0
        } else {
            text.capacity() + PER_ALLOCATION
        }
    }
    fn vec<T>(items: &Vec<T>) -> usize {
        if items.capacity() == 0 {
            0
        } else {
            items.capacity() * size_of::<T>() + PER_ALLOCATION
        }
    }
    fn map<K, V>(entries: usize) -> usize {
        entries.div_ceil(NODE_ENTRIES)
            * (NODE_ENTRIES * (size_of::<K>() + size_of::<V>())
                + 2 * size_of::<usize>()
                + PER_ALLOCATION)
    }
    let facet_counts: usize = map::<String, Vec<FacetCount>>(response.facets.len())
        + response
            .facets
            .iter()
            .map(|(kind, counts)| {
                owned(kind) + vec(counts) + counts.iter().map(|c| owned(&c.value)).sum::<usize>()
            })
            .sum::<usize>();
    let hits: usize = vec(&response.hits)
        + response
            .hits
            .iter()
            .map(|hit| {
                let facets = map::<String, Vec<String>>(hit.facets.len())
                    + hit
                        .facets
                        .iter()
                        .map(|(kind, values)| {
                            owned(kind) + vec(values) + values.iter().map(owned).sum::<usize>()
                        })
                        .sum::<usize>();
                owned(&hit.id)
                    + owned(&hit.url)
                    + owned(&hit.title)
                    + owned(&hit.title_html)
                    + owned(&hit.snippet)
                    + vec(&hit.title_parts)
                    + hit.title_parts.iter().map(owned).sum::<usize>()
                    + vec(&hit.snippet_parts)
                    + hit.snippet_parts.iter().map(owned).sum::<usize>()
                    + facets
            })
            .sum::<usize>();
    size_of::<SearchResponse>()
        + PER_ALLOCATION
        + owned(&response.query)
        + response.suggestion.as_ref().map_or(0, owned)
        + facet_counts
        + hits
}

impl ResponseCache {
    /// A cache of at most `capacity` responses (at least one) holding at most `max_bytes`.
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> ResponseCache {
        let capacity = capacity.max(1) as u64;
        // Budgets past what the weights can carry with this many entries (4.6 TB at a million
        // entries) are cut to it: no bound anyone configures. quick_cache adds the total and
        // one more weight, hence the room left above the total.
        let budget = (max_bytes as u64).clamp(1, (u64::MAX / 4) / capacity);
        let mut options = OptionsBuilder::new();
        options
            // Room reserved up front; the table grows past it as needed.
            .estimated_items_capacity(capacity.min(4096) as usize)
            .weight_capacity(budget * capacity)
            // One shard: the bounds and the eviction order are the whole cache's, not split
            // over shards by key hash. The cache is touched once per search.
            .shards(1);
        if capacity == 1 {
            // quick_cache admits nothing heavier than its hot share (97% of the weight by
            // default), and a cache of one entry has only one weight, all of it.
            options.hot_allocation(1.0);
        }
        let options = options
            .build()
            // Both required options (weight and items capacity) are set above.
            .expect("valid cache options");
        ResponseCache {
            max_bytes,
            commit: Mutex::new(Commit::default()),
            responses: Cache::with_options(
                options,
                Weight {
                    entries: capacity,
                    budget,
                },
                Default::default(),
                Default::default(),
            ),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Empties the cache if `commit` serves other segments than the entries' commit, which it
    /// becomes; called with the commit locked.
    fn align_locked(&self, current: &mut Commit, commit: Commit) {
        if !current.same_documents(&commit) {
            self.responses.clear();
        }
        *current = commit;
    }

    fn lock_commit(&self) -> MutexGuard<'_, Commit> {
        // The commit is a plain value, consistent whatever panicked while it was held.
        self.commit.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The response to `key` on `commit`, if cached.
    pub(crate) fn get(&self, commit: Commit, key: &CacheKey) -> Option<Arc<SearchResponse>> {
        self.align_locked(&mut self.lock_commit(), commit);
        let found = self
            .responses
            .get(key)
            .filter(|cached| cached.segments == commit.segments)
            .map(|cached| cached.response);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Lookups answered and not answered so far.
    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// Keeps `response` to `key`, computed on `commit`. A response of an older commit with
    /// other segments than the entries' (a search that started before a reload) is dropped.
    pub(crate) fn insert(&self, commit: Commit, key: CacheKey, response: Arc<SearchResponse>) {
        let bytes = approximate_size(&response);
        if bytes > self.max_bytes {
            // It would push out everything else and then not fit.
            return;
        }
        let mut current = self.lock_commit();
        if commit.segments != current.segments && commit.generation < current.generation {
            return;
        }
        self.align_locked(&mut current, commit);
        self.responses.insert(
            key,
            Cached {
                segments: commit.segments,
                bytes,
                response,
            },
        );
    }

    /// Responses held now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.responses.len()
    }

    /// Bytes held now, by [`approximate_size`].
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.responses.iter().map(|(_, cached)| cached.bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(query: &str) -> Arc<SearchResponse> {
        Arc::new(SearchResponse {
            query: query.to_string(),
            total: 0,
            page: 1,
            per_page: 10,
            took_ms: 0,
            hits: Vec::new(),
            facets: Default::default(),
            suggestion: None,
            query_id: None,
        })
    }

    /// A response of `hits` hits, each with a snippet of `snippet_chars` characters.
    fn page_of(query: &str, hits: usize, snippet_chars: usize) -> Arc<SearchResponse> {
        let hit = him_schema::api::Hit {
            id: format!("{query}.html"),
            url: format!("https://example.org/{query}.html"),
            title: query.to_string(),
            title_html: query.to_string(),
            snippet: "s".repeat(snippet_chars),
            title_parts: Vec::new(),
            snippet_parts: Vec::new(),
            score: 1.0,
            facets: Default::default(),
            explain: None,
        };
        let mut response = SearchResponse::clone(&response(query));
        response.hits = vec![hit; hits];
        Arc::new(response)
    }

    /// Commit number `n`, serving segments numbered `n`.
    fn commit(n: u64) -> Commit {
        Commit {
            generation: n,
            segments: n,
        }
    }

    fn key(query: &str) -> CacheKey {
        CacheKey::of(&SearchRequest::new(query)).unwrap()
    }

    #[test]
    fn filter_order_does_not_matter_and_explain_is_never_cached() {
        let a = SearchRequest::new("coder")
            .filter("credential", "RHIT")
            .unwrap()
            .filter("credential", "CCS")
            .unwrap()
            .filter("topic", "Coding")
            .unwrap();
        let b = SearchRequest::new("coder")
            .filter("topic", "Coding")
            .unwrap()
            .filter("credential", "CCS")
            .unwrap()
            .filter("credential", "RHIT")
            .unwrap();
        assert_eq!(CacheKey::of(&a), CacheKey::of(&b));
        assert_ne!(CacheKey::of(&a), Some(key("coder")));
        let mut explained = SearchRequest::new("coder");
        explained.explain = true;
        assert_eq!(CacheKey::of(&explained), None);
    }

    #[test]
    fn least_recently_used_goes_first() {
        let cache = ResponseCache::new(2, usize::MAX);
        cache.insert(commit(1), key("a"), response("a"));
        cache.insert(commit(1), key("b"), response("b"));
        assert!(
            cache.get(commit(1), &key("a")).is_some(),
            "a is now the most recent"
        );
        cache.insert(commit(1), key("c"), response("c"));
        assert_eq!(cache.len(), 2);
        assert!(
            cache.get(commit(1), &key("b")).is_none(),
            "b was least recently used"
        );
        assert_eq!(cache.get(commit(1), &key("a")).unwrap().query, "a");
        assert_eq!(cache.get(commit(1), &key("c")).unwrap().query, "c");
        assert_eq!(cache.stats(), CacheStats { hits: 3, misses: 1 });
    }

    #[test]
    fn a_new_commit_empties_it_and_late_answers_of_the_old_one_are_dropped() {
        let cache = ResponseCache::new(8, usize::MAX);
        cache.insert(commit(1), key("a"), response("a"));
        assert!(
            cache.get(commit(2), &key("a")).is_none(),
            "commit 2 never saw a"
        );
        assert_eq!(cache.len(), 0);
        cache.insert(commit(1), key("late"), response("late"));
        assert!(cache.get(commit(2), &key("late")).is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_reload_of_the_same_commit_keeps_the_entries() {
        let cache = ResponseCache::new(8, usize::MAX);
        let first = commit(1);
        cache.insert(first, key("a"), response("a"));
        let reloaded = Commit {
            generation: 2,
            ..first
        };
        assert_eq!(cache.get(reloaded, &key("a")).unwrap().query, "a");
        cache.insert(first, key("b"), response("b"));
        assert_eq!(
            cache.get(reloaded, &key("b")).unwrap().query,
            "b",
            "an answer from the earlier reload serves the same segments"
        );
    }

    #[test]
    fn bytes_are_bounded_too() {
        let small = page_of("small", 10, 200);
        let large = page_of("large", 100, 200);
        let small_size = approximate_size(&small);
        let large_size = approximate_size(&large);
        assert_eq!(
            approximate_size(&page_of("small", 10, 400)) - small_size,
            10 * 200,
            "each snippet byte counts once"
        );
        assert!(large_size > 9 * small_size, "{large_size} vs {small_size}");

        // Room for one large page and two small ones, whatever the entry count.
        let cache = ResponseCache::new(1000, large_size + 2 * small_size + small_size / 2);
        cache.insert(commit(1), key("a"), Arc::clone(&small));
        cache.insert(commit(1), key("b"), Arc::clone(&small));
        cache.insert(commit(1), key("big"), Arc::clone(&large));
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.bytes(), large_size + 2 * small_size);
        assert!(cache.get(commit(1), &key("a")).is_some(), "a is now recent");
        cache.insert(commit(1), key("c"), Arc::clone(&small));
        assert_eq!(cache.len(), 3);
        assert!(
            cache.get(commit(1), &key("b")).is_none(),
            "b was least recently used"
        );
        // Another large page pushes out the older large one, the least recently used.
        cache.insert(commit(1), key("big2"), Arc::clone(&large));
        assert!(cache.get(commit(1), &key("big")).is_none());
        assert!(cache.get(commit(1), &key("big2")).is_some());
        assert!(cache.bytes() <= large_size + 2 * small_size + small_size / 2);
        assert_eq!(
            cache.bytes(),
            cache.len().saturating_sub(1) * small_size + large_size
        );

        // Replacing an entry counts its bytes once.
        let before = cache.bytes();
        cache.insert(commit(1), key("big2"), Arc::clone(&large));
        assert_eq!(cache.bytes(), before);

        // A response larger than the whole budget is not kept, and evicts nothing.
        let tiny = ResponseCache::new(1000, small_size * 3);
        tiny.insert(commit(1), key("a"), Arc::clone(&small));
        tiny.insert(commit(1), key("big"), Arc::clone(&large));
        assert_eq!(tiny.len(), 1);
        assert!(tiny.get(commit(1), &key("a")).is_some());

        // A new commit empties the count as well.
        tiny.insert(commit(2), key("b"), Arc::clone(&small));
        assert_eq!((tiny.len(), tiny.bytes()), (1, small_size));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Both bounds hold after any mix of sizes, lookups and replacements: eviction weighs
        /// an entry by its bytes or by an equal share of the byte budget, whichever is more.
        #[test]
        fn entries_and_bytes_stay_within_both_bounds(
            capacity in 1usize..12,
            budget_in_small_pages in 1usize..40,
            ops in proptest::collection::vec((0u8..30, 0usize..4, proptest::bool::ANY), 1..120),
        ) {
            let sizes = [page_of("s", 1, 50), page_of("m", 5, 200), page_of("l", 30, 400)];
            let max_bytes = budget_in_small_pages * approximate_size(&sizes[0]);
            let cache = ResponseCache::new(capacity, max_bytes);
            for (name, size, lookup) in ops {
                let name = format!("q{name}");
                if lookup {
                    let _ = cache.get(commit(1), &key(&name));
                } else if let Some(page) = sizes.get(size) {
                    cache.insert(commit(1), key(&name), Arc::clone(page));
                }
                proptest::prop_assert!(cache.len() <= capacity, "{} entries", cache.len());
                proptest::prop_assert!(cache.bytes() <= max_bytes, "{} bytes", cache.bytes());
            }
        }
    }

    #[test]
    fn a_full_cache_of_small_pages_takes_a_large_one() {
        let small = page_of("small", 1, 100);
        let large = page_of("large", 100, 400);
        let max_bytes = approximate_size(&large) * 2;
        let cache = ResponseCache::new(8, max_bytes);
        for n in 0..8 {
            cache.insert(commit(1), key(&format!("s{n}")), Arc::clone(&small));
        }
        assert_eq!(
            cache.len(),
            8,
            "the entry bound, not the bytes, is what is full"
        );
        cache.insert(commit(1), key("big"), Arc::clone(&large));
        assert!(cache.get(commit(1), &key("big")).is_some());
        assert!(cache.len() <= 8 && cache.bytes() <= max_bytes);
    }

    #[test]
    fn a_cache_of_one_keeps_the_last_response_even_one_of_the_whole_budget() {
        let one = ResponseCache::new(1, usize::MAX);
        one.insert(commit(1), key("a"), response("a"));
        assert!(one.get(commit(1), &key("a")).is_some());
        one.insert(commit(1), key("b"), response("b"));
        assert_eq!(one.len(), 1);
        assert!(one.get(commit(1), &key("b")).is_some());

        let page = page_of("page", 10, 200);
        let exact = ResponseCache::new(1, approximate_size(&page));
        exact.insert(commit(1), key("page"), Arc::clone(&page));
        assert!(exact.get(commit(1), &key("page")).is_some());
    }
}
