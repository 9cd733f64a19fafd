//! Meilisearch's protocol with the real clients, pinned in `tests/clients/` (`npm ci`, which
//! `tests/run` runs): the `meilisearch` client in Node (`tests/clients/meili.test.mjs`: every
//! answer equal to the API's), and in Chromium an InstantSearch.js page through
//! instant-meilisearch (search box, hits, refinement lists on credential and job title,
//! pagination) and a meilisearch-docsearch modal, on a host page of another origin, against a
//! server on the shipped corpus with an API key.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::browser::artifact;
use crate::util::{repo_root, Server, Site};
use crate::webdriver::Browser;

const KEY: &str = "protocol-test-key-0123";

/// The shipped corpus indexed once for these tests.
fn shipped() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(Site::shipped)
}

fn server() -> Server {
    let key_file = shipped().dir.path().join("api-key");
    std::fs::write(&key_file, KEY).unwrap();
    Server::start(
        shipped(),
        &[
            "--api-key-file",
            key_file.to_str().unwrap(),
            "--rate-limit",
            "0",
            "--analytics",
            "off",
        ],
    )
}

/// `tests/clients/node_modules`, or a panic saying how to get it
/// (`HIMSEARCH_SKIP_CLIENT_TESTS=1` skips instead, loudly).
fn clients() -> Option<PathBuf> {
    let dir = repo_root().join("tests/clients");
    if dir.join("node_modules/meilisearch").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("HIMSEARCH_SKIP_CLIENT_TESTS").is_some() {
        eprintln!("SKIPPED: protocol client tests (HIMSEARCH_SKIP_CLIENT_TESTS is set)");
        return None;
    }
    panic!("the client tests need `npm ci --prefix tests/clients` (tests/run does it)");
}

fn api(server: &Server, query: &[(&str, &str)]) -> Value {
    let url =
        reqwest::Url::parse_with_params(&format!("{}/api/search", server.origin()), query).unwrap();
    reqwest::blocking::Client::new()
        .get(url)
        .bearer_auth(KEY)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn the_meilisearch_client_gets_the_apis_answers() {
    let Some(clients) = clients() else { return };
    let server = server();
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "meili.test.mjs"])
        .current_dir(&clients)
        .env("HIMSEARCH_URL", server.origin())
        .env("HIMSEARCH_KEY", KEY)
        .output()
        .expect("node runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
    assert!(report.contains("pass 12"), "{report}");
}

/// Serves `pages` by path and `/npm/...` from the client packages: a site on another origin.
fn serve_host(listener: TcpListener, pages: Vec<(&'static str, String)>, npm: PathBuf) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 2 {
                line.clear();
            }
            let path = request.split(' ').nth(1).unwrap_or("/").to_string();
            let (body, kind) = match path.strip_prefix("/npm/") {
                Some(file) if !file.contains("..") => (
                    std::fs::read(npm.join(file)).unwrap_or_default(),
                    if file.ends_with(".css") {
                        "text/css"
                    } else {
                        "text/javascript"
                    },
                ),
                _ => (
                    pages
                        .iter()
                        .find(|(p, _)| *p == path)
                        .map(|(_, html)| html.clone().into_bytes())
                        .unwrap_or_default(),
                    "text/html; charset=utf-8",
                ),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
}

/// The README's InstantSearch example as written, on a page of its own: the packages served
/// from `/npm/` instead of the site's `/node_modules/`, the server's address and key filled in.
fn instantsearch_page(api: &str) -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- InstantSearch on himsearch -->")
        .expect("the README's InstantSearch example");
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let example = example
        .replace("/node_modules/", "/npm/")
        .replace("http://127.0.0.1:8080", api)
        .replace("SEARCH_KEY", KEY);
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>InstantSearch on himsearch</title>
<style>.ais-RefinementList-count {{ margin-left: .4rem; color: #555; }}
.ais-Pagination-list {{ display: flex; gap: .5rem; list-style: none; }}</style>
</head><body>{example}</body></html>"#
    )
}

fn docsearch_page(api: &str) -> String {
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>DocSearch on himsearch</title>
<link rel="stylesheet" href="/npm/meilisearch-docsearch/dist/index.css">
<script src="/npm/meilisearch-docsearch/dist/index.global.js"></script>
</head><body><h1>An HIM site</h1><div id="docsearch"></div>
<script>__docsearch_meilisearch__.docsearch({{ container: '#docsearch', host: '{api}', apiKey: '{KEY}', indexUid: 'him' }});</script>
</body></html>"#
    )
}

fn ids(body: &Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

/// The counts a refinement list shows, by value.
fn refinements(browser: &Browser, list: &str) -> Vec<(String, u64, bool)> {
    let shown = browser.run(
        "return [...document.querySelectorAll(`#${arguments[0]} .ais-RefinementList-item`)].map(li => [
           li.querySelector('.ais-RefinementList-labelText').textContent,
           Number(li.querySelector('.ais-RefinementList-count').textContent),
           li.querySelector('input').checked]);",
        &[json!(list)],
    );
    serde_json::from_value(shown).unwrap()
}

fn wait_for_ids(browser: &Browser, expected: &[String], what: &str) {
    browser.wait_for(
        what,
        "return JSON.stringify([...document.querySelectorAll('#hits a[data-id]')].map(a => a.dataset.id)) === arguments[0];",
        &[json!(serde_json::to_string(expected).unwrap())],
    );
}

#[test]
fn instantsearch_and_docsearch_pages_search_the_corpus() {
    let Some(clients) = clients() else { return };
    let server = server();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    serve_host(
        listener,
        vec![
            ("/", instantsearch_page(&server.origin())),
            ("/docsearch", docsearch_page(&server.origin())),
        ],
        clients.join("node_modules"),
    );
    let Some(browser) = Browser::start() else {
        return;
    };

    browser.goto(&format!("{host}/"));
    let browse = api(&server, &[("q", ""), ("per_page", "20")]);
    wait_for_ids(&browser, &ids(&browse), "the first page of everything");

    // Typing.
    let input = browser.element("return document.querySelector('#searchbox input');", &[]);
    browser.type_into(&input, "rhit");
    let rhit = api(&server, &[("q", "rhit"), ("per_page", "20")]);
    wait_for_ids(&browser, &ids(&rhit), "rhit's hits");
    let marked = browser.run(
        "return document.querySelector('#hits mark').textContent;",
        &[],
    );
    assert_eq!(
        marked.as_str().map(str::to_lowercase).as_deref(),
        Some("rhit")
    );
    let shown = refinements(&browser, "credential");
    let expected: Vec<(String, u64)> = rhit["facets"]["credential"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
            )
        })
        .take(10)
        .collect();
    let counts: Vec<(String, u64)> = shown.iter().map(|(v, c, _)| (v.clone(), *c)).collect();
    assert_eq!(
        sorted(counts),
        sorted(expected),
        "the credential list's counts"
    );
    browser.screenshot(&artifact("instantsearch-rhit.png"));

    // Refining by RHIT: the hits are the filtered ones, the other credentials keep their
    // disjunctive counts (what ticking each would give).
    let rhit_box = || {
        browser.element(
            "return [...document.querySelectorAll('#credential .ais-RefinementList-item')]
               .find(li => li.querySelector('.ais-RefinementList-labelText').textContent === 'RHIT')
               .querySelector('input');",
            &[],
        )
    };
    browser.click(&rhit_box());
    let refined = api(
        &server,
        &[("q", "rhit"), ("credential", "RHIT"), ("per_page", "20")],
    );
    wait_for_ids(&browser, &ids(&refined), "the RHIT-refined hits");
    browser.wait_for(
        "RHIT ticked",
        "return [...document.querySelectorAll('#credential .ais-RefinementList-item--selected')].length === 1;",
        &[],
    );
    let shown = refinements(&browser, "credential");
    for (value, count, checked) in &shown {
        let expected = refined["facets"]["credential"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"] == value.as_str())
            .and_then(|c| c["count"].as_u64());
        assert_eq!(Some(*count), expected, "{value} disjunctive count");
        assert_eq!(*checked, value == "RHIT");
    }
    assert!(shown.len() > 1, "other credentials stay listed: {shown:?}");
    let job_titles = refinements(&browser, "job_title");
    assert!(!job_titles.is_empty());
    browser.screenshot(&artifact("instantsearch-refined.png"));

    // Paging, on a query with several pages.
    browser.click(&rhit_box());
    let everything = api(
        &server,
        &[("q", "health"), ("per_page", "20"), ("page", "2")],
    );
    assert!(everything["total"].as_u64().unwrap() > 40);
    browser.run(
        "const input = document.querySelector('#searchbox input'); input.value = ''; \
         input.dispatchEvent(new Event('input', { bubbles: true }));",
        &[],
    );
    browser.type_into(&input, "health");
    wait_for_ids(
        &browser,
        &ids(&api(&server, &[("q", "health"), ("per_page", "20")])),
        "health's first page",
    );
    let second = browser.element(
        "return [...document.querySelectorAll('.ais-Pagination-item--page a')].find(a => a.textContent.trim() === '2');",
        &[],
    );
    browser.click(&second);
    wait_for_ids(&browser, &ids(&everything), "health's second page");
    browser.screenshot(&artifact("instantsearch-page-2.png"));

    // The DocSearch modal finds the RHIT page.
    browser.goto(&format!("{host}/docsearch"));
    let button = browser.element("return document.querySelector('.docsearch-btn');", &[]);
    browser.click(&button);
    let modal_input = browser.element(
        "return document.querySelector('.docsearch-modal-search-input');",
        &[],
    );
    browser.type_into(&modal_input, "rhit");
    let href = browser.wait_for(
        "the RHIT page in the modal",
        "const a = [...document.querySelectorAll('.docsearch-modal-search-hits-item a')]
           .find(a => a.getAttribute('href').includes('credentials/rhit.html'));
         return a ? a.getAttribute('href') : null;",
        &[],
    );
    assert!(
        href.as_str().unwrap().ends_with("credentials/rhit.html"),
        "{href}"
    );
    browser.screenshot(&artifact("docsearch-rhit.png"));
}

fn sorted(mut pairs: Vec<(String, u64)>) -> Vec<(String, u64)> {
    pairs.sort();
    pairs
}
