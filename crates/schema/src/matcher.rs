//! Finds taxonomy values in text: whole words, aliases, and case rules that avoid false hits.
//!
//! Acronyms (surface forms without lower-case letters, like `RHIT` or `CCS-P`) match only as
//! written, so the English word "cca" in a URL or "Ccs" in a name do not count; everything else
//! matches in any case and with a plural `s`/`es`. Matching is leftmost-longest within a kind,
//! so `CCS-P` is never also read as `CCS`, and "Registered Health Information Technician" is not
//! also "Health Information Technician".

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::{Extraction, FacetKind, FacetValues, Taxonomy};

/// One automaton over the surface forms of every facet kind under one case rule. It reports
/// overlapping matches; [`FacetMatcher::scan`] then picks leftmost-longest matches per kind, so
/// two passes over a text do the work of one pass per kind and rule.
#[derive(Debug, Clone)]
struct CaseAutomaton {
    automaton: AhoCorasick,
    /// Kind and canonical value of each pattern, by pattern index.
    patterns: Vec<(FacetKind, String)>,
    case_insensitive: bool,
}

/// How often each facet value was mentioned in a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions(Vec<(FacetKind, String, usize)>);

impl Mentions {
    /// Values mentioned at least `min` times.
    pub fn at_least(&self, min: usize) -> FacetValues {
        let mut values = FacetValues::default();
        for (kind, value, count) in &self.0 {
            if *count >= min {
                values.insert(*kind, value.clone());
            }
        }
        values
    }

    /// Iterates over (kind, canonical value, count).
    pub fn iter(&self) -> impl Iterator<Item = (FacetKind, &str, usize)> {
        self.0.iter().map(|(k, v, c)| (*k, v.as_str(), *c))
    }

    /// These mentions less those of `part` (a part of the same text), dropping values left
    /// with none.
    pub fn without(mut self, part: &Mentions) -> Mentions {
        for (kind, value, count) in &part.0 {
            if let Some(entry) = self.0.iter_mut().find(|(k, v, _)| k == kind && v == value) {
                entry.2 = entry.2.saturating_sub(*count);
            }
        }
        self.0.retain(|(_, _, count)| *count > 0);
        self
    }

    fn add(&mut self, kind: FacetKind, value: &str) {
        match self.0.iter_mut().find(|(k, v, _)| *k == kind && v == value) {
            Some(entry) => entry.2 += 1,
            None => self.0.push((kind, value.to_string(), 1)),
        }
    }
}

/// Extracts facet values from text with the taxonomy.
#[derive(Debug, Clone)]
pub struct FacetMatcher {
    automata: Vec<CaseAutomaton>,
}

impl FacetMatcher {
    /// Builds the automata for every kind of `taxonomy`.
    pub fn new(taxonomy: &Taxonomy) -> FacetMatcher {
        let mut automata = Vec::new();
        for case_insensitive in [false, true] {
            let mut surfaces = Vec::new();
            let mut patterns = Vec::new();
            for spec in taxonomy.kinds() {
                if spec.policy.extract == Extraction::None {
                    continue;
                }
                let kind = spec.kind;
                for (surface, canonical) in taxonomy.match_forms(kind) {
                    let exact = spec.policy.case_sensitive_acronyms && is_acronym(surface);
                    if exact != case_insensitive {
                        surfaces.push(surface);
                        patterns.push((kind, canonical.to_string()));
                    }
                }
            }
            if surfaces.is_empty() {
                continue;
            }
            let automaton = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(case_insensitive)
                // A full DFA: every indexed body is scanned, and a DFA scans with one table
                // lookup per byte (7.1% -> 4.5% of indexing instructions); the taxonomy is
                // small enough that its memory does not matter.
                .kind(Some(AhoCorasickKind::DFA))
                .build(&surfaces)
                // Patterns are plain strings of a validated taxonomy: building cannot fail
                // short of exceeding aho-corasick's size limits, which no taxonomy nears.
                .expect("taxonomy patterns build an automaton");
            automata.push(CaseAutomaton {
                automaton,
                patterns,
                case_insensitive,
            });
        }
        FacetMatcher { automata }
    }

    /// Counts every whole-word mention of every value in `text`.
    pub fn mentions(&self, text: &str) -> Mentions {
        let mut mentions = Mentions::default();
        self.scan(text, |kind, value, _| mentions.add(kind, value));
        mentions
    }

    /// Values of `kind` named in `text` other than within a mention of another kind's value (the
    /// same words or more): the credential "Certified Risk Adjustment Coder" holds the job title
    /// "Risk Adjustment Coder" without naming a job, and "Registered Health Information
    /// Technician", the name of a credential and of a job, does not say which it means.
    pub fn outermost(&self, kind: FacetKind, text: &str) -> Vec<String> {
        let mut spans = Vec::new();
        self.scan(text, |kind, value, span| {
            spans.push((kind, value.to_string(), span))
        });
        let inside_another = |(own, _, span): &(FacetKind, String, Range<usize>)| {
            spans.iter().any(|(other, _, outer)| {
                other != own && outer.start <= span.start && span.end <= outer.end
            })
        };
        let mut values: Vec<String> = spans
            .iter()
            .filter(|mention| mention.0 == kind && !inside_another(mention))
            .map(|(_, value, _)| value.clone())
            .collect();
        values.sort();
        values.dedup();
        values
    }

    /// Every value mentioned at least once in `text`.
    pub fn extract(&self, text: &str) -> FacetValues {
        self.mentions(text).at_least(1)
    }

    /// Values of one kind mentioned in `text`.
    pub fn extract_kind(&self, kind: FacetKind, text: &str) -> Vec<String> {
        self.extract(text).get(kind).to_vec()
    }

    /// Calls `found` with the kind, canonical value and byte range of every mention.
    fn scan(&self, text: &str, mut found: impl FnMut(FacetKind, &str, Range<usize>)) {
        let bytes = text.as_bytes();
        for automaton in &self.automata {
            // (kind, start, end, pattern) of every match, overlapping ones included.
            let mut hits: Vec<(FacetKind, usize, usize, usize)> = automaton
                .automaton
                .find_overlapping_iter(text)
                .map(|hit| {
                    let pattern = hit.pattern().as_usize();
                    (
                        automaton.patterns[pattern].0,
                        hit.start(),
                        hit.end(),
                        pattern,
                    )
                })
                .collect();
            // Within a kind, leftmost-longest and non-overlapping, as one automaton per kind
            // in leftmost-longest mode would report them.
            hits.sort_unstable_by_key(|&(kind, start, end, _)| {
                (kind, start, std::cmp::Reverse(end))
            });
            let mut current: Option<FacetKind> = None;
            let mut resume = 0;
            for (kind, start, end, pattern) in hits {
                if current != Some(kind) {
                    current = Some(kind);
                    resume = 0;
                }
                if start < resume {
                    continue;
                }
                let mut whole = end;
                if automaton.case_insensitive {
                    whole += plural_suffix_len(&bytes[end..]);
                }
                let before_ok = start == 0 || !is_word_byte(bytes[start - 1]);
                let after_ok = whole == bytes.len() || !is_word_byte(bytes[whole]);
                // Only a match of whole words hides the matches it overlaps: "ER Coder" inside
                // "other coders" is no match, and must not hide "coders".
                if before_ok && after_ok {
                    resume = end;
                    found(kind, &automaton.patterns[pattern].1, start..whole);
                }
            }
        }
    }
}

/// An acronym has letters, none of them lower-case (`RHIT`, `CCS-P`, `ICD-10-CM`).
fn is_acronym(surface: &str) -> bool {
    surface.chars().any(|c| c.is_alphabetic()) && !surface.chars().any(|c| c.is_lowercase())
}

/// Letters, digits and non-ASCII bytes (parts of accented letters) continue a word.
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte >= 0x80
}

/// Length of a plural ending (`s`, `es`, `'s`) that ends a word at the start of `rest`.
fn plural_suffix_len(rest: &[u8]) -> usize {
    for suffix in [&b"es"[..], b"s", b"'s"] {
        if rest.len() >= suffix.len()
            && rest[..suffix.len()].eq_ignore_ascii_case(suffix)
            && rest.get(suffix.len()).is_none_or(|b| !is_word_byte(*b))
        {
            return suffix.len();
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> FacetMatcher {
        Taxonomy::builtin().unwrap().matcher()
    }

    #[test]
    fn acronyms_match_case_sensitively_and_whole() {
        let m = matcher();
        assert_eq!(
            m.extract_kind(Taxonomy::builtin_kind("credential"), "Earn the RHIT."),
            ["RHIT"]
        );
        assert!(m
            .extract_kind(Taxonomy::builtin_kind("credential"), "rhit rhitx XRHIT")
            .is_empty());
    }

    #[test]
    fn ccs_p_is_not_ccs() {
        let m = matcher();
        assert_eq!(
            m.extract_kind(Taxonomy::builtin_kind("credential"), "the CCS-P exam"),
            ["CCS-P"]
        );
        assert_eq!(
            m.extract_kind(Taxonomy::builtin_kind("credential"), "CCS and CCS-P differ"),
            ["CCS", "CCS-P"]
        );
    }

    #[test]
    fn full_names_and_aliases_resolve() {
        let m = matcher();
        assert_eq!(
            m.extract_kind(
                Taxonomy::builtin_kind("credential"),
                "a registered health information technician"
            ),
            ["RHIT"]
        );
        assert_eq!(
            m.extract_kind(
                Taxonomy::builtin_kind("job_title"),
                "Wanted: Medical Records Techs"
            ),
            ["Medical Records Technician"]
        );
        assert_eq!(
            m.extract_kind(Taxonomy::builtin_kind("job_title"), "medical coders wanted"),
            ["Coder"]
        );
    }

    #[test]
    fn longest_match_wins_within_a_kind() {
        let m = matcher();
        assert_eq!(
            m.extract_kind(
                Taxonomy::builtin_kind("job_title"),
                "Registered Health Information Technician"
            ),
            ["Registered Health Information Technician"]
        );
    }

    #[test]
    fn a_name_inside_or_shared_with_another_kinds_is_not_outermost() {
        let m = matcher();
        let job = Taxonomy::builtin_kind("job_title");
        assert!(m
            .outermost(job, "CRC: Certified Risk Adjustment Coder")
            .is_empty());
        assert!(m
            .outermost(job, "RHIT: Registered Health Information Technician")
            .is_empty());
        assert_eq!(
            m.outermost(job, "Risk Adjustment Coder and the CRC"),
            ["Risk Adjustment Coder"]
        );
        // A job title holding a topic's name ("release of information") is the longer name.
        assert_eq!(
            m.outermost(job, "Release of Information Specialist"),
            ["Release of Information Specialist"]
        );
    }

    #[test]
    fn counts_mentions() {
        let m = matcher();
        let mentions = m.mentions("RHIT, then RHIA, then RHIT again");
        assert_eq!(
            mentions
                .at_least(2)
                .get(Taxonomy::builtin_kind("credential")),
            ["RHIT"]
        );
        assert_eq!(
            mentions
                .at_least(1)
                .get(Taxonomy::builtin_kind("credential")),
            ["RHIA", "RHIT"]
        );
    }

    #[test]
    fn a_match_inside_a_word_does_not_hide_the_real_one() {
        let m = matcher();
        for text in [
            "experienced coders",
            "other coders wanted",
            "certified coders",
        ] {
            assert_eq!(
                m.extract_kind(Taxonomy::builtin_kind("job_title"), text),
                ["Coder"],
                "{text}"
            );
        }
    }

    #[test]
    fn words_inside_other_words_do_not_match() {
        let m = matcher();
        assert!(m
            .extract_kind(Taxonomy::builtin_kind("job_title"), "encoders and decoders")
            .is_empty());
    }
}
