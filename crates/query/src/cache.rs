//! A bounded cache of search responses for the commit being served.
//!
//! Site-search traffic repeats itself: the empty browse page, the popular queries, and the
//! prefixes everybody types on the way to them. A response is a pure function of the request
//! and the commit, so the cache keys on the normalized request and is emptied the moment a new
//! commit becomes searchable: it can never serve a stale answer. Requests asking for score
//! explanations bypass it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use him_schema::api::SearchResponse;
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
    responses: HashMap<CacheKey, (u64, Arc<SearchResponse>)>,
}

impl Entries {
    /// Forgets everything when `commit` serves other segments than the entries' commit.
    fn align(&mut self, commit: Commit) {
        if !self.commit.same_documents(&commit) {
            self.responses.clear();
        }
        self.commit = commit;
    }
}

impl ResponseCache {
    /// A cache of at most `capacity` responses (at least one).
    pub(crate) fn new(capacity: usize) -> ResponseCache {
        ResponseCache {
            capacity: capacity.max(1),
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
            let (stamp, response) = entries.responses.get_mut(key)?;
            *stamp = now;
            Some(Arc::clone(response))
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
        entries.align(commit);
        entries.clock += 1;
        let now = entries.clock;
        entries.responses.insert(key, (now, response));
        if entries.responses.len() > self.capacity {
            // A scan of at most a few thousand stamps costs about a microsecond, less than
            // keeping a linked order up to date on every hit.
            let oldest = entries
                .responses
                .iter()
                .min_by_key(|(_, (stamp, _))| *stamp)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                entries.responses.remove(&oldest);
            }
        }
    }

    /// Responses held now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map(|e| e.responses.len()).unwrap_or(0)
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
        let cache = ResponseCache::new(2);
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
        let cache = ResponseCache::new(8);
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
        let cache = ResponseCache::new(8);
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
}
