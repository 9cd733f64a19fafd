//! A killed indexer never leaves a broken index: the previous commit stays searchable and the
//! next run recovers without `--rebuild`; a server under load switches indexes without a failed
//! or mixed response; a flood of expensive queries is shed, not queued, and memory stays bounded.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Server, Site};

fn write_pages(site: &Site, count: usize, version: &str) {
    for i in 0..count {
        site.write(
            &format!("pages/p{i:05}.html"),
            format!(
                "<title>Page {i} {version}</title><main><h1>Coding page {i}</h1>\
                 <p>{version} text about RHIT exams, medical coders and registrars number {i}. {}</p></main>",
                "Health information management keeps records accurate. ".repeat(40)
            ),
        );
    }
}

#[cfg(unix)]
#[test]
fn sigkill_during_index_keeps_the_previous_index_and_recovers() {
    // Commits are what this tests, not pages' meanings: `auto` would embed all 1,500 pages in
    // each run (most of the integration tests' time).
    let words_only = ["--meanings", "off"];
    let site = Site::new();
    write_pages(&site, 1500, "alphaversion");
    let first = site.index(&words_only);
    assert_eq!(first["documents"], 1500);

    write_pages(&site, 1500, "betaversion");
    for delay_ms in [30u64, 120, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_himsearch"))
            .args(["index", "--quiet", "--corpus"])
            .arg(site.corpus())
            .arg("--index")
            .arg(site.index_dir())
            .args(words_only)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        // Whatever point it died at, the index answers wholly from one commit.
        let alpha = site.search("alphaversion", &[])["total"].as_u64().unwrap();
        let beta = site.search("betaversion", &[])["total"].as_u64().unwrap();
        assert!(
            (alpha, beta) == (1500, 0) || (alpha, beta) == (0, 1500),
            "after a kill at {delay_ms} ms: {alpha} old and {beta} new documents"
        );
    }

    // The next run recovers without --rebuild (stale lock and orphan segment files included).
    let recovered = site.index(&words_only);
    assert_eq!(recovered["documents"], 1500);
    assert_eq!(site.search("betaversion", &[])["total"], 1500);
    assert_eq!(site.search("alphaversion", &[])["total"], 0);
}

/// Resident memory of a process, from /proc.
#[cfg(target_os = "linux")]
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024.0
}

fn topic_pages(site: &Site, from: usize, to: usize) {
    for i in from..to {
        site.write(
            &format!("topics/t{i:03}.html"),
            format!("<title>Release of information note {i}</title><main><p>Release of information step {i}: verify the requester, log disclosure {i}.</p></main>"),
        );
    }
}

#[test]
fn reindexing_under_load_fails_no_request_and_mixes_no_index() {
    let site = Site::new();
    topic_pages(&site, 0, 40);
    site.index(&[]);
    let server = Server::start_with_env(
        &site,
        &["--rate-limit", "0"],
        &[("HIMSEARCH_ADMIN_KEY", "admin-key-for-tests-0123")],
    );
    let origin = server.origin();
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (origin, stop, seen) = (origin.clone(), Arc::clone(&stop), Arc::clone(&seen));
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    let outcome = match client
                        .get(format!("{origin}/api/search?q=disclosure&per_page=100"))
                        .send()
                    {
                        Ok(response) if response.status() == 200 => {
                            let body: Value = response.json().unwrap();
                            let total = body["total"].as_u64().unwrap();
                            let hits = body["hits"].as_array().unwrap().len() as u64;
                            // One searcher answers the whole request: count and hits agree.
                            if hits == total.min(100) {
                                format!("total {total}")
                            } else {
                                format!("mixed {total}/{hits}")
                            }
                        }
                        Ok(response) => format!("status {}", response.status()),
                        Err(err) => format!("error {err}"),
                    };
                    *seen.lock().unwrap().entry(outcome).or_default() += 1;
                }
            })
        })
        .collect();
    let wait_for_total = |total: u64| {
        let started = Instant::now();
        loop {
            let body: Value =
                reqwest::blocking::get(format!("{origin}/api/search?q=disclosure&per_page=1"))
                    .unwrap()
                    .json()
                    .unwrap();
            if body["total"] == total {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "never saw {total}: {body}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    std::thread::sleep(Duration::from_millis(300));
    // Incremental re-index from another process.
    topic_pages(&site, 40, 50);
    site.index(&[]);
    wait_for_total(50);
    // Full rebuild.
    topic_pages(&site, 50, 55);
    site.index(&["--rebuild"]);
    wait_for_total(55);
    // Re-index through the admin route.
    topic_pages(&site, 55, 60);
    let client = reqwest::blocking::Client::new();
    let started = client
        .post(format!("{origin}/admin/reindex"))
        .bearer_auth("admin-key-for-tests-0123")
        .send()
        .unwrap();
    assert_eq!(started.status(), 202);
    wait_for_total(60);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    let allowed = ["total 40", "total 50", "total 55", "total 60"];
    assert!(
        seen.keys().all(|k| allowed.contains(&k.as_str())),
        "only whole answers from one index or the next: {seen:?}"
    );
    assert!(
        seen.contains_key("total 40") && seen.contains_key("total 60"),
        "{seen:?}"
    );
    assert!(seen.values().sum::<usize>() > 50, "load kept up: {seen:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn flood_of_expensive_queries_is_shed_and_memory_stays_bounded() {
    let site = Site::new();
    write_pages(&site, 300, "floodversion");
    site.index(&[]);
    let server = Server::start(&site, &["--rate-limit", "0"]);
    let origin = server.origin();
    // Warm up, then measure.
    reqwest::blocking::get(format!("{origin}/api/search?q=coding")).unwrap();
    let before = rss_mb(server.pid());
    let typos = "registred helth informaton tecnician certifcation examinaton ".repeat(9);
    let expensive = [
        format!("/api/search?q={}", &typos[..500]),
        "/api/search?per_page=100".to_string(),
        "/api/search?q=health&page=1000&per_page=100".to_string(),
        "/api/search?q=%22health+information%22+-coding+OR+records&per_page=100".to_string(),
        "/api/suggest?q=re&limit=20".to_string(),
    ];
    let outcomes: Arc<Mutex<BTreeMap<u16, usize>>> = Arc::default();
    let deadline = Instant::now() + Duration::from_secs(4);
    let flooders: Vec<_> = (0..48)
        .map(|n| {
            let (origin, outcomes) = (origin.clone(), Arc::clone(&outcomes));
            let path = expensive[n % expensive.len()].clone();
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                while Instant::now() < deadline {
                    let status = client
                        .get(format!("{origin}{path}"))
                        .send()
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0);
                    *outcomes.lock().unwrap().entry(status).or_default() += 1;
                }
            })
        })
        .collect();
    let mut peak = before;
    while Instant::now() < deadline {
        peak = peak.max(rss_mb(server.pid()));
        std::thread::sleep(Duration::from_millis(100));
    }
    for flooder in flooders {
        flooder.join().unwrap();
    }
    let outcomes = outcomes.lock().unwrap().clone();
    assert!(
        outcomes.keys().all(|s| *s == 200 || *s == 503),
        "only answers or sheds, never errors or dropped connections: {outcomes:?}"
    );
    assert!(outcomes.get(&200).copied().unwrap_or(0) > 0, "{outcomes:?}");
    assert!(
        peak < before + 150.0,
        "memory grew from {before:.0} MB to {peak:.0} MB under the flood"
    );
    // And the server still answers normally afterwards.
    let after = reqwest::blocking::get(format!("{origin}/api/search?q=coding")).unwrap();
    assert_eq!(after.status(), 200);
}

/// Cache lookups answered from the response cache so far, from `/metrics`.
fn cache_hits(origin: &str) -> u64 {
    let metrics = reqwest::blocking::get(format!("{origin}/metrics"))
        .unwrap()
        .text()
        .unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("himsearch_cache_lookups_total{result=\"hit\"} "))
        .unwrap_or_else(|| panic!("no cache hit counter in {metrics}"))
        .parse()
        .unwrap()
}

#[test]
fn response_cache_keeps_to_its_byte_budget() {
    let site = Site::new();
    write_pages(&site, 300, "cacheversion");
    // Words alone: what a cached response weighs does not depend on meanings, and embedding
    // the 300 pages would be most of the test's time.
    site.index(&["--meanings", "off"]);
    // Room for 1,000 responses by count, but only 1 MB: about eight pages of 100 hits here.
    let server = Server::start(
        &site,
        &[
            "--rate-limit",
            "0",
            "--cache-entries",
            "1000",
            "--cache-mb",
            "1",
        ],
    );
    let origin = server.origin();
    let page = |query: &str| {
        let response =
            reqwest::blocking::get(format!("{origin}/api/search?q={query}&per_page=100")).unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().unwrap();
        assert_eq!(
            body["hits"].as_array().unwrap().len(),
            100,
            "{query}: {}",
            body["total"]
        );
    };
    page("health");
    page("health");
    assert_eq!(cache_hits(&origin), 1, "the repeat came from the cache");
    for n in 0..3 {
        page(&format!("health+records+zz{n}"));
    }
    page("health");
    assert_eq!(cache_hits(&origin), 2, "a few large pages fit beside it");
    for n in 0..30 {
        page(&format!("health+accurate+zz{n}"));
    }
    page("health");
    assert_eq!(
        cache_hits(&origin),
        2,
        "30 more large pages pushed it out, although 1,000 entries would fit by count"
    );
}
