//! Analytics end to end: `serve` records into SQLite on disk, `himsearch analytics` reports it
//! (text, JSON, CSV), retention, `--analytics off`, and a `kill -9` mid-flood.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::{himsearch, Server, Site};

fn site() -> Site {
    let site = Site::new();
    site.write(
        "jobs/coder.html",
        "<title>Medical Coder</title><main><p>Coders assign codes for the CCS credential.</p></main>",
    );
    site.write(
        "credentials/rhit.html",
        "<title>RHIT</title><main><p>The RHIT exam for health information technicians.</p></main>",
    );
    site
}

fn search(server: &Server, query: &str) -> Value {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/api/search", server.origin()),
        &[("q", query)],
    )
    .unwrap();
    reqwest::blocking::get(url).unwrap().json().unwrap()
}

fn click(server: &Server, query_id: &Value, id: &str, position: u32) -> u16 {
    reqwest::blocking::Client::new()
        .post(format!("{}/api/events", server.origin()))
        .body(
            json!({"type": "click", "query_id": query_id, "id": id, "position": position})
                .to_string(),
        )
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn analytics(args: &[&str]) -> std::process::Output {
    let mut all = vec!["analytics"];
    all.extend_from_slice(args);
    himsearch(&all)
}

fn rows(path: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn the_cli_reports_what_serve_recorded() {
    let site = site();
    site.index(&[]);
    let server = Server::start(&site, &[]);
    let first = search(&server, "Coder");
    search(&server, "coder");
    search(&server, "zzqxv");
    assert_eq!(
        click(&server, &first["query_id"], "jobs/coder.html", 1),
        202
    );
    // Past the recorder's batch window, everything is on disk even for a SIGKILL (the drop).
    std::thread::sleep(Duration::from_millis(600));
    drop(server);
    let database = site.dir.path().join("index.analytics.db");
    assert!(
        database.is_file(),
        "the default database sits beside the index"
    );
    let index = site.index_dir();
    let index = index.to_str().unwrap();

    let output = analytics(&["--index", index, "--json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["searches"], 3);
    assert_eq!(report["clicks"], 1);
    assert_eq!(
        report["top_queries"][0],
        json!({"query": "coder", "count": 2, "click_rate": 0.5})
    );
    assert_eq!(
        report["zero_result_queries"],
        json!([{"query": "zzqxv", "count": 1}])
    );
    assert_eq!(
        report["top_clicked"],
        json!([{"id": "jobs/coder.html", "title": "Medical Coder", "count": 1}])
    );
    assert_eq!(report["content_gaps"][0]["kind"], "uncovered");
    assert_eq!(report["per_day"].as_array().unwrap().len(), 7);

    let output = analytics(&["--index", index, "--csv", "--days", "1"]);
    assert!(output.status.success());
    let csv = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "section,item,detail,count,rate");
    assert!(lines.contains(&"totals,searches,,3,"), "{csv}");
    assert!(lines.contains(&"top_queries,coder,,2,0.5"), "{csv}");
    assert!(
        lines.contains(&"top_clicked,jobs/coder.html,Medical Coder,1,"),
        "{csv}"
    );

    let output = analytics(&["--analytics", database.to_str().unwrap(), "--index", index]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("3 searches, 1 clicks, 1 found nothing"),
        "{text}"
    );
    assert!(text.contains("zzqxv"), "{text}");

    let missing = site.dir.path().join("none.db");
    let output = analytics(&["--analytics", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no analytics database"));
    assert_eq!(
        analytics(&["--index", index, "--days", "0"]).status.code(),
        Some(2)
    );
    assert_eq!(
        analytics(&["--index", index, "--json", "--csv"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn analytics_off_records_nothing() {
    let site = site();
    site.index(&[]);
    let server = Server::start(&site, &["--analytics", "off"]);
    let body = search(&server, "coder");
    assert_eq!(body["total"], 1);
    assert!(body.get("query_id").is_none(), "{body}");
    let ready: Value = reqwest::blocking::get(format!("{}/readyz", server.origin()))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(ready["analytics"], "off");
    drop(server);
    let files: Vec<_> = std::fs::read_dir(site.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("analytics"))
        .collect();
    assert!(files.is_empty(), "{files:?}");
}

#[test]
fn rows_older_than_the_retention_period_are_deleted() {
    let site = site();
    site.index(&[]);
    let database = site.dir.path().join("a.db");
    let db = database.to_str().unwrap();
    let server = Server::start(&site, &["--analytics", db]);
    search(&server, "coder");
    std::thread::sleep(Duration::from_millis(600));
    drop(server);
    let old = him_now_ms() - 40 * 86_400_000;
    let conn = rusqlite::Connection::open(&database).unwrap();
    conn.execute(
        "INSERT INTO searches (id, at, day, query, filters, total, page, took_us)
         VALUES ('old', ?1, date(?1 / 1000, 'unixepoch'), 'old query', '{}', 1, 1, 10)",
        [old],
    )
    .unwrap();
    drop(conn);
    assert_eq!(rows(&database, "SELECT count(*) FROM searches"), 2);
    // Deleted at start, before any search.
    let server = Server::start(&site, &["--analytics", db, "--analytics-days", "30"]);
    let started = Instant::now();
    while rows(&database, "SELECT count(*) FROM searches WHERE id = 'old'") != 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not deleted at start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(rows(&database, "SELECT count(*) FROM searches"), 1);
    drop(server);
}

fn him_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The recorder commits what arrived within its batch window (250 ms): a `kill -9` loses at
/// most that, and SQLite's write-ahead log leaves the database whole.
#[cfg(unix)]
#[test]
fn kill_9_loses_at_most_the_last_second_and_never_corrupts() {
    let site = site();
    site.index(&[]);
    let database = site.dir.path().join("a.db");
    let server = Server::start(
        &site,
        &[
            "--analytics",
            database.to_str().unwrap(),
            "--rate-limit",
            "0",
        ],
    );
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/api/search?q=coder", server.origin());
    // Answers received, with when.
    let mut answered: Vec<Instant> = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2500) {
        if client
            .get(&url)
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            answered.push(Instant::now());
        }
    }
    let killed_at = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-KILL", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    drop(server);
    let conn = rusqlite::Connection::open(&database).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let recorded: i64 = conn
        .query_row("SELECT count(*) FROM searches", [], |row| row.get(0))
        .unwrap();
    let before_last_second = answered
        .iter()
        .filter(|at| killed_at.duration_since(**at) > Duration::from_secs(1))
        .count() as i64;
    assert!(
        answered.len() > 100,
        "only {} searches answered",
        answered.len()
    );
    assert!(
        recorded >= before_last_second && recorded <= answered.len() as i64,
        "{recorded} recorded of {} answered, {before_last_second} over a second before the kill",
        answered.len()
    );
}
