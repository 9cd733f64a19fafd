//! A bounded cache of search responses for the commit being served.
//!
//! Site-search traffic repeats itself: the empty browse page, the popular queries, and the
//! prefixes everybody types on the way to them. A response is a pure function of the request
//! and the commit, so the cache keys on the normalized request and is emptied the moment a new
//! commit becomes searchable: it can never serve a stale answer. Requests asking for score
//! explanations bypass it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use him_schema::api::SearchResponse;
use him_schema::FacetKind;

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

#[derive(Debug, Default)]
struct Entries {
    /// The commit (searcher generation) every entry was computed on.
    generation: u64,
    /// Increases with every use; an entry's stamp is its last use.
    clock: u64,
    responses: HashMap<CacheKey, (u64, Arc<SearchResponse>)>,
}

impl Entries {
    /// Forgets everything when `generation` is not the entries' commit.
    fn align(&mut self, generation: u64) {
        if self.generation != generation {
            self.responses.clear();
            self.generation = generation;
        }
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

    /// The response to `key` on commit `generation`, if cached.
    pub(crate) fn get(&self, generation: u64, key: &CacheKey) -> Option<Arc<SearchResponse>> {
        let found = self.inner.lock().ok().and_then(|mut entries| {
            entries.align(generation);
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

    /// Keeps `response` to `key`, computed on commit `generation`. A response of an older
    /// commit than the entries' (a search that started before a reload) is dropped.
    pub(crate) fn insert(&self, generation: u64, key: CacheKey, response: Arc<SearchResponse>) {
        let Ok(mut entries) = self.inner.lock() else {
            return;
        };
        if generation < entries.generation {
            return;
        }
        entries.align(generation);
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
        cache.insert(1, key("a"), response("a"));
        cache.insert(1, key("b"), response("b"));
        assert!(
            cache.get(1, &key("a")).is_some(),
            "a is now the most recent"
        );
        cache.insert(1, key("c"), response("c"));
        assert_eq!(cache.len(), 2);
        assert!(
            cache.get(1, &key("b")).is_none(),
            "b was least recently used"
        );
        assert_eq!(cache.get(1, &key("a")).unwrap().query, "a");
        assert_eq!(cache.get(1, &key("c")).unwrap().query, "c");
        assert_eq!(cache.stats(), CacheStats { hits: 3, misses: 1 });
    }

    #[test]
    fn a_new_commit_empties_it_and_late_answers_of_the_old_one_are_dropped() {
        let cache = ResponseCache::new(8);
        cache.insert(1, key("a"), response("a"));
        assert!(cache.get(2, &key("a")).is_none(), "commit 2 never saw a");
        assert_eq!(cache.len(), 0);
        cache.insert(1, key("late"), response("late"));
        assert!(cache.get(2, &key("late")).is_none());
        assert_eq!(cache.len(), 0);
    }
}
