//! Prometheus metrics: request counts and latency histograms by route and status.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Counters kept by the metrics middleware.
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, u16), Series>>,
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        if let Ok(mut series) = self.series.lock() {
            let entry = series.entry((route.to_string(), status)).or_default();
            entry.count += 1;
            entry.sum_seconds += seconds;
            for (bucket, bound) in entry.buckets.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self, documents: u64, cache: Option<crate::CacheStats>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP himsearch_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE himsearch_requests_total counter");
        let series = self.series.lock().map(|s| s.clone()).unwrap_or_default();
        for ((route, status), s) in &series {
            let _ = writeln!(
                out,
                "himsearch_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP himsearch_request_duration_seconds HTTP request latency."
        );
        let _ = writeln!(out, "# TYPE himsearch_request_duration_seconds histogram");
        for ((route, status), s) in &series {
            let labels = format!("route=\"{route}\",status=\"{status}\"");
            for (count, bound) in s.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "himsearch_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "himsearch_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "himsearch_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "himsearch_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP himsearch_index_documents Documents in the index being served."
        );
        let _ = writeln!(out, "# TYPE himsearch_index_documents gauge");
        let _ = writeln!(out, "himsearch_index_documents {documents}");
        if let Some(cache) = cache {
            let _ = writeln!(
                out,
                "# HELP himsearch_cache_lookups_total Cacheable searches, answered from the \
                 response cache (hit) or run (miss)."
            );
            let _ = writeln!(out, "# TYPE himsearch_cache_lookups_total counter");
            let _ = writeln!(
                out,
                "himsearch_cache_lookups_total{{result=\"hit\"}} {}",
                cache.hits
            );
            let _ = writeln!(
                out,
                "himsearch_cache_lookups_total{{result=\"miss\"}} {}",
                cache.misses
            );
        }
        out
    }
}
