//! Search through the CLI: facets from text, meta and aliases; filters; escaping.

use crate::util::{facet_counts, ids, Site};

fn page(title: &str, head: &str, body: &str) -> String {
    format!(
        "<html><head><title>{title}</title>{head}</head><body><main>{body}</main></body></html>"
    )
}

fn facet_site() -> Site {
    let site = Site::new();
    site.write(
        "credentials/rhit.html",
        page("RHIT credential", "", "<p>The Registered Health Information Technician exam. RHIT holders work as Medical Records Techs.</p>"),
    );
    site.write(
        "credentials/ccs-p.html",
        page(
            "CCS-P credential",
            "",
            "<p>Physician-based coding, distinct from the CCS. The CCS-P exam.</p>",
        ),
    );
    site.write(
        "jobs/privacy.html",
        page(
            "Privacy Officer",
            "<meta name=\"him:credential\" content=\"CHPS, RHIT\">",
            "<p>Runs the privacy program. RHIA RHIA RHIA.</p>",
        ),
    );
    site.write(
        "jobs/coder.html",
        page("Medical Coder", "", "<p>Coding work.</p>"),
    );
    site.index(&[]);
    site
}

#[test]
fn facets_come_from_text_aliases_and_meta() {
    let site = facet_site();
    let response = site.search("", &["--limit", "10"]);
    assert_eq!(response["total"], 4);
    let hit = |id: &str| {
        response["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .clone()
    };
    assert_eq!(
        hit("credentials/rhit.html")["facets"]["credential"],
        serde_json::json!(["RHIT"])
    );
    assert_eq!(
        hit("credentials/ccs-p.html")["facets"]["credential"],
        serde_json::json!(["CCS-P"]),
        "one CCS mention is not enough, and CCS-P is not CCS"
    );
    assert_eq!(
        hit("jobs/privacy.html")["facets"]["credential"],
        serde_json::json!(["CHPS", "RHIT"]),
        "meta overrides extraction"
    );
    assert_eq!(
        hit("jobs/coder.html")["facets"]["job_title"],
        serde_json::json!(["Coder"]),
        "Medical Coder is an alias of Coder"
    );
    assert_eq!(
        hit("jobs/coder.html")["facets"]["resource_type"],
        serde_json::json!(["Job profile"])
    );
    assert_eq!(
        facet_counts(&response, "credential"),
        [
            ("RHIT".to_string(), 2),
            ("CCS-P".to_string(), 1),
            ("CHPS".to_string(), 1)
        ]
    );
}

#[test]
fn filters_or_within_and_across_facets_with_disjunctive_counts() {
    let site = facet_site();
    let rhit = site.search("", &["--credential", "rhit"]);
    let mut found = ids(&rhit);
    found.sort();
    assert_eq!(found, ["credentials/rhit.html", "jobs/privacy.html"]);
    // Disjunctive: the credential counts ignore the credential filter itself.
    assert_eq!(
        facet_counts(&rhit, "credential"),
        [
            ("RHIT".to_string(), 2),
            ("CCS-P".to_string(), 1),
            ("CHPS".to_string(), 1)
        ]
    );
    // ...but the other facets are counted under it.
    assert_eq!(
        facet_counts(&rhit, "resource_type"),
        [
            ("Credential".to_string(), 1),
            ("Job profile".to_string(), 1)
        ]
    );

    let either = site.search("", &["--credential", "RHIT", "--credential", "CCS-P"]);
    assert_eq!(either["total"], 3);
    let both = site.search(
        "",
        &["--credential", "RHIT", "--resource-type", "Job profile"],
    );
    assert_eq!(ids(&both), ["jobs/privacy.html"]);
}

#[test]
fn hostile_text_is_escaped_in_snippets_and_titles() {
    let site = Site::new();
    site.write(
        "evil.html",
        "<html><head><title>&lt;img src=x onerror=alert(1)&gt; coder</title></head>\
         <body><p>coder &lt;script&gt;alert(2)&lt;/script&gt; text</p></body></html>",
    );
    site.index(&[]);
    let hit = &site.search("coder", &[])["hits"][0];
    assert_eq!(
        hit["title"], "<img src=x onerror=alert(1)> coder",
        "plain title stays plain"
    );
    let title_html = hit["title_html"].as_str().unwrap();
    let snippet = hit["snippet"].as_str().unwrap();
    assert!(
        title_html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{title_html}"
    );
    assert!(title_html.contains("<mark>coder</mark>"), "{title_html}");
    assert!(!snippet.contains("<script>"), "{snippet}");
    assert!(snippet.contains("&lt;script&gt;"), "{snippet}");
}

#[test]
fn all_words_first_then_partial_matches() {
    let site = Site::new();
    site.write(
        "both.html",
        page("Both", "", "<p>cancer registrar duties</p>"),
    );
    site.write("one.html", page("One", "", "<p>cancer research only</p>"));
    site.index(&[]);
    assert_eq!(
        ids(&site.search("cancer registrar", &[])),
        ["both.html", "one.html"],
        "few documents have every word: they come first, then partial matches"
    );
    assert_eq!(
        ids(&site.search("registrar zzznothing", &[])),
        ["both.html"],
        "falls back to partial matches"
    );
    assert_eq!(ids(&site.search("cancer -registrar", &[])), ["one.html"]);
    assert_eq!(
        site.search("\"registrar cancer\"", &[])["total"],
        0,
        "phrase order matters"
    );
}

#[test]
fn paging_is_exact() {
    let site = Site::new();
    for i in 0..7 {
        site.write(
            &format!("p{i}.html"),
            page(
                &format!("Page {i}"),
                "",
                &format!("<p>coding page number {i}</p>"),
            ),
        );
    }
    site.index(&[]);
    let first = site.search("coding", &["--limit", "3"]);
    let third = site.search("coding", &["--limit", "3", "--page", "3"]);
    assert_eq!(first["total"], 7);
    assert_eq!(ids(&first).len(), 3);
    assert_eq!(ids(&third).len(), 1);
    assert_eq!(
        (third["page"].as_u64(), third["per_page"].as_u64()),
        (Some(3), Some(3))
    );
}

/// Regression: tantivy 0.27's exclusion of a phrase positioned past the first candidate
/// panicked in debug builds (see crates/query/src/materialize.rs).
#[test]
fn excluding_a_phrase_is_safe() {
    let site = Site::new();
    site.write("a.html", page("A", "", "<p>coder alpha</p>"));
    site.write("b.html", page("B", "", "<p>medical coder beta</p>"));
    site.write("c.html", page("C", "", "<p>coder gamma</p>"));
    site.index(&[]);
    let mut found = ids(&site.search("coder -\"medical coder\"", &[]));
    found.sort();
    assert_eq!(found, ["a.html", "c.html"]);
}

#[test]
fn typos_are_a_fallback_when_the_words_as_typed_find_few_documents() {
    let site = Site::new();
    for i in 0..12 {
        site.write(
            &format!("exact{i:02}.html"),
            page(
                &format!("Work note {i}"),
                "",
                &format!("<p>Transcription work for clinic number {i}.</p>"),
            ),
        );
    }
    site.write(
        "typo.html",
        page(
            "Misspelled note",
            "",
            "<p>Transcripton work for the clinic.</p>",
        ),
    );
    site.index(&[]);
    let many = site.search("transcription ", &["--limit", "20"]);
    assert_eq!(
        many["total"], 12,
        "a page of exact matches: no typo matches"
    );
    assert!(!ids(&many).contains(&"typo.html".to_string()));

    for i in 3..12 {
        site.remove(&format!("exact{i:02}.html"));
    }
    site.index(&[]);
    let few = ids(&site.search("transcription ", &["--limit", "20"]));
    let mut exact = few[..3].to_vec();
    exact.sort();
    assert_eq!(exact, ["exact00.html", "exact01.html", "exact02.html"]);
    assert_eq!(
        few[3..],
        ["typo.html"],
        "few exact matches: the typo match follows them"
    );
    let misspelled = site.search("transcripton ", &["--limit", "20"]);
    assert_eq!(ids(&misspelled)[0], "typo.html", "the word as typed first");
    assert_eq!(misspelled["total"], 4);
}
