//! `http-load`: a bounded HTTP load generator for `himsearch serve` on loopback. N connections
//! (one keep-alive client each) cycle through a workload for a fixed time; the report gives
//! requests/s, latency percentiles, status counts, and "unexpected" answers (transport errors,
//! and 5xx other than the intended 503 shedding) that must be zero.
//!
//! Workloads: `mixed` (the query kinds of BENCHMARKS.md, twelve requests repeated),
//! `zipf` (a long tail: 50,000 distinct searches and completions of HIM words drawn with
//! Zipf's law, seeded, the shape of real site-search traffic; what a response cache can and
//! cannot absorb) and `soak` (mixed plus hostile requests: oversize queries and bodies, bad
//! parameters, unknown routes, junk JSON), `healthz` (the health check alone: what the server
//! and this client cost without a search) and `file:PATH` (a search per line of PATH, such as
//! `../shared/bench/latency_queries.txt`).
//!
//! Usage: http-load URL [--connections N] [--seconds S]
//!        [--workload mixed|zipf|soak|healthz|file:PATH] [--json]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

/// One request of a workload.
#[derive(Debug, Clone)]
struct Job {
    method: &'static str,
    path: String,
    body: Option<String>,
}

fn get(path: &str) -> Job {
    Job {
        method: "GET",
        path: path.to_string(),
        body: None,
    }
}

fn mixed() -> Vec<Job> {
    [
        "/api/search?q=rhit",
        "/api/search?q=medical+coding+certification",
        "/api/search?q=%22release+of+information%22",
        "/api/search?q=registred+helth+informaton",
        "/api/search?q=cod",
        "/api/search?q=coding&credential=CCS",
        "/api/search?per_page=10",
        "/api/search?q=qzxwv",
        "/api/suggest?q=reg",
        "/api/facets/credential?q=c",
        "/api/search?q=privacy+officer+job+outlook&page=2",
        "/api/search?q=health+information&job_title=Coder&topic=Coding",
    ]
    .iter()
    .map(|p| get(p))
    .collect()
}

/// Words of the `zipf` workload's queries, all of which occur in `gen-site` sites: taxonomy
/// terms, and pseudo-words of the generator's vocabulary from frequent to rare (a query of
/// words that match nothing would measure only the zero-result path).
const QUERY_WORDS: [&str; 60] = [
    "rhit",
    "rhia",
    "ccs",
    "cca",
    "cpc",
    "coder",
    "coding",
    "medical",
    "health",
    "information",
    "records",
    "privacy",
    "registrar",
    "cancer",
    "technician",
    "analyst",
    "data",
    "release",
    "registry",
    "audit",
    "procedure",
    "clinical",
    "documentation",
    "improvement",
    "valid",
    "cordin",
    "director",
    "education",
    "associate",
    "bachelor",
    "degree",
    "study",
    "record",
    "career",
    "cedure",
    "cdip",
    "accreditation",
    "hipaa",
    "icd",
    "chda",
    "billing",
    "chps",
    "quality",
    "informatics",
    "officer",
    "cahiim",
    "flashcards",
    "indi",
    "linime",
    "dingcocord",
    "capri",
    "progis",
    "cordlyst",
    "mela",
    "lyst",
    "terre",
    "dicling",
    "remote",
    "entry",
    "covaty",
];

/// Distinct requests of the `zipf` workload.
const ZIPF_DISTINCT: usize = 50_000;

/// Requests drawn in the `zipf` workload (connections cycle through them from spread-out
/// starting points).
const ZIPF_DRAWS: usize = 200_000;

/// The request of popularity rank `rank`: one to three words in mixed radix, every fifth a
/// completion, some filtered or on page 2.
fn zipf_request(rank: usize) -> Job {
    let n = QUERY_WORDS.len();
    let words = 1 + rank % 3;
    let mut digits = rank / 3;
    let mut picked = Vec::with_capacity(words);
    for _ in 0..words {
        picked.push(QUERY_WORDS[digits % n]);
        digits /= n;
    }
    if rank % 5 == 4 {
        let prefix: String = picked.join(" ").chars().take(2 + rank % 7).collect();
        return get(&format!("/api/suggest?q={}", prefix.replace(' ', "+")));
    }
    let mut path = format!("/api/search?q={}", picked.join("+"));
    if rank % 7 == 6 {
        path.push_str("&credential=RHIT");
    }
    if rank % 11 == 10 {
        path.push_str("&page=2");
    }
    get(&path)
}

fn zipf() -> Vec<Job> {
    // Zipf's law with exponent 1 over the ranks, sampled by inverting the cumulative weights
    // with a seeded splitmix64: the same sequence every run.
    let mut cumulative = Vec::with_capacity(ZIPF_DISTINCT);
    let mut total = 0.0f64;
    for rank in 1..=ZIPF_DISTINCT {
        total += 1.0 / rank as f64;
        cumulative.push(total);
    }
    let mut state = 0x5eed_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    };
    (0..ZIPF_DRAWS)
        .map(|_| {
            let wanted = next() * total;
            let rank = cumulative.partition_point(|c| *c < wanted);
            zipf_request(rank.min(ZIPF_DISTINCT - 1))
        })
        .collect()
}

fn soak() -> Vec<Job> {
    let mut jobs = mixed();
    let long = "a".repeat(600);
    jobs.extend([
        get(&format!("/api/search?q={long}")),
        get("/api/search?q=rhit&per_page=5000"),
        get("/api/search?q=rhit&page=-1"),
        get("/api/search?colour=blue&explain=maybe"),
        get("/api/facets/nonsense"),
        get("/api/doc/..%2f..%2fetc%2fpasswd"),
        get("/no/such/route"),
        get("/api/search?q=%22unclosed+phrase&q=-&q=OR+OR"),
        Job {
            method: "POST",
            path: "/api/search".into(),
            body: Some("{\"q\": [1, 2".into()),
        },
        Job {
            method: "POST",
            path: "/api/search".into(),
            body: Some(format!("{{\"q\": \"{}\"}}", "x".repeat(20_000))),
        },
        Job {
            method: "POST",
            path: "/api/search".into(),
            body: Some(
                "{\"q\": \"coder\", \"credential\": [\"CCS\", \"CPC\"], \"per_page\": 20}".into(),
            ),
        },
    ]);
    jobs
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    statuses: BTreeMap<u16, u64>,
    transport_errors: u64,
    first_error: Option<String>,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

/// A search per non-empty line of the file at `path`, the line form-encoded by `url` (through
/// reqwest).
fn queries_from(path: &str) -> std::io::Result<Vec<Job>> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut url = reqwest::Url::parse("http://localhost/api/search").expect("a valid URL");
            url.query_pairs_mut().append_pair("q", line);
            get(&format!(
                "{}?{}",
                url.path(),
                url.query().unwrap_or_default()
            ))
        })
        .collect())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut base = None;
    let mut connections = 32usize;
    let mut seconds = 30u64;
    let mut workload = "mixed".to_string();
    let mut as_json = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--connections" => connections = args.next().and_then(|v| v.parse().ok()).unwrap_or(32),
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).unwrap_or(30),
            "--workload" => workload = args.next().unwrap_or_default(),
            "--json" => as_json = true,
            other if base.is_none() => base = Some(other.trim_end_matches('/').to_string()),
            other => {
                eprintln!("http-load: unexpected argument {other:?}");
                std::process::exit(2);
            }
        }
    }
    let Some(base) = base else {
        eprintln!(
            "usage: http-load URL [--connections N] [--seconds S] [--workload mixed|zipf|soak|healthz|file:PATH] [--json]"
        );
        std::process::exit(2);
    };
    let jobs = Arc::new(match workload.as_str() {
        "mixed" => mixed(),
        "zipf" => zipf(),
        "soak" => soak(),
        "healthz" => vec![get("/healthz")],
        other if other.starts_with("file:") => match queries_from(&other["file:".len()..]) {
            Ok(jobs) if !jobs.is_empty() => jobs,
            Ok(_) => {
                eprintln!("http-load: no queries in {other:?}");
                std::process::exit(2);
            }
            Err(err) => {
                eprintln!("http-load: {other:?}: {err}");
                std::process::exit(2);
            }
        },
        other => {
            eprintln!("http-load: unknown workload {other:?}");
            std::process::exit(2);
        }
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..connections {
            let (jobs, tally, base) = (Arc::clone(&jobs), Arc::clone(&tally), base.clone());
            tasks.spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("client");
                let mut local = Tally::default();
                // Spread-out starting points, so connections do not replay each other.
                let mut i = n * 7_919;
                while Instant::now() < deadline {
                    let job = &jobs[i % jobs.len()];
                    i += 1;
                    let url = format!("{base}{}", job.path);
                    let request = match job.method {
                        "POST" => client
                            .post(url)
                            .header("content-type", "application/json")
                            .body(job.body.clone().unwrap_or_default()),
                        _ => client.get(url),
                    };
                    let sent = Instant::now();
                    match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let body = response.bytes().await;
                            let micros =
                                sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                            match body {
                                Ok(_) => {
                                    local.latencies_us.push(micros);
                                    *local.statuses.entry(status).or_default() += 1;
                                }
                                Err(err) => {
                                    local.transport_errors += 1;
                                    local.first_error.get_or_insert_with(|| err.to_string());
                                }
                            }
                        }
                        Err(err) => {
                            local.transport_errors += 1;
                            local
                                .first_error
                                .get_or_insert_with(|| format!("{}: {err}", job.path));
                        }
                    }
                }
                let mut total = tally.lock().expect("tally");
                total.latencies_us.extend(local.latencies_us);
                for (status, count) in local.statuses {
                    *total.statuses.entry(status).or_default() += count;
                }
                total.transport_errors += local.transport_errors;
                if total.first_error.is_none() {
                    total.first_error = local.first_error;
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut tally = Arc::try_unwrap(tally)
        .ok()
        .expect("all tasks done")
        .into_inner()
        .expect("tally");
    tally.latencies_us.sort_unstable();
    let requests: u64 = tally.statuses.values().sum();
    let server_errors: u64 = tally
        .statuses
        .iter()
        .filter(|(s, _)| **s >= 500 && **s != 503)
        .map(|(_, c)| c)
        .sum();
    let unexpected = server_errors + tally.transport_errors;
    let report = json!({
        "workload": workload,
        "connections": connections,
        "seconds": elapsed,
        "requests": requests,
        "requests_per_sec": requests as f64 / elapsed,
        "p50_ms": percentile(&tally.latencies_us, 50.0),
        "p99_ms": percentile(&tally.latencies_us, 99.0),
        "max_ms": percentile(&tally.latencies_us, 100.0),
        "statuses": tally.statuses.iter().map(|(s, c)| (s.to_string(), json!(c))).collect::<serde_json::Map<_, _>>(),
        "transport_errors": tally.transport_errors,
        "unexpected": unexpected,
        "first_error": tally.first_error,
    });
    if as_json {
        println!("{report}");
    } else {
        println!(
            "{workload}: {requests} requests in {elapsed:.1}s = {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, statuses {:?}, unexpected {unexpected}",
            requests as f64 / elapsed,
            percentile(&tally.latencies_us, 50.0),
            percentile(&tally.latencies_us, 99.0),
            tally.statuses
        );
    }
    if unexpected > 0 {
        std::process::exit(1);
    }
}
