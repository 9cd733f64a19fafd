//! Any URL query string, as `GET /api/search` sees it: parameter and facet parsing, then the
//! search when the parameters are valid.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let engine = common::engine();
    if let Ok(request) = him_query::http::parse_search_params(&raw, engine.taxonomy()) {
        common::check(engine.search(request));
    }
});
