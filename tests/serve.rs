//! `himsearch serve`: builds a missing index, answers over TCP, stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Site;

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
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
