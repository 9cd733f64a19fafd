//! `himsearch serve`: builds a missing index, answers over TCP, stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Server, Site};

fn http_get(addr: &str, path: &str) -> String {
    http_get_with(addr, path, "")
}

#[cfg(unix)]
#[test]
fn serve_builds_the_index_then_answers_and_stops_on_sigterm() {
    let site = Site::new();
    site.write(
        "jobs/coder.html",
        "<title>Medical Coder</title><main><p>Coders assign codes.</p></main>",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_himsearch"))
        .args(["serve", "--addr", "127.0.0.1:0", "--corpus"])
        .arg(site.corpus())
        .arg("--index")
        .arg(site.index_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut addr = None;
    let mut seen = String::new();
    let mut line = String::new();
    while addr.is_none() && stderr.read_line(&mut line).unwrap_or(0) > 0 {
        seen.push_str(&line);
        if let Some(rest) = line.split("http://").nth(1) {
            addr = rest.split('/').next().map(str::to_string);
        }
        line.clear();
    }
    let addr = addr.unwrap_or_else(|| panic!("no address announced: {seen}"));
    assert!(
        seen.contains("indexing"),
        "a missing index is built first: {seen}"
    );

    let response = http_get(&addr, "/api/search?q=coder");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"id\":\"jobs/coder.html\""),
        "{response}"
    );
    let ready = http_get(&addr, "/readyz");
    assert!(ready.contains("\"documents\":1"), "{ready}");

    // Re-index while serving: the server picks up the new commit without a restart.
    site.write(
        "jobs/registrar.html",
        "<title>Cancer Registrar</title><main><p>Registrars abstract cases.</p></main>",
    );
    site.index(&[]);
    let started = Instant::now();
    loop {
        let found = http_get(&addr, "/api/search?q=registrar");
        if found.contains("\"id\":\"jobs/registrar.html\"") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "new commit not picked up: {found}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut logged = String::new();
    stderr.read_line(&mut logged).unwrap();
    assert!(
        logged.contains("finished processing request") || logged.contains("INFO"),
        "one log line per request: {logged}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status:?}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "serve did not stop within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn http_get_with(addr: &str, path: &str, headers: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The release binary as the attacker probed it: hidden files and a symlink to /etc under
/// `--site-dir`, `explain` without the admin key, and a 15 KB URL whose log line must stay short.
#[cfg(unix)]
#[test]
fn serve_keeps_hidden_files_explain_and_long_urls_in_bounds() {
    let site = Site::new();
    site.write(
        "jobs/coder.html",
        "<title>Medical Coder</title><main><p>Coders assign codes.</p></main>",
    );
    site.index(&[]);
    let pages = tempfile::tempdir().unwrap();
    std::fs::write(pages.path().join("page.html"), "<title>Page</title>").unwrap();
    std::fs::write(pages.path().join(".env"), "DB_PASSWORD=secret").unwrap();
    std::os::unix::fs::symlink("/etc", pages.path().join("etc-dir")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_himsearch"))
        .args(["serve", "--addr", "127.0.0.1:0", "--corpus"])
        .arg(site.corpus())
        .arg("--index")
        .arg(site.index_dir())
        .arg("--site-dir")
        .arg(pages.path())
        .env("HIMSEARCH_ADMIN_KEY", "admin-key-for-tests-0123")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let (lines, logged) = std::sync::mpsc::channel::<String>();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let addr = loop {
        let line = logged
            .recv_timeout(Duration::from_secs(30))
            .expect("no address announced");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };

    let page = http_get(&addr, "/site/page.html");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    for hidden in ["/site/.env", "/site/etc-dir/passwd"] {
        let response = http_get(&addr, hidden);
        assert!(response.starts_with("HTTP/1.1 404"), "{hidden}: {response}");
    }
    let explain = "/api/search?q=coder&explain=true";
    let refused = http_get(&addr, explain);
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(
        refused
            .ends_with(r#"{"error":{"code":"forbidden","message":"explain needs the admin key"}}"#),
        "{refused}"
    );
    let explained = http_get_with(
        &addr,
        explain,
        "Authorization: Bearer admin-key-for-tests-0123\r\n",
    );
    assert!(explained.starts_with("HTTP/1.1 200"), "{explained}");
    assert!(explained.contains("\"explain\":{"), "{explained}");

    let long = format!("/api/search?q={}", "a".repeat(15_500));
    let response = http_get(&addr, &long);
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    let line = loop {
        let line = logged
            .recv_timeout(Duration::from_secs(10))
            .expect("the long request was not logged");
        if line.contains("q=aaaa") && line.contains("finished processing request") {
            break line;
        }
    };
    assert!(line.len() < 1024, "{} bytes logged: {line}", line.len());
    assert!(line.contains("…[15246 more bytes]"), "{line}");
    let _ = child.kill();
    let _ = child.wait();
}

/// What `stream` receives until the server closes it, and whether it did within `limit`.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let closed = match stream.read_to_end(&mut got) {
        Ok(_) => true,
        Err(err) => !matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    (String::from_utf8_lossy(&got).into_owned(), closed)
}

/// The connection flags reach the server (#17): both timeouts default to 10 s, so a close
/// within 3 s comes from the flags.
#[test]
fn serve_idle_and_body_timeouts_come_from_the_flags() {
    let site = Site::new();
    site.write("a.html", "<title>A</title><main><p>Coders.</p></main>");
    site.index(&[]);
    let server = Server::start(&site, &["--idle-timeout", "1", "--body-timeout", "1"]);

    let opened = Instant::now();
    let mut silent = TcpStream::connect(&server.addr).expect("connect");
    let (got, closed) = read_until_closed(&mut silent, Duration::from_secs(3));
    let waited = opened.elapsed();
    assert!(closed, "a silent connection still open after {waited:?}");
    assert_eq!(got, "", "closed unanswered");
    assert!(
        waited >= Duration::from_millis(900),
        "closed too early: {waited:?}"
    );

    let mut waiting = TcpStream::connect(&server.addr).expect("connect");
    write!(
        waiting,
        "POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"q\": "
    )
    .unwrap();
    let sent = Instant::now();
    let (got, closed) = read_until_closed(&mut waiting, Duration::from_secs(3));
    assert!(closed, "no answer after {:?}", sent.elapsed());
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
}
