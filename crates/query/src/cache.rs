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

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

/// Responses of one commit, least recently used evicted first.
#[derive(Debug)]
pub(crate) struct ResponseCache {
    capacity: usize,
    max_bytes: usize,
    inner: Mutex<Entries>,
    hits: AtomicU64,
    misses: AtomicU64,
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

    /// Whether both serve the same segments with the same deletes, whatever their reloads.
    pub(crate) fn same_documents(&self, other: &Commit) -> bool {
        self.segments == other.segments
    }
}

#[derive(Debug, Default)]
struct Entries {
    /// The commit every entry was computed on.
    commit: Commit,
    /// Increases with every use; an entry's stamp is its last use.
    clock: u64,
    responses: HashMap<CacheKey, Cached>,
    /// Sum of the entries' `bytes`.
    bytes: usize,
}

#[derive(Debug)]
struct Cached {
    /// The entry's last use.
    stamp: u64,
    /// [`approximate_size`] of `response`, computed once.
    bytes: usize,
    response: Arc<SearchResponse>,
}

impl Entries {
    /// Forgets everything when `commit` serves other segments than the entries' commit.
    fn align(&mut self, commit: Commit) {
        if !self.commit.same_documents(&commit) {
            self.responses.clear();
            self.bytes = 0;
        }
        self.commit = commit;
    }

    /// Drops the least recently used response; false when there is none.
    fn evict_oldest(&mut self) -> bool {
        // A scan of at most a few thousand stamps costs about a microsecond, less than keeping
        // a linked order up to date on every hit.
        let oldest = self
            .responses
            .iter()
            .min_by_key(|(_, cached)| cached.stamp)
            .map(|(key, _)| key.clone());
        match oldest.and_then(|key| self.responses.remove(&key)) {
            Some(evicted) => {
                self.bytes -= evicted.bytes;
                true
            }
            None => false,
        }
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
        ResponseCache {
            capacity: capacity.max(1),
            max_bytes,
            inner: Mutex::new(Entries::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The response to `key` on `commit`, if cached.
    pub(crate) fn get(&self, commit: Commit, key: &CacheKey) -> Option<Arc<SearchResponse>> {
        let found = self.inner.lock().ok().and_then(|mut entries| {
            entries.align(commit);
            entries.clock += 1;
            let now = entries.clock;
            let cached = entries.responses.get_mut(key)?;
            cached.stamp = now;
            Some(Arc::clone(&cached.response))
        });
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
        let Ok(mut entries) = self.inner.lock() else {
            return;
        };
        if commit.segments != entries.commit.segments
            && commit.generation < entries.commit.generation
        {
            return;
        }
        let bytes = approximate_size(&response);
        if bytes > self.max_bytes {
            // It would push out everything else and then not fit.
            return;
        }
        entries.align(commit);
        entries.clock += 1;
        let stamp = entries.clock;
        let cached = Cached {
            stamp,
            bytes,
            response,
        };
        if let Some(replaced) = entries.responses.insert(key, cached) {
            entries.bytes -= replaced.bytes;
        }
        entries.bytes += bytes;
        while entries.responses.len() > self.capacity || entries.bytes > self.max_bytes {
            if !entries.evict_oldest() {
                break;
            }
        }
    }

    /// Responses held now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map(|e| e.responses.len()).unwrap_or(0)
    }

    /// Bytes held now, by [`approximate_size`].
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.inner.lock().map(|e| e.bytes).unwrap_or(0)
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
}
