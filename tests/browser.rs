//! The widget and the search page in a real browser (headless Chromium through chromedriver):
//! a host page on another origin embeds `<him-search>`, the tests type, tick facets, page, use
//! the keyboard and the Ctrl+K modal, and check that hostile titles render as text. Screenshots
//! are saved under `target/tmp/browser/` for people to look at.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::util::{Server, Site};
use crate::webdriver::{keys, Browser};

/// A title that is markup if anyone renders it as HTML.
const HOSTILE_TITLE: &str = "<img src=x onerror=window.__pwned=1> Coding <b>bold</b> claims";

pub(crate) fn fixture_site() -> Site {
    let site = Site::new();
    let page = |title: &str, body: &str| {
        format!("<!doctype html><html><head><title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>")
    };
    site.write(
        "credentials/ccs.html",
        page(
            "CCS: Certified Coding Specialist",
            "<p>The CCS shows mastery of hospital inpatient coding with ICD-10-CM and ICD-10-PCS.</p>",
        ),
    );
    site.write(
        "credentials/cpc.html",
        page(
            "CPC: Certified Professional Coder",
            "<p>The CPC covers physician-office coding with CPT and HCPCS.</p>",
        ),
    );
    site.write(
        "credentials/rhit.html",
        page(
            "RHIT: Registered Health Information Technician",
            "<p>RHIT holders manage records; coding is part of the exam. The RHIT needs an associate degree.</p>",
        ),
    );
    site.write(
        "articles/ccs-vs-cpc.html",
        page(
            "CCS vs CPC: choosing a coding credential",
            "<p>Hospital coding favours the CCS; clinic coding favours the CPC.</p>",
        ),
    );
    site.write(
        "jobs/coder.html",
        page(
            "Medical Coder",
            "<p>Coders turn documentation into codes. Coding jobs ask for the CPC or the CCS, and employers like the CPC and the CCS.</p>",
        ),
    );
    site.write(
        "articles/coding-careers.html",
        page(
            "Coding careers after school",
            "<p>Coding work ranges from hospitals to remote audits.</p>",
        ),
    );
    site.write(
        "articles/coding-audits.html",
        page(
            "Coding audits explained",
            "<p>Auditors re-check coding against the record.</p>",
        ),
    );
    site.write(
        "articles/hostile.html",
        format!(
            "<!doctype html><html><head><title>{HOSTILE_TITLE}</title></head><body><main>\
             <p>&lt;script&gt;window.__pwned=1&lt;/script&gt; coding notes &amp; \"quotes\" \
             about an unusual bold word.</p></main></body></html>"
        ),
    );
    site.write(
        "topics/privacy.html",
        page(
            "Health information privacy",
            "<p>HIPAA privacy and security rules; the CHPS credential.</p>",
        ),
    );
    // Enough coding pages for the search page to have a second page of ten.
    for n in 1..=6 {
        site.write(
            &format!("articles/coding-tip-{n}.html"),
            page(
                &format!("Coding tip {n}"),
                &format!(
                    "<p>Tip number {n} about coding: check modifier {n} and sequence {n}.</p>"
                ),
            ),
        );
    }
    site.index(&[]);
    site
}

/// Serves `html` for every request on `listener`: a host site on another origin than the
/// search server.
pub(crate) fn serve_host(listener: TcpListener, html: String) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 2 {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                html.len(),
                html
            );
        }
    });
}

pub(crate) fn artifact(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("browser")
        .join(name)
}

/// JavaScript returning the shadow root of the `<him-search>` with id `arguments[0]`.
pub(crate) const ROOT: &str = "const root = document.getElementById(arguments[0]).shadowRoot;";

/// Puts `text` in the widget's box as typing does (an input event).
pub(crate) fn set_query(browser: &Browser, widget: &str, text: &str) {
    browser.run(
        &format!(
            "{ROOT} const i = root.querySelector('input'); i.value = arguments[1]; \
             i.dispatchEvent(new Event('input'));"
        ),
        &[json!(widget), json!(text)],
    );
}

/// Empties the widget's box, without a search, and focuses it.
pub(crate) fn clear_box(browser: &Browser, widget: &str) {
    browser.run(
        &format!("{ROOT} const i = root.querySelector('input'); i.value = ''; i.focus();"),
        &[json!(widget)],
    );
}

pub(crate) fn hit_ids(browser: &Browser, widget: &str) -> Vec<String> {
    let ids = browser.run(
        &format!("{ROOT} return [...root.querySelectorAll('.hit')].map(h => h.dataset.id);"),
        &[json!(widget)],
    );
    serde_json::from_value(ids).expect("ids")
}

/// Waits until the widget's status line matches `expected` exactly.
pub(crate) fn wait_status(browser: &Browser, widget: &str, expected: &str) {
    browser.wait_for(
        &format!("status {expected:?} in #{widget}"),
        &format!(
            "{ROOT} const s = root.querySelector('.status').textContent; \
             const r = root.querySelector('.root'); \
             return s === arguments[1] && !r.classList.contains('loading') && root.querySelector('.hits').getAttribute('aria-busy') === null && \
               r.dataset.query === root.querySelector('input').value.trim();"
        ),
        &[json!(widget), json!(expected)],
    );
}

/// The status line the widget shows for the first page of `total` hits, `per_page` a page.
fn first_page_status(total: u64, per_page: u64) -> String {
    match total {
        1 => "1 result".to_string(),
        t if t > per_page => format!("1–{per_page} of {t} results"),
        t => format!("{t} results"),
    }
}

pub(crate) fn facet_counts(browser: &Browser, widget: &str, facet: &str) -> Vec<(String, u64)> {
    let value = browser.run(
        &format!(
            "{ROOT} return [...root.querySelectorAll(`fieldset[data-facet='${{arguments[1]}}'] label`)]\
             .map(l => [l.querySelector('input').value, Number(l.querySelector('.count').textContent)]);"
        ),
        &[json!(widget), json!(facet)],
    );
    serde_json::from_value(value).expect("facet counts")
}

fn api(server: &Server, path: &str) -> Value {
    reqwest::blocking::get(format!("{}{}", server.origin(), path))
        .expect("api request")
        .json()
        .expect("api json")
}

#[test]
fn widget_embedded_on_another_origin() {
    let site = fixture_site();
    let host_html_template = |api_origin: &str| {
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>Host site</title>
<style>body {{ font-family: serif; color: #400; }} input {{ background: black; }} mark {{ background: red; }}</style>
</head><body><h1>A hospital HIM department site</h1>
<p>Host styles must not leak into the widget.</p>
<him-search id="inline" facets="credential" per-page="3"></him-search>
<him-search id="modal" mode="modal" facets="" placeholder="Search the site"></him-search>
<him-search id="rhit-only" credential="RHIT" facets=""></him-search>
<him-search id="broken" endpoint="http://127.0.0.1:9" facets=""></him-search>
<script src="{api_origin}/embed.js" defer></script>
</body></html>"#
        )
    };
    // The host origin goes into the server's CORS allow-list, the server's origin into the
    // host page: bind the host first, serve its page once the server is up.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind host site");
    let host = format!("http://{}", listener.local_addr().expect("addr"));
    let server = Server::start(&site, &["--cors-origin", &host, "--rate-limit", "0"]);
    serve_host(listener, host_html_template(&server.origin()));
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("{host}/"));
    browser.wait_for(
        "the widget to be defined",
        "return !!customElements.get('him-search') && !!document.getElementById('inline').shadowRoot;",
        &[],
    );

    // Host CSS does not reach inside: the widget's input is not black.
    let background = browser.run(
        &format!("{ROOT} return getComputedStyle(root.querySelector('input')).backgroundColor;"),
        &[json!("inline")],
    );
    assert_eq!(background, json!("rgb(255, 255, 255)"));

    // Type a query: as-you-type results, 3 per page, exact count from the API.
    let expected = api(&server, "/api/search?q=coding&per_page=3");
    let total = expected["total"].as_u64().unwrap();
    assert!(total > 6, "fixture needs several pages: {expected}");
    let input = browser.element(
        &format!("{ROOT} return root.querySelector('input');"),
        &[json!("inline")],
    );
    browser.type_into(&input, "coding");
    wait_status(&browser, "inline", &format!("1–3 of {total} results"));
    let first_page = hit_ids(&browser, "inline");
    let expected_ids: Vec<String> = expected["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(first_page, expected_ids, "same ranking as the API");
    browser.screenshot(&artifact("widget-results.png"));
    // Clicking elsewhere closes the suggestions that cover the facets.
    browser.click(&browser.element("return document.querySelector('h1');", &[]));
    browser.wait_for(
        "suggestions to close",
        &format!("{ROOT} return root.querySelector('[role=listbox]').hidden;"),
        &[json!("inline")],
    );

    // Facet counts are the API's disjunctive counts; ticking CCS narrows to that count.
    let counts = facet_counts(&browser, "inline", "credential");
    let ccs = counts
        .iter()
        .find(|(value, _)| value == "CCS")
        .map(|(_, count)| *count)
        .expect("CCS facet shown");
    assert!(ccs >= 2 && ccs < total, "{counts:?}");
    let ccs_box = browser.element(
        &format!("{ROOT} return root.querySelector(`fieldset[data-facet='credential'] input[value='CCS']`);"),
        &[json!("inline")],
    );
    browser.click(&ccs_box);
    wait_status(&browser, "inline", &first_page_status(ccs, 3));
    let tagged = browser.run(
        &format!(
            "{ROOT} return [...root.querySelectorAll('.hit')].every(h => \
             [...h.querySelectorAll('.tag')].some(t => t.textContent === 'CCS'));"
        ),
        &[json!("inline")],
    );
    assert_eq!(
        tagged,
        json!(true),
        "every hit carries the ticked credential"
    );
    let after = facet_counts(&browser, "inline", "credential");
    assert!(
        after.iter().any(|(v, c)| v == "CCS" && *c == ccs),
        "the ticked value keeps its count: {after:?}"
    );
    let checked = browser.run(
        &format!("{ROOT} return root.querySelector(`input[value='CCS']`).checked;"),
        &[json!("inline")],
    );
    assert_eq!(checked, json!(true));
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector(`input[value='CCS']`);"),
        &[json!("inline")],
    ));
    wait_status(&browser, "inline", &format!("1–3 of {total} results"));

    // Pagination.
    let next = browser.element(
        &format!("{ROOT} return root.querySelector('.pager .next');"),
        &[json!("inline")],
    );
    browser.click(&next);
    wait_status(&browser, "inline", &format!("4–6 of {total} results"));
    let second_page = hit_ids(&browser, "inline");
    assert_eq!(second_page.len(), 3);
    assert!(second_page.iter().all(|id| !first_page.contains(id)));
    let prev = browser.element(
        &format!("{ROOT} return root.querySelector('.pager .prev');"),
        &[json!("inline")],
    );
    browser.click(&prev);
    wait_status(&browser, "inline", &format!("1–3 of {total} results"));

    // Keyboard: arrows move from the box into the results and back.
    browser.click(&input);
    let focused_hit = |browser: &Browser| {
        browser.run(
            &format!(
                "{ROOT} const a = root.activeElement; \
                 return a && a.tagName === 'A' ? a.closest('.hit').dataset.id : (a ? a.tagName : null);"
            ),
            &[json!("inline")],
        )
    };
    browser.press(&[keys::ARROW_DOWN]);
    assert_eq!(focused_hit(&browser), json!(first_page[0]));
    browser.press(&[keys::ARROW_DOWN]);
    assert_eq!(focused_hit(&browser), json!(first_page[1]));
    browser.press(&[keys::ARROW_UP, keys::ARROW_UP]);
    assert_eq!(focused_hit(&browser), json!("INPUT"));

    // Suggestions: a listbox the arrows walk, Enter picks.
    set_query(&browser, "inline", "");
    browser.type_into(&input, "cod");
    let first_suggestion = browser.wait_for(
        "suggestions",
        &format!(
            "{ROOT} const list = root.querySelector('[role=listbox]'); \
             return !list.hidden && list.children.length > 0 && list.children[0].firstChild.textContent;"
        ),
        &[json!("inline")],
    );
    let expanded = browser.run(
        &format!("{ROOT} return root.querySelector('input').getAttribute('aria-expanded');"),
        &[json!("inline")],
    );
    assert_eq!(expanded, json!("true"));
    browser.press(&[keys::ARROW_DOWN]);
    let active = browser.run(
        &format!(
            "{ROOT} const i = root.querySelector('input'); \
             const o = root.getElementById(i.getAttribute('aria-activedescendant')); \
             return o && o.getAttribute('aria-selected') === 'true' && o.firstChild.textContent;"
        ),
        &[json!("inline")],
    );
    assert_eq!(active, first_suggestion);
    browser.press(&[keys::ENTER]);
    let chosen = browser.wait_for(
        "the suggestion to be chosen",
        &format!(
            "{ROOT} const i = root.querySelector('input'); \
             return root.querySelector('[role=listbox]').hidden && i.value;"
        ),
        &[json!("inline")],
    );
    assert_eq!(chosen, first_suggestion);

    // Did you mean, then a hostile title rendered as text.
    set_query(&browser, "inline", "");
    browser.type_into(&input, "rhti");
    wait_status(&browser, "inline", "No results for “rhti”.");
    let fix = browser.element(
        &format!("{ROOT} const p = root.querySelector('.didyoumean'); return !p.hidden && p.querySelector('button');"),
        &[json!("inline")],
    );
    browser.click(&fix);
    let rhit_total = api(&server, "/api/search?q=rhit")["total"]
        .as_u64()
        .unwrap();
    wait_status(&browser, "inline", &first_page_status(rhit_total, 3));
    set_query(&browser, "inline", "");
    browser.type_into(&input, "bold claims");
    wait_status(&browser, "inline", "1 result");
    let title = browser.run(
        &format!("{ROOT} return root.querySelector('.hit .title').textContent;"),
        &[json!("inline")],
    );
    assert_eq!(title, json!(HOSTILE_TITLE));
    let injected = browser.run(
        &format!(
            "{ROOT} return [root.querySelectorAll('.hit img, .hit b, .hit script').length, \
             root.querySelectorAll('.hit mark').length > 0, window.__pwned === undefined, \
             root.querySelector('.hit .snippet').textContent.includes('<script>window.__pwned=1</script>')];"
        ),
        &[json!("inline")],
    );
    assert_eq!(injected, json!([0, true, true, true]));
    browser.screenshot(&artifact("widget-hostile-title.png"));

    // Empty state.
    set_query(&browser, "inline", "");
    browser.type_into(&input, "zzqxv");
    wait_status(&browser, "inline", "No results for “zzqxv”.");

    // Preset filter: the RHIT-only box never shows another credential's pages.
    let rhit_input = browser.element(
        &format!("{ROOT} return root.querySelector('input');"),
        &[json!("rhit-only")],
    );
    browser.type_into(&rhit_input, "coding");
    let expected = api(&server, "/api/search?q=coding&credential=RHIT");
    let preset_total = expected["total"].as_u64().unwrap();
    assert!(preset_total >= 1 && preset_total < total);
    wait_status(&browser, "rhit-only", &first_page_status(preset_total, 10));

    // Error state: a server that is not there.
    let broken_input = browser.element(
        &format!("{ROOT} return root.querySelector('input');"),
        &[json!("broken")],
    );
    browser.type_into(&broken_input, "coding");
    browser.wait_for(
        "the error state",
        &format!(
            "{ROOT} const s = root.querySelector('.status'); \
             return s.classList.contains('error') && s.textContent.startsWith('Search failed');"
        ),
        &[json!("broken")],
    );

    // Modal: Ctrl+K opens it with the focus in its box; Esc closes it and returns the focus.
    browser.run("document.activeElement.blur(); document.body.focus();", &[]);
    browser.press_with_control("k");
    browser.wait_for(
        "the modal to open",
        &format!(
            "{ROOT} return !root.querySelector('.overlay').hidden && \
             root.activeElement === root.querySelector('.dialog input');"
        ),
        &[json!("modal")],
    );
    let role = browser.run(
        &format!("{ROOT} const d = root.querySelector('.dialog'); return [d.getAttribute('role'), d.getAttribute('aria-modal')];"),
        &[json!("modal")],
    );
    assert_eq!(role, json!(["dialog", "true"]));
    browser.press(&["r", "h", "i", "t"]);
    wait_status(&browser, "modal", &first_page_status(rhit_total, 10));
    browser.screenshot(&artifact("widget-modal.png"));
    // The first Esc closes the suggestions if they are open, the next one the dialog.
    browser.press(&[keys::ESCAPE, keys::ESCAPE]);
    browser.wait_for(
        "the modal to close",
        &format!(
            "{ROOT} return root.querySelector('.overlay').hidden && \
             root.activeElement === root.querySelector('.trigger');"
        ),
        &[json!("modal")],
    );
    // "/" opens it too, but not while typing in a field.
    browser.run("document.activeElement.blur();", &[]);
    browser.press(&["/"]);
    browser.wait_for(
        "the modal to open on /",
        &format!("{ROOT} return !root.querySelector('.overlay').hidden;"),
        &[json!("modal")],
    );
    browser.press(&[keys::ESCAPE]);
}

#[test]
fn search_page_keeps_query_and_filters_in_the_url() {
    let site = fixture_site();
    let corpus = site.corpus();
    let server = Server::start(
        &site,
        &["--rate-limit", "0", "--site-dir", corpus.to_str().unwrap()],
    );
    let origin = server.origin();

    // Headers: strict CSP, no inline script, nosniff; the raw query is never reflected.
    let hostile = "%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E";
    let page = reqwest::blocking::get(format!("{origin}/?q={hostile}")).expect("page");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let body = page.text().unwrap();
    assert!(
        !body.contains("__pwned"),
        "query text reflected into the page"
    );

    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("{origin}/?q={hostile}"));
    browser.wait_for(
        "the hostile query to run as text",
        &format!("{ROOT} return root.querySelector('input').value === '<script>window.__pwned=1</script>' && root.querySelector('.status').textContent;"),
        &[json!("search")],
    );
    assert_eq!(
        browser.run("return window.__pwned === undefined;", &[]),
        json!(true)
    );

    // State from the URL: query, filter, checkbox.
    let both = api(&server, "/api/search?q=coding&credential=CCS");
    let ccs_total = both["total"].as_u64().unwrap();
    browser.goto(&format!("{origin}/?q=coding&credential=CCS"));
    wait_status(&browser, "search", &format!("{ccs_total} results"));
    let state = browser.run(
        &format!("{ROOT} return [root.querySelector('input').value, root.querySelector(`input[value='CCS']`).checked];"),
        &[json!("search")],
    );
    assert_eq!(state, json!(["coding", true]));

    // Ticking another credential writes it to the URL (disjunctive within a facet).
    let either = api(
        &server,
        "/api/search?q=coding&credential=CCS&credential=CPC",
    )["total"]
        .as_u64()
        .unwrap();
    assert!(either > ccs_total);
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector(`input[value='CPC']`);"),
        &[json!("search")],
    ));
    wait_status(&browser, "search", &format!("{either} results"));
    assert_eq!(
        browser.run("return location.search;", &[]),
        json!("?q=coding&credential=CCS&credential=CPC")
    );

    // Pages: page 2 goes into the URL, Back restores page 1, a reload keeps page 2.
    let total = api(&server, "/api/search?q=coding")["total"]
        .as_u64()
        .unwrap();
    assert!(
        total > 10 && total <= 20,
        "fixture gives two pages: {total}"
    );
    browser.goto(&format!("{origin}/?q=coding"));
    wait_status(&browser, "search", &format!("1–10 of {total} results"));
    browser.screenshot(&artifact("search-page.png"));
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector('.pager .next');"),
        &[json!("search")],
    ));
    wait_status(
        &browser,
        "search",
        &format!("11–{total} of {total} results"),
    );
    assert_eq!(
        browser.run("return location.search;", &[]),
        json!("?q=coding&page=2")
    );
    browser.back();
    wait_status(&browser, "search", &format!("1–10 of {total} results"));
    assert_eq!(
        browser.run("return location.search;", &[]),
        json!("?q=coding")
    );
    browser.goto(&format!("{origin}/?q=coding&page=2"));
    wait_status(
        &browser,
        "search",
        &format!("11–{total} of {total} results"),
    );

    // Result links open the indexed page, served from --site-dir in a sandbox.
    let href = browser.run(
        &format!("{ROOT} return root.querySelector('.hit a').href;"),
        &[json!("search")],
    );
    let href = href.as_str().unwrap();
    assert!(href.starts_with(&format!("{origin}/site/")), "{href}");
    let opened = reqwest::blocking::get(href).unwrap();
    assert_eq!(opened.status(), 200);
    assert!(opened.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));

    // Phone width: filters fold behind a button.
    browser.resize(390, 844);
    browser.goto(&format!("{origin}/?q=coding"));
    wait_status(&browser, "search", &format!("1–10 of {total} results"));
    let folded = browser.run(
        &format!(
            "{ROOT} const t = root.querySelector('.filters-toggle'); \
             return [getComputedStyle(t).display !== 'none', getComputedStyle(root.querySelector('.groups')).display];"
        ),
        &[json!("search")],
    );
    assert_eq!(folded, json!([true, "none"]));
    browser.screenshot(&artifact("search-page-phone.png"));
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector('.filters-toggle');"),
        &[json!("search")],
    ));
    let shown = browser.run(
        &format!("{ROOT} return getComputedStyle(root.querySelector('.groups')).display;"),
        &[json!("search")],
    );
    assert_eq!(shown, json!("flex"));

    // The embed documentation page shows this server's own snippet and a live preview.
    browser.resize(1280, 1000);
    browser.goto(&format!("{origin}/embed"));
    let snippet = browser.wait_for(
        "the snippet",
        "const c = document.getElementById('snippet').textContent; return c.includes(location.origin) && c;",
        &[],
    );
    assert!(snippet
        .as_str()
        .unwrap()
        .contains(&format!("{origin}/embed.js")));
    browser.screenshot(&artifact("embed-page.png"));
}
