//! Exit codes and messages: 0 success, 2 bad usage or bad query, 1 anything else.

use crate::util::{himsearch, Site};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn missing_corpus_is_exit_1_with_a_message() {
    let site = Site::new();
    let missing = site.dir.path().join("nope");
    let index = site.index_dir();
    let output = himsearch(&[
        "index",
        "--corpus",
        missing.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is not a readable directory"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unusable_index_dir_is_exit_1() {
    let site = Site::new();
    site.write("a.html", "<title>A</title>");
    let file = site.dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let index = file.join("index");
    let output = himsearch(&[
        "index",
        "--corpus",
        site.corpus().to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot use index directory"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_usage_and_bad_queries_are_exit_2() {
    let site = Site::new();
    site.write("a.html", "<title>A</title><p>text</p>");
    site.index(&[]);
    let index = site.index_dir();
    let index = index.to_str().unwrap();
    let long = "a".repeat(600);
    for args in [
        vec!["search", "--index", index, "--", long.as_str()],
        vec!["search", "--index", index, "--limit", "1000", "x"],
        vec!["search", "--index", index, "--page", "0", "x"],
        vec!["index", "--no-such-flag"],
        vec!["search", "--index", index, "--limit", "ten", "x"],
        vec!["serve", "--index", index, "--idle-timeout", "0"],
        vec!["serve", "--index", index, "--max-searches-per-client", "0"],
    ] {
        let output = himsearch(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    }
}

#[test]
fn searching_a_missing_index_is_exit_1() {
    let site = Site::new();
    let output = himsearch(&["search", "--index", site.index_dir().to_str().unwrap(), "x"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no index at"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn foreign_index_needs_rebuild() {
    let site = Site::new();
    site.write("a.html", "<title>A</title><p>zzforeign</p>");
    // A tantivy index of some other program in the index directory.
    let mut builder = tantivy::schema::Schema::builder();
    builder.add_text_field("other", tantivy::schema::STORED);
    std::fs::create_dir_all(site.index_dir()).unwrap();
    tantivy::Index::create_in_dir(site.index_dir(), builder.build()).unwrap();
    std::fs::write(site.index_dir().join("README.md"), "keep me").unwrap();

    let index = site.index_dir();
    let output = himsearch(&[
        "index",
        "--corpus",
        site.corpus().to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--rebuild"), "{}", stderr(&output));

    let summary = site.index(&["--rebuild"]);
    assert_eq!(summary["indexed"], 1);
    assert_eq!(site.search("zzforeign", &[])["total"], 1);
    assert_eq!(
        std::fs::read_to_string(index.join("README.md")).unwrap(),
        "keep me"
    );
}

#[test]
fn check_verifies_an_index() {
    let site = Site::new();
    site.write("a.html", "<title>A</title><p>text</p>");
    site.index(&[]);
    let index = site.index_dir();
    let output = himsearch(&["check", "--index", index.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("ok: 1 documents"));
    let missing = site.dir.path().join("nothing");
    let output = himsearch(&["check", "--index", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no index at"),
        "{}",
        stderr(&output)
    );
}
