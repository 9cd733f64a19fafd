//! Prometheus metrics: request counts and latency histograms by route and status, kept in
//! `prometheus-client` families owned by the server (no global registry, so several servers
//! in one process count apart), plus the index size and cache counters read when scraped.

use std::time::Duration;

use prometheus_client::encoding::{prometheus_text, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

/// The labels of a request's series, in the order they are written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

/// How a cacheable search was answered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct LookupLabels {
    result: &'static str,
}

/// What became of an analytics event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct EventLabels {
    outcome: &'static str,
}

type LatencyFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// Counters kept by the metrics middleware.
#[derive(Debug)]
pub struct Metrics {
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
        }
    }
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, route: &str, status: u16, elapsed: Duration) {
        let labels = RequestLabels {
            route: route.to_string(),
            status,
        };
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(
        &self,
        documents: u64,
        cache: Option<crate::CacheStats>,
        analytics: Option<&him_analytics::Recorder>,
    ) -> String {
        // A registry per scrape: the families are shared handles, and the values read at
        // scrape time (documents, cache counters) are registered as they are now.
        let mut registry = Registry::default();
        // The library appends the help text's final period and the counters' `_total`.
        registry.register(
            "himsearch_requests",
            "HTTP requests by route and status",
            self.requests.clone(),
        );
        registry.register(
            "himsearch_request_duration_seconds",
            "HTTP request latency",
            self.latency.clone(),
        );
        registry.register(
            "himsearch_index_documents",
            "Documents in the index being served",
            ConstGauge::new(i64::try_from(documents).unwrap_or(i64::MAX)),
        );
        if let Some(cache) = cache {
            let lookups = Family::<LookupLabels, Counter>::default();
            lookups
                .get_or_create(&LookupLabels { result: "hit" })
                .inc_by(cache.hits);
            lookups
                .get_or_create(&LookupLabels { result: "miss" })
                .inc_by(cache.misses);
            registry.register(
                "himsearch_cache_lookups",
                "Cacheable searches, answered from the response cache (hit) or run (miss)",
                lookups,
            );
        }
        if let Some(recorder) = analytics {
            let events = Family::<EventLabels, Counter>::default();
            events
                .get_or_create(&EventLabels { outcome: "written" })
                .inc_by(recorder.written());
            events
                .get_or_create(&EventLabels { outcome: "dropped" })
                .inc_by(recorder.dropped());
            registry.register(
                "himsearch_analytics_events",
                "Analytics events written to the database, or dropped (queue full, database failing)",
                events,
            );
            let degraded = i64::from(recorder.health() != him_analytics::Health::Ok);
            registry.register(
                "himsearch_analytics_degraded",
                "1 while the analytics database cannot be written",
                ConstGauge::new(degraded),
            );
        }
        let mut out = String::new();
        // Writing into a String cannot fail, and every name and label is one of ours.
        let _ = prometheus_text::encode(&mut out, &registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Metrics;
    use crate::CacheStats;

    /// Names, labels, types and help lines are what dashboards and alerts are written against.
    #[test]
    fn exposition_names_labels_and_types() {
        let metrics = Metrics::default();
        metrics.record("/api/search", 200, Duration::from_millis(3));
        metrics.record("/api/search", 200, Duration::from_millis(30));
        let cache = CacheStats { hits: 7, misses: 2 };
        let expected = "\
# HELP himsearch_requests_total HTTP requests by route and status.
# TYPE himsearch_requests_total counter
himsearch_requests_total{route=\"/api/search\",status=\"200\"} 2
# HELP himsearch_request_duration_seconds HTTP request latency.
# TYPE himsearch_request_duration_seconds histogram
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"0.0005\"} 0
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"0.001\"} 0
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"0.0025\"} 0
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"0.005\"} 1
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"0.01\"} 1
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"0.025\"} 1
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"0.05\"} 2
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"0.1\"} 2
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"0.5\"} 2
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"1\"} 2
himsearch_request_duration_seconds_bucket{route=\"/api/search\",status=\"200\",le=\"+Inf\"} 2
himsearch_request_duration_seconds_sum{route=\"/api/search\",status=\"200\"} 0.033
himsearch_request_duration_seconds_count{route=\"/api/search\",status=\"200\"} 2
# HELP himsearch_index_documents Documents in the index being served.
# TYPE himsearch_index_documents gauge
himsearch_index_documents 5
# HELP himsearch_cache_lookups_total Cacheable searches, answered from the response cache (hit) or run (miss).
# TYPE himsearch_cache_lookups_total counter
himsearch_cache_lookups_total{result=\"hit\"} 7
himsearch_cache_lookups_total{result=\"miss\"} 2
";
        // Series of one family come in no fixed order (the encoder's label map is a hash map);
        // families, help and type lines are compared in order, series as a set per family.
        let by_family = |text: &str| -> Vec<Vec<String>> {
            let mut families: Vec<Vec<String>> = Vec::new();
            for line in text.lines() {
                if line.starts_with("# HELP") || families.is_empty() {
                    families.push(Vec::new());
                }
                let family = families.last_mut().expect("pushed above");
                family.push(line.to_string());
                if !line.starts_with('#') {
                    let samples = family.iter().position(|l| !l.starts_with('#'));
                    family[samples.unwrap_or(0)..].sort();
                }
            }
            families
        };
        let rendered = metrics.render(5, Some(cache), None);
        assert_eq!(by_family(&rendered), by_family(expected));
        assert!(rendered.ends_with('\n'));
        let without_cache = metrics.render(5, None, None);
        assert!(without_cache.ends_with("himsearch_index_documents 5\n"));
        assert!(!without_cache.contains("cache"));
    }

    #[test]
    fn every_route_and_status_is_its_own_series() {
        let metrics = Metrics::default();
        for (route, status) in [
            ("/api/search", 200),
            ("/api/search", 400),
            ("/healthz", 200),
        ] {
            metrics.record(route, status, Duration::from_micros(100));
        }
        metrics.record("/healthz", 200, Duration::from_secs(2));
        let text = metrics.render(0, None, None);
        for line in [
            "himsearch_requests_total{route=\"/api/search\",status=\"200\"} 1",
            "himsearch_requests_total{route=\"/api/search\",status=\"400\"} 1",
            "himsearch_requests_total{route=\"/healthz\",status=\"200\"} 2",
            "himsearch_request_duration_seconds_bucket{route=\"/healthz\",status=\"200\",le=\"0.0005\"} 1",
            "himsearch_request_duration_seconds_bucket{route=\"/healthz\",status=\"200\",le=\"1\"} 1",
            "himsearch_request_duration_seconds_bucket{route=\"/healthz\",status=\"200\",le=\"+Inf\"} 2",
            "himsearch_request_duration_seconds_count{route=\"/api/search\",status=\"400\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
