//! Meilisearch's protocol through the router: parameters in both forms, keys, the error shape
//! (the protocol's own errors and the server's limits), write routes, escaping in `_formatted`.
//! The real clients are tested end to end in `tests/meili.rs`.

use super::*;

const KEY: &str = "api-key-0123456789abc";

async fn post_json(app: &Router, uri: &str, body: Value, key: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::post(uri).header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let (status, body, _) = call(app, request.body(Body::from(body.to_string())).unwrap()).await;
    (status, body)
}

fn assert_meili_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(
        body["link"],
        format!("https://docs.meilisearch.com/errors#{code}")
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        ["invalid_request", "auth", "internal", "system"].contains(&body["type"].as_str().unwrap())
    );
    assert!(body.get("error").is_none(), "not the API's shape: {body}");
}

#[tokio::test]
async fn get_and_post_search_agree() {
    let f = fixture();
    let app = app(&f, ServerConfig::default());
    let (status, posted) = post_json(
        &app,
        "/indexes/him/search",
        json!({"q": "rhit", "facets": ["credential", "topic"], "attributesToRetrieve": ["id", "title"], "limit": 5}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let (status, got) = get(
        &app,
        "/indexes/him/search?q=rhit&facets=credential,topic&attributesToRetrieve=id,title&limit=5",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["hits"], posted["hits"]);
    assert_eq!(got["facetDistribution"], posted["facetDistribution"]);
    assert_eq!(
        posted["hits"][0],
        json!({"id": "credentials/rhit.html", "title": "RHIT credential"})
    );
    assert_eq!(posted["facetDistribution"]["credential"]["RHIT"], 1);
    assert_eq!(
        (posted["offset"].clone(), posted["limit"].clone()),
        (json!(0), json!(5))
    );
}

#[tokio::test]
async fn keys_as_the_clients_send_them() {
    let f = fixture();
    let app = app(
        &f,
        ServerConfig {
            api_key: Some(KEY.into()),
            ..ServerConfig::default()
        },
    );
    let (status, body) = post_json(&app, "/indexes/him/search", json!({"q": "rhit"}), None).await;
    assert_meili_error(
        status,
        &body,
        StatusCode::UNAUTHORIZED,
        "missing_authorization_header",
    );
    let (status, body) = post_json(
        &app,
        "/indexes/him/search",
        json!({"q": "rhit"}),
        Some("nope-nope-nope-nope"),
    )
    .await;
    assert_meili_error(status, &body, StatusCode::FORBIDDEN, "invalid_api_key");
    let (status, _) = post_json(&app, "/indexes/him/search", json!({"q": "rhit"}), Some(KEY)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get(&app, "/health").await,
        (StatusCode::OK, json!({"status": "available"}))
    );
    let (status, body) = get(&app, "/version").await;
    assert_meili_error(
        status,
        &body,
        StatusCode::UNAUTHORIZED,
        "missing_authorization_header",
    );
}

#[tokio::test]
async fn errors_take_the_protocols_shape() {
    let f = fixture();
    let app = app(&f, ServerConfig::default());
    let search = |body: Value| post_json(&app, "/indexes/him/search", body, None);
    let (status, body) = search(json!({"q": "rhit", "filter": "credential = RHIT AND"})).await;
    assert_meili_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_search_filter",
    );
    assert!(
        body["message"].as_str().unwrap().contains("22:22"),
        "{body}"
    );
    let (status, body) = search(json!({"q": "rhit", "colour": 1})).await;
    assert_meili_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    let (status, body) = search(json!({"limit": "ten"})).await;
    assert_meili_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_search_limit",
    );
    let (status, body) = search(json!({"matchingStrategy": "most"})).await;
    assert_meili_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_search_matching_strategy",
    );
    let (status, body) = post_json(&app, "/indexes/other/search", json!({}), None).await;
    assert_meili_error(status, &body, StatusCode::NOT_FOUND, "index_not_found");
    let (status, body) = post_json(
        &app,
        "/multi-search",
        json!({"queries": [{"indexUid": "him"}, {"indexUid": "x"}]}),
        None,
    )
    .await;
    assert_meili_error(status, &body, StatusCode::NOT_FOUND, "index_not_found");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Inside `.queries[1]`"),
        "{body}"
    );
    let plain = Request::post("/indexes/him/search")
        .body(Body::from("{}"))
        .unwrap();
    let (status, body, _) = call(&app, plain).await;
    assert_meili_error(
        status,
        &body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "invalid_content_type",
    );
    // The server's own limits, reshaped: an oversized body.
    let big = json!({"q": "x".repeat(20_000)});
    let (status, body) = search(big).await;
    assert_meili_error(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    for (method, uri) in [
        ("POST", "/indexes/him/documents"),
        ("DELETE", "/indexes/him"),
        ("PATCH", "/indexes/him/settings"),
        ("PUT", "/indexes/him/settings/filterable-attributes"),
        ("POST", "/tasks/1/cancel"),
        ("POST", "/indexes"),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let (status, body, _) = call(&app, request).await;
        assert_meili_error(
            status,
            &body,
            StatusCode::NOT_IMPLEMENTED,
            "not_implemented",
        );
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("himsearch index"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn formatted_text_is_escaped_when_the_tags_are_html() {
    let evil = |body: &Value| -> Value {
        let hits = body["hits"].as_array().unwrap();
        hits.iter()
            .find(|h| h["id"] == "evil.html")
            .unwrap()
            .clone()
    };
    let f = fixture();
    let app = app(&f, ServerConfig::default());
    let (_, body) = post_json(
        &app,
        "/indexes/him/search",
        json!({"q": "registrar", "attributesToHighlight": ["title"], "attributesToRetrieve": ["id", "title"]}),
        None,
    )
    .await;
    let hit = evil(&body);
    assert_eq!(hit["title"], "<img src=x onerror=alert(1)> registrar");
    assert_eq!(
        hit["_formatted"]["title"],
        "&lt;img src=x onerror=alert(1)&gt; <em>registrar</em>"
    );
    let (_, body) = post_json(
        &app,
        "/indexes/him/search",
        json!({"q": "registrar", "attributesToHighlight": ["*"], "highlightPreTag": "__ais-highlight__",
               "highlightPostTag": "__/ais-highlight__", "attributesToRetrieve": ["id", "title"]}),
        None,
    )
    .await;
    let hit = evil(&body);
    assert_eq!(
        hit["_formatted"]["title"],
        "<img src=x onerror=alert(1)> __ais-highlight__registrar__/ais-highlight__",
        "InstantSearch escapes it itself"
    );
}
