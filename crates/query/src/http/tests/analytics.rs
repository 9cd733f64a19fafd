//! Analytics through the router: recording, click events, the report, failures of the
//! database. A real SQLite file in a temporary directory each time.

use std::path::Path;

use him_analytics::{Recorder, Settings};

use super::*;

const ADMIN: &str = "admin-key-0123456789";

fn with_analytics(f: &Fixture, path: &Path) -> (Router, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::open(path, Settings::default()));
    let config = ServerConfig {
        admin_key: Some(ADMIN.into()),
        analytics: Some(Arc::clone(&recorder)),
        ..ServerConfig::default()
    };
    (app(f, config), recorder)
}

async fn post_event(app: &Router, body: &str) -> (StatusCode, Value) {
    // What navigator.sendBeacon sends for a string: text/plain.
    let request = Request::post("/api/events")
        .header("content-type", "text/plain;charset=UTF-8")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, body, _) = call(app, request).await;
    (status, body)
}

async fn report(app: &Router, query: &str) -> (StatusCode, Value) {
    let request = Request::get(format!("/admin/analytics{query}"))
        .header("authorization", format!("Bearer {ADMIN}"))
        .body(Body::empty())
        .unwrap();
    let (status, body, _) = call(app, request).await;
    (status, body)
}

fn click(query_id: &Value, id: &str, position: u32) -> String {
    json!({"type": "click", "query_id": query_id, "id": id, "position": position}).to_string()
}

#[tokio::test]
async fn searches_and_clicks_make_the_report() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let (app, _recorder) = with_analytics(&f, &dir.path().join("a.db"));
    let (status, first) = get(&app, "/api/search?q=RHIT").await;
    assert_eq!(status, StatusCode::OK);
    let id = first["query_id"].clone();
    assert_eq!(id.as_str().map(str::len), Some(32), "{first}");
    let (_, again) = get(&app, "/api/search?q=rhit%20%20").await;
    assert_ne!(
        again["query_id"], id,
        "every answer its own id, cached or not"
    );
    let post = Request::post("/api/search")
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"q": "exam", "credential": ["RHIA", "RHIT"], "page": 1}"#,
        ))
        .unwrap();
    assert_eq!(call(&app, post).await.0, StatusCode::OK);
    for _ in 0..2 {
        assert_eq!(get(&app, "/api/search?q=xyzzyq").await.1["total"], 0);
    }
    get(&app, "/api/search?q=").await;
    // Not searches: an admin's explain, suggestions, a refused request.
    let explain = Request::get("/api/search?q=rhit&explain=true")
        .header("authorization", format!("Bearer {ADMIN}"))
        .body(Body::empty())
        .unwrap();
    let (status, explained, _) = call(&app, explain).await;
    assert_eq!(status, StatusCode::OK);
    assert!(explained.get("query_id").is_none());
    get(&app, "/api/suggest?q=rh").await;
    assert_eq!(
        get(&app, "/api/search?per_page=500").await.0,
        StatusCode::BAD_REQUEST
    );

    let rhit = ids(&first)[0].clone();
    let (status, body) = post_event(&app, &click(&id, &rhit, 1)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, _) = post_event(&app, &click(&again["query_id"], &rhit, 3)).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let (status, body) = report(&app, "?days=7").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["searches"], 6);
    assert_eq!(body["clicks"], 2);
    assert_eq!(body["zero_result_searches"], 2);
    assert_eq!(
        body["top_queries"],
        json!([
            {"query": "rhit", "count": 2, "click_rate": 1.0},
            {"query": "xyzzyq", "count": 2, "click_rate": 0.0},
            {"query": "exam", "count": 1, "click_rate": 0.0}
        ])
    );
    assert_eq!(
        body["zero_result_queries"],
        json!([{"query": "xyzzyq", "count": 2}])
    );
    assert_eq!(
        body["top_clicked"],
        json!([{"id": rhit, "title": "RHIT credential", "count": 2}])
    );
    assert_eq!(
        body["facets_used"],
        json!([
            {"facet": "credential", "value": "RHIA", "count": 1},
            {"facet": "credential", "value": "RHIT", "count": 1}
        ])
    );
    let days = body["per_day"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[6]["searches"], 6);
    assert_eq!(days[6]["zero_results"], 2);
    assert_eq!(days[6]["clicks"], 2);
    assert_eq!(
        body["clicks_by_position"],
        json!([{"position": 1, "clicks": 1}, {"position": 3, "clicks": 1}])
    );
    assert_eq!(body["content_gaps"][0]["query"], "xyzzyq");
    assert_eq!(body["content_gaps"][0]["kind"], "uncovered");
}

#[tokio::test]
async fn bad_events_are_refused() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let (app, recorder) = with_analytics(&f, &dir.path().join("a.db"));
    let (_, search) = get(&app, "/api/search?q=coder").await;
    let id = search["query_id"].clone();
    let cases = [
        ("not json".to_string(), "malformed_json"),
        (json!({"type": "click"}).to_string(), "malformed_json"),
        (
            json!({"type": "click", "query_id": id, "id": "jobs/coder.html", "position": "1"})
                .to_string(),
            "malformed_json",
        ),
        (
            json!({"type": "click", "query_id": id, "id": "jobs/coder.html", "position": 1, "user": "x"})
                .to_string(),
            "malformed_json",
        ),
        (
            json!({"type": "view", "query_id": id, "id": "jobs/coder.html", "position": 1})
                .to_string(),
            "invalid_parameter",
        ),
        (click(&id, "jobs/coder.html", 0), "invalid_parameter"),
        (click(&id, "", 1), "invalid_parameter"),
        (click(&id, "no/such/page.html", 1), "invalid_parameter"),
        (
            click(&json!("0123456789abcdef0123456789abcdef"), "jobs/coder.html", 1),
            "unknown_query_id",
        ),
    ];
    for (body, code) in cases {
        let (status, answer) = post_event(&app, &body).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, code);
    }
    let (status, _) = post_event(&app, &click(&id, "jobs/coder.html", 1)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    recorder.flush();
    assert_eq!(recorder.written(), 2, "one search, one click");
}

#[tokio::test]
async fn report_parameters_and_keys() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let (app, _recorder) = with_analytics(&f, &dir.path().join("a.db"));
    assert_eq!(report(&app, "").await.1["days"], 7);
    assert_eq!(
        report(&app, "?days=30").await.1["per_day"]
            .as_array()
            .unwrap()
            .len(),
        30
    );
    for bad in ["?days=0", "?days=abc", "?days=100000"] {
        let (status, body) = report(&app, bad).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
    }
    let (status, body) = get(&app, "/admin/analytics").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn analytics_off_records_nothing() {
    let f = fixture();
    let config = ServerConfig {
        admin_key: Some(ADMIN.into()),
        ..ServerConfig::default()
    };
    let app = app(&f, config);
    let (_, body) = get(&app, "/api/search?q=rhit").await;
    assert!(body.get("query_id").is_none(), "{body}");
    let (status, body) = post_event(&app, &click(&json!("x"), "jobs/coder.html", 1)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = report(&app, "").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(get(&app, "/readyz").await.1["analytics"], "off");
}

#[tokio::test]
async fn a_corrupt_database_never_stops_searches() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    std::fs::write(
        &path,
        b"this is not a database, just some text ".repeat(200),
    )
    .unwrap();
    let (app, recorder) = with_analytics(&f, &path);
    let (status, body) = get(&app, "/api/search?q=rhit").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), ["credentials/rhit.html"]);
    recorder.flush();
    let (status, ready) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["analytics"], "degraded");
    assert!(ready["analytics_error"]
        .as_str()
        .unwrap()
        .contains("not a database"));
    let (status, body) = report(&app, "").await;
    assert_error(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "analytics_unavailable",
    );
    let (_, metrics) = get(&app, "/metrics").await;
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains("himsearch_analytics_degraded 1"),
        "{metrics}"
    );
    assert!(metrics.contains("himsearch_analytics_events_total{outcome=\"dropped\"} 1"));
}

#[tokio::test]
async fn a_database_damaged_while_serving_never_stops_searches() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let (app, recorder) = with_analytics(&f, &path);
    get(&app, "/api/search?q=rhit").await;
    recorder.flush();
    assert_eq!(get(&app, "/readyz").await.1["analytics"], "ok");
    let searches_answer = || async {
        for _ in 0..3 {
            let (status, body) = get(&app, "/api/search?q=coder").await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(ids(&body), ["jobs/coder.html"]);
            recorder.flush();
        }
    };
    // Overwritten in place, as a disk error or a stray `cp` would: refused, and never
    // written into (SQLite would checkpoint its log into it on closing).
    std::fs::write(&path, vec![0xa5; 64 * 1024]).unwrap();
    searches_answer().await;
    let (status, ready) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ready["analytics"], "degraded", "{ready}");
    let (status, body) = report(&app, "").await;
    assert_error(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "analytics_unavailable",
    );
    assert_eq!(std::fs::read(&path).unwrap(), vec![0xa5; 64 * 1024]);
    // Replaced by something that cannot be a database at all.
    for name in ["a.db", "a.db-wal", "a.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(name));
    }
    std::fs::create_dir(&path).unwrap();
    searches_answer().await;
    let (status, ready) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["analytics"], "degraded", "{ready}");
    let (status, body) = report(&app, "").await;
    assert_error(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "analytics_unavailable",
    );
}
