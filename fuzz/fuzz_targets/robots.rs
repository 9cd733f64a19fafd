//! Any bytes as a robots.txt, then their first line as a path to check: parsing within the
//! size and rule limits, group choice, and the wildcard matcher (which must stay linear: the
//! fuzzer's time limit catches a quadratic case).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let robots = him_crawl::Robots::parse(&text, "himsearch/0.1");
    assert!(robots.allowed("/robots.txt"));
    let first = text.lines().next().unwrap_or("");
    for path in [first, "/", "/a/b.pdf", "/x?y=1"] {
        let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
        let _ = robots.allowed(&path);
    }
});
