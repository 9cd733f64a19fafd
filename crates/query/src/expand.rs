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
    /// Per group: the terms it expands into, `groups[id][expands[id]..]` (0 but for a one-way
    /// group, whose opening terms expand into the others only). A term in the other number
    /// opens a group that starts at 0 (not a one-way group, whose opening terms are words
    /// chosen as written: `keep`, `make`, `issues`).
    expands: Vec<usize>,
    by_key: HashMap<String, Vec<usize>>,
    /// The regular inflections of the words of groups that ask for them (`inflect`:
    /// `supervising`, `telecommuting`, `remotely`; of a one-way group, its opening terms'),
    /// one word of a term at a time: they open the term's group when no term is written so.
    inflected: HashMap<String, Vec<usize>>,
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
        // Terms that open their group: every term, but only the opening ones of a one-way group.
        let opens = |id: usize, index: usize| {
            taxonomy
                .synonyms
                .get(id)
                .is_none_or(|group| index < group.opening().len())
        };
        for spec in taxonomy.kinds().iter().filter(|spec| spec.policy.expand) {
            for value in &spec.values {
                let group: Vec<String> = value.surface_forms().map(str::to_string).collect();
                if group.len() > 1 {
                    groups.push(group);
                }
            }
        }
        let expands: Vec<usize> = (0..groups.len())
            .map(|id| match taxonomy.synonyms.get(id) {
                Some(group) if group.one_way => group.openers,
                _ => 0,
            })
            .collect();
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
        let mut inflected: HashMap<String, Vec<usize>> = HashMap::new();
        for (id, group) in taxonomy.synonyms.iter().enumerate() {
            if !group.inflect {
                continue;
            }
            // A one-way group opens at its opening terms only, in their inflections too.
            for term in group.opening().iter().filter(|term| !is_acronym(term)) {
                let key = key_of(&mut analyzer, term);
                let words: Vec<&str> = key.split(' ').collect();
                for (at, word) in words.iter().enumerate() {
                    for form in inflections(word) {
                        let mut changed = words.clone();
                        changed[at] = &form;
                        let changed = changed.join(" ");
                        if by_key.contains_key(&changed) {
                            continue;
                        }
                        let ids = inflected.entry(changed).or_default();
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                }
            }
        }
        Expander {
            groups,
            expands,
            by_key,
            inflected,
            no_fuzz,
            analyzer,
        }
    }

    /// Raw-analyzed key of `text`.
    pub(crate) fn key(&self, text: &str) -> String {
        key_of(&mut self.analyzer.clone(), text)
    }

    /// The groups `key` opens: as typed, else with its last word in the other number
    /// (`doctors` opens the group of `doctor`, `physicians` that of `physician`; not an acronym
    /// or code in the other number, `hits` is not HIT, nor a one-way group), else inflected
    /// (`supervising`, in the groups that ask for it).
    fn groups_of(&self, key: &str) -> Vec<usize> {
        if let Some(ids) = self.by_key.get(key) {
            return ids.clone();
        }
        let numbers: Vec<usize> = other_numbers(key)
            .filter(|other| !self.no_fuzz.contains(other))
            .filter_map(|other| self.by_key.get(&other))
            .flatten()
            .copied()
            .filter(|id| self.expands[*id] == 0)
            .collect();
        if !numbers.is_empty() {
            return numbers;
        }
        self.inflected.get(key).cloned().unwrap_or_default()
    }

    /// The other terms meaning the same as `phrase` (empty when none).
    pub(crate) fn alternatives(&self, phrase: &str) -> Vec<String> {
        let key = self.key(phrase);
        let mut out: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([key.clone()]);
        for id in self.groups_of(&key) {
            for term in &self.groups[id][self.expands[id]..] {
                let term_key = self.key(term);
                // The term `phrase` inflects ("supervise" for "supervising") is the same word.
                if !inflects(&key, &term_key) && seen.insert(term_key) {
                    out.push(term.clone());
                }
            }
        }
        out
    }

    /// Whether `text` as typed opens a group (`master's`, a name of the Master's degree).
    pub(crate) fn opens(&self, text: &str) -> bool {
        !self.groups_of(&self.key(text)).is_empty()
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
                !self
                    .groups_of(&self.key(&words[start..start + len].join(" ")))
                    .is_empty()
            })
            .unwrap_or(0)
    }
}

/// `key` with its last word's English plural folded to the singular, or made plural: the
/// regular forms only (`queries` / `query`, `movies` / `movie`, `doctors` / `doctor`), never for words of three
/// letters or fewer, nor for a last letter `s` that is not a plural (`class`, `status`, `his`).
fn other_numbers(key: &str) -> impl Iterator<Item = String> + '_ {
    let (head, last) = match key.rsplit_once(' ') {
        Some((head, last)) => (format!("{head} "), last),
        None => (String::new(), key),
    };
    let long = last.chars().count() > 3;
    let plural_s = last.ends_with('s') && !["ss", "us", "is"].iter().any(|end| last.ends_with(end));
    // `-ies` is `-y` (`queries`) or `-ie` plus `s` (`movies`).
    let singulars: Vec<String> = match (long, last.strip_suffix("ies")) {
        (false, _) => Vec::new(),
        (true, Some(stem)) => vec![format!("{stem}y"), format!("{stem}ie")],
        (true, None) if plural_s => vec![last[..last.len() - 1].to_string()],
        (true, None) => Vec::new(),
    };
    let plural = (long && !last.ends_with('s')).then(|| match last.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{last}s"),
    });
    singulars
        .into_iter()
        .chain(plural)
        .map(move |last| format!("{head}{last}"))
}

/// The regular inflections of an English word of three letters or more: `-s`, `-es`, `-ed`,
/// `-ing`, `-ly`, with a final `e` dropped (`managing`, but `overseeing`) and a final
/// consonant's `y` turned to `i` (`applied`). Doubled consonants (`shipping`) are not made:
/// a word so written is simply not expanded.
fn inflections(word: &str) -> Vec<String> {
    if word.len() < 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if word.ends_with("ee") {
        out.extend([format!("{word}s"), format!("{word}ing")]);
    } else if let Some(stem) = word.strip_suffix('e') {
        out.extend([
            format!("{word}s"),
            format!("{word}d"),
            format!("{stem}ing"),
            format!("{word}ly"),
        ]);
    } else if let Some(stem) = word
        .strip_suffix('y')
        .filter(|stem| !stem.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        out.extend([
            format!("{stem}ies"),
            format!("{stem}ied"),
            format!("{word}ing"),
            format!("{stem}ily"),
        ]);
    } else {
        let sibilant = ["s", "x", "z", "ch", "sh"]
            .iter()
            .any(|end| word.ends_with(end));
        out.extend([
            format!("{word}{}", if sibilant { "es" } else { "s" }),
            format!("{word}ed"),
            format!("{word}ing"),
            format!("{word}ly"),
        ]);
    }
    out
}

/// Whether `key` is `base` with some of its words inflected.
fn inflects(key: &str, base: &str) -> bool {
    let (words, bases): (Vec<&str>, Vec<&str>) =
        (key.split(' ').collect(), base.split(' ').collect());
    words.len() == bases.len()
        && words
            .iter()
            .zip(&bases)
            .all(|(word, base)| word == base || inflections(base).iter().any(|form| form == word))
        && key != base
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
        // Written with `from`: each opens it, into `terms` alone, not into one another.
        let taxonomy = Taxonomy::from_toml(
            "[[synonyms]]\nfrom = [\"army\", \"navy\"]\nterms = [\"military\", \"veteran\"]\n",
        )
        .unwrap();
        let e = Expander::new(&taxonomy);
        assert_eq!(e.alternatives("army"), ["military", "veteran"]);
        assert_eq!(e.alternatives("navy"), ["military", "veteran"]);
        assert!(e.alternatives("military").is_empty());
    }

    #[test]
    fn a_term_opens_its_group_in_either_number() {
        let e = expander();
        assert!(e.alternatives("doctors").contains(&"physician".to_string()));
        // Not into an acronym ("hits" is not HIT) nor a one-way group ("makes" is not pay).
        assert!(e.alternatives("hits").is_empty());
        assert!(!e.alternatives("makes").contains(&"salary".to_string()));
        assert!(!e.alternatives("issue").contains(&"awards".to_string()));
        let words = ["electronic", "health", "records", "access"];
        assert_eq!(e.longest_span(&words, 0), 3);
        // Not plurals: a word of three letters, a double s.
        assert!(e.alternatives("his").is_empty());
        assert_eq!(other_numbers("coding class").count(), 0);
        assert_eq!(
            other_numbers("medical record").collect::<Vec<_>>(),
            ["medical records"]
        );
        assert_eq!(
            other_numbers("queries").collect::<Vec<_>>(),
            ["query", "querie"]
        );
        assert_eq!(
            other_numbers("movies").collect::<Vec<_>>(),
            ["movy", "movie"]
        );
        assert_eq!(other_numbers("policy").collect::<Vec<_>>(), ["policies"]);
        assert_eq!(
            other_numbers("day").collect::<Vec<_>>(),
            Vec::<String>::new()
        );
        assert_eq!(other_numbers("keys").collect::<Vec<_>>(), ["key"]);
    }

    #[test]
    fn a_groups_words_open_it_inflected_when_it_asks() {
        let taxonomy = Taxonomy::from_toml(
            "[[synonyms]]\nterms = [\"supervise\", \"oversee\"]\ninflect = true\n\
             [[synonyms]]\nterms = [\"work from home\", \"remote\"]\ninflect = true\n\
             [[synonyms]]\nterms = [\"income\", \"salary\"]\n\
             [[synonyms]]\nterms = [\"keep\", \"retention\"]\none_way = true\n\
             [[synonyms]]\nterms = [\"expire\", \"renew\"]\none_way = true\ninflect = true\n",
        )
        .unwrap();
        let e = Expander::new(&taxonomy);
        for word in ["supervising", "supervised", "supervises"] {
            assert_eq!(e.alternatives(word), ["oversee"], "{word}");
        }
        assert_eq!(e.alternatives("working from home"), ["remote"]);
        assert_eq!(e.alternatives("overseeing"), ["supervise"]);
        // Not a group that does not ask for it: `incoming` is not income.
        assert!(e.alternatives("incoming").is_empty());
        assert_eq!(e.alternatives("remotely"), ["work from home"]);
        // Not a one-way group's word unless it asks; not a word that merely begins like a
        // term.
        assert!(e.alternatives("keeping").is_empty());
        // A one-way group that asks for it opens at its first term's inflections alone.
        for word in ["expires", "expired", "expiring"] {
            assert_eq!(e.alternatives(word), ["renew"], "{word}");
        }
        assert!(e.alternatives("renewed").is_empty());
        assert!(e.alternatives("supervisor").is_empty());
        assert!(["applies", "applied", "applying"]
            .iter()
            .all(|form| inflections("apply").contains(&form.to_string())));
        assert_eq!(inflections("tax")[0], "taxes");
        assert!(inflections("ai").is_empty());
    }

    #[test]
    fn codes_are_protected_from_typos() {
        let e = expander();
        assert!(e.is_protected("rhit"));
        assert!(e.is_protected("CCS-P"));
        assert!(!e.is_protected("registrar"));
    }

    #[test]
    fn everyday_words_open_the_fields_terms() {
        let e = expander();
        let opens = |words: &str, term: &str| e.alternatives(words).contains(&term.to_string());
        assert!(opens("peeking", "snooping"));
        assert!(opens("gi bill", "education benefits"));
        assert!(opens("robots", "AI"));
        assert!(opens("passed away", "deceased"));
        // One way: the field's term does not open the everyday word.
        assert!(!opens("snooping", "peeking"));
        assert!(!opens("deceased", "died"));
        assert!(opens("wheelchairs", "durable medical equipment"));
        assert!(opens("move up", "career ladder"));
        assert!(opens("in charge", "director"));
        assert!(opens("classes", "curriculum"));
        assert!(!opens("curriculum", "classes"));
        let claim = ["insurers", "turned", "down", "my", "claim"];
        assert_eq!(e.longest_span(&claim, 1), 2);
        assert!(opens("turned down", "denial"));
    }

    #[test]
    fn spans_find_multiword_terms() {
        let e = expander();
        let words = ["release", "of", "information", "forms"];
        assert_eq!(e.longest_span(&words, 0), 3);
        assert_eq!(e.longest_span(&words, 1), 0);
    }
}
