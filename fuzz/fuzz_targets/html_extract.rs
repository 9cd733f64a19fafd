//! Any bytes as an HTML page: encoding detection, decoding, parsing, boilerplate removal,
//! robots directives and links.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = him_indexer::html_links(data);
});
