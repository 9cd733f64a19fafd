//! Hostile files (issue #23): a PDF decompression bomb, a page nested 100k elements deep, a
//! page that leaves 400 formatting elements open before a million paragraphs, a FIFO, symbolic links out of the corpus, unsafe JSONL URLs. `index` and `serve`'s admin
//! re-index run under a 2 GiB address-space cap, so a regression fails instead of swapping;
//! each must go on, keep the previous index, and leave the good pages searchable.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{himsearch_capped, ids, problems, Server, Site};

/// The address-space cap of every run here, in KiB (`ulimit -v`).
const CAP_KIB: u64 = 2 * 1024 * 1024;

/// A valid one-page PDF whose content stream inflates to `inflated` zero bytes.
fn pdf_bomb(inflated: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    let mut left = inflated;
    while left > 0 {
        let n = left.min(chunk.len());
        encoder.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    let stream = encoder.finish().unwrap();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
    ];
    let mut content = format!(
        "<< /Length {} /Filter /FlateDecode >>\nstream\n",
        stream.len()
    )
    .into_bytes();
    content.extend_from_slice(&stream);
    content.extend_from_slice(b"\nendstream");
    objects.push(content);
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec());
    him_corpus_tools::assemble_pdf(&objects)
}

/// `himsearch ARGS` under the address-space cap, killed if it runs past `limit`.
fn capped(args: &[&str], limit: Duration) -> Output {
    let mut child = himsearch_capped(CAP_KIB)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run himsearch");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("himsearch {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

fn capped_index(site: &Site) -> Value {
    let corpus = site.corpus();
    let index = site.index_dir();
    let output = capped(
        &[
            "index",
            "--json",
            "--corpus",
            corpus.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ],
        Duration::from_secs(120),
    );
    assert!(
        output.status.success(),
        "index failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("summary JSON")
}

fn good_pages(site: &Site) {
    site.write(
        "rhit.html",
        "<title>RHIT exam</title><main><p>The quokkaword RHIT exam guide.</p></main>",
    );
    site.write(
        "coder.html",
        "<title>Medical coder</title><main><p>Coders assign codes; wombatword.</p></main>",
    );
}

/// A site whose good pages are indexed, then every hostile file of the issue and a new good
/// page written into its corpus; the directory outside the corpus holds a secret file.
fn indexed_then_attacked() -> (Site, tempfile::TempDir) {
    let site = Site::new();
    let outside = tempfile::tempdir().unwrap();
    good_pages(&site);
    assert_eq!(capped_index(&site)["indexed"], 2);
    hostile_files(&site, outside.path());
    site.write(
        "new.html",
        "<title>New page</title><main><p>A new echidnaword page.</p></main>",
    );
    (site, outside)
}

/// Writes every hostile file of the issue into the site's corpus.
fn hostile_files(site: &Site, outside: &std::path::Path) {
    site.write("bomb.pdf", pdf_bomb(1 << 30));
    let deep = format!("<title>Deep</title>{}x", "<div>".repeat(100_000));
    site.write("deep.html", deep);
    // Formatting left open is re-opened in every later paragraph: 400 of them and a million
    // paragraphs would build 400 million elements from 8 MB.
    let bleeding: String = (0..400).map(|i| format!("<p><b id={i}>x</p>")).collect();
    site.write("bleed.html", bleeding + &"<p>y</p>".repeat(1_000_000));
    let corpus = site.corpus();
    let fifo = corpus.join("stuck.html");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    std::fs::write(
        outside.join("secret.txt"),
        "platypussecret outside the corpus",
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), corpus.join("secret-link.txt")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", corpus.join("passwd-link.txt")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", corpus.join("zero.txt")).unwrap();
    std::os::unix::fs::symlink("/etc", corpus.join("etc-dir")).unwrap();
    // A link inside the corpus is followed (its target is a corpus file).
    std::os::unix::fs::symlink(corpus.join("coder.html"), corpus.join("coder-alias.html")).unwrap();
}

fn kind_of(summary: &Value, path: &str) -> Option<String> {
    problems(summary)
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, kind)| kind)
}

#[test]
fn index_survives_the_hostile_corpus_under_a_memory_cap_and_keeps_the_good_pages() {
    let (site, _outside) = indexed_then_attacked();

    let summary = capped_index(&site);
    assert_eq!(
        kind_of(&summary, "bomb.pdf").as_deref(),
        Some("over_budget")
    );
    assert_eq!(
        kind_of(&summary, "deep.html").as_deref(),
        Some("over_budget")
    );
    assert_eq!(
        kind_of(&summary, "bleed.html").as_deref(),
        Some("over_budget")
    );
    assert_eq!(
        kind_of(&summary, "stuck.html").as_deref(),
        Some("special_file")
    );
    for link in ["secret-link.txt", "passwd-link.txt", "zero.txt"] {
        assert_eq!(
            kind_of(&summary, link).as_deref(),
            Some("outside_corpus"),
            "{link}"
        );
    }
    // The good pages, old and new, are searchable; nothing outside the corpus is.
    assert_eq!(ids(&site.search("quokkaword", &[])), ["rhit.html"]);
    assert_eq!(ids(&site.search("echidnaword", &[])), ["new.html"]);
    assert_eq!(ids(&site.search("wombatword", &[])).len(), 1);
    assert!(ids(&site.search("platypussecret", &[])).is_empty());
    assert!(ids(&site.search("root", &[])).is_empty());
}

#[test]
fn serve_survives_an_admin_reindex_of_the_hostile_corpus() {
    let (site, _outside) = indexed_then_attacked();
    let key = "admin-key-0123456789";
    let server = Server::start_capped(&site, &[], &[("HIMSEARCH_ADMIN_KEY", key)], CAP_KIB);
    let client = reqwest::blocking::Client::new();
    let started = client
        .post(format!("{}/admin/reindex", server.origin()))
        .bearer_auth(key)
        .send()
        .unwrap();
    assert_eq!(started.status(), 202);
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        let status: Value = client
            .get(format!("{}/admin/status", server.origin()))
            .bearer_auth(key)
            .send()
            .expect("the server is still up")
            .json()
            .unwrap();
        if status["runs"] == 1 {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "re-index still running: {status}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status["last"]["ok"], true, "{status}");
    let summary = &status["last"]["summary"];
    assert_eq!(kind_of(summary, "bomb.pdf").as_deref(), Some("over_budget"));
    assert_eq!(
        kind_of(summary, "deep.html").as_deref(),
        Some("over_budget")
    );
    let search = |q: &str| -> Value {
        client
            .get(format!("{}/api/search?q={q}", server.origin()))
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let wait_for_commit = Instant::now() + Duration::from_secs(10);
    while ids(&search("echidnaword")).is_empty() && Instant::now() < wait_for_commit {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(ids(&search("echidnaword")), ["new.html"]);
    assert_eq!(ids(&search("quokkaword")), ["rhit.html"]);
    assert!(ids(&search("platypussecret")).is_empty());
}

#[test]
fn unsafe_jsonl_urls_are_dropped_with_a_warning() {
    let site = Site::new();
    let file = site.dir.path().join("docs.jsonl");
    let lines = [
        r#"{"id": "a", "title": "Safe", "text": "kiwiword", "url": "https://example.org/a"}"#,
        r#"{"id": "b", "title": "Script", "text": "kiwiword", "url": " JavaScript:alert(1)"}"#,
        r#"{"id": "c", "title": "Tab", "text": "kiwiword", "url": "java\tscript:alert(1)"}"#,
        r#"{"id": "data:text/html,<script>alert(1)</script>", "title": "Data id", "text": "kiwiword"}"#,
        r#"{"id": "e", "title": "Relative", "text": "kiwiword", "url": "/jobs/e.html"}"#,
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let summary = site.index_jsonl(&file);
    let unsafe_lines: Vec<String> = problems(&summary)
        .into_iter()
        .filter(|(_, kind)| kind == "unsafe_url")
        .map(|(path, _)| path.rsplit(':').next().unwrap().to_string())
        .collect();
    assert_eq!(unsafe_lines, ["2", "3", "4"]);
    let response = site.search("kiwiword", &["--limit", "10"]);
    let mut urls: Vec<(String, String)> = response["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["id"].as_str().unwrap().to_string(),
                h["url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    urls.sort();
    assert_eq!(
        urls,
        [
            ("a".to_string(), "https://example.org/a".to_string()),
            ("b".to_string(), String::new()),
            ("c".to_string(), String::new()),
            (
                "data:text/html,<script>alert(1)</script>".to_string(),
                String::new()
            ),
            ("e".to_string(), "/jobs/e.html".to_string()),
        ]
    );
}

#[test]
fn extract_pdf_reports_a_bomb_as_over_budget_in_a_child_process() {
    // The child limits itself: even run directly, the bomb kills only that process.
    let mut child = Command::new(env!("CARGO_BIN_EXE_himsearch"))
        .arg("extract-pdf")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bomb = pdf_bomb(1 << 30);
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&bomb);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(!output.status.success());
    assert_eq!(output.status.code(), None, "killed by a signal, not exited");
}

/// Serves `pages` (path, content type, body) on 127.0.0.1 port 0; returns the origin.
fn serve_site(pages: Vec<(&'static str, &'static str, Vec<u8>)>) -> String {
    use axum::http::header;
    use axum::response::IntoResponse;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let pages = std::sync::Arc::new(pages);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new().fallback(move |uri: axum::http::Uri| async move {
                match pages.iter().find(|(path, _, _)| *path == uri.path()) {
                    Some((_, kind, body)) => {
                        ([(header::CONTENT_TYPE, *kind)], body.clone()).into_response()
                    }
                    None => axum::http::StatusCode::NOT_FOUND.into_response(),
                }
            });
            axum::serve(listener, app).await.unwrap();
        });
    });
    origin
}

#[test]
fn crawl_survives_a_site_serving_a_pdf_bomb_under_a_memory_cap() {
    let home = "<title>Home</title><main><p>Start here: <a href='/bomb.pdf'>guide</a>, \
        <a href='/good.html'>good</a>.</p></main>";
    let good = "<title>Good</title><main><p>The numbatword page.</p></main>";
    let origin = serve_site(vec![
        ("/", "text/html", home.as_bytes().to_vec()),
        ("/good.html", "text/html", good.as_bytes().to_vec()),
        ("/bomb.pdf", "application/pdf", pdf_bomb(1 << 30)),
    ]);
    let site = Site::new();
    let index = site.index_dir();
    let start = format!("{origin}/");
    let output = capped(
        &[
            "crawl",
            &start,
            "--index",
            index.to_str().unwrap(),
            "--json",
            "--delay-ms",
            "0",
        ],
        Duration::from_secs(120),
    );
    assert!(
        output.status.success(),
        "crawl failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let bomb = format!("{origin}/bomb.pdf");
    assert_eq!(
        kind_of(&report["index"], &bomb).as_deref(),
        Some("over_budget")
    );
    assert_eq!(
        ids(&site.search("numbatword", &[])),
        [format!("{origin}/good.html")]
    );
}

#[test]
fn facet_values_with_a_slash_round_trip_whole() {
    let site = Site::new();
    let taxonomy = site.dir.path().join("taxonomy.toml");
    std::fs::write(
        &taxonomy,
        "[kinds.topic]\n[[kinds.topic.values]]\nname = \"Health/Wellness\"\n",
    )
    .unwrap();
    let docs = site.dir.path().join("docs.jsonl");
    std::fs::write(
        &docs,
        r#"{"id": "a", "title": "Wellness", "text": "lyrebirdword", "facets": {"topic": "Health/Wellness"}}"#,
    )
    .unwrap();
    let index = site.index_dir();
    let (taxonomy, index) = (taxonomy.to_str().unwrap(), index.to_str().unwrap());
    let indexed = crate::util::himsearch(&[
        "index",
        "--jsonl",
        docs.to_str().unwrap(),
        "--index",
        index,
        "--taxonomy",
        taxonomy,
    ]);
    assert!(
        indexed.status.success(),
        "{}",
        String::from_utf8_lossy(&indexed.stderr)
    );
    let output = crate::util::himsearch(&[
        "search",
        "--json",
        "--index",
        index,
        "--taxonomy",
        taxonomy,
        "lyrebirdword",
    ]);
    let response: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(response["hits"][0]["facets"]["topic"][0], "Health/Wellness");
    assert_eq!(response["facets"]["topic"][0]["value"], "Health/Wellness");
}
