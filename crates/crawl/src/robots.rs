//! robots.txt: the groups for our user agent (or `*`), Allow/Disallow with `*` and `$`
//! wildcards (longest match wins, Allow wins a tie), `Crawl-delay`, and `Sitemap:` lines.

use std::time::Duration;

use regex::Regex;

/// The rules that apply to us on one origin.
#[derive(Debug, Clone, Default)]
pub struct Robots {
    rules: Vec<Rule>,
    /// `Crawl-delay` of our group.
    pub crawl_delay: Option<Duration>,
    /// `Sitemap:` URLs (they apply whatever the group).
    pub sitemaps: Vec<String>,
    /// Everything is disallowed (robots.txt answered 5xx or could not be fetched).
    pub disallow_all: bool,
}

#[derive(Debug, Clone)]
struct Rule {
    allow: bool,
    /// Length of the pattern as written: the longest match wins.
    specificity: usize,
    pattern: Regex,
}

#[derive(Debug, Default)]
struct Group {
    agents: Vec<String>,
    rules: Vec<(bool, String)>,
    crawl_delay: Option<f64>,
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
    pub fn parse(text: &str, user_agent: &str) -> Robots {
        let token = user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut groups: Vec<Group> = Vec::new();
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
                            group.rules.push((key == "allow", value.to_string()));
                        }
                    }
                }
                "crawl-delay" => {
                    in_agents = false;
                    if let Some(group) = groups.last_mut() {
                        group.crawl_delay = value.parse::<f64>().ok().filter(|d| d.is_finite());
                    }
                }
                "sitemap" => {
                    // "Sitemap: https://..." has a colon in the value too.
                    let url = line.split_once(':').map_or("", |(_, v)| v.trim());
                    if !url.is_empty() {
                        sitemaps.push(url.to_string());
                    }
                }
                _ => {}
            }
        }
        let ours: Vec<&Group> = groups
            .iter()
            .filter(|g| {
                g.agents
                    .iter()
                    .any(|a| a != "*" && !token.is_empty() && token.contains(a.as_str()))
            })
            .collect();
        let chosen: Vec<&Group> = if ours.is_empty() {
            groups
                .iter()
                .filter(|g| g.agents.iter().any(|a| a == "*"))
                .collect()
        } else {
            ours
        };
        let mut robots = Robots {
            sitemaps,
            ..Robots::default()
        };
        for group in chosen {
            if let Some(delay) = group.crawl_delay {
                // Capped: a hostile robots.txt must not stall us for hours per page.
                robots.crawl_delay = Some(Duration::from_secs_f64(delay.clamp(0.0, 60.0)));
            }
            for (allow, pattern) in &group.rules {
                if let Some(regex) = pattern_regex(pattern) {
                    robots.rules.push(Rule {
                        allow: *allow,
                        specificity: pattern.len(),
                        pattern: regex,
                    });
                }
            }
        }
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
        let mut best: Option<(usize, bool)> = None;
        for rule in &self.rules {
            if rule.pattern.is_match(path_and_query) {
                let better = match best {
                    None => true,
                    Some((len, allow)) => {
                        rule.specificity > len || (rule.specificity == len && rule.allow && !allow)
                    }
                };
                if better {
                    best = Some((rule.specificity, rule.allow));
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// A robots path pattern as an anchored regex: `*` any run of characters, a final `$` the end.
fn pattern_regex(pattern: &str) -> Option<Regex> {
    let (body, anchored) = match pattern.strip_suffix('$') {
        Some(body) => (body, true),
        None => (pattern, false),
    };
    let mut source = String::from("^");
    for (i, part) in body.split('*').enumerate() {
        if i > 0 {
            source.push_str(".*");
        }
        source.push_str(&regex::escape(part));
    }
    if anchored {
        source.push('$');
    }
    Regex::new(&source).ok()
}

#[cfg(test)]
mod tests {
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
}
