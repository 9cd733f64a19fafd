//! Query expansion from the taxonomy: synonyms and acronyms in both directions, and the codes,
//! names and aliases of the values of every kind with the `expand` policy (`RHIT` <->
//! `Registered Health Information Technician`, `medical coder` <-> `Coder`); and which words
//! must never be fuzzed.

use std::collections::{HashMap, HashSet};

use him_schema::{analysis, Taxonomy};
use tantivy::tokenizer::TextAnalyzer;

/// Longest synonym, in words, looked for in a query.
const MAX_SPAN_WORDS: usize = 8;

/// Synonym groups keyed by their raw-analyzed form (`ccs p`, `release of information`).
#[derive(Clone)]
pub(crate) struct Expander {
    groups: Vec<Vec<String>>,
    by_key: HashMap<String, Vec<usize>>,
    /// Keys of acronyms and credential codes: never typo-corrected.
    no_fuzz: HashSet<String>,
    analyzer: TextAnalyzer,
}

impl Expander {
    pub(crate) fn new(taxonomy: &Taxonomy) -> Expander {
        let mut analyzer = analysis::raw_analyzer();
        let mut groups: Vec<Vec<String>> = taxonomy
            .synonyms
            .iter()
            .map(|group| group.terms.clone())
            .collect();
        // Terms that open their group: every term, but only the first of a one-way group.
        let opens = |id: usize, index: usize| {
            taxonomy
                .synonyms
                .get(id)
                .is_none_or(|group| !group.one_way || index == 0)
        };
        for spec in taxonomy.kinds().iter().filter(|spec| spec.policy.expand) {
            for value in &spec.values {
                let group: Vec<String> = value.surface_forms().map(str::to_string).collect();
                if group.len() > 1 {
                    groups.push(group);
                }
            }
        }
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        let mut no_fuzz = HashSet::new();
        for (id, group) in groups.iter().enumerate() {
            for (index, term) in group.iter().enumerate() {
                let key = key_of(&mut analyzer, term);
                if key.is_empty() {
                    continue;
                }
                if is_acronym(term) {
                    no_fuzz.insert(key.clone());
                }
                if !opens(id, index) {
                    continue;
                }
                let ids = by_key.entry(key).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Expander {
            groups,
            by_key,
            no_fuzz,
            analyzer,
        }
    }

    /// Raw-analyzed key of `text`.
    pub(crate) fn key(&self, text: &str) -> String {
        key_of(&mut self.analyzer.clone(), text)
    }

    /// The other terms meaning the same as `phrase` (empty when none).
    pub(crate) fn alternatives(&self, phrase: &str) -> Vec<String> {
        let key = self.key(phrase);
        let mut out: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([key.clone()]);
        for id in self.by_key.get(&key).into_iter().flatten() {
            for term in &self.groups[*id] {
                if seen.insert(self.key(term)) {
                    out.push(term.clone());
                }
            }
        }
        out
    }

    /// True when `word` is a known acronym or code (`rhit`, `hipaa`): typo tolerance would
    /// turn RHIT into RHIA.
    pub(crate) fn is_protected(&self, word: &str) -> bool {
        self.no_fuzz.contains(&self.key(word))
    }

    /// The longest run of `words[start..]` that is a synonym term, in words (0 when none
    /// longer than one word).
    pub(crate) fn longest_span(&self, words: &[&str], start: usize) -> usize {
        let max = MAX_SPAN_WORDS.min(words.len() - start);
        (2..=max)
            .rev()
            .find(|len| {
                self.by_key
                    .contains_key(&self.key(&words[start..start + len].join(" ")))
            })
            .unwrap_or(0)
    }
}

fn key_of(analyzer: &mut TextAnalyzer, text: &str) -> String {
    analysis::tokens(analyzer, text).join(" ")
}

fn is_acronym(term: &str) -> bool {
    term.chars().any(char::is_alphabetic) && !term.chars().any(char::is_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expander() -> Expander {
        Expander::new(&Taxonomy::builtin().unwrap())
    }

    #[test]
    fn acronyms_expand_both_ways() {
        let e = expander();
        assert!(e
            .alternatives("ROI")
            .contains(&"release of information".to_string()));
        assert!(e
            .alternatives("Release of Information")
            .contains(&"ROI".to_string()));
        assert!(e
            .alternatives("rhit")
            .contains(&"Registered Health Information Technician".to_string()));
        assert!(e
            .alternatives("medical records tech")
            .contains(&"Medical Records Technician".to_string()));
        assert!(e.alternatives("zebra").is_empty());
    }

    #[test]
    fn one_way_groups_expand_from_their_first_term_only() {
        let taxonomy = Taxonomy::from_toml(
            "[[synonyms]]\nterms = [\"keep\", \"retention\"]\none_way = true\n",
        )
        .unwrap();
        let e = Expander::new(&taxonomy);
        assert_eq!(e.alternatives("keep"), ["retention"]);
        assert!(e.alternatives("retention").is_empty());
    }

    #[test]
    fn codes_are_protected_from_typos() {
        let e = expander();
        assert!(e.is_protected("rhit"));
        assert!(e.is_protected("CCS-P"));
        assert!(!e.is_protected("registrar"));
    }

    #[test]
    fn spans_find_multiword_terms() {
        let e = expander();
        let words = ["release", "of", "information", "forms"];
        assert_eq!(e.longest_span(&words, 0), 3);
        assert_eq!(e.longest_span(&words, 1), 0);
    }
}
