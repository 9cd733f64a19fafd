//! The analytics dashboard and the widget's click reports in headless Chromium: a hit opened
//! on the search page is recorded (with its position), the dashboard asks for the admin key,
//! draws its charts, lists a zero-result query whose link opens the search page on it.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::browser::{artifact, wait_status, ROOT};
use crate::util::{Server, Site};
use crate::webdriver::Browser;

const ADMIN_KEY: &str = "dashboard-admin-key-42";

fn report(server: &Server) -> Value {
    reqwest::blocking::Client::new()
        .get(format!("{}/admin/analytics?days=7", server.origin()))
        .bearer_auth(ADMIN_KEY)
        .send()
        .expect("report")
        .json()
        .expect("report json")
}

#[test]
fn clicks_are_recorded_and_the_dashboard_shows_them() {
    let site = Site::new();
    for n in 1..=4 {
        site.write(
            &format!("articles/coding-{n}.html"),
            format!("<title>Coding guide {n}</title><main><p>Coding guide number {n} for coders.</p></main>"),
        );
    }
    site.index(&[]);
    let corpus = site.corpus();
    let server = Server::start_with_env(
        &site,
        &["--site-dir", corpus.to_str().unwrap(), "--rate-limit", "0"],
        &[("HIMSEARCH_ADMIN_KEY", ADMIN_KEY)],
    );
    for _ in 0..2 {
        reqwest::blocking::get(format!("{}/api/search?q=zzqxv", server.origin())).unwrap();
    }
    let Some(browser) = Browser::start() else {
        return;
    };

    // A reader opens the second hit: the widget reports it as it leaves the page.
    browser.goto(&format!("{}/?q=coding", server.origin()));
    wait_status(&browser, "search", "4 results");
    let second = browser.element(
        &format!("{ROOT} return root.querySelectorAll('a[part=\"hit\"]')[1];"),
        &[json!("search")],
    );
    let opened = browser.run(
        &format!("{ROOT} return root.querySelectorAll('.hit')[1].dataset.id;"),
        &[json!("search")],
    );
    browser.click(&second);
    browser.wait_for(
        "the hit's page to open",
        "return location.pathname.startsWith('/site/');",
        &[],
    );
    let started = Instant::now();
    let recorded = loop {
        let report = report(&server);
        if report["clicks"] == 1 {
            break report;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no click recorded: {report}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        recorded["clicks_by_position"],
        json!([{"position": 2, "clicks": 1}])
    );
    assert_eq!(recorded["top_clicked"][0]["id"], opened);
    assert_eq!(
        recorded["top_queries"],
        json!([
            {"query": "zzqxv", "count": 2, "click_rate": 0.0},
            {"query": "coding", "count": 1, "click_rate": 1.0}
        ])
    );

    // The dashboard: the key first, kept in this tab only.
    browser.goto(&format!("{}/admin", server.origin()));
    browser.wait_for(
        "the key form",
        "return !document.getElementById('key-form').hidden && document.getElementById('report').hidden;",
        &[],
    );
    let key = browser.element("return document.getElementById('key');", &[]);
    browser.type_into(&key, "not-the-key-at-all");
    browser.click(&browser.element("return document.querySelector('#key-form button');", &[]));
    browser.wait_for(
        "a refused key",
        "return document.getElementById('status').classList.contains('error') && \
         !document.getElementById('key-form').hidden;",
        &[],
    );
    browser.type_into(&key, ADMIN_KEY);
    browser.click(&browser.element("return document.querySelector('#key-form button');", &[]));
    browser.wait_for(
        "the report",
        "return !document.getElementById('report').hidden;",
        &[],
    );
    let shown = browser.run(
        "return {
           searches: document.getElementById('searches').textContent,
           clicks: document.getElementById('clicks').textContent,
           days: document.querySelectorAll('#per-day svg g.day').length,
           today: Number(document.querySelector('#per-day svg g.day:last-of-type rect.bar-searches').getAttribute('height')),
           earlier: Number(document.querySelector('#per-day svg g.day rect.bar-searches').getAttribute('height')),
           positions: [...document.querySelectorAll('#positions svg g.position title')].map(t => t.textContent),
           zero: [...document.querySelectorAll('#zero-queries tbody a')].map(a => a.textContent),
           gaps: [...document.querySelectorAll('#gaps tbody tr')].map(r => r.cells[1].querySelector('.gap-kind').textContent),
           top: [...document.querySelectorAll('#top-queries tbody tr')].map(r => r.cells[0].textContent + ' ' + r.cells[2].textContent),
           session: sessionStorage.getItem('himsearch.adminKey'),
           local: Object.values(localStorage).filter((v) => v.includes(sessionStorage.getItem('himsearch.adminKey'))).length,
         };",
        &[],
    );
    assert_eq!(shown["searches"], "3", "{shown}");
    assert_eq!(shown["clicks"], "1", "{shown}");
    assert_eq!(shown["days"], 7, "{shown}");
    assert!(shown["today"].as_f64().unwrap() > 0.0, "{shown}");
    assert_eq!(shown["earlier"], 0.0, "{shown}");
    assert_eq!(
        shown["positions"],
        json!(["Position 2: 1 clicks (100%)"]),
        "{shown}"
    );
    assert_eq!(shown["zero"], json!(["zzqxv"]), "{shown}");
    assert_eq!(shown["gaps"], json!(["Not covered"]), "{shown}");
    assert_eq!(shown["top"], json!(["zzqxv 0%", "coding 100%"]), "{shown}");
    assert_eq!(shown["session"], ADMIN_KEY);
    assert_eq!(shown["local"], 0, "the key is never kept past the tab");
    browser.resize(1280, 1900);
    browser.screenshot(&artifact("dashboard.png"));
    browser.resize(390, 2400);
    browser.screenshot(&artifact("dashboard-390.png"));
    let overflow = browser.run(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth;",
        &[],
    );
    assert_eq!(overflow, json!(false), "no sideways scroll at 390 px");
    browser.resize(1280, 900);

    // The zero-result query opens the search page on it.
    let link = browser.element(
        "return document.querySelector('#zero-queries tbody a');",
        &[],
    );
    browser.click(&link);
    wait_status(&browser, "search", "No results for “zzqxv”.");
    let typed = browser.run(
        &format!("{ROOT} return root.querySelector('input').value;"),
        &[json!("search")],
    );
    assert_eq!(typed, "zzqxv");
}
