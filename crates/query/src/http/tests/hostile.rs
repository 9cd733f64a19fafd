//! The server against the inputs an attacker probed it with, each over real TCP on loopback
//! (`serve` on 127.0.0.1 port 0): the site directory's escapes, redirects off the prefix,
//! `explain` without the admin key, one address starving the others of search slots or
//! connections, silent sockets and slow bodies. Clients that must count as different addresses
//! bind to 127.0.0.2 and 127.0.0.3 (all of 127.0.0.0/8 is loopback on Linux).

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::*;

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl Answer {
    fn parse(raw: &str) -> Answer {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {raw:?}"));
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_string()))
            .collect();
        Answer {
            status,
            headers,
            body: body.to_string(),
        }
    }

    fn error_code(&self) -> String {
        let body: Value =
            serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body));
        body["error"]["code"].as_str().unwrap_or("").to_string()
    }
}

/// A connection to `addr` from `from` (a loopback address).
async fn connect_from(addr: SocketAddr, from: Ipv4Addr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Sends `request` (a whole HTTP/1.1 request) on a new connection from `from` and reads the
/// answer until the server closes, within 5 s.
async fn exchange_from(addr: SocketAddr, from: Ipv4Addr, request: &str) -> Answer {
    let mut stream = connect_from(addr, from).await;
    stream.write_all(request.as_bytes()).await.unwrap();
    let (raw, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(
        closed,
        "no complete answer within 5 s to {request:?}: {raw:?}"
    );
    Answer::parse(&raw)
}

async fn get_from(addr: SocketAddr, from: Ipv4Addr, target: &str, headers: &str) -> Answer {
    let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n");
    exchange_from(addr, from, &request).await
}

async fn get_tcp(addr: SocketAddr, target: &str, headers: &str) -> Answer {
    get_from(addr, Ipv4Addr::LOCALHOST, target, headers).await
}

/// A site directory holding a public page and every kind of file the server must not show.
#[cfg(unix)]
struct HostileSite {
    /// Holds `site/` and, beside it, `secret/` that symlinks point to.
    outer: tempfile::TempDir,
}

#[cfg(unix)]
impl HostileSite {
    fn new() -> HostileSite {
        use std::os::unix::fs::symlink;
        let outer = tempfile::tempdir().unwrap();
        let site = outer.path().join("site");
        let secret = outer.path().join("secret");
        for dir in [
            site.join("jobs"),
            site.join("docs"),
            site.join(".git"),
            site.join("127.0.0.1:18081"),
            secret.clone(),
        ] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(site.join("index.html"), "<title>Home</title>").unwrap();
        std::fs::write(site.join("jobs/coder.html"), "<title>Coder</title>").unwrap();
        std::fs::write(site.join("jobs/index.html"), "<title>Jobs</title>").unwrap();
        std::fs::write(site.join(".git/config"), "[remote] url=secret").unwrap();
        std::fs::write(site.join(".env"), "DB_PASSWORD=secret").unwrap();
        std::fs::write(site.join(".himignore"), "drafts/").unwrap();
        std::fs::write(site.join("docs/.draft.html"), "draft").unwrap();
        std::fs::write(secret.join("secret.txt"), "top secret").unwrap();
        symlink(&secret, site.join("escape")).unwrap();
        symlink(secret.join("secret.txt"), site.join("leak.txt")).unwrap();
        symlink("/etc", site.join("etc-dir")).unwrap();
        symlink(site.join(".git"), site.join("git-alias")).unwrap();
        symlink(site.join("jobs/coder.html"), site.join("coder-alias.html")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(site.join("pipe.html"))
            .status()
            .unwrap();
        assert!(made.success(), "mkfifo failed");
        HostileSite { outer }
    }

    fn dir(&self) -> std::path::PathBuf {
        self.outer.path().join("site")
    }
}

#[cfg(unix)]
#[tokio::test]
async fn site_serves_only_regular_visible_files_inside_its_directory() {
    let f = fixture();
    let site = HostileSite::new();
    let config = ServerConfig {
        site_dir: Some(site.dir()),
        ..ServerConfig::default()
    };
    let (addr, _stop) = start_tcp(&f, config).await;
    let origin = "Origin: https://evil.example\r\n";

    for (target, body) in [
        ("/site/jobs/coder.html", "<title>Coder</title>"),
        ("/site/", "<title>Home</title>"),
        ("/site/jobs/", "<title>Jobs</title>"),
        ("/site//jobs//coder.html", "<title>Coder</title>"),
        // A symlink that stays inside the directory is followed.
        ("/site/coder-alias.html", "<title>Coder</title>"),
    ] {
        let answer = get_tcp(addr, target, origin).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, body),
            "{target}"
        );
        assert_eq!(
            answer.headers.get("content-security-policy").map(String::as_str),
            Some("sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"),
            "{target}"
        );
        let cors: Vec<_> = answer
            .headers
            .keys()
            .filter(|name| name.starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{target}: {cors:?}");
    }

    let started = Instant::now();
    for target in [
        "/site/escape/secret.txt",
        "/site/leak.txt",
        "/site/etc-dir/passwd",
        "/site/etc-dir/shadow",
        "/site/etc-dir/hostname",
        "/site/.git/config",
        "/site/.env",
        "/site/.himignore",
        "/site/docs/.draft.html",
        "/site/%2egit/config",
        "/site/git-alias/config",
        "/site/%2e%2e/secret/secret.txt",
        "/site/..%2fsecret/secret.txt",
        "/site/pipe.html",
        "/site/jobs/coder.html/",
        "/site/missing.html",
    ] {
        let answer = get_tcp(addr, target, origin).await;
        assert_eq!(answer.status, 404, "{target}: {answer:?}");
        assert_eq!(
            answer.body, r#"{"error":{"code":"not_found","message":"no such file"}}"#,
            "{target}"
        );
        assert!(
            !answer.headers.contains_key("access-control-allow-origin"),
            "{target}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the FIFO was opened: {:?}",
        started.elapsed()
    );
    // The API keeps its CORS headers.
    let api = get_tcp(addr, "/api/search?q=coder", origin).await;
    assert_eq!(api.status, 200);
    assert_eq!(api.headers["access-control-allow-origin"], "*");
}

#[cfg(unix)]
#[tokio::test]
async fn site_directory_redirects_keep_the_prefix_and_the_host() {
    let f = fixture();
    let site = HostileSite::new();
    let config = ServerConfig {
        site_dir: Some(site.dir()),
        ..ServerConfig::default()
    };
    let (addr, _stop) = start_tcp(&f, config).await;
    for (target, location) in [
        ("/site/jobs", "/site/jobs/"),
        ("/site", "/site/"),
        ("/site///127.0.0.1:18081", "/site/127.0.0.1:18081/"),
        ("/site//jobs", "/site/jobs/"),
    ] {
        let answer = get_tcp(addr, target, "").await;
        assert_eq!(answer.status, 307, "{target}: {answer:?}");
        assert_eq!(answer.headers["location"], location, "{target}");
    }
    // An encoded slash is part of a name, not a separator: no such name.
    let answer = get_tcp(addr, "/site/%2F%2F127.0.0.1:18081", "").await;
    assert_eq!(answer.status, 404, "{answer:?}");
}

#[tokio::test]
async fn explain_needs_the_admin_key() {
    let f = fixture();
    let forbidden = r#"{"error":{"code":"forbidden","message":"explain needs the admin key"}}"#;
    // No admin key configured: explain is never served over HTTP.
    let (open, _stop_open) = start_tcp(&f, ServerConfig::default()).await;
    let answer = get_tcp(open, "/api/search?q=coder&explain=true", "").await;
    assert_eq!((answer.status, answer.body.as_str()), (403, forbidden));
    let answer = get_tcp(
        open,
        "/api/search?q=coder&explain=true",
        "Authorization: Bearer anything-at-all\r\n",
    )
    .await;
    assert_eq!((answer.status, answer.body.as_str()), (403, forbidden));

    let config = ServerConfig {
        api_key: Some("api-key-0123456789".into()),
        admin_key: Some("admin-key-0123456789".into()),
        ..ServerConfig::default()
    };
    let (addr, _stop) = start_tcp(&f, config).await;
    let target = "/api/search?q=coder&per_page=100&explain=true";
    for (headers, status) in [
        ("X-Api-Key: api-key-0123456789\r\n", 403),
        ("Authorization: Bearer api-key-0123456789\r\n", 403),
        ("X-Api-Key: admin-key-012345678\r\n", 401),
        ("Authorization: Bearer admin-key-0123456789\r\n", 200),
        ("X-Api-Key: admin-key-0123456789\r\n", 200),
    ] {
        let answer = get_tcp(addr, target, headers).await;
        assert_eq!(answer.status, status, "{headers}: {answer:?}");
        if status == 403 {
            assert_eq!(answer.body, forbidden);
        }
        if status == 200 {
            let body: Value = serde_json::from_str(&answer.body).unwrap();
            assert!(body["hits"][0]["explain"].is_object(), "{body}");
        }
    }
    // Without explain the API key is enough, and no breakdown comes back.
    let answer = get_tcp(
        addr,
        "/api/search?q=coder&explain=false",
        "X-Api-Key: api-key-0123456789\r\n",
    )
    .await;
    assert_eq!(answer.status, 200);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert!(body["hits"][0].get("explain").is_none(), "{body}");

    // The JSON body's field is held to the same rule.
    let post = |key: &str| {
        let body = r#"{"q": "coder", "explain": true}"#;
        format!(
            "POST /api/search HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nX-Api-Key: {key}\r\n\r\n{body}",
            body.len()
        )
    };
    let answer = exchange_from(addr, Ipv4Addr::LOCALHOST, &post("api-key-0123456789")).await;
    assert_eq!((answer.status, answer.body.as_str()), (403, forbidden));
    let answer = exchange_from(addr, Ipv4Addr::LOCALHOST, &post("admin-key-0123456789")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

/// Sends `target` again and again from `from` until `until`; returns the statuses seen.
async fn hammer(
    addr: SocketAddr,
    from: Ipv4Addr,
    target: String,
    headers: &'static str,
    until: Instant,
) -> Vec<u16> {
    let mut statuses = Vec::new();
    while Instant::now() < until {
        statuses.push(get_from(addr, from, &target, headers).await.status);
    }
    statuses
}

// Binding 127.0.0.2 and 127.0.0.3 needs Linux's whole-/8 loopback.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_address_with_expensive_queries_does_not_starve_another() {
    let f = fixture();
    // Two shared slots, one per client, and no queue: whenever every slot is held, a search
    // is refused at once, so a client that held them all would show up as 503s for others.
    let config = ServerConfig {
        max_concurrent_searches: 2,
        max_searches_per_client: 1,
        queue_wait: Duration::ZERO,
        rate_limit_per_sec: 0,
        admin_key: Some("admin-key-0123456789".into()),
        ..ServerConfig::default()
    };
    let (addr, _stop) = start_tcp(&f, config).await;
    let heavy_from = Ipv4Addr::new(127, 0, 0, 2);
    let light_from = Ipv4Addr::new(127, 0, 0, 3);
    let words =
        "registered health information technician release of information roi rhit rhia coder ";
    let mut heavy_query = String::new();
    while heavy_query.len() + words.len() <= 500 {
        heavy_query.push_str(words);
    }
    let heavy = format!(
        "/api/search?per_page=100&explain=true&q={}",
        url::form_urlencoded::byte_serialize(heavy_query.as_bytes()).collect::<String>()
    );
    let until = Instant::now() + Duration::from_millis(1500);
    let heavy_clients: Vec<_> = (0..6)
        .map(|_| {
            tokio::spawn(hammer(
                addr,
                heavy_from,
                heavy.clone(),
                "Authorization: Bearer admin-key-0123456789\r\n",
                until,
            ))
        })
        .collect();
    let light = hammer(addr, light_from, "/api/search?q=coder".into(), "", until).await;
    let mut heavy_statuses = Vec::new();
    for client in heavy_clients {
        heavy_statuses.extend(client.await.unwrap());
    }
    let count = |statuses: &[u16], status: u16| statuses.iter().filter(|s| **s == status).count();
    assert!(light.len() >= 10, "only {} light searches ran", light.len());
    assert_eq!(
        count(&light, 200),
        light.len(),
        "the light client was refused: {} of {} answered 503 while the heavy one got {} 200s and {} 503s",
        count(&light, 503),
        light.len(),
        count(&heavy_statuses, 200),
        count(&heavy_statuses, 503),
    );
    assert!(count(&heavy_statuses, 200) > 0, "{heavy_statuses:?}");
    assert!(
        count(&heavy_statuses, 503) > 0,
        "the heavy client was never held to its share: {heavy_statuses:?}"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let f = fixture();
    let config = ServerConfig {
        max_connections_per_client: 3,
        ..ServerConfig::default()
    };
    let (addr, _stop) = start_tcp(&f, config).await;
    let greedy = Ipv4Addr::new(127, 0, 0, 2);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from(addr, greedy).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = connect_from(addr, greedy).await;
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (response, closed) = read_until_closed(&mut extra, Duration::from_secs(2)).await;
    assert!(closed && response.is_empty(), "{response:?}");
    let other = get_from(addr, Ipv4Addr::new(127, 0, 0, 3), "/healthz", "").await;
    assert_eq!(other.status, 200, "another address still gets in");
    drop(held);
}

#[tokio::test]
async fn silent_and_idle_connections_are_closed() {
    let f = fixture();
    // Headers get longer than the test waits, so what closes the sockets is the idle timeout.
    let config = ServerConfig {
        idle_timeout: Duration::from_secs(1),
        header_read_timeout: Duration::from_secs(30),
        ..ServerConfig::default()
    };
    let (addr, _stop) = start_tcp(&f, config).await;
    let opened = Instant::now();
    let mut silent = Vec::new();
    for _ in 0..50 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    // A keep-alive connection after one answered request.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    let n = tokio::io::AsyncReadExt::read(&mut kept, &mut answer)
        .await
        .unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));
    let answered = Instant::now();
    for (i, stream) in silent.iter_mut().enumerate() {
        let (got, closed) = read_until_closed(stream, Duration::from_secs(4)).await;
        assert!(
            closed,
            "silent socket {i} still open after {:?}",
            opened.elapsed()
        );
        assert_eq!(got, "", "silent socket {i}");
    }
    let (got, closed) = read_until_closed(&mut kept, Duration::from_secs(4)).await;
    assert!(
        closed && got.is_empty(),
        "idle keep-alive connection: {got:?}"
    );
    let idle_for = answered.elapsed();
    assert!(
        idle_for >= Duration::from_millis(900) && idle_for < Duration::from_secs(4),
        "{idle_for:?}"
    );
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_cut_off() {
    let f = fixture();
    let config = ServerConfig {
        body_read_timeout: Duration::from_secs(1),
        ..ServerConfig::default()
    };
    let (addr, _stop) = start_tcp(&f, config).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let body = format!(r#"{{"q": "coder{}"}}"#, " ".repeat(40));
    stream
        .write_all(
            format!(
                "POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let started = Instant::now();
    // One byte every 200 ms: never 1 s between two bytes, so only a deadline on the whole
    // body (not one per chunk) stops it.
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for byte in body.bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut raw = Vec::new();
    let read = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut raw),
    )
    .await;
    let elapsed = started.elapsed();
    trickle.abort();
    assert!(read.is_ok(), "the connection stayed open past 5 s");
    let answer = Answer::parse(&String::from_utf8_lossy(&raw));
    assert_eq!(answer.status, 408, "{answer:?}");
    assert_eq!(
        answer.body,
        r#"{"error":{"code":"request_timeout","message":"the request body took too long to arrive"}}"#
    );
    assert_eq!(answer.error_code(), "request_timeout");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}
