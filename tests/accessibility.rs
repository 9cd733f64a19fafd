//! axe-core (pinned in `tests/clients/`) in Chromium, WCAG 2.1 A and AA rules, on every state of
//! the search page, the widget inline and in its dialog on a host page of another origin, the
//! embed and analytics pages, light and dark: no violation may remain.

use std::net::TcpListener;

use serde_json::{json, Value};

use crate::browser::{artifact, fixture_site, serve_host, set_query, ROOT};
use crate::util::{repo_root, Server};
use crate::webdriver::Browser;

/// Violations on the page as it is now: rule, help and the first elements.
fn violations(browser: &Browser) -> Vec<Value> {
    let source =
        std::fs::read_to_string(repo_root().join("tests/clients/node_modules/axe-core/axe.min.js"))
            .expect("axe-core: npm ci --prefix tests/clients (tests/run does it)");
    browser.run(&format!("{source}\n;return true;"), &[]);
    let found = browser.run_async(
        "const done = arguments[arguments.length - 1];
         axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
           .then((r) => done(r.violations.map((v) => ({ id: v.id, help: v.help,
              nodes: v.nodes.slice(0, 3).map((n) => [n.target.join(' '), n.failureSummary]) }))))
           .catch((e) => done([{ id: 'axe-error', help: String(e) }]));",
        &[],
    );
    found.as_array().cloned().unwrap_or_default()
}

/// No violation, then screenshots of the state at 1280 and 390 px wide, for people to look at
/// (`target/tmp/browser/states/`).
fn assert_clean(browser: &Browser, state: &str) {
    let found = violations(browser);
    assert!(
        found.is_empty(),
        "{state}: {}",
        serde_json::to_string_pretty(&found).unwrap()
    );
    let name: String = state
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    browser.screenshot(&artifact(&format!("states/{name}.png")));
    browser.resize(390, 844);
    browser.screenshot(&artifact(&format!("states/{name}-390.png")));
    browser.resize(1280, 900);
}

/// Types "cod" in the dialog's box and moves to its first suggestion with the arrow key.
fn choose_a_suggestion(browser: &Browser) {
    set_query(browser, "modal", "cod");
    browser.wait_for(
        "suggestions",
        &format!("{ROOT} return !root.querySelector('[role=listbox]').hidden;"),
        &[json!("modal")],
    );
    browser.press(&[crate::webdriver::keys::ARROW_DOWN]);
    browser.wait_for(
        "an active suggestion",
        &format!("{ROOT} return !!root.querySelector('[role=option][aria-selected=true]');"),
        &[json!("modal")],
    );
}

fn settled(browser: &Browser, widget: &str) {
    browser.wait_for(
        "the widget's answer",
        &format!(
            "{ROOT} const r = root.querySelector('.root'); \
             return r && !r.classList.contains('loading') && root.querySelector('.hits').getAttribute('aria-busy') === null \
               && (r.dataset.query !== undefined || root.querySelector('.status').textContent !== '');"
        ),
        &[json!(widget)],
    );
}

#[test]
fn no_wcag_violations_in_any_state_light_or_dark() {
    if !repo_root()
        .join("tests/clients/node_modules/axe-core")
        .is_dir()
        && std::env::var_os("HIMSEARCH_SKIP_CLIENT_TESTS").is_some()
    {
        eprintln!("SKIPPED: axe-core is not installed (HIMSEARCH_SKIP_CLIENT_TESTS is set)");
        return;
    }
    let site = fixture_site();
    let server = Server::start_publishing(&site);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    serve_host(
        listener,
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host site</title></head><body>
<main><h1>A hospital HIM department</h1>
<him-search id="inline" facets="credential,job_title" per-page="5"></him-search>
<him-search id="modal" mode="modal" facets=""></him-search></main>
<script src="{}/embed.js" defer></script></body></html>"#,
            server.origin()
        ),
    );
    let Some(browser) = Browser::start() else {
        return;
    };
    let origin = server.origin();
    for dark in [false, true] {
        let scheme = if dark { "dark" } else { "light" };
        browser.cdp(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
        for (path, state) in [
            ("/", "browse"),
            ("/?q=coding", "results"),
            ("/?q=coding&credential=CCS", "filtered"),
            ("/?q=zzqxv", "zero results"),
            ("/?q=zzqxv&credential=CCS", "zero results, filtered"),
        ] {
            browser.goto(&format!("{origin}{path}"));
            settled(&browser, "search");
            assert_clean(&browser, &format!("search page, {state}, {scheme}"));
        }
        // The error state.
        browser.goto(&format!("{origin}/?q=coding"));
        settled(&browser, "search");
        browser.run(
            &format!("window.fetch = () => Promise.resolve(new Response('{{}}', {{ status: 500 }})); \
              {ROOT} const i = root.querySelector('input'); i.value = 'ccs'; i.dispatchEvent(new Event('input'));"),
            &[json!("search")],
        );
        browser.wait_for(
            "the error",
            &format!("{ROOT} return root.querySelector('.status').classList.contains('error');"),
            &[json!("search")],
        );
        assert_clean(&browser, &format!("search page, error, {scheme}"));
        for page in ["/embed", "/admin"] {
            browser.goto(&format!("{origin}{page}"));
            browser.wait_for(
                "the page",
                "return document.readyState === 'complete';",
                &[],
            );
            assert_clean(&browser, &format!("{page}, {scheme}"));
        }
        // The widget on another origin: inline with results, then the dialog open.
        browser.goto(&format!("{host}/"));
        browser.wait_for(
            "the widgets",
            "return !!document.getElementById('modal').shadowRoot;",
            &[],
        );
        set_query(&browser, "inline", "coding");
        browser.wait_for(
            "inline results",
            &format!("{ROOT} return root.querySelector('.root').dataset.query === 'coding' && !root.querySelector('.root').classList.contains('loading');"),
            &[json!("inline")],
        );
        assert_clean(&browser, &format!("widget inline, {scheme}"));
        browser.press_with_control("k");
        set_query(&browser, "modal", "rhit");
        browser.wait_for(
            "dialog results",
            &format!("{ROOT} return root.querySelector('.root').dataset.query === 'rhit' && !root.querySelector('.overlay').hidden;"),
            &[json!("modal")],
        );
        assert_clean(&browser, &format!("widget dialog, {scheme}"));
        // Suggestions open, one of them chosen with the arrow keys: its colours too.
        choose_a_suggestion(&browser);
        assert_clean(
            &browser,
            &format!("widget dialog with a suggestion chosen, {scheme}"),
        );
        browser.press(&[
            crate::webdriver::keys::ESCAPE,
            crate::webdriver::keys::ESCAPE,
        ]);
    }
    // Windows high contrast: the chosen suggestion is drawn in the system's highlight colours.
    browser.cdp(
        "Emulation.setEmulatedMedia",
        json!({"features": [{"name": "forced-colors", "value": "active"}, {"name": "prefers-color-scheme", "value": "light"}]}),
    );
    browser.goto(&format!("{host}/"));
    browser.wait_for(
        "the widgets",
        "return !!document.getElementById('modal').shadowRoot;",
        &[],
    );
    browser.press_with_control("k");
    choose_a_suggestion(&browser);
    let drawn = browser.wait_for(
        "the chosen suggestion's outline",
        &format!("{ROOT} const o = root.querySelector('[role=option][aria-selected=true]'); \
                  return o && [getComputedStyle(o).outlineStyle, getComputedStyle(o).forcedColorAdjust];"),
        &[json!("modal")],
    );
    assert_eq!(drawn, json!(["solid", "none"]));
    browser.screenshot(&artifact("states/widget-dialog-forced-colors.png"));
}
