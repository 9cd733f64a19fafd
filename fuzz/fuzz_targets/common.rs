//! A small real index shared by the search targets, built once per fuzzing process.

use std::sync::OnceLock;

use him_query::SearchEngine;

pub fn engine() -> &'static SearchEngine {
    static ENGINE: OnceLock<(tempfile::TempDir, SearchEngine)> = OnceLock::new();
    &ENGINE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let corpus = dir.path().join("corpus");
            std::fs::create_dir_all(corpus.join("jobs")).expect("corpus");
            let pages = [
                ("rhit.html", "<title>RHIT exam</title><main><h1>Registered Health Information Technician</h1><p>The RHIT exam and CAHIIM accredited associate degrees.</p></main>"),
                ("jobs/coder.html", "<title>Medical Coder</title><main><p>Coders assign ICD-10-CM and CPT codes; the CCS and CPC credentials.</p></main>"),
                ("roi.html", "<title>Release of information</title><main><p>HIPAA privacy rules for release of information requests.</p></main>"),
                ("cdi.md", "# Clinical documentation improvement\n\nCDI specialists query physicians; the CDIP credential."),
            ];
            for (path, text) in pages {
                std::fs::write(corpus.join(path), text).expect("page");
            }
            let index = dir.path().join("index");
            let options = him_indexer::IndexOptions::new(&index).expect("options");
            him_indexer::index_corpus(&options, &corpus, &him_indexer::NoProgress).expect("index");
            let engine = SearchEngine::open(&index, him_schema::Taxonomy::builtin().expect("taxonomy"))
                .expect("engine");
            (dir, engine)
        })
        .1
}

/// A search either answers or refuses the request as the user's error: never an internal
/// error (and never a panic, which the fuzzer catches itself).
pub fn check(result: him_query::Result<him_schema::api::SearchResponse>) {
    if let Err(err) = result {
        assert!(err.is_user_error(), "internal error: {err}");
    }
}
