//! The indexer's behaviour, bullet by bullet of issue #2.

use crate::util::{himsearch, ids, make_pdf, problems, Site};

fn page(title: &str, body: &str) -> String {
    format!("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><main>{body}</main></body></html>")
}

#[test]
fn boilerplate_text_is_not_searchable() {
    let site = Site::new();
    site.write(
        "a.html",
        "<html><head><title>Coding careers</title><style>.zzstyle{}</style></head><body>\
         <header>zzheader</header><nav>zznav</nav><main><p>Coders assign zzcontent codes.</p>\
         <aside>zzaside</aside><script>zzscript()</script></main><footer>zzfooter</footer></body></html>",
    );
    site.index(&[]);
    assert_eq!(ids(&site.search("zzcontent", &[])), ["a.html"]);
    for word in [
        "zzheader", "zznav", "zzaside", "zzscript", "zzfooter", "zzstyle",
    ] {
        assert_eq!(
            site.search(word, &[])["total"],
            0,
            "{word} leaked into the index"
        );
    }
}

#[test]
fn windows_1252_page_keeps_its_accents() {
    let site = Site::new();
    site.write(
        "old.html",
        b"<html><head><title>R\xe9sum\xe9 tips</title></head><body><p>Caf\xe9 na\xefve coders</p></body></html>".as_slice(),
    );
    let summary = site.index(&[]);
    assert_eq!(
        problems(&summary),
        [("old.html".to_string(), "encoding_guessed".to_string())]
    );
    let response = site.search("resume", &[]);
    assert_eq!(response["hits"][0]["title"], "Résumé tips");
    assert_eq!(ids(&site.search("café", &[])), ["old.html"]);
}

#[test]
fn pdf_text_and_markdown_are_indexed() {
    let site = Site::new();
    site.write(
        "checklist.pdf",
        make_pdf(&["RHIT exam prep checklist", "Book the qqportable exam date"]),
    );
    site.write("list.txt", "Reading list\nA kkplaintext book\n");
    site.write(
        "glossary.md",
        "# HIM Glossary\n\n- **ROI**: xxmarkdown release of information\n",
    );
    let summary = site.index(&[]);
    assert_eq!(summary["indexed"], 3, "{summary}");
    assert_eq!(ids(&site.search("qqportable", &[])), ["checklist.pdf"]);
    assert_eq!(
        site.search("qqportable", &[])["hits"][0]["title"],
        "RHIT exam prep checklist"
    );
    assert_eq!(ids(&site.search("kkplaintext", &[])), ["list.txt"]);
    let md = site.search("xxmarkdown", &[]);
    assert_eq!(ids(&md), ["glossary.md"]);
    assert_eq!(md["hits"][0]["title"], "HIM Glossary");
}

#[test]
fn broken_files_are_skipped_with_one_warning_each() {
    let site = Site::new();
    site.write("good.html", page("Good", "<p>fine zzgood</p>"));
    site.write("binary.html", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice());
    site.write("empty.txt", "  \n ");
    site.write(
        "truncated.html",
        "<html><head><title>Cut off</title><body><main><p>zztruncated text",
    );
    site.write("big.txt", "x".repeat(5000));
    site.write(
        "broken.pdf",
        b"%PDF-1.4 this is not really a pdf".as_slice(),
    );
    site.write("image.png", b"\x89PNG".as_slice());
    let summary = site.index(&["--max-file-size", "4096"]);
    let mut found = problems(&summary);
    found.sort();
    assert_eq!(
        found,
        [
            ("big.txt".to_string(), "too_large".to_string()),
            ("binary.html".to_string(), "binary".to_string()),
            ("broken.pdf".to_string(), "parse_error".to_string()),
            ("empty.txt".to_string(), "empty".to_string()),
        ]
    );
    assert_eq!(summary["skipped"], 4);
    assert_eq!(summary["indexed"], 2, "good and truncated pages: {summary}");
    assert_eq!(summary["ignored"], 1, "the PNG is not a supported type");
    assert_eq!(ids(&site.search("zztruncated", &[])), ["truncated.html"]);
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_reported() {
    use std::os::unix::ffi::OsStrExt;
    let site = Site::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.html");
    std::fs::write(site.corpus().join(name), page("Cafe", "<p>text</p>")).unwrap();
    site.write("ok.html", page("Ok", "<p>text two</p>"));
    let summary = site.index(&[]);
    assert_eq!(summary["indexed"], 1);
    assert_eq!(problems(&summary)[0].1, "invalid_name");
}

#[test]
fn duplicates_canonical_and_noindex_are_dropped() {
    let site = Site::new();
    let body = "<p>The same zzdup text on two pages.</p>";
    site.write("jobs/coder.html", page("Coder", body));
    site.write("archive/coder-copy.html", page("Coder copy", body));
    site.write("moved.html", "<head><link rel=canonical href=\"jobs/coder.html\"><title>Moved</title></head><body>zzmoved</body>");
    site.write(
        "draft.html",
        "<head><meta name=robots content=noindex><title>Draft</title></head><body>zzdraft</body>",
    );
    let summary = site.index(&[]);
    let mut found = problems(&summary);
    found.sort();
    assert_eq!(
        found,
        [
            (
                "archive/coder-copy.html".to_string(),
                "duplicate".to_string()
            ),
            ("draft.html".to_string(), "noindex".to_string()),
            ("moved.html".to_string(), "canonical".to_string()),
        ]
    );
    assert_eq!(summary["duplicates"], 2);
    assert_eq!(
        ids(&site.search("zzdup", &[])),
        ["jobs/coder.html"],
        "the shallower copy wins"
    );
    assert_eq!(site.search("zzmoved", &[])["total"], 0);
    assert_eq!(site.search("zzdraft", &[])["total"], 0);
}

#[test]
fn links_resolve_and_broken_ones_are_reported() {
    let site = Site::new();
    site.write(
        "index.html",
        page(
            "Home",
            "<a href='jobs/'>jobs</a> <a href='jobs/coder.html#duties'>coder</a> \
             <a href='jobs/coder.html?ref=nav'>again</a> <a href='missing.html'>gone</a> \
             <a href='../../etc/passwd'>escape</a> <a href='https://www.bls.gov/ooh/'>BLS</a> \
             <a href='mailto:a@b.c'>mail</a> <a href='index.html'>self loop</a>",
        ),
    );
    site.write(
        "jobs/index.html",
        page("Jobs", "<a href='../index.html'>home</a>"),
    );
    site.write(
        "jobs/coder.html",
        page("Coder", "<a href='../index.html'>loop back</a>"),
    );
    let summary = site.index(&[]);
    assert_eq!(summary["indexed"], 3, "each page once, loops or not");
    assert_eq!(summary["broken_links"], 2);
    let mut broken: Vec<String> = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "broken_link")
        .map(|p| p["message"].as_str().unwrap().to_string())
        .collect();
    broken.sort();
    assert_eq!(
        broken,
        ["broken link to etc/passwd", "broken link to missing.html"]
    );
}

#[test]
fn incremental_reindex_handles_change_and_deletion() {
    let site = Site::new();
    site.write("a.html", page("Alpha", "<p>zzalpha first</p>"));
    site.write(
        "b.html",
        page("Beta", "<p>zzbeta <a href='c.html'>c</a></p>"),
    );
    site.write("c.html", page("Gamma", "<p>zzgamma</p>"));
    let first = site.index(&[]);
    assert_eq!(first["indexed"], 3);

    let again = site.index(&[]);
    assert_eq!(
        (again["indexed"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(3))
    );

    site.write("a.html", page("Alpha", "<p>zzalpha second</p>"));
    site.remove("c.html");
    let third = site.index(&[]);
    assert_eq!(third["indexed"], 1);
    assert_eq!(third["unchanged"], 1);
    assert_eq!(third["deleted"], 1);
    assert_eq!(third["documents"], 2);
    assert_eq!(
        problems(&third),
        [("b.html".to_string(), "broken_link".to_string())],
        "the unchanged page linking to the deleted file is reported"
    );
    assert_eq!(site.search("second", &[])["total"], 1);
    assert_eq!(site.search("first", &[])["total"], 0);
    assert_eq!(site.search("zzgamma", &[])["total"], 0);

    let rebuilt = site.index(&["--rebuild"]);
    assert_eq!(
        (rebuilt["indexed"].as_u64(), rebuilt["documents"].as_u64()),
        (Some(2), Some(2))
    );
}

#[test]
fn base_url_makes_document_urls() {
    let site = Site::new();
    site.write("jobs/coder.html", page("Coder", "<p>zzcoder</p>"));
    site.index(&["--base-url", "https://him.example.org/careers/"]);
    let response = site.search("zzcoder", &[]);
    assert_eq!(
        response["hits"][0]["url"],
        "https://him.example.org/careers/jobs/coder.html"
    );
    assert_eq!(response["hits"][0]["id"], "jobs/coder.html");
}

#[test]
fn himignore_excludes_files() {
    let site = Site::new();
    site.write(".himignore", "README.md\ndrafts/**\n");
    site.write("README.md", "# notes zzreadme");
    site.write("drafts/x.html", page("X", "zzdraftdir"));
    site.write("a.html", page("A", "zzkept"));
    let summary = site.index(&[]);
    assert_eq!(summary["indexed"], 1);
    assert_eq!(summary["ignored"], 2);
}

/// The ending most titles share is reported by `index --json` and left out of ranked titles,
/// for a corpus and for JSONL alike; hits show titles without it.
#[test]
fn the_shared_title_suffix_is_reported_and_not_ranked() {
    let site = Site::new();
    for i in 0..6 {
        site.write(
            &format!("p{i}.html"),
            page(
                &format!("Topic {i} | Coding Hub"),
                &format!("<p>text {i}</p>"),
            ),
        );
    }
    let summary = site.index(&[]);
    assert_eq!(summary["title_suffix"], " | Coding Hub");
    assert_eq!(site.search("\"coding hub\"", &[])["total"], 0);
    assert_eq!(site.search("topic 3", &[])["hits"][0]["title"], "Topic 3");

    let jsonl = Site::new();
    let file = jsonl.corpus().join("docs.jsonl");
    let lines: Vec<String> = (0..6)
        .map(|i| format!(r#"{{"id":"d{i}","title":"Doc {i} | Coding Hub","body":"text {i}"}}"#))
        .collect();
    std::fs::create_dir_all(jsonl.corpus()).unwrap();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let summary = jsonl.index_jsonl(&file);
    assert_eq!(summary["title_suffix"], " | Coding Hub");
    assert_eq!(jsonl.search("\"coding hub\"", &[])["total"], 0);

    let plain = Site::new();
    plain.write("a.html", page("Alpha", "<p>a</p>"));
    assert_eq!(plain.index(&[])["title_suffix"], serde_json::Value::Null);
}

/// `--meanings`: a new small index gets pages' meanings (auto), an existing index keeps its
/// choice, changing it needs `--rebuild` (exit 2 otherwise, the index untouched), and a large
/// input gets none.
#[test]
fn meanings_are_chosen_by_size_and_kept_by_the_index() {
    let site = Site::new();
    site.write(
        "a.html",
        "<title>Coding</title><main><p>Coders assign codes.</p></main>",
    );
    assert_eq!(site.index(&[])["meanings"], true);
    site.write(
        "b.html",
        "<title>Billing</title><main><p>Billers send claims.</p></main>",
    );
    let summary = site.index(&[]);
    assert_eq!(
        (summary["meanings"].clone(), summary["indexed"].clone()),
        (true.into(), 1.into())
    );

    let (corpus, index) = (site.corpus(), site.index_dir());
    let args = |extra: &str| {
        let mut args = vec!["index", "--json", "--corpus", corpus.to_str().unwrap()];
        args.extend(["--index", index.to_str().unwrap(), "--meanings", extra]);
        himsearch(&args)
    };
    let refused = args("off");
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("built with meanings") && message.contains("--rebuild"),
        "{message}"
    );
    assert_eq!(site.search("coders", &[])["total"], 1);

    assert_eq!(
        site.index(&["--meanings", "off", "--rebuild"])["meanings"],
        false
    );
    assert_eq!(site.index(&[])["meanings"], false);
    assert_eq!(args("on").status.code(), Some(2));

    let lines: String = (0..=him_indexer::AUTO_MEANINGS_DOCUMENTS)
        .map(|n| format!("{{\"id\": \"{n}\", \"title\": \"Page {n}\", \"text\": \"words\"}}\n"))
        .collect();
    let large = Site::new();
    let file = large.corpus().join("docs.jsonl");
    std::fs::write(&file, lines).unwrap();
    let summary = large.index_jsonl(&file);
    assert_eq!(summary["meanings"], false);
    assert_eq!(
        summary["documents"],
        him_indexer::AUTO_MEANINGS_DOCUMENTS + 1
    );
}
