use proptest::prelude::*;

use super::*;

const ROBOTS: &str = "\
# comment
User-agent: otherbot
Disallow: /

User-agent: *
Disallow: /private/
Allow: /private/ok.html
Disallow: /*.pdf$
Crawl-delay: 0.5
Sitemap: https://example.org/sitemap.xml
";

fn star(rules: &str) -> Robots {
    Robots::parse(&format!("User-agent: *\n{rules}"), "himsearch")
}

#[test]
fn star_group_rules_longest_match_wins() {
    let robots = Robots::parse(ROBOTS, "himsearch/0.1");
    assert!(robots.allowed("/"));
    assert!(!robots.allowed("/private/secret.html"));
    assert!(robots.allowed("/private/ok.html"));
    assert!(!robots.allowed("/files/guide.pdf"));
    assert!(robots.allowed("/files/guide.pdf?download=1"));
    assert_eq!(robots.crawl_delay, Some(Duration::from_millis(500)));
    assert_eq!(robots.sitemaps, vec!["https://example.org/sitemap.xml"]);
    assert!(!robots.truncated);
    assert_eq!(robots.ignored_rules, 0);
}

#[test]
fn our_own_group_replaces_star() {
    let robots = Robots::parse(ROBOTS, "OtherBot/2.0");
    assert!(!robots.allowed("/"));
    assert!(robots.allowed("/robots.txt"));
    let mine = Robots::parse(
        "User-agent: *\nDisallow: /\n\nUser-agent: himsearch\nDisallow: /tmp\n",
        "himsearch",
    );
    assert!(mine.allowed("/page.html"));
    assert!(!mine.allowed("/tmp/x"));
}

#[test]
fn empty_disallow_and_unavailable() {
    let robots = Robots::parse("User-agent: *\nDisallow:\n", "himsearch");
    assert!(robots.allowed("/anything"));
    assert!(!Robots::unavailable().allowed("/"));
    assert!(Robots::allow_all().allowed("/x"));
}

#[test]
fn absurd_delay_is_capped() {
    let robots = Robots::parse("User-agent: *\nCrawl-delay: 99999\n", "himsearch");
    assert_eq!(robots.crawl_delay, Some(Duration::from_secs(60)));
}

#[test]
fn stars_match_any_run_of_characters() {
    let robots = star("Disallow: /a*b*c\nDisallow: *.cgi\nDisallow: /x**y\n");
    assert!(!robots.allowed("/abc"));
    assert!(
        !robots.allowed("/a/1/b/2/c/3"),
        "a rule is a prefix: anything may follow"
    );
    assert!(robots.allowed("/a/c/b"), "pieces must come in order");
    assert!(!robots.allowed("/bin/run.cgi?q=1"), "a leading star");
    assert!(
        !robots.allowed("/xy"),
        "stars may match nothing, doubled ones too"
    );
    assert!(robots.allowed("/ab"));
}

#[test]
fn dollar_anchors_only_at_the_end() {
    let robots = star("Disallow: /*.pdf$\nDisallow: /exact$\nDisallow: /a$b\nDisallow: /ends*x$\n");
    assert!(!robots.allowed("/docs/guide.pdf"));
    assert!(robots.allowed("/docs/guide.pdf.html"));
    assert!(!robots.allowed("/exact"));
    assert!(robots.allowed("/exact/"));
    assert!(
        !robots.allowed("/a$b/c"),
        "a `$` inside a pattern is a plain character"
    );
    assert!(robots.allowed("/ab"));
    assert!(!robots.allowed("/ends-with-x"));
    assert!(!robots.allowed("/endsx"));
    assert!(robots.allowed("/ends-with-xy"));
    // The last piece is matched at the end, even when it also occurs earlier.
    assert!(!robots.allowed("/endsxax"));
}

#[test]
fn longest_match_wins_whatever_the_order() {
    for rules in [
        "Disallow: /shop\nAllow: /shop/public\n",
        "Allow: /shop/public\nDisallow: /shop\n",
    ] {
        let robots = star(rules);
        assert!(robots.allowed("/shop/public/item"), "{rules}");
        assert!(!robots.allowed("/shop/cart"), "{rules}");
    }
    // Length is the pattern as written, stars included.
    let robots = star("Allow: /page\nDisallow: /*.php\n");
    assert!(!robots.allowed("/page.php"), "/*.php is longer than /page");
    let robots = star("Allow: /page.php\nDisallow: /*.php\n");
    assert!(robots.allowed("/page.php"));
}

#[test]
fn allow_wins_a_tie() {
    for rules in ["Disallow: /p\nAllow: /p\n", "Allow: /p\nDisallow: /p\n"] {
        assert!(star(rules).allowed("/page"), "{rules}");
    }
    let robots = star("Disallow: /*.x\nAllow: /a*.x\n");
    assert!(robots.allowed("/ab.x"), "equal lengths: allow wins");
}

#[test]
fn rules_beyond_the_cap_are_ignored_and_counted() {
    let mut rules = String::new();
    for i in 0..MAX_ROBOTS_RULES + 5 {
        rules.push_str(&format!("Disallow: /r{i:06}/\n"));
    }
    let robots = star(&rules);
    assert_eq!(robots.ignored_rules, 5);
    assert!(!robots.allowed("/r000000/x"));
    assert!(!robots.allowed(&format!("/r{:06}/x", MAX_ROBOTS_RULES - 1)));
    assert!(robots.allowed(&format!("/r{:06}/x", MAX_ROBOTS_RULES)));
}

#[test]
fn text_beyond_the_byte_limit_is_ignored() {
    let head = "User-agent: *\nDisallow: /before\n";
    let cut = "Disallow: /";
    let filler = format!(
        "#{}\n",
        "x".repeat(MAX_ROBOTS_BYTES - head.len() - cut.len() - 2)
    );
    let text = format!("{head}{filler}{cut}publicity\nDisallow: /after\n");
    // The limit falls inside the line: read up to it, it would disallow everything.
    assert!(text[..MAX_ROBOTS_BYTES].ends_with(cut));
    let robots = Robots::parse(&text, "himsearch");
    assert!(robots.truncated);
    assert!(!robots.allowed("/before"));
    assert!(
        robots.allowed("/other"),
        "the line the limit cuts is dropped"
    );
    assert!(
        robots.allowed("/after"),
        "rules after the limit are not read"
    );

    // The limit inside a multi-byte character.
    let text = format!(
        "User-agent: *\nDisallow: /x\n{}",
        "é".repeat(MAX_ROBOTS_BYTES)
    );
    let robots = Robots::parse(&text, "himsearch");
    assert!(robots.truncated && !robots.allowed("/x"));
}

#[test]
fn the_hostile_file_is_cheap() {
    // The shape that took 7.9 GB when each rule was a regex: 19 MB of 600k wildcard rules.
    let mut text = String::from("User-agent: *\n");
    let mut i = 0;
    while text.len() < 19 * 1024 * 1024 {
        text.push_str(&format!("Disallow: /x*y*z*{i}*a*b*c$\n"));
        i += 1;
    }
    let robots = Robots::parse(&text, "himsearch");
    assert!(robots.truncated);
    assert!(robots.rules.len() <= MAX_ROBOTS_RULES);
    let long_path = format!("/x{}", "y".repeat(4_000));
    assert!(robots.allowed(&long_path));
    assert!(!robots.allowed("/xyz7abc"));
}

/// The old matcher: each pattern as an anchored regex. The linear matcher must agree with it.
fn regex_matches(written: &str, path: &str) -> bool {
    let (body, anchored) = match written.strip_suffix('$') {
        Some(body) => (body, true),
        None => (written, false),
    };
    let pieces: Vec<String> = body.split('*').map(regex::escape).collect();
    let source = format!("^{}{}", pieces.join(".*"), if anchored { "$" } else { "" });
    regex::Regex::new(&source).unwrap().is_match(path)
}

proptest! {
    #[test]
    fn matcher_agrees_with_a_regex(pattern in "[ab/*$]{0,8}", path in "[ab/$]{0,10}") {
        let rule = Rule::new(false, &pattern);
        prop_assert_eq!(rule.matches(&path), regex_matches(&pattern, &path), "{} {}", pattern, path);
    }
}

/// Replays what the `robots` fuzz target keeps (fuzz/regressions/robots: inputs that once
/// failed; fuzz/seeds/robots: its starting inputs) the way the target runs them.
#[test]
fn fuzz_inputs_replay() {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut replayed = 0;
    for dir in ["regressions/robots", "seeds/robots"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&data);
            let robots = Robots::parse(&text, "himsearch/0.1");
            assert!(robots.allowed("/robots.txt"), "{}", path.display());
            let first = text.lines().next().unwrap_or("");
            for path in [first, "/", "/a/b.pdf", "/x?y=1"] {
                let path = if path.starts_with('/') {
                    path.to_string()
                } else {
                    format!("/{path}")
                };
                let _ = robots.allowed(&path);
            }
            replayed += 1;
        }
    }
    assert!(replayed >= 1, "no fuzz inputs under {}", fuzz.display());
}
