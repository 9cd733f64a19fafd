//! Router tests: every route and every error code, through `tower::ServiceExt::oneshot` on a
//! real index built from a small fixture corpus; one test over real TCP on 127.0.0.1:0.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::*;
use crate::test_support::IndexedCorpus;

mod analytics;
mod hostile;
mod meili;

struct Fixture {
    site: IndexedCorpus,
    engine: Arc<SearchEngine>,
}

fn fixture() -> Fixture {
    let site = IndexedCorpus::new(&[
        ("credentials/rhit.html", "<title>RHIT credential</title><main><p>The Registered Health Information Technician exam and RHIT eligibility.</p></main>"),
        ("credentials/rhia.html", "<title>RHIA credential</title><main><p>The RHIA exam for administrators. RHIA holders lead departments.</p></main>"),
        ("jobs/coder.html", "<title>Medical Coder</title><main><p>Coders assign codes; coders need accreditation knowledge.</p></main>"),
        ("topics/roi.html", "<title>Release of information</title><main><p>How release of information requests are handled.</p></main>"),
        ("evil.html", "<title>&lt;img src=x onerror=alert(1)&gt; registrar</title><main><p>registrar &lt;script&gt;alert(2)&lt;/script&gt;</p></main>"),
    ]);
    let engine = Arc::new(site.engine());
    Fixture { site, engine }
}

fn app(fixture: &Fixture, config: ServerConfig) -> Router {
    router(AppState::new(Arc::clone(&fixture.engine), config))
}

async fn call(app: &Router, request: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body, headers)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    let (status, body, _) = call(app, Request::get(uri).body(Body::empty()).unwrap()).await;
    (status, body)
}

fn ids(body: &Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

fn assert_error(status: StatusCode, body: &Value, expected_status: StatusCode, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn search_get_and_post_agree() {
    let f = fixture();
    let app = app(&f, ServerConfig::default());
    let (status, body) = get(&app, "/api/search?q=rhit&credential=RHIT&per_page=5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), ["credentials/rhit.html"]);
    assert_eq!(body["per_page"], 5);
    let post = Request::post("/api/search")
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"q": "rhit", "credential": "RHIT", "per_page": 5}"#,
        ))
        .unwrap();
    let (status, posted, _) = call(&app, post).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&posted), ids(&body));
    assert_eq!(posted["facets"], body["facets"]);
}

#[tokio::test]
async fn typo_prefix_synonym_and_did_you_mean() {
    let f = fixture();
    let app = app(&f, ServerConfig::default());
    let typo = ids(&get(&app, "/api/search?q=registrer").await.1);
    assert_eq!(
        typo,
        ["evil.html", "credentials/rhit.html"],
        "registrar (1 edit) before registered (2 edits)"
    );
    assert!(
        ids(&get(&app, "/api/search?q=codr").await.1).is_empty(),
        "no typo tolerance under 5 letters"
    );
    assert_eq!(
        ids(&get(&app, "/api/search?q=accredit").await.1),
        ["jobs/coder.html"],
        "prefix"
    );
    assert_eq!(
        ids(&get(&app, "/api/search?q=roi").await.1),
        ["topics/roi.html"],
        "acronym to phrase"
    );
    let rhia = ids(&get(&app, "/api/search?q=rhib").await.1);
    assert!(rhia.is_empty(), "codes are never fuzzed: {rhia:?}");
    let (_, partial) = get(&app, "/api/search?q=codres%20zzqx").await;
    assert_eq!(
        partial["total"], 1,
        "codres is a typo of coders; zzqx matches nothing"
    );
    assert_eq!(partial["suggestion"], "coders zzqx");
    let (_, none) = get(&app, "/api/search?q=exm").await;
    assert_eq!(none["total"], 0, "no typo tolerance under 5 letters");
    assert_eq!(none["suggestion"], "exam");
    let (_, found) = get(&app, "/api/search?q=exam").await;
    assert!(found.get("suggestion").is_none(), "{found}");
    // A plural folded to an indexed singular is the same stem, not a misspelling (issue #16).
    let (_, plural) = get(&app, "/api/search?q=credentials%20zzqx").await;
    assert!(plural.get("suggestion").is_none(), "{plural}");
}

#[tokio::test]
async fn a_word_nothing_has_finds_nothing_whatever_its_length() {
    // The analyzers drop tokens of 40+ letters; such a word used to vanish from the query,
    // which then listed every document (issue #16).
    let f = fixture();
    let app = app(&f, ServerConfig::default());
    for len in [39, 40, 76] {
        let word = "x".repeat(len);
        let (status, body) = get(&app, &format!("/api/search?q={word}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total"], 0, "{len} letters: {body}");
    }
    let (_, body) = get(&app, &format!("/api/search?q=rhia%20{}", "y".repeat(50))).await;
    assert_eq!(
        ids(&body),
        ["credentials/rhia.html"],
        "the other word still finds its page"
    );
}

#[tokio::test]
async fn hostile_titles_come_back_escaped() {
    let f = fixture();
    let app = app(&f, ServerConfig::default());
    let (_, body) = get(&app, "/api/search?q=registrar").await;
    let hit = &body["hits"][0];
    assert_eq!(hit["title"], "<img src=x onerror=alert(1)> registrar");
    assert_eq!(
        hit["title_html"],
        "&lt;img src=x onerror=alert(1)&gt; <mark>registrar</mark>"
    );
    assert!(hit["snippet"].as_str().unwrap().contains("&lt;script&gt;"));
}

#[tokio::test]
async fn every_other_route_answers() {
    let f = fixture();
    let app = app(&f, ServerConfig::default());
    let (status, body) = get(&app, "/api/suggest?q=regis").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["suggestions"][0]["text"],
        "Registered Health Information Technician"
    );
    let (status, body) = get(&app, "/api/facets").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 5);
    assert!(body["facets"]["credential"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["value"] == "RHIA" && c["count"] == 1));
    let (status, body) = get(&app, "/api/facets/credential?q=rh").await;
    assert_eq!(status, StatusCode::OK);
    let values: Vec<&str> = body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["RHIA", "RHIT"]);
    let (status, body) = get(&app, "/api/doc/jobs/coder.html").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["title"], "Medical Coder");
    assert_eq!(body["facets"]["job_title"], serde_json::json!(["Coder"]));
    assert_eq!(get(&app, "/healthz").await.0, StatusCode::OK);
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(
        (status, body["documents"].as_u64()),
        (StatusCode::OK, Some(5))
    );
    let (status, body) = get(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let text = body.as_str().unwrap();
    assert!(
        text.contains("himsearch_requests_total{route=\"/api/doc/{*id}\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(text.contains("himsearch_index_documents 5"));
    let (status, body) = get(&app, "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for route in ROUTES {
        let path = route.path;
        assert!(
            body["paths"][path][route.method].is_object(),
            "{} {path}",
            route.method
        );
    }
}

#[tokio::test]
async fn browser_assets_and_site_dir() {
    let fixture = fixture();
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("jobs")).unwrap();
    std::fs::write(site.path().join("jobs/coder.html"), "<title>Coder</title>").unwrap();
    std::fs::write(site.path().join("..secret"), "no").unwrap();
    let without = app(&fixture, ServerConfig::default());
    let with = app(
        &fixture,
        ServerConfig {
            site_dir: Some(site.path().to_path_buf()),
            ..ServerConfig::default()
        },
    );
    for (uri, content_type, csp) in [
        ("/", "text/html; charset=utf-8", true),
        ("/embed", "text/html; charset=utf-8", true),
        ("/admin", "text/html; charset=utf-8", true),
        ("/embed.js", "text/javascript; charset=utf-8", false),
        ("/ui/admin.js", "text/javascript; charset=utf-8", false),
        ("/ui/page.css", "text/css; charset=utf-8", false),
    ] {
        let (status, body, headers) =
            call(&without, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(headers["content-type"], content_type, "{uri}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{uri}");
        assert_eq!(
            headers
                .get("content-security-policy")
                .map(|v| v.to_str().unwrap()),
            csp.then_some(PAGE_CSP),
            "{uri}"
        );
        assert!(body.as_str().is_some_and(|text| text.len() > 100), "{uri}");
    }
    // The widget and the dashboard never build markup from strings.
    for js in ["/embed.js", "/ui/admin.js"] {
        let (_, script) = get(&without, js).await;
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!script.as_str().unwrap().contains(sink), "{js}: {sink}");
        }
    }

    // The site directory is served only when configured, and only below itself.
    let (status, body) = get(&without, "/site/jobs/coder.html").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, _, headers) = call(
        &with,
        Request::get("/site/jobs/coder.html")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    for escape in [
        "/site/../Cargo.toml",
        "/site/%2e%2e/%2e%2esecret",
        "/site/..%2f..secret",
    ] {
        let (status, _, _) = call(&with, Request::get(escape).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{escape}");
    }
}

#[tokio::test]
async fn openapi_routes_all_exist() {
    let f = fixture();
    let app = app(&f, ServerConfig::default());
    for route in ROUTES {
        let uri = route
            .path
            .replace("{facet}", "topic")
            .replace("{id}", "jobs/coder.html")
            .replace("{uid}", "him");
        let body = match uri.as_str() {
            "/multi-search" => r#"{"queries": [{"indexUid": "him", "q": "coder"}]}"#,
            _ if route.method == "post" => "{}",
            _ => "",
        };
        let request = Request::builder()
            .method(route.method.to_uppercase().as_str())
            .uri(uri.as_str())
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let (status, body, _) = call(&app, request).await;
        if uri == "/api/events" {
            // Exists, and says analytics are off (this server records nothing).
            assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
            assert!(body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("analytics are off"));
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{} {uri}: {body}", route.method);
    }
}

#[tokio::test]
async fn every_error_code() {
    let f = fixture();
    let app = app(
        &f,
        ServerConfig {
            max_body_bytes: 256,
            ..ServerConfig::default()
        },
    );
    let long = "a".repeat(600);
    let cases = [
        (
            format!("/api/search?q={long}"),
            StatusCode::BAD_REQUEST,
            "query_too_long",
        ),
        (
            "/api/search?per_page=101".to_string(),
            StatusCode::BAD_REQUEST,
            "per_page_too_large",
        ),
        (
            "/api/search?page=0".to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            "/api/search?page=abc".to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            "/api/search?explain=maybe".to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            "/api/facets/colour".to_string(),
            StatusCode::BAD_REQUEST,
            "unknown_facet",
        ),
        (
            "/api/suggest?q=a&limit=1000".to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            "/api/doc/nope.html".to_string(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/no/such/route".to_string(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        ("/api/search?q=%FF%FE%00".to_string(), StatusCode::OK, ""),
    ];
    for (uri, status, code) in cases {
        let (got, body) = get(&app, &uri).await;
        if code.is_empty() {
            assert_eq!(got, status, "{uri}: {body}");
        } else {
            assert_error(got, &body, status, code);
        }
    }
    let (status, body, _) = call(
        &app,
        Request::delete("/api/search").body(Body::empty()).unwrap(),
    )
    .await;
    assert_error(
        status,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    for (bad, code) in [
        ("{not json", "malformed_json"),
        (r#"{"q": 5}"#, "malformed_json"),
        (r#"{"colour": "red"}"#, "unknown_facet"),
    ] {
        let request = Request::post("/api/search")
            .header("content-type", "application/json")
            .body(Body::from(bad))
            .unwrap();
        let (status, body, _) = call(&app, request).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, code);
    }
    let big = format!(r#"{{"q": "{}"}}"#, "a".repeat(1000));
    let request = Request::post("/api/search")
        .header("content-type", "application/json")
        .body(Body::from(big))
        .unwrap();
    let (status, body, _) = call(&app, request).await;
    assert_error(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
}

#[tokio::test]
async fn overload_is_shed_with_503() {
    let f = fixture();
    let state = AppState::new(Arc::clone(&f.engine), ServerConfig::default());
    // Hold every search permit, as a burst of slow searches would.
    let _held = Arc::clone(&state.searches)
        .acquire_many_owned(state.config.max_concurrent_searches as u32)
        .await
        .unwrap();
    let app = router(state);
    let (status, body, headers) = call(
        &app,
        Request::get("/api/search?q=rhit")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_error(status, &body, StatusCode::SERVICE_UNAVAILABLE, "overloaded");
    assert_eq!(headers["retry-after"], "1");
}

#[tokio::test]
async fn rate_limit_answers_429_per_client() {
    let f = fixture();
    let app = app(
        &f,
        ServerConfig {
            rate_limit_per_sec: 1,
            ..ServerConfig::default()
        },
    );
    let from = |ip: [u8; 4]| {
        let mut request = Request::get("/healthz").body(Body::empty()).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 1234))));
        request
    };
    assert_eq!(call(&app, from([10, 0, 0, 1])).await.0, StatusCode::OK);
    assert_eq!(call(&app, from([10, 0, 0, 1])).await.0, StatusCode::OK);
    let (status, body, headers) = call(&app, from([10, 0, 0, 1])).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(
        call(&app, from([10, 0, 0, 2])).await.0,
        StatusCode::OK,
        "other clients unaffected"
    );
}

#[tokio::test]
async fn cors_allow_list() {
    let f = fixture();
    let app = app(
        &f,
        ServerConfig {
            cors_origins: vec!["https://good.example".into()],
            ..ServerConfig::default()
        },
    );
    let request = |origin: &str| {
        Request::get("/api/search?q=rhit")
            .header("origin", origin)
            .body(Body::empty())
            .unwrap()
    };
    let (_, _, headers) = call(&app, request("https://good.example")).await;
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://good.example"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (_, _, headers) = call(&app, request("https://evil.example")).await;
    assert!(!headers.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn serves_over_real_tcp_and_shuts_down() {
    let f = fixture();
    let state = AppState::new(Arc::clone(&f.engine), ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(
            b"GET /api/search?q=coder HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"id\":\"jobs/coder.html\""),
        "{response}"
    );
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// Starts `serve` on 127.0.0.1 port 0 with `config`; returns the address and the stopper.
async fn start_tcp(
    f: &Fixture,
    config: ServerConfig,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let state = AppState::new(Arc::clone(&f.engine), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// Reads until the peer closes or `limit` passes; returns what came and whether it closed.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    limit: std::time::Duration,
) -> (String, bool) {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

#[tokio::test]
async fn slow_clients_big_heads_and_connection_floods_are_cut_off() {
    use tokio::io::AsyncWriteExt;
    let f = fixture();
    let (addr, _stop) = start_tcp(
        &f,
        ServerConfig {
            header_read_timeout: std::time::Duration::from_millis(300),
            max_connections: 3,
            ..ServerConfig::default()
        },
    )
    .await;

    // Slowloris: half a request head, then silence. The server hangs up.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let (_, closed) = read_until_closed(&mut slow, std::time::Duration::from_secs(5)).await;
    assert!(
        closed,
        "a client that never finishes its headers is disconnected"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(4));

    // A head over the limit is refused with 431.
    let mut big = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(40 * 1024)
    );
    let _ = big.write_all(head.as_bytes()).await;
    let (response, _) = read_until_closed(&mut big, std::time::Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 431"), "{response:?}");

    // Past max_connections, new connections are closed without an answer; earlier ones work.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let mut extra = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (response, closed) = read_until_closed(&mut extra, std::time::Duration::from_secs(2)).await;
    assert!(closed && response.is_empty(), "{response:?}");
    drop(held);
    // Once they are gone (or timed out), the server takes connections again.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut again = tokio::net::TcpStream::connect(addr).await.unwrap();
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (response, _) = read_until_closed(&mut again, std::time::Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response:?}");
}

#[tokio::test]
async fn api_and_admin_keys() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let f = fixture();
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&runs);
    let config = ServerConfig {
        api_key: Some("api-k3y".into()),
        admin_key: Some("adm1n-k3y".into()),
        admin_job: Some(AdminJob(Arc::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(200));
            Ok(serde_json::json!({"indexed": 3}))
        }))),
        ..ServerConfig::default()
    };
    let app = app(&f, config);
    let with = |method: &str, uri: &str, header: Option<(&str, &str)>| {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some((name, value)) = header {
            builder = builder.header(name, value);
        }
        builder.body(Body::empty()).unwrap()
    };
    let (status, body, headers) = call(&app, with("GET", "/api/search?q=rhit", None)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(headers["www-authenticate"], "Bearer");
    let (status, body, _) = call(
        &app,
        with("GET", "/api/search?q=rhit", Some(("x-api-key", "wrong"))),
    )
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    for key in [
        ("x-api-key", "api-k3y"),
        ("authorization", "Bearer api-k3y"),
        ("authorization", "Bearer adm1n-k3y"),
    ] {
        let (status, _, _) = call(&app, with("GET", "/api/search?q=rhit", Some(key))).await;
        assert_eq!(status, StatusCode::OK, "{key:?}");
    }
    // Health, readiness and the API description stay open for probes and tooling.
    for open in ["/healthz", "/readyz", "/api/openapi.json", "/embed.js"] {
        assert_eq!(
            call(&app, with("GET", open, None)).await.0,
            StatusCode::OK,
            "{open}"
        );
    }
    // The API key is not an admin key.
    let (status, body, _) = call(
        &app,
        with("GET", "/admin/status", Some(("x-api-key", "api-k3y"))),
    )
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let admin = Some(("authorization", "Bearer adm1n-k3y"));
    let (status, body, _) = call(&app, with("POST", "/admin/reindex", admin)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, body, _) = call(&app, with("POST", "/admin/reindex", admin)).await;
    assert_error(status, &body, StatusCode::CONFLICT, "busy");
    let started = std::time::Instant::now();
    loop {
        let (status, body, _) = call(&app, with("GET", "/admin/status", admin)).await;
        assert_eq!(status, StatusCode::OK);
        if body["runs"] == 1 {
            assert_eq!(body["running"], false);
            assert_eq!(body["last"]["ok"], true);
            assert_eq!(body["last"]["summary"]["indexed"], 3);
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // Without an admin key the admin routes do not exist.
    let open = app_default(&f);
    let (status, body, _) = call(&open, with("POST", "/admin/reindex", admin)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

fn app_default(f: &Fixture) -> Router {
    app(f, ServerConfig::default())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the query string, the API answers 200 or a 4xx JSON error, never a 5xx.
    #[test]
    fn any_query_string_is_answered_without_server_error(
        raw in "((q|page|per_page|explain|credential|job_title|topic|colour)=[^&#]{0,40}&?){0,6}"
    ) {
        static FIXTURE: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
        let f = FIXTURE.get_or_init(fixture);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let app = app(f, ServerConfig::default());
        let uri = format!("/api/search?{}", url::form_urlencoded::byte_serialize(raw.as_bytes()).collect::<String>().replace("%3D", "=").replace("%26", "&"));
        let (status, body) = runtime.block_on(get(&app, &uri));
        proptest::prop_assert!(status == StatusCode::OK || status.is_client_error(), "{uri}: {status} {body}");
        if status.is_client_error() {
            proptest::prop_assert!(body["error"]["code"].is_string(), "{body}");
        }
    }
}

/// Inputs the fuzz targets once crashed on (`fuzz/regressions/TARGET/`), replayed through the
/// same code: each must now be answered or refused as the user's error.
#[test]
fn fuzz_regressions_replay() {
    let f = fixture();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut replayed = 0;
    for target in ["search_query", "search_params", "html_extract"] {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&data);
            let searched = match target {
                "search_query" => Some(f.engine.search(SearchRequest::new(text.as_ref()))),
                "search_params" => {
                    parse_search_params(&text, f.engine.taxonomy())
                        .ok()
                        .map(|mut request| {
                            request.explain = true;
                            f.engine.search(request)
                        })
                }
                _ => {
                    let _ = him_indexer::html_links(&data);
                    None
                }
            };
            if let Some(Err(err)) = searched {
                assert!(err.is_user_error(), "{}: {err}", path.display());
            }
            replayed += 1;
        }
    }
    assert!(
        replayed >= 1,
        "no regression inputs found under {}",
        root.display()
    );
}

/// After a new commit, suggestions come from the previous build at once and from the new
/// commit shortly after (rebuilt in the background, never on the request's time).
#[test]
fn suggestions_follow_new_commits_without_blocking() {
    let f = fixture();
    let before = f.engine.suggest("onboar", 5).unwrap();
    assert!(before.is_empty());
    f.site.write(
        "onboarding.html",
        "<title>Onboarding new coders</title><main><p>First weeks of a coder.</p></main>",
    );
    f.site.reindex();
    let started = std::time::Instant::now();
    loop {
        let now = f.engine.suggest("onboar", 5).unwrap();
        if now.iter().any(|s| s.text == "Onboarding new coders") {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "new title never suggested: {now:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[tokio::test]
async fn repeated_searches_come_from_the_cache_until_the_next_commit() {
    let fixture = fixture();
    let engine = Arc::new(fixture.site.engine().with_response_cache(16, 1 << 20));
    let app = router(AppState::new(Arc::clone(&engine), ServerConfig::default()));
    let first = get(&app, "/api/search?q=coders").await.1;
    let again = get(&app, "/api/search?q=coders").await.1;
    assert_eq!(ids(&first), ["jobs/coder.html"]);
    assert_eq!(first["hits"], again["hits"]);
    assert_eq!(
        engine.cache_stats(),
        Some(crate::CacheStats { hits: 1, misses: 1 })
    );
    let metrics = get(&app, "/metrics").await.1;
    assert!(
        metrics
            .as_str()
            .unwrap()
            .contains("himsearch_cache_lookups_total{result=\"hit\"} 1"),
        "{metrics}"
    );

    fixture.site.write(
        "jobs/coder-2.html",
        "<title>Remote coder</title><main><p>Remote coders work from home.</p></main>",
    );
    fixture.site.reindex();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while engine.num_docs() != 6 {
        assert!(std::time::Instant::now() < deadline, "commit never loaded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut after = ids(&get(&app, "/api/search?q=coders").await.1);
    after.sort();
    assert_eq!(
        after,
        ["jobs/coder-2.html", "jobs/coder.html"],
        "a new commit empties the cache"
    );
}
