//! The search box's behaviour while typing, on errors and empty results, in the page's history
//! and address, with the keyboard, and in dark mode (issue #22), in headless Chromium on the
//! search page and on a host page of another origin.

use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;

use crate::browser::{artifact, clear_box, fixture_site, serve_host, wait_status, ROOT};
use crate::util::Server;
use crate::webdriver::{keys, Browser};

fn start() -> Option<(Server, Browser, crate::util::Site)> {
    let site = fixture_site();
    let server = Server::start(&site, &["--rate-limit", "0"]);
    let browser = Browser::start()?;
    Some((server, browser, site))
}

fn input(browser: &Browser) -> crate::webdriver::Element {
    browser.element(
        &format!("{ROOT} return root.querySelector('input');"),
        &[json!("search")],
    )
}

/// Waits until the search page shows the answer to what its box holds, and returns its status.
fn settled(browser: &Browser) -> String {
    browser
        .wait_for(
            "the results of the query in the box",
            &format!(
                "{ROOT} const r = root.querySelector('.root'); \
                 return !r.classList.contains('loading') && root.querySelector('.hits').getAttribute('aria-busy') === null \
                   && r.dataset.query === root.querySelector('input').value.trim() \
                   && root.querySelector('.status').textContent;"
            ),
            &[json!("search")],
        )
        .as_str()
        .unwrap()
        .to_string()
}

fn searches_sent(browser: &Browser) -> u64 {
    browser
        .run(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/search')).length;",
            &[],
        )
        .as_u64()
        .unwrap()
}

fn status(browser: &Browser) -> String {
    browser
        .run(
            &format!("{ROOT} return root.querySelector('.status').textContent;"),
            &[json!("search")],
        )
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn typing_sends_one_search_per_pause_and_one_letter_keeps_the_results() {
    let Some((server, browser, _site)) = start() else {
        return;
    };
    browser.goto(&format!("{}/?q=coding", server.origin()));
    let first = settled(&browser);
    let shown = browser.run(
        &format!("{ROOT} return root.querySelectorAll('.hit').length;"),
        &[json!("search")],
    );
    browser.run("performance.clearResourceTimings();", &[]);
    let box_ = input(&browser);
    clear_box(&browser, "search");
    browser.type_into(&box_, "h");
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        searches_sent(&browser),
        0,
        "one letter is not searched as you type"
    );
    assert_eq!(
        browser.run(
            &format!("{ROOT} return root.querySelectorAll('.hit').length;"),
            &[json!("search")]
        ),
        shown,
        "the results stay until a word forms"
    );
    assert_eq!(status(&browser), first);
    // The rest of the word at 180 ms a key: one search, for the word.
    browser.type_slowly("ealth", Duration::from_millis(180));
    browser.wait_for(
        "health's results",
        &format!("{ROOT} return root.querySelector('.root').dataset.query === 'health';"),
        &[json!("search")],
    );
    assert_eq!(searches_sent(&browser), 1, "one search for one word typed");
}

#[test]
fn a_slow_search_says_it_runs_and_old_results_are_dimmed() {
    let Some((server, browser, _site)) = start() else {
        return;
    };
    browser.goto(&format!("{}/?q=coding", server.origin()));
    settled(&browser);
    // Every search now takes 1.5 s.
    browser.run(
        "const slow = window.fetch; window.fetch = (url, init) => String(url).includes('/api/search')
           ? new Promise((done) => setTimeout(() => done(slow(url, init)), 1500)) : slow(url, init);",
        &[],
    );
    clear_box(&browser, "search");
    browser.type_into(&input(&browser), "ccs");
    let running = browser.wait_for(
        "the searching state",
        &format!(
            "{ROOT} const r = root.querySelector('.root'); \
             return r.classList.contains('loading') && root.querySelector('.hits').getAttribute('aria-busy') === 'true' \
               && root.querySelector('.status').textContent;"
        ),
        &[json!("search")],
    );
    assert_eq!(running, "Searching for “ccs”…");
    // Past the transition's delay, the old results are dimmed.
    std::thread::sleep(Duration::from_millis(600));
    let opacity = browser.run(
        &format!("{ROOT} return getComputedStyle(root.querySelector('.hits')).opacity;"),
        &[json!("search")],
    );
    assert!(
        opacity.as_str().unwrap().parse::<f64>().unwrap() < 0.6,
        "{opacity}"
    );
    browser.screenshot(&artifact("ux-searching.png"));
    browser.wait_for(
        "ccs's results",
        &format!("{ROOT} return root.querySelector('.root').dataset.query === 'ccs' && !root.querySelector('.root').classList.contains('loading');"),
        &[json!("search")],
    );
    assert!(status(&browser).ends_with("results") || status(&browser).ends_with("result"));
}

#[test]
fn esc_clears_the_query_and_the_page() {
    let Some((server, browser, _site)) = start() else {
        return;
    };
    browser.goto(&format!("{}/?q=coding&page=2", server.origin()));
    browser.wait_for(
        "page 2",
        &format!("{ROOT} return root.querySelector('.status').textContent.startsWith('11–');"),
        &[json!("search")],
    );
    browser.click(&input(&browser));
    browser.press(&[keys::ESCAPE]);
    browser.wait_for(
        "page 1 of everything",
        &format!("{ROOT} return root.querySelector('.status').textContent.startsWith('1–10 of');"),
        &[json!("search")],
    );
    assert_eq!(browser.run("return location.search;", &[]), json!(""));
}

#[test]
fn empty_results_offer_a_way_out_and_errors_drop_stale_filters() {
    let Some((server, browser, _site)) = start() else {
        return;
    };
    browser.goto(&format!("{}/?q=coding&credential=CCS", server.origin()));
    settled(&browser);
    clear_box(&browser, "search");
    browser.type_into(&input(&browser), "zzqxv");
    wait_status(&browser, "search", "No results for “zzqxv”.");
    let help = browser.run(
        &format!(
            "{ROOT} const h = root.querySelector('.help'); return !h.hidden && h.textContent;"
        ),
        &[json!("search")],
    );
    assert!(
        help.as_str().unwrap().contains("Check the spelling"),
        "{help}"
    );
    assert!(
        help.as_str().unwrap().contains("Clear the filters"),
        "{help}"
    );
    browser.screenshot(&artifact("ux-no-results.png"));
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector('.clear-filters');"),
        &[json!("search")],
    ));
    browser.wait_for(
        "the filters cleared",
        "return !location.search.includes('credential');",
        &[],
    );
    wait_status(&browser, "search", "No results for “zzqxv”.");
    // A failing server: the error, and no facet counts of another query.
    browser.goto(&format!("{}/?q=coding", server.origin()));
    settled(&browser);
    let facets_before = browser.run(
        &format!("{ROOT} return root.querySelectorAll('.facets fieldset').length;"),
        &[json!("search")],
    );
    assert!(facets_before.as_u64().unwrap() > 0);
    browser.run(
        "window.fetch = () => Promise.resolve(new Response('{}', { status: 500 }));",
        &[],
    );
    clear_box(&browser, "search");
    browser.type_into(&input(&browser), "coding");
    browser.wait_for(
        "the error",
        &format!("{ROOT} return root.querySelector('.status').classList.contains('error');"),
        &[json!("search")],
    );
    let facets_shown = browser.run(
        &format!("{ROOT} return !root.querySelector('.facets').hidden && root.querySelectorAll('.facets fieldset').length;"),
        &[json!("search")],
    );
    assert_eq!(facets_shown, json!(false));
}

#[test]
fn the_first_query_typed_can_be_undone_with_back_and_names_the_tab() {
    let Some((server, browser, _site)) = start() else {
        return;
    };
    browser.goto(&format!("{}/", server.origin()));
    browser.wait_for(
        "the browse page",
        &format!("{ROOT} return root.querySelectorAll('.hit').length > 0;"),
        &[json!("search")],
    );
    let title = browser.run("return document.title;", &[]);
    // Typed in two bursts: the second replaces the first's history entry.
    browser.type_into(&input(&browser), "rh");
    browser.wait_for(
        "rh's results",
        &format!("{ROOT} return root.querySelector('.root').dataset.query === 'rh';"),
        &[json!("search")],
    );
    browser.type_into(&input(&browser), "it");
    browser.wait_for(
        "rhit's results",
        &format!("{ROOT} return root.querySelector('.root').dataset.query === 'rhit';"),
        &[json!("search")],
    );
    assert_eq!(
        browser.run("return location.search;", &[]),
        json!("?q=rhit")
    );
    assert_eq!(
        browser.run("return document.title;", &[]),
        json!(format!("rhit · {}", title.as_str().unwrap()))
    );
    browser.back();
    browser.wait_for(
        "the page before the query",
        &format!("{ROOT} return location.pathname === '/' && location.search === '' && root.querySelector('input').value === '';"),
        &[json!("search")],
    );
}

#[test]
fn url_state_keeps_the_host_pages_address_and_parameters() {
    let site = fixture_site();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    let server = Server::start(&site, &["--rate-limit", "0"]);
    serve_host(
        listener,
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>Host</title></head><body>
<him-search id="search" url-state facets="credential"></him-search>
<script src="{}/embed.js" defer></script></body></html>"#,
            server.origin()
        ),
    );
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!(
        "{host}/?lang=fr&utm_source=newsletter&q=host&page=3#top"
    ));
    browser.wait_for(
        "the widget",
        "return !!document.getElementById('search').shadowRoot;",
        &[],
    );
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        browser.run(
            &format!("{ROOT} return root.querySelector('input').value;"),
            &[json!("search")]
        ),
        json!(""),
        "the host's own q is not a search"
    );
    browser.type_into(&input(&browser), "rhia");
    browser.wait_for(
        "rhia's results",
        &format!("{ROOT} return root.querySelector('.root').dataset.query === 'rhia';"),
        &[json!("search")],
    );
    assert_eq!(
        browser.run("return location.search + location.hash;", &[]),
        json!("?lang=fr&utm_source=newsletter&q=host&page=3&hs_q=rhia#top")
    );
}

#[test]
fn focus_stays_where_the_reader_was_after_a_redraw() {
    // Twelve credentials: more than a facet shows before "Show all".
    let site = crate::util::Site::new();
    for code in [
        "RHIT", "RHIA", "CCA", "CCS", "CPC", "CDIP", "CHDA", "CHPS", "CTR", "CPB", "COC", "CRC",
    ] {
        site.write(
            &format!("credentials/{}.html", code.to_lowercase()),
            format!("<title>{code} credential</title><main><p>The {code} credential for coding careers.</p></main>"),
        );
    }
    site.index(&[]);
    let server = Server::start(&site, &["--rate-limit", "0"]);
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("{}/?q=coding", server.origin()));
    settled(&browser);
    let more = browser.run(
        &format!("{ROOT} const b = root.querySelector('fieldset > button.link'); if (b) b.focus(); return b && b.textContent;"),
        &[json!("search")],
    );
    assert!(
        more.as_str().is_some_and(|t| t.starts_with("Show all")),
        "{more}"
    );
    browser.press(&[keys::ENTER]);
    let focused = browser.run(
        &format!("{ROOT} return root.activeElement && root.activeElement.textContent;"),
        &[json!("search")],
    );
    assert_eq!(focused, json!("Show fewer"));
    // Did you mean: Enter on it, and focus is back in the box, not on the page.
    clear_box(&browser, "search");
    browser.type_into(&input(&browser), "rhti");
    assert_eq!(settled(&browser), "No results for “rhti”.");
    browser.run(
        &format!("{ROOT} root.querySelector('.didyoumean button').focus();"),
        &[json!("search")],
    );
    browser.press(&[keys::ENTER]);
    browser.wait_for(
        "the corrected search with focus in the box",
        &format!("{ROOT} return root.querySelector('.root').dataset.query === 'rhit' && root.activeElement === root.querySelector('input');"),
        &[json!("search")],
    );
}

#[test]
fn dark_mode_and_link_names() {
    let Some((server, browser, _site)) = start() else {
        return;
    };
    browser.cdp(
        "Emulation.setEmulatedMedia",
        json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]}),
    );
    browser.goto(&format!("{}/?q=coding", server.origin()));
    settled(&browser);
    let colours = browser.run(
        &format!(
            "{ROOT} return [getComputedStyle(root.querySelector('input')).backgroundColor, \
             getComputedStyle(root.querySelector('.root')).color, getComputedStyle(document.body).backgroundColor];"
        ),
        &[json!("search")],
    );
    assert_eq!(colours[0], json!("rgb(22, 32, 43)"), "{colours}");
    assert_eq!(colours[1], json!("rgb(228, 231, 235)"), "{colours}");
    assert_ne!(
        colours[2],
        json!("rgb(245, 247, 250)"),
        "the page is dark too: {colours}"
    );
    browser.screenshot(&artifact("ux-dark.png"));
    // A result link holds its title alone (so is named by it); the rest describes it.
    let name = browser.run(
        &format!(
            "{ROOT} const a = root.querySelector('.hit a'); \
             return [a.textContent, a.closest('.hit').querySelector('.title').textContent];"
        ),
        &[json!("search")],
    );
    assert_eq!(name[0], name[1]);
}

#[test]
fn chips_numbered_pages_skip_link_and_breadcrumbs() {
    let Some((server, browser, _site)) = start() else {
        return;
    };
    browser.goto(&format!(
        "{}/?q=coding&credential=CCS&credential=CPC",
        server.origin()
    ));
    settled(&browser);
    let chips = browser.run(
        &format!("{ROOT} return [...root.querySelectorAll('.chips .chip')].map(c => c.getAttribute('aria-label'));"),
        &[json!("search")],
    );
    assert_eq!(
        chips,
        json!([
            "Remove filter Credential: CCS",
            "Remove filter Credential: CPC"
        ])
    );
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector('.chips .chip');"),
        &[json!("search")],
    ));
    browser.wait_for(
        "CCS removed",
        "return location.search === '?q=coding&credential=CPC';",
        &[],
    );
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector('.chips .clear-all');"),
        &[json!("search")],
    ));
    browser.wait_for(
        "all filters removed",
        "return location.search === '?q=coding';",
        &[],
    );
    let status = settled(&browser);
    assert!(status.starts_with("1–10 of"), "{status}");
    // Numbered pages.
    let pages = browser.run(
        &format!("{ROOT} return [...root.querySelectorAll('.pages button')].map(b => [b.textContent, b.getAttribute('aria-current')]);"),
        &[json!("search")],
    );
    assert_eq!(pages, json!([["1", "page"], ["2", null]]));
    browser.click(&browser.element(
        &format!("{ROOT} return root.querySelector('.pages button[aria-label=\"Page 2\"]');"),
        &[json!("search")],
    ));
    browser.wait_for(
        "page 2",
        "return location.search === '?q=coding&page=2';",
        &[],
    );
    // The first stop in the filters skips to the results.
    let skip = browser.run(
        &format!("{ROOT} return root.querySelector('.facets').firstElementChild.textContent;"),
        &[json!("search")],
    );
    assert_eq!(skip, json!("Skip to results"));
    browser.run(
        &format!("{ROOT} root.querySelector('.skip').focus();"),
        &[json!("search")],
    );
    browser.press(&[keys::ENTER]);
    let focused = browser.run(
        &format!("{ROOT} return root.activeElement === root.querySelector('.hit a');"),
        &[json!("search")],
    );
    assert_eq!(focused, json!(true));
    // A trail, not a raw address.
    let trail = browser.run(
        &format!("{ROOT} return root.querySelector('.hit .url').textContent;"),
        &[json!("search")],
    );
    assert!(
        trail.as_str().unwrap().contains(" › site › articles › "),
        "{trail}"
    );
    assert!(!trail.as_str().unwrap().contains(".html"), "{trail}");
    browser.screenshot(&artifact("ux-chips-pages.png"));
}

/// A server publishing the fixture site, and a page of another origin holding `body` and the
/// widget's script from that server: the site, the server and the page's URL.
fn host_page(body: &str) -> (crate::util::Site, Server, String) {
    let site = fixture_site();
    let server = Server::start_publishing(&site);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    serve_host(
        listener,
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>Host</title></head><body>
{body}
<script src="{}/embed.js" defer></script></body></html>"#,
            server.origin()
        ),
    );
    (site, server, host)
}

#[test]
fn the_modal_returns_focus_locks_the_page_and_esc_closes_suggestions_first() {
    let (_site, server, host) = host_page(
        r#"<button id="before">A host button</button><p id="text">Host text</p>
<him-search id="search" mode="modal" facets=""></him-search>"#,
    );
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("{host}/"));
    browser.wait_for(
        "the widget",
        "return !!document.getElementById('search').shadowRoot;",
        &[],
    );
    browser.run("document.getElementById('before').focus();", &[]);
    browser.press_with_control("k");
    browser.wait_for(
        "the dialog",
        &format!("{ROOT} return !root.querySelector('.overlay').hidden;"),
        &[json!("search")],
    );
    let locked = browser.run(
        "return [document.documentElement.style.overflow, document.getElementById('before').inert, document.getElementById('text').inert];",
        &[],
    );
    assert_eq!(locked, json!(["hidden", true, true]));
    let hints = browser.run(
        &format!("{ROOT} const h = root.querySelector('.dialog .hints'); return h && getComputedStyle(h).display !== 'none' && h.textContent;"),
        &[json!("search")],
    );
    assert_eq!(hints, json!("↑↓ to move · Enter to open · Esc to close"));
    browser.type_into(&input(&browser), "cod");
    browser.wait_for(
        "suggestions",
        &format!("{ROOT} return !root.querySelector('[role=listbox]').hidden;"),
        &[json!("search")],
    );
    browser.press(&[keys::ESCAPE]);
    let state = browser.run(
        &format!("{ROOT} return [root.querySelector('[role=listbox]').hidden, root.querySelector('.overlay').hidden];"),
        &[json!("search")],
    );
    assert_eq!(
        state,
        json!([true, false]),
        "Esc closes the suggestions, not the dialog"
    );
    browser.press(&[keys::ESCAPE]);
    browser.wait_for(
        "the dialog closed, focus back on the host's button",
        &format!(
            "{ROOT} return root.querySelector('.overlay').hidden && document.activeElement && \
             document.activeElement.id === 'before' && document.documentElement.style.overflow === '' \
             && !document.getElementById('text').inert;"
        ),
        &[json!("search")],
    );
    // Taken off the page with its dialog open: the page is usable again.
    browser.press_with_control("k");
    browser.wait_for(
        "the dialog again",
        &format!("{ROOT} return !root.querySelector('.overlay').hidden;"),
        &[json!("search")],
    );
    let after = browser.run(
        "document.getElementById('search').remove(); \
         return [document.documentElement.style.overflow, document.getElementById('text').inert];",
        &[],
    );
    assert_eq!(after, json!(["", false]));
    browser.goto(&format!("{host}/"));
    browser.wait_for(
        "the widget",
        "return !!document.getElementById('search').shadowRoot;",
        &[],
    );
    // Without base-url, result links open where the server publishes the site.
    browser.press_with_control("k");
    browser.type_into(&input(&browser), "coding");
    let href = browser.wait_for(
        "a hit",
        &format!("{ROOT} const a = root.querySelector('.hit a'); return a && a.href;"),
        &[json!("search")],
    );
    assert!(
        href.as_str()
            .unwrap()
            .starts_with(&format!("{}/site/", server.origin())),
        "{href}"
    );
}

#[test]
fn ctrl_k_opens_the_dialog_while_the_facet_kinds_load() {
    let (_site, _server, host) = host_page(r#"<him-search id="search" mode="modal"></him-search>"#);
    let Some(browser) = Browser::start() else {
        return;
    };
    // The server's answer to `api/facets` is held back until the test lets it through: a slow
    // network at the moment the reader reaches for the hotkey.
    browser.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": "const realFetch = window.fetch;             window.heldFacets = new Promise((go) => { window.releaseFacets = go; });             window.fetch = function (input, init) {               const url = String(input instanceof Request ? input.url : input);               const send = () => realFetch.call(window, input, init);               return url.includes('/api/facets') ? window.heldFacets.then(send) : send(); };"}),
    );
    browser.goto(&format!("{host}/"));
    browser.wait_for(
        "the widget",
        "return !!document.getElementById('search').shadowRoot;",
        &[],
    );
    browser.press_with_control("k");
    browser.wait_for(
        "the dialog, its box focused, before the facet kinds arrive",
        &format!(
            "{ROOT} return !root.querySelector('.overlay').hidden && \
             root.activeElement === root.querySelector('input');"
        ),
        &[json!("search")],
    );
    browser.type_into(&input(&browser), "coding");
    browser.run("window.releaseFacets();", &[]);
    let shown = browser.wait_for(
        "results and the facet kinds once they arrive",
        &format!(
            "{ROOT} return root.querySelector('.root').dataset.query === 'coding' && \
             root.querySelectorAll('.hit').length > 0 && root.querySelectorAll('fieldset[data-facet]').length;"
        ),
        &[json!("search")],
    );
    assert_eq!(shown, json!(2), "the first two kinds are shown by default");
}

#[test]
fn the_embed_page_fits_a_320_px_screen() {
    let Some((server, browser, _site)) = start() else {
        return;
    };
    browser.resize(320, 800);
    browser.goto(&format!("{}/embed", server.origin()));
    browser.wait_for(
        "the preview's widget drawn",
        "const w = document.querySelector('him-search'); return w && w.shadowRoot && w.shadowRoot.querySelector('input');",
        &[],
    );
    std::thread::sleep(Duration::from_millis(300));
    let wide = browser.run(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        &[],
    );
    assert!(wide.as_i64().unwrap() <= 0, "sideways scroll of {wide} px");
}

#[test]
fn recent_searches_and_page_suggestions() {
    let site = fixture_site();
    let server = Server::start_publishing(&site);
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("{}/", server.origin()));
    settled(&browser);
    browser.run("localStorage.clear();", &[]);
    browser.type_into(&input(&browser), "coding");
    browser.press(&[keys::ENTER]);
    browser.wait_for(
        "coding's results",
        &format!("{ROOT} return root.querySelector('.root').dataset.query === 'coding';"),
        &[json!("search")],
    );
    // Emptied and focused again: the recent search is offered, and can be forgotten.
    browser.run(
        &format!(
            "{ROOT} const i = root.querySelector('input'); i.value = ''; i.blur(); i.focus();"
        ),
        &[json!("search")],
    );
    let offered = browser.wait_for(
        "recent searches",
        &format!("{ROOT} const l = root.querySelector('[role=listbox]'); return !l.hidden && [...l.children].map(li => li.textContent);"),
        &[json!("search")],
    );
    assert_eq!(offered, json!(["codingRecent", "Clear recent searches"]));
    browser.press(&[keys::ARROW_DOWN, keys::ARROW_DOWN, keys::ENTER]);
    assert_eq!(
        browser.run(
            "return Object.keys(localStorage).filter(k => k.startsWith('him-search:recent'));",
            &[]
        ),
        json!([])
    );
    // A page suggested by its title opens the page.
    browser.type_into(&input(&browser), "coding aud");
    browser.wait_for(
        "the page suggestion",
        &format!("{ROOT} return [...root.querySelectorAll('[role=option]')].some(li => li.textContent === 'Coding audits explainedPage');"),
        &[json!("search")],
    );
    let index = browser.run(
        &format!("{ROOT} return [...root.querySelectorAll('[role=option]')].findIndex(li => li.textContent === 'Coding audits explainedPage');"),
        &[json!("search")],
    );
    let downs = vec![keys::ARROW_DOWN; index.as_u64().unwrap() as usize + 1];
    browser.press(&downs);
    browser.press(&[keys::ENTER]);
    browser.wait_for(
        "the page opened",
        "return location.pathname === '/site/articles/coding-audits.html';",
        &[],
    );
}

#[test]
fn the_widget_stays_under_15_kb_gzipped() {
    use std::io::Write;
    let script =
        std::fs::read(crate::util::repo_root().join("crates/query/src/http/ui/embed.js")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&script).unwrap();
    let size = gz.finish().unwrap().len();
    assert!(size < 15 * 1024, "embed.js is {size} bytes gzipped");
}

#[test]
fn hits_from_sections_of_one_page_are_grouped_under_it() {
    let site = crate::util::Site::new();
    let docs = [
        json!({"id": "guide-eligibility", "title": "RHIT guide: eligibility", "url": "https://example.org/rhit-guide.html#eligibility",
               "text": "RHIT eligibility: an associate degree from a CAHIIM-accredited program."}),
        json!({"id": "guide-exam", "title": "RHIT guide: the exam", "url": "https://example.org/rhit-guide.html#exam",
               "text": "The RHIT exam has multiple-choice questions on coding and records."}),
        json!({"id": "rhia", "title": "RHIA or RHIT", "url": "https://example.org/rhia.html",
               "text": "The RHIA and the RHIT compared."}),
    ];
    let file = site.dir.path().join("docs.jsonl");
    std::fs::write(
        &file,
        docs.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    site.index_jsonl(&file);
    let server = Server::start(&site, &["--rate-limit", "0"]);
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("{}/?q=rhit", server.origin()));
    settled(&browser);
    let shape = browser.run(
        &format!(
            "{ROOT} return [...root.querySelectorAll('.hits > li')].map(li => \
             [li.dataset.id, [...li.querySelectorAll('.sections > li')].map(s => s.dataset.id)]);"
        ),
        &[json!("search")],
    );
    let shape = shape.as_array().unwrap();
    assert_eq!(shape.len(), 2, "{shape:?}");
    let guide = shape
        .iter()
        .find(|entry| entry[0].as_str().unwrap().starts_with("guide"))
        .unwrap();
    assert_eq!(guide[1].as_array().unwrap().len(), 1, "{shape:?}");
    browser.screenshot(&artifact("ux-sections.png"));
}

#[test]
fn try_again_keeps_focus_enter_opens_a_result_and_touch_screens_get_no_key_hints() {
    let site = fixture_site();
    let server = Server::start_publishing(&site);
    let Some(browser) = Browser::start() else {
        return;
    };
    browser.goto(&format!("{}/?q=coding", server.origin()));
    settled(&browser);
    // A failed search, then Enter on "Try again" with the server back: focus is in the box.
    browser.run(
        &format!("window.__fetch = window.fetch; window.fetch = () => Promise.resolve(new Response('{{}}', {{ status: 500 }})); \
          {ROOT} const i = root.querySelector('input'); i.value = 'ccs'; i.dispatchEvent(new Event('input'));"),
        &[json!("search")],
    );
    browser.wait_for(
        "the error",
        &format!("{ROOT} return root.querySelector('.status').classList.contains('error');"),
        &[json!("search")],
    );
    browser.run(
        &format!(
            "window.fetch = window.__fetch; {ROOT} root.querySelector('.status button').focus();"
        ),
        &[json!("search")],
    );
    browser.press(&[keys::ENTER]);
    browser.wait_for(
        "ccs's results, focus in the box",
        &format!("{ROOT} return root.querySelector('.root').dataset.query === 'ccs' && root.activeElement === root.querySelector('input');"),
        &[json!("search")],
    );
    // Down from the box highlights the first result; Enter opens it.
    browser.press(&[keys::ARROW_DOWN]);
    let first = browser.run(
        &format!("{ROOT} return root.activeElement && root.activeElement.getAttribute('href');"),
        &[json!("search")],
    );
    let first = first.as_str().unwrap().to_string();
    browser.press(&[keys::ENTER]);
    browser.wait_for(
        "the result opened",
        "return location.href === arguments[0];",
        &[json!(first)],
    );
    // On a touch screen, no keyboard hints on the dialog's button.
    browser.cdp(
        "Emulation.setTouchEmulationEnabled",
        json!({"enabled": true, "maxTouchPoints": 5}),
    );
    browser.goto(&format!("{}/", server.origin()));
    browser.wait_for(
        "a touch screen",
        "return matchMedia('(pointer: coarse)').matches;",
        &[],
    );
    let shown = browser.wait_for(
        "a dialog widget",
        "let w = document.getElementById('touch'); \
         if (!w) { w = document.createElement('him-search'); w.id = 'touch'; w.setAttribute('mode', 'modal'); document.body.append(w); } \
         const k = w.shadowRoot && w.shadowRoot.querySelector('.trigger kbd'); return k && getComputedStyle(k).display;",
        &[],
    );
    assert_eq!(shown, json!("none"));
}
