//! robots.txt (RFC 9309): the groups for our user agent (or `*`), Allow/Disallow with `*` and
//! `$` wildcards (longest match wins, Allow wins a tie), `Crawl-delay`, and `Sitemap:` lines.
//!
//! The crawled site writes this file, so it is read within fixed budgets: only its first
//! [`MAX_ROBOTS_BYTES`] count (Google's documented limit), at most [`MAX_ROBOTS_RULES`] rules
//! are kept, and a rule is matched by a scan linear in the lengths of the rule and the path.
//! No rule becomes a regex: compiling one per line is what let a 19 MB file of 600k rules take
//! 7.9 GB. The `texting_robots` crate was considered and not used for the same reason: it
//! compiles a regex per rule (each size-capped, but not their number) and leaves the input
//! size limit to the caller.

use std::time::Duration;

/// Bytes of robots.txt that count; the rest is ignored (500 KiB, as Google documents).
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// Allow/Disallow rules kept for our groups; further ones are ignored. Real files have at most
/// a few thousand, and checking a URL costs a scan over the kept rules.
pub const MAX_ROBOTS_RULES: usize = 10_000;

/// The rules that apply to us on one origin.
#[derive(Debug, Clone, Default)]
pub struct Robots {
    /// Longest first, Allow before Disallow of equal length: the first match decides.
    rules: Vec<Rule>,
    /// `Crawl-delay` of our group.
    pub crawl_delay: Option<Duration>,
    /// `Sitemap:` URLs (they apply whatever the group).
    pub sitemaps: Vec<String>,
    /// Everything is disallowed (robots.txt answered 5xx or could not be fetched).
    pub disallow_all: bool,
    /// The text was longer than [`MAX_ROBOTS_BYTES`]: what follows the last line within the
    /// limit was ignored.
    pub truncated: bool,
    /// Rules of our groups beyond [`MAX_ROBOTS_RULES`], ignored.
    pub ignored_rules: usize,
}

#[derive(Debug, Clone)]
struct Rule {
    allow: bool,
    /// Length of the pattern as written: the longest match wins.
    specificity: usize,
    /// The pattern without a final `$`.
    pattern: Box<str>,
    /// A final `$`: the path must end where the pattern does.
    anchored: bool,
}

impl Rule {
    fn new(allow: bool, written: &str) -> Rule {
        let (pattern, anchored) = match written.strip_suffix('$') {
            Some(body) => (body, true),
            None => (written, false),
        };
        Rule {
            allow,
            specificity: written.len(),
            pattern: pattern.into(),
            anchored,
        }
    }

    fn matches(&self, path: &str) -> bool {
        pattern_matches(&self.pattern, self.anchored, path)
    }
}

/// Whether `path` matches `pattern` (`*` any run of characters), from the path's start and,
/// when `anchored`, to its end.
///
/// The pattern's pieces between stars must appear in order: the first at the start, the last
/// (when anchored) at the end, each other one at its leftmost place after the previous one.
/// Leftmost is always right for `*`-only patterns, so there is no backtracking, and `str::find`
/// (two-way search) is linear: the whole match is O(pattern + path).
fn pattern_matches(pattern: &str, anchored: bool, path: &str) -> bool {
    let mut pieces = pattern.split('*');
    // split yields at least one piece, even for an empty pattern.
    let first = pieces.next().unwrap_or("");
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let Some(last) = pieces.next_back() else {
        // No star: a prefix match, or the whole path when anchored.
        return !anchored || rest.is_empty();
    };
    if anchored {
        let Some(before) = rest.strip_suffix(last) else {
            return false;
        };
        rest = before;
    }
    for piece in pieces {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    anchored || rest.contains(last)
}

#[derive(Debug, Default)]
struct Group<'a> {
    agents: Vec<String>,
    rules: Vec<(bool, &'a str)>,
    crawl_delay: Option<f64>,
}

/// The complete lines of `text` within [`MAX_ROBOTS_BYTES`], and whether anything was cut.
fn within_limit(text: &str) -> (&str, bool) {
    if text.len() <= MAX_ROBOTS_BYTES {
        return (text, false);
    }
    let mut end = MAX_ROBOTS_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // A line cut in the middle could say something else than written ("Allow: /" from
    // "Allow: /public"): it goes with the rest.
    let kept = text[..end].rfind('\n').map_or("", |at| &text[..at]);
    (kept, true)
}

/// The groups of `text` and its `Sitemap:` URLs.
fn read_groups(text: &str) -> (Vec<Group<'_>>, Vec<String>) {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut sitemaps = Vec::new();
    let mut in_agents = false;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "user-agent" => {
                if !in_agents {
                    groups.push(Group::default());
                    in_agents = true;
                }
                if let Some(group) = groups.last_mut() {
                    group.agents.push(value.to_ascii_lowercase());
                }
            }
            "allow" | "disallow" => {
                in_agents = false;
                if let Some(group) = groups.last_mut() {
                    if !value.is_empty() {
                        group.rules.push((key == "allow", value));
                    }
                }
            }
            "crawl-delay" => {
                in_agents = false;
                if let Some(group) = groups.last_mut() {
                    group.crawl_delay = value.parse::<f64>().ok().filter(|d| d.is_finite());
                }
            }
            // The value is a URL, "https://..." with its own colon: split_once kept it whole.
            "sitemap" if !value.is_empty() => sitemaps.push(value.to_string()),
            _ => {}
        }
    }
    (groups, sitemaps)
}

/// The groups that name our product token, or else the `*` groups (RFC 9309 merges all the
/// groups of the chosen agent).
fn chosen_groups<'g, 'a>(groups: &'g [Group<'a>], token: &str) -> Vec<&'g Group<'a>> {
    let ours: Vec<&Group<'a>> = groups
        .iter()
        .filter(|g| {
            g.agents
                .iter()
                .any(|a| a != "*" && !token.is_empty() && token.contains(a.as_str()))
        })
        .collect();
    if !ours.is_empty() {
        return ours;
    }
    groups
        .iter()
        .filter(|g| g.agents.iter().any(|a| a == "*"))
        .collect()
}

impl Robots {
    /// Everything allowed (no robots.txt, or a 4xx).
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// Nothing allowed (robots.txt unreachable or 5xx: the site may be in trouble).
    pub fn unavailable() -> Robots {
        Robots {
            disallow_all: true,
            ..Robots::default()
        }
    }

    /// Parses robots.txt for the user agent `user_agent` (its product token is compared).
    ///
    /// Any text is accepted. Only the complete lines within the first [`MAX_ROBOTS_BYTES`]
    /// are read ([`Robots::truncated`] says when more was there) and only the first
    /// [`MAX_ROBOTS_RULES`] rules of our groups are kept ([`Robots::ignored_rules`] counts the
    /// others), so time and memory stay bounded whatever the file.
    ///
    /// ```
    /// let robots = him_crawl::Robots::parse("User-agent: *\nDisallow: /*.pdf$\n", "himsearch");
    /// assert!(!robots.allowed("/guide.pdf"));
    /// assert!(robots.allowed("/guide.pdf?page=2"));
    /// ```
    pub fn parse(text: &str, user_agent: &str) -> Robots {
        let token = user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let (text, truncated) = within_limit(text);
        let (groups, sitemaps) = read_groups(text);
        let mut robots = Robots {
            sitemaps,
            truncated,
            ..Robots::default()
        };
        for group in chosen_groups(&groups, &token) {
            if let Some(delay) = group.crawl_delay {
                // Capped: a hostile robots.txt must not stall us for hours per page.
                robots.crawl_delay = Some(Duration::from_secs_f64(delay.clamp(0.0, 60.0)));
            }
            for &(allow, pattern) in &group.rules {
                if robots.rules.len() < MAX_ROBOTS_RULES {
                    robots.rules.push(Rule::new(allow, pattern));
                } else {
                    robots.ignored_rules += 1;
                }
            }
        }
        robots
            .rules
            .sort_by_key(|rule| (std::cmp::Reverse(rule.specificity), !rule.allow));
        robots
    }

    /// Whether we may fetch `path_and_query` (starting with `/`).
    pub fn allowed(&self, path_and_query: &str) -> bool {
        if self.disallow_all {
            return false;
        }
        if path_and_query == "/robots.txt" {
            return true;
        }
        // Sorted by precedence: the first rule that matches is the one that decides.
        self.rules
            .iter()
            .find(|rule| rule.matches(path_and_query))
            .is_none_or(|rule| rule.allow)
    }
}

#[cfg(test)]
mod tests;
