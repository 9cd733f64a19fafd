//! Any query text through the whole search: parsing, synonyms, typos, facets, snippets.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut request = him_query::SearchRequest::new(text.as_ref());
    request.per_page = 5;
    common::check(common::engine().search(request));
});
