//! Facet assignment: which values of each facet kind of the taxonomy a document carries.
//!
//! Rules, strongest first:
//! 1. `<meta name="him:KIND">` replaces everything else for that kind (the author knows best).
//! 2. `data-him-facet="kind:value"` adds a value.
//! 3. `paths` of a value file every document under them.
//! 4. Text, by the kind's `extract` policy. `mentions`: a mention in the title, a heading or
//!    the description counts once; in the body a value needs `body_mentions` mentions (2 by
//!    default), so a passing reference ("unlike the CPC...") does not file the page under it;
//!    on a short page (150 words or fewer) that names no other value of the kind, one mention
//!    is enough.
//!    With the `requirements` policy, so is one mention in a requirement sentence; on a page
//!    filed under a value the kind's `single_mention_under` names (a job profile, for
//!    credentials), one mention anywhere but in a sentence about another job (where this one
//!    leads, a neighbouring field with "its own" credential) that does not name what the
//!    page's title names. A page whose body names ten values of one kind or more is a list (an
//!    index, a glossary): its body files it under nothing. A link in the body naming two values
//!    of a kind ("CTR vs RHIT") points to a page comparing them: the body is read without its
//!    words. A list page whose title says it compares ("comparison table", "vs") is about
//!    every value it lists. Under `title_only_under` (a glossary) and, with `title_decides`,
//!    on a page whose title names a value of the kind (a job's page), only the title, headings
//!    and description count: the body names what is around the page's subject.
//!    `title_and_path`: only the title's words (a page that says "guide" somewhere is not
//!    thereby a guide). `none`: never from text.
//! 5. A value files the page under the values it is a kind of (`broader`), but for a kind a
//!    meta sets.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use him_schema::{Extraction, FacetKind, FacetMatcher, FacetValues, Taxonomy};

use crate::extract::Extracted;

/// Assigns facets; returns them with warnings about kinds and values not in the taxonomy.
pub(crate) fn assign_facets(
    taxonomy: &Taxonomy,
    matcher: &FacetMatcher,
    path: &str,
    page: &Extracted,
) -> (FacetValues, Vec<String>) {
    let mut warnings = Vec::new();
    let prominent = matcher.mentions(&page.prominent_text());
    // The body without the links that compare two values: they point to another page.
    let text = without_comparison_links(taxonomy, matcher, &page.body, &page.link_text);
    let body = matcher.mentions(&text);
    let title = matcher.extract(&page.title);
    // A value named once counts on a short page (about it, whatever it names) and in a
    // requirement sentence ("employers prefer candidates who hold the RHIT").
    let short = page.body.split_whitespace().count() <= SHORT_PAGE_WORDS;
    // The body's sentences are scanned for requirements only when some kind asks for them.
    let wants_requirements = taxonomy.kinds().iter().any(|spec| spec.policy.requirements);
    let required = if wants_requirements {
        matcher.extract(&cued_sentences(&text, &REQUIREMENTS, |_| true))
    } else {
        FacetValues::default()
    };
    let named_in_body = |kind: FacetKind| body.iter().filter(|(k, _, _)| *k == kind).count();
    // A page naming many values of one kind in its body is a list of them (an index, a
    // glossary, a directory): its body mentions file it under none of them.
    let list_page = taxonomy
        .kinds()
        .iter()
        .any(|spec| named_in_body(spec.kind) >= LIST_PAGE_VALUES);
    // A page whose title says it compares ("certification comparison table", "X vs Y") is
    // about every value it compares, however many: a list that compares is not an index. What
    // it compares is the kind it names most values of.
    let compared_kind = COMPARISON
        .in_sentence(&page.title)
        .then(|| {
            taxonomy
                .kinds()
                .iter()
                .filter(|spec| spec.policy.extract == Extraction::Mentions)
                .max_by_key(|spec| named_in_body(spec.kind))
                .map(|spec| spec.kind)
        })
        .flatten();
    let mut facets = FacetValues::default();
    // What paths and the author's attributes give, which no rule on text takes away.
    let mut given = FacetValues::default();
    for spec in taxonomy.kinds() {
        let kind = spec.kind;
        let listed = named_in_body(kind) >= LIST_PAGE_VALUES;
        let compared = listed && compared_kind == Some(kind);
        let from_text: Vec<String> = match spec.policy.extract {
            Extraction::Mentions => prominent
                .iter()
                .filter(|(k, _, _)| *k == kind)
                .map(|(_, value, _)| value.to_string())
                .chain({
                    // A short page naming several values of the kind compares or lists
                    // them, about none in particular.
                    let focused = short && named_in_body(kind) <= MAX_SHORT_PAGE_VALUES;
                    body.iter()
                        .filter(move |(k, value, count)| {
                            *k == kind
                                && (compared
                                    || !listed && (focused || *count >= needed(spec, value)))
                        })
                        .map(|(_, value, _)| value.to_string())
                })
                .chain(
                    required
                        .get(kind)
                        .iter()
                        .filter(|_| spec.policy.requirements && !listed)
                        .cloned(),
                )
                .collect(),
            Extraction::TitleAndPath => title.get(kind).to_vec(),
            Extraction::None => Vec::new(),
        };
        let from_paths = spec
            .values
            .iter()
            .filter(|value| value.paths.iter().any(|rule| path_matches(rule, path)))
            .map(|value| value.canonical().to_string());
        for value in from_paths {
            facets.insert(kind, value.clone());
            given.insert(kind, value);
        }
        for value in from_text {
            facets.insert(kind, value);
        }
    }
    let mut resolve = |name: &str, origin: &str| -> Option<FacetKind> {
        let kind = taxonomy.kind_named(name);
        if kind.is_none() {
            warnings.push(format!(
                "{origin} names facet kind {name:?}, which the taxonomy does not declare \
                 (ignored; kinds: {})",
                taxonomy.kind_list()
            ));
        }
        kind
    };
    let attr_facets: Vec<(FacetKind, &str)> = page
        .attr_facets
        .iter()
        .filter_map(|(name, value)| Some((resolve(name, "data-him-facet")?, value.as_str())))
        .collect();
    let meta_facets: Vec<(FacetKind, &[String])> = page
        .meta_facets
        .iter()
        .filter_map(|(name, values)| {
            Some((
                resolve(name, &format!("meta him:{name}"))?,
                values.as_slice(),
            ))
        })
        .collect();
    let mut canonical = |kind: FacetKind, value: &str, origin: &str| -> String {
        match taxonomy.canonicalize(kind, value) {
            Some(canonical) => canonical.to_string(),
            None => {
                warnings.push(format!(
                    "{origin} gives {kind} {value:?}, which is not in the taxonomy (kept as written)"
                ));
                value.to_string()
            }
        }
    };
    for (kind, value) in attr_facets {
        let value = canonical(kind, value, "data-him-facet");
        facets.insert(kind, value.clone());
        given.insert(kind, value);
    }
    let meta_kinds: Vec<FacetKind> = meta_facets.iter().map(|(kind, _)| *kind).collect();
    for (kind, values) in meta_facets {
        let origin = format!("meta him:{kind}");
        let values: Vec<String> = values.iter().map(|v| canonical(kind, v, &origin)).collect();
        facets.set(kind, values);
    }
    // One body mention is enough on the pages a kind's `single_mention_under` names (every
    // credential a job profile names), unless the page is a list. Decided on the page's facets
    // once authors' attributes and metas are in (a meta's resource type counts), and never for
    // a kind a meta sets (the author's list is the list).
    for spec in taxonomy.kinds() {
        let applies = !list_page
            && spec.policy.extract == Extraction::Mentions
            && !meta_kinds.contains(&spec.kind)
            && filed_under(taxonomy, &facets, &spec.policy.single_mention_under);
        if applies {
            // A sentence about another job, unless it names what the page's title names
            // ("cancer registrars have their own credential" on the cancer registrar's page).
            let about_title = |sentence: &str| {
                let named = matcher.extract(sentence);
                taxonomy.kinds().iter().any(|spec| {
                    named
                        .get(spec.kind)
                        .iter()
                        .any(|value| title.get(spec.kind).contains(value))
                })
            };
            let elsewhere = cued_sentences(&text, &ELSEWHERE, |sentence| !about_title(sentence));
            let mentioned: Vec<String> = body
                .clone()
                .without(&matcher.mentions(&elsewhere))
                .iter()
                .filter(|(k, _, _)| *k == spec.kind)
                .map(|(_, value, _)| value.to_string())
                .collect();
            for value in mentioned {
                facets.insert(spec.kind, value);
            }
        }
    }
    let confinable: Vec<FacetKind> = taxonomy
        .kinds()
        .iter()
        .map(|spec| spec.kind)
        // A list that compares is about every value it lists, whatever its title names.
        .filter(|kind| {
            let compared = named_in_body(*kind) >= LIST_PAGE_VALUES && compared_kind == Some(*kind);
            !meta_kinds.contains(kind) && !compared
        })
        .collect();
    confine_to_prominent(
        taxonomy,
        matcher,
        &page.title,
        &prominent,
        &given,
        &confinable,
        &mut facets,
    );
    add_broader(taxonomy, &meta_kinds, &mut facets);
    (facets, warnings)
}

/// Body mentions `value` of `spec`'s kind needs: its own count, else the kind's.
fn needed(spec: &him_schema::KindSpec, value: &str) -> usize {
    spec.values
        .iter()
        .find(|v| v.canonical() == value)
        .map_or(spec.policy.body_mentions, |v| v.body_mentions(&spec.policy))
}

/// Whether `facets` hold one of the values `under` lists by kind key.
fn filed_under(
    taxonomy: &Taxonomy,
    facets: &FacetValues,
    under: &std::collections::BTreeMap<String, Vec<String>>,
) -> bool {
    under.iter().any(|(key, values)| {
        taxonomy
            .kind_named(key)
            .is_some_and(|other| values.iter().any(|value| facets.get(other).contains(value)))
    })
}

/// Kinds among `kinds` whose values only the title, headings and description give on this
/// page (policies `title_decides`, `title_only_under`) keep those, and the values `given` by
/// the author's attributes and the taxonomy's paths; what the body alone named goes.
fn confine_to_prominent(
    taxonomy: &Taxonomy,
    matcher: &FacetMatcher,
    title: &str,
    prominent: &him_schema::Mentions,
    given: &FacetValues,
    kinds: &[FacetKind],
    facets: &mut FacetValues,
) {
    for spec in taxonomy.kinds() {
        let kind = spec.kind;
        let confined = spec.policy.extract == Extraction::Mentions
            && kinds.contains(&kind)
            && (filed_under(taxonomy, facets, &spec.policy.title_only_under)
                || spec.policy.title_decides && !matcher.outermost(kind, title).is_empty());
        if !confined {
            continue;
        }
        let stated = |value: &str| {
            prominent.iter().any(|(k, v, _)| k == kind && v == value)
                || given.get(kind).iter().any(|v| v == value)
        };
        let kept: Vec<String> = facets
            .get(kind)
            .iter()
            .filter(|value| stated(value))
            .cloned()
            .collect();
        facets.set(kind, kept);
    }
}

/// Files the page under the values its values are kinds of (`broader`), but for kinds an
/// author's meta sets (the author's list is the list).
fn add_broader(taxonomy: &Taxonomy, meta_kinds: &[FacetKind], facets: &mut FacetValues) {
    for spec in taxonomy.kinds() {
        if meta_kinds.contains(&spec.kind) {
            continue;
        }
        // Until no value adds one: a chain (a kind of a kind of) is followed to its end.
        let mut pending: Vec<String> = facets.get(spec.kind).to_vec();
        while let Some(value) = pending.pop() {
            let Some(value) = spec.values.iter().find(|v| v.canonical() == value) else {
                continue;
            };
            for broader in &value.broader {
                if !facets.get(spec.kind).contains(broader) {
                    facets.insert(spec.kind, broader.clone());
                    pending.push(broader.clone());
                }
            }
        }
    }
}

/// `body` without the text of its links that name two values of one kind or more ("CTR vs
/// RHIT", "RHIT vs RHIA explains the difference"): references to a page comparing them, whose
/// words say nothing about this page. Only kinds read from mentions count: two resource types
/// ("study guide and checklist") compare nothing.
fn without_comparison_links(
    taxonomy: &Taxonomy,
    matcher: &FacetMatcher,
    body: &str,
    link_text: &str,
) -> String {
    let compares = |text: &str| {
        let mentions = matcher.mentions(text);
        taxonomy
            .kinds()
            .iter()
            .filter(|spec| spec.policy.extract == Extraction::Mentions)
            .any(|spec| mentions.iter().filter(|(k, _, _)| *k == spec.kind).count() >= 2)
    };
    // Most pages' links name fewer than two values of a kind between them: none compares.
    if !compares(link_text) {
        return body.to_string();
    }
    let mut text = body.to_string();
    for link in link_text.lines().filter(|link| compares(link)) {
        text = text.replace(link, " ");
    }
    text
}

/// Body words up to which a page counts as short: one focused answer, where a value named once
/// is what the page is about.
const SHORT_PAGE_WORDS: usize = 150;

/// Values of one kind a page's body must name to make it a list of them.
const LIST_PAGE_VALUES: usize = 10;

/// Values of one kind a short page may name and still be about it: one (a page naming two is
/// comparing or contrasting them, and "unlike the CPC" files nothing).
const MAX_SHORT_PAGE_VALUES: usize = 1;

/// Words that make a sentence a requirement or a recommendation: a value it names is one the
/// page's reader needs, not a passing mention.
const REQUIREMENT_CUES: &[&str] = &[
    "require",
    "required",
    "requires",
    "requirement",
    "prefer",
    "preferred",
    "prefers",
    "must",
    "eligible",
    "eligibility",
    "hold",
    "holds",
    "holding",
    "earn",
    "earned",
    "certified",
    "certifies",
    "expected",
    "expect",
    "expects",
    "qualify",
    "qualifies",
    "look for",
    "looks for",
    "ask for",
    "asks for",
    "seek",
    "seeks",
    "want",
    "wants",
    "need",
    "needs",
    "helps",
    "recommended",
    "calls for",
    "call for",
    "accept",
    "accepts",
    "recommend",
    "valued",
];

/// Words that make a sentence about another job than the page's: where it leads ("people who
/// study for the RHIT move on to record analysis") or a neighbouring field ("registry work has
/// its own credential, the CTR"). A credential named there is that job's.
const ELSEWHERE_CUES: &[&str] = &[
    "move on",
    "moves on",
    "moving on",
    "moving toward",
    "moves toward",
    "move toward",
    "go on to",
    "goes on to",
    "its own",
    "their own",
];

/// Cue words as one search: run word by word over each sentence, they were a fifth of
/// indexing `gen_site.py`'s 10k pages (a searcher per cue per sentence).
struct Cues {
    cues: &'static [&'static str],
    search: OnceLock<AhoCorasick>,
}

/// Title words that make a page a comparison of the values its body names.
const COMPARISON_CUES: &[&str] = &[
    "comparison",
    "comparisons",
    "compare",
    "compared",
    "comparing",
    "vs",
    "versus",
    "side by side",
];

static REQUIREMENTS: Cues = Cues::new(REQUIREMENT_CUES);
static COMPARISON: Cues = Cues::new(COMPARISON_CUES);
static ELSEWHERE: Cues = Cues::new(ELSEWHERE_CUES);

impl Cues {
    const fn new(cues: &'static [&'static str]) -> Cues {
        Cues {
            cues,
            search: OnceLock::new(),
        }
    }

    /// Whether `sentence` holds a cue as whole words, in any case.
    fn in_sentence(&self, sentence: &str) -> bool {
        let search = self.search.get_or_init(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(self.cues)
                .expect("a few short cues build")
        });
        // Overlapping: "hold" may be a word where "holding" is not, and the reverse.
        search
            .find_overlapping_iter(sentence)
            .any(|found| is_word_at(sentence, found.start(), found.end() - found.start()))
    }
}

/// The sentences of `body` holding one of `cues` as whole words, and that `keep` keeps,
/// joined.
fn cued_sentences(body: &str, cues: &Cues, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    for sentence in body.split(['.', '!', '?', ';', '\n']) {
        if cues.in_sentence(sentence) && keep(sentence) {
            out.push_str(sentence);
            out.push('\n');
        }
    }
    out
}

/// Whether `text[at..at + len]` is a whole word (or words).
fn is_word_at(text: &str, at: usize, len: usize) -> bool {
    let before = text[..at].chars().next_back();
    let after = text[at + len..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// `dir/` rules are prefixes, others exact paths.
fn path_matches(rule: &str, path: &str) -> bool {
    if rule.ends_with('/') {
        path.starts_with(rule)
    } else {
        path == rule
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assign(path: &str, page: &Extracted) -> (FacetValues, Vec<String>) {
        let taxonomy = Taxonomy::builtin().unwrap();
        assign_facets(&taxonomy, &taxonomy.matcher(), path, page)
    }

    #[test]
    fn one_body_mention_is_not_enough() {
        let page = Extracted {
            title: "Coding careers".into(),
            body: "Unlike the CPC, the CCS is hospital-focused. The CCS exam...".into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("articles/x.html", &page);
        assert_eq!(facets.get(Taxonomy::builtin_kind("credential")), ["CCS"]);
    }

    #[test]
    fn a_list_of_values_is_about_none_of_them_unless_it_compares_them() {
        let codes = [
            "RHIT", "RHIA", "CCA", "CCS", "CPC", "COC", "CIC", "CRC", "CDIP", "CHDA",
        ];
        let body: String = codes
            .iter()
            .map(|code| format!("The {code} exam. The {code} renewal. "))
            .collect();
        let page = Extracted {
            title: "Every credential".into(),
            body: body.clone(),
            ..Extracted::default()
        };
        let (facets, _) = assign("credentials/index.html", &page);
        assert!(facets.get(Taxonomy::builtin_kind("credential")).is_empty());
        let nine = Extracted {
            title: "Most credentials".into(),
            body: body.replace("CHDA", "widget"),
            ..Extracted::default()
        };
        let (facets, _) = assign("credentials/most.html", &nine);
        assert_eq!(facets.get(Taxonomy::builtin_kind("credential")).len(), 9);
        let rows: String = codes
            .iter()
            .map(|code| format!("{code} | its issuer | its eligibility\n"))
            .collect();
        let table = Extracted {
            title: "Certification comparison table".into(),
            body: rows,
            ..Extracted::default()
        };
        let (facets, _) = assign("resources/table.pdf", &table);
        assert_eq!(facets.get(Taxonomy::builtin_kind("credential")).len(), 10);
    }

    #[test]
    fn a_job_profile_is_filed_under_every_credential_it_names() {
        let page = Extracted {
            title: "Charge Capture Specialist".into(),
            body: "Reconciles charges daily. Coders with a CPC or a CCS often move into it.".into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("jobs/charge-capture-specialist.html", &page);
        assert_eq!(
            facets.get(Taxonomy::builtin_kind("resource_type")),
            ["Job profile"]
        );
        assert_eq!(
            facets.get(Taxonomy::builtin_kind("credential")),
            ["CCS", "CPC"]
        );
        let (facets, _) = assign("topics/charges.html", &page);
        assert!(
            facets.get(Taxonomy::builtin_kind("credential")).is_empty(),
            "not a job profile"
        );
        // The author's meta decides what the page is.
        let meta = |value: &str| Extracted {
            meta_facets: vec![("resource_type".into(), vec![value.into()])],
            ..page.clone()
        };
        let (facets, _) = assign("jobs/charges.html", &meta("Article"));
        assert!(facets.get(Taxonomy::builtin_kind("credential")).is_empty());
        let (facets, _) = assign("topics/charges.html", &meta("Job profile"));
        assert_eq!(
            facets.get(Taxonomy::builtin_kind("credential")),
            ["CCS", "CPC"]
        );
    }

    #[test]
    fn a_link_to_a_comparison_names_neither_value() {
        let page = Extracted {
            title: "Cancer Registrar".into(),
            body: "Registrars abstract cancer cases. The CTR is their credential. \
                   See CTR vs RHIT."
                .into(),
            link_text: "CTR vs RHIT\n".into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("jobs/cancer-registrar.html", &page);
        assert_eq!(facets.get(Taxonomy::builtin_kind("credential")), ["CTR"]);
        // A link naming one value is the page's own mention of it.
        let one = Extracted {
            link_text: "RHIT\n".into(),
            ..page.clone()
        };
        let (facets, _) = assign("jobs/cancer-registrar.html", &one);
        assert_eq!(
            facets.get(Taxonomy::builtin_kind("credential")),
            ["CTR", "RHIT"]
        );
        // Two resource types ("guide", "checklist") compare nothing.
        let guide = Extracted {
            body: "Registrars abstract cancer cases. See the RHIT study guide and checklist."
                .into(),
            link_text: "RHIT study guide and checklist\n".into(),
            ..page.clone()
        };
        let (facets, _) = assign("jobs/cancer-registrar.html", &guide);
        assert_eq!(facets.get(Taxonomy::builtin_kind("credential")), ["RHIT"]);
        // A comparison link in a sentence about another job is taken away once.
        let onward = Extracted {
            body: "The CTR is their credential. Those who move on to coding read CTR vs RHIT."
                .into(),
            ..page.clone()
        };
        let (facets, _) = assign("jobs/cancer-registrar.html", &onward);
        assert_eq!(facets.get(Taxonomy::builtin_kind("credential")), ["CTR"]);
    }

    #[test]
    fn a_job_profile_is_not_filed_under_other_jobs_credentials() {
        let page = Extracted {
            title: "Medical Records Clerk".into(),
            body: "Clerks file and retrieve records. The CCA is a common first credential \
                   for clerks moving toward coding. People who study for the RHIT move on to \
                   record analysis. Billing has its own credential, the CPB."
                .into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("jobs/medical-records-clerk.html", &page);
        assert!(facets.get(Taxonomy::builtin_kind("credential")).is_empty());
        // A sentence naming the page's own job is about it.
        let own = Extracted {
            title: "Cancer Registrar".into(),
            body: "Registrars abstract cases. Cancer registrars have their own credential, \
                   the CTR."
                .into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("jobs/cancer-registrar.html", &own);
        assert_eq!(facets.get(Taxonomy::builtin_kind("credential")), ["CTR"]);
    }

    #[test]
    fn a_page_titled_with_a_job_is_about_that_job() {
        let job = Taxonomy::builtin_kind("job_title");
        let page = Extracted {
            title: "Coding Manager".into(),
            headings: vec!["Working with the HIM director".into()],
            body: "A coding manager staffs the team of coders, sets what each coder must \
                   reach and reviews coders' work with the coders themselves. Many were coding \
                   educators before; coding educators often move up."
                .into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("jobs/coding-manager.html", &page);
        assert_eq!(facets.get(job), ["Coding Manager", "HIM Director"]);
        // Untitled by a job, the same words file the page under the jobs its body names twice
        // (four times for coders: `body_mentions` of `Coder`).
        let article = Extracted {
            title: "Leading a coding team".into(),
            ..page.clone()
        };
        let (facets, _) = assign("articles/leading.html", &article);
        assert_eq!(
            facets.get(job),
            ["Coder", "Coding Educator", "HIM Director"]
        );
        // A job's name inside a credential's does not make the page the job's: the CRC's page
        // is filed by its body too, as any page (and under the job its title holds).
        let credential = Extracted {
            title: "CRC: Certified Risk Adjustment Coder".into(),
            body: "Coding auditors hold it. A coding auditor checks HCC codes.".into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("credentials/crc.html", &credential);
        assert_eq!(
            facets.get(job),
            ["Coder", "Coding Auditor", "Risk Adjustment Coder"]
        );
    }

    /// Coders are named on every coding page as the people doing its work: the taxonomy asks
    /// four body mentions of `Coder`, two of other job titles.
    #[test]
    fn a_value_may_need_more_mentions_than_its_kind() {
        let job = Taxonomy::builtin_kind("job_title");
        // Long enough that one mention would not do (a short page is about what it names).
        let page = |times: usize| Extracted {
            title: "Clean claims".into(),
            body: "Claims go out daily. ".repeat(40)
                + &"Coders fix edits. ".repeat(times)
                + "Billing specialists resubmit. Billing specialists call payers.",
            ..Extracted::default()
        };
        let (facets, _) = assign("topics/claims.html", &page(3));
        assert_eq!(facets.get(job), ["Medical Biller"]);
        let (facets, _) = assign("topics/claims.html", &page(4));
        assert_eq!(facets.get(job), ["Coder", "Medical Biller"]);
    }

    #[test]
    fn a_glossary_is_filed_by_its_title_and_headings_alone() {
        let page = Extracted {
            title: "HIM glossary".into(),
            headings: vec!["RHIA".into()],
            body: "Coder: assigns codes; coders hold the CPC. RHIT: a credential. RHIT holders \
                   are technicians. CPC: a credential."
                .into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("resources/glossary.md", &page);
        assert_eq!(facets.get(Taxonomy::builtin_kind("credential")), ["RHIA"]);
        assert!(facets.get(Taxonomy::builtin_kind("job_title")).is_empty());
    }

    #[test]
    fn a_page_under_a_specific_job_is_under_the_job_it_is_a_kind_of() {
        let page = Extracted {
            title: "Home Health Coder".into(),
            body: "Codes home care.".into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("jobs/home-health-coder.html", &page);
        assert_eq!(
            facets.get(Taxonomy::builtin_kind("job_title")),
            ["Coder", "Home Health Coder"]
        );
        // The author's meta is the list.
        let meta = Extracted {
            meta_facets: vec![("job_title".into(), vec!["Home Health Coder".into()])],
            ..page.clone()
        };
        let (facets, _) = assign("jobs/home-health-coder.html", &meta);
        assert_eq!(
            facets.get(Taxonomy::builtin_kind("job_title")),
            ["Home Health Coder"]
        );
    }

    #[test]
    fn what_a_job_calls_for_or_accepts_is_a_requirement() {
        let page = Extracted {
            title: "Checklist for hiring".into(),
            body: "Inpatient coding usually calls for a facility credential such as the CCS. \
                   An entry-level role may accept the CCA. AAPC's CRC certifies this work."
                .into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("resources/checklist.txt", &page);
        assert_eq!(
            facets.get(Taxonomy::builtin_kind("credential")),
            ["CCA", "CCS", "CRC"]
        );
    }

    #[test]
    fn cues_are_whole_words_in_any_case() {
        for (sentence, cued) in [
            ("Employers PREFER the RHIT", true),
            ("preferably the RHIT", false),
            ("candidates holding the CCS", true),
            ("they withhold nothing", false),
            ("a role that calls for the CCA", true),
            ("the recall for coders", false),
            ("", false),
        ] {
            assert_eq!(REQUIREMENTS.in_sentence(sentence), cued, "{sentence:?}");
        }
        assert!(ELSEWHERE.in_sentence("they Move On to coding"));
        assert!(!ELSEWHERE.in_sentence("they move onward"));
    }

    #[test]
    fn meta_replaces_and_attributes_add() {
        let page = Extracted {
            title: "RHIT and RHIA".into(),
            meta_facets: vec![("credential".into(), vec!["chps".into()])],
            attr_facets: vec![
                ("topic".into(), "hipaa".into()),
                ("topic".into(), "Astrology".into()),
            ],
            ..Extracted::default()
        };
        let (facets, warnings) = assign("a.html", &page);
        assert_eq!(facets.get(Taxonomy::builtin_kind("credential")), ["CHPS"]);
        assert_eq!(
            facets.get(Taxonomy::builtin_kind("topic")),
            ["Astrology", "HIPAA privacy and security"]
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn resource_type_from_title_not_body() {
        let page = Extracted {
            title: "HIM glossary".into(),
            body: "This checklist and that checklist".into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("resources/glossary.md", &page);
        assert_eq!(
            facets.get(Taxonomy::builtin_kind("resource_type")),
            ["Glossary"]
        );
    }
}
