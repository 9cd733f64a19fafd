//! A facet kind added through the taxonomy file alone, checked end to end: extraction (text,
//! `<meta name="him:KIND">`, `data-him-facet`), `search --facet`, `GET` and `POST /api/search`,
//! `/api/facets`, the OpenAPI document, and the search page and the widget in Chromium. The
//! taxonomy has twelve kinds: more than a byte of kind bits could hold.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::browser::{facet_counts, serve_host, wait_status, ROOT};
use crate::util::{himsearch, ids, repo_root, Server, Site};
use crate::webdriver::Browser;

/// The built-in taxonomy plus seven kinds, one of them the README's `employer_setting`.
fn twelve_kind_taxonomy(dir: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(repo_root().join("crates/schema/taxonomy.toml"))
        .expect("built-in taxonomy");
    text.push_str(
        r#"
[kinds.employer_setting]
label = "Employer setting"

[[kinds.employer_setting.values]]
name = "Hospital"
aliases = ["acute care hospital"]

[[kinds.employer_setting.values]]
name = "Physician practice"
aliases = ["physician office"]
"#,
    );
    for n in 7..=12 {
        text.push_str(&format!(
            "\n[kinds.extra_{n:02}]\n[[kinds.extra_{n:02}.values]]\nname = \"Zebra{n}\"\n"
        ));
    }
    let path = dir.join("taxonomy.toml");
    std::fs::write(&path, text).expect("write taxonomy");
    path
}

fn page(title: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><title>{title}</title>{head}</head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>"
    )
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn get(server: &Server, path: &str) -> Value {
    reqwest::blocking::get(format!("{}{path}", server.origin()))
        .expect("request")
        .json()
        .expect("json")
}

#[test]
fn a_kind_declared_in_the_taxonomy_works_end_to_end() {
    let site = Site::new();
    let taxonomy = twelve_kind_taxonomy(site.dir.path());
    let taxonomy_arg = taxonomy.to_str().unwrap();
    // Found in the text (title), by meta tag (an alias), by attribute; and a twelfth kind.
    site.write(
        "hospital.html",
        page(
            "Coding jobs in an acute care hospital",
            "",
            "<p>Inpatient coders hold the CCS.</p>",
        ),
    );
    site.write(
        "clinic.html",
        page(
            "Coding in a clinic",
            "<meta name=\"him:employer_setting\" content=\"physician office\">",
            "<p>Outpatient coders hold the CPC.</p>",
        ),
    );
    site.write(
        "tagged.html",
        page(
            "Release of information desk",
            "",
            "<p data-him-facet=\"employer_setting:Hospital\">Requests for records.</p>",
        ),
    );
    site.write(
        "zebra.html",
        page("Zebra12 notes", "", "<p>Nothing about employers.</p>"),
    );
    let summary = site.index(&["--taxonomy", taxonomy_arg]);
    assert_eq!(summary["documents"], 4, "{summary}");
    assert_eq!(summary["problems"], json!([]), "{summary}");

    // CLI: --facet, canonical values, disjunctive counts, a document's values.
    let hospital = site.search(
        "",
        &[
            "--taxonomy",
            taxonomy_arg,
            "--facet",
            "employer_setting=Hospital",
        ],
    );
    assert_eq!(sorted(ids(&hospital)), ["hospital.html", "tagged.html"]);
    assert_eq!(
        hospital["facets"]["employer_setting"],
        json!([{"value": "Hospital", "count": 2}, {"value": "Physician practice", "count": 1}])
    );
    let practice = site.search(
        "coding",
        &[
            "--taxonomy",
            taxonomy_arg,
            "--facet",
            "employer_setting=physician office",
        ],
    );
    assert_eq!(ids(&practice), ["clinic.html"]);
    assert_eq!(
        practice["hits"][0]["facets"]["employer_setting"],
        json!(["Physician practice"])
    );
    let zebra = site.search(
        "",
        &["--taxonomy", taxonomy_arg, "--facet", "extra_12=zebra12"],
    );
    assert_eq!(ids(&zebra), ["zebra.html"]);
    let index = site.index_dir();
    let unknown = himsearch(&[
        "search",
        "--index",
        index.to_str().unwrap(),
        "--taxonomy",
        taxonomy_arg,
        "--facet",
        "colour=red",
        "x",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("colour") && stderr.contains("employer_setting"),
        "{stderr}"
    );
    // Served with the built-in taxonomy, the index's extra kinds are ignored with a warning.
    let builtin = himsearch(&[
        "search",
        "--json",
        "--index",
        index.to_str().unwrap(),
        "coding",
    ]);
    assert!(builtin.status.success());
    let stderr = String::from_utf8_lossy(&builtin.stderr);
    assert!(
        stderr.contains("ignored: employer_setting, extra_12"),
        "{stderr}"
    );
    let response: Value = serde_json::from_slice(&builtin.stdout).unwrap();
    assert!(response["facets"].get("employer_setting").is_none());

    // HTTP: GET and POST filters, /api/facets, one kind's values, OpenAPI.
    let corpus = site.corpus();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind host site");
    let host = format!("http://{}", listener.local_addr().expect("addr"));
    let server = Server::start(
        &site,
        &[
            "--taxonomy",
            taxonomy_arg,
            "--rate-limit",
            "0",
            "--site-dir",
            corpus.to_str().unwrap(),
            "--cors-origin",
            &host,
        ],
    );
    let got = get(&server, "/api/search?employer_setting=Hospital");
    assert_eq!(sorted(ids(&got)), ["hospital.html", "tagged.html"]);
    let posted: Value = reqwest::blocking::Client::new()
        .post(format!("{}/api/search", server.origin()))
        .json(&json!({"q": "coding", "employer_setting": ["Physician practice"]}))
        .send()
        .expect("post")
        .json()
        .expect("json");
    assert_eq!(ids(&posted), ["clinic.html"]);
    let facets = get(&server, "/api/facets");
    let keys: Vec<&str> = facets["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 12);
    assert_eq!(
        &keys[..6],
        [
            "credential",
            "job_title",
            "education_level",
            "resource_type",
            "topic",
            "employer_setting"
        ]
    );
    assert_eq!(facets["kinds"][5]["label"], "Employer setting");
    assert_eq!(facets["kinds"][11]["label"], "Extra 12");
    let values = get(&server, "/api/facets/employer_setting?q=hosp");
    assert_eq!(values["values"], json!([{"value": "Hospital", "count": 2}]));
    let unknown = reqwest::blocking::get(format!("{}/api/facets/colour", server.origin())).unwrap();
    assert_eq!(unknown.status(), 400);
    let body: Value = unknown.json().unwrap();
    assert_eq!(body["error"]["code"], "unknown_facet");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("extra_12"),
        "{body}"
    );
    let openapi = get(&server, "/api/openapi.json");
    let params: Vec<&str> = openapi["paths"]["/api/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        params.contains(&"employer_setting") && params.contains(&"extra_12"),
        "{params:?}"
    );
    let body_schema = &openapi["paths"]["/api/search"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]["properties"];
    assert!(
        body_schema.get("employer_setting").is_some(),
        "{body_schema}"
    );

    // Chromium: the search page shows every kind, and filters by the new one from the URL and
    // from its checkbox.
    serve_host(
        listener,
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>Host</title></head><body>
<him-search id="widget" facets="employer_setting" browse></him-search>
<script src="{}/embed.js" defer></script></body></html>"#,
            server.origin()
        ),
    );
    let Some(browser) = Browser::start() else {
        return;
    };
    let legends = |widget: &str| -> Vec<String> {
        let script =
            "return [...root.querySelectorAll('fieldset legend')].map(l => l.textContent);";
        let found = browser.run(&format!("{ROOT} {script}"), &[json!(widget)]);
        serde_json::from_value(found).unwrap()
    };
    browser.goto(&server.origin());
    wait_status(&browser, "search", "4 results");
    let shown = legends("search");
    assert!(shown.contains(&"Employer setting".to_string()), "{shown:?}");
    assert!(shown.contains(&"Extra 12".to_string()), "{shown:?}");
    browser.goto(&format!("{}/?employer_setting=Hospital", server.origin()));
    wait_status(&browser, "search", "2 results");
    assert_eq!(
        facet_counts(&browser, "search", "employer_setting"),
        [
            ("Hospital".to_string(), 2),
            ("Physician practice".to_string(), 1)
        ]
    );
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector(`fieldset[data-facet='employer_setting'] input[value='Physician practice']`);"),
        &[json!("search")],
    ));
    wait_status(&browser, "search", "3 results");
    assert_eq!(
        browser.run("return location.search;", &[]),
        json!("?employer_setting=Hospital&employer_setting=Physician+practice")
    );

    // The widget on another site: the kind's label and filtering by it.
    browser.goto(&format!("{host}/"));
    wait_status(&browser, "widget", "4 results");
    assert_eq!(legends("widget"), ["Employer setting"]);
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector(`fieldset[data-facet='employer_setting'] input[value='Hospital']`);"),
        &[json!("widget")],
    ));
    wait_status(&browser, "widget", "2 results");
}
