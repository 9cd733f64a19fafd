//! Query syntax: words, `"quoted phrases"`, `-exclusions` and `OR` between terms.
//!
//! Parsing never fails: unbalanced quotes close at the end, a lone `-` or `OR` is ignored.

/// One term as typed: a word or a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    Word(String),
    Phrase(String),
}

impl Term {
    pub(crate) fn text(&self) -> &str {
        match self {
            Term::Word(text) | Term::Phrase(text) => text,
        }
    }
}

/// A parsed query: required groups (each a set of OR alternatives) and excluded terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ParsedQuery {
    pub(crate) groups: Vec<Vec<Term>>,
    pub(crate) excluded: Vec<Term>,
    /// The last word lost a clitic ("... hospital's"): typed past, so not a prefix of a word
    /// still being typed.
    pub(crate) ends_with_clitic: bool,
}

impl ParsedQuery {
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// [`parse_naming`] where no word keeps its clitic.
#[cfg(test)]
pub(crate) fn parse(query: &str) -> ParsedQuery {
    parse_naming(query, &|_| false)
}

/// The query's terms. A word loses its clitic ([`without_clitic`]) unless `named` says the word
/// as typed is a term of its own ("master's", a synonym of the Master's degree, is not `master`).
pub(crate) fn parse_naming(query: &str, named: &dyn Fn(&str) -> bool) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let mut pending_or = false;
    let mut chars = query.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut negated = false;
        if first == '-' {
            negated = true;
            chars.next();
        }
        let terms = if chars.peek() == Some(&'"') {
            chars.next();
            let text: String = chars.by_ref().take_while(|c| *c != '"').collect();
            parsed.ends_with_clitic = false;
            vec![Term::Phrase(text.trim().to_string())]
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                text.push(c);
                chars.next();
            }
            if text == "OR" && !negated {
                pending_or = !parsed.groups.is_empty();
                continue;
            }
            let (words, clitic) = words_of(&text, named);
            // Most words are as typed; only a word these rules change is looked up, and a
            // word without a slash was looked up by `words_of` already.
            let unchanged = matches!(words.as_slice(), [Term::Word(word)] if *word == text);
            if unchanged || (text.contains('/') && named(&text)) {
                parsed.ends_with_clitic = false;
                vec![Term::Word(text)]
            } else {
                parsed.ends_with_clitic = clitic;
                words
            }
        };
        for term in terms {
            if term.text().is_empty() || !term.text().chars().any(char::is_alphanumeric) {
                continue;
            }
            if negated {
                parsed.excluded.push(term);
            } else if pending_or {
                // `pending_or` is only set when a group exists.
                parsed
                    .groups
                    .last_mut()
                    .expect("a group precedes OR")
                    .push(term);
                pending_or = false;
            } else {
                parsed.groups.push(vec![term]);
            }
        }
    }
    parsed
}

/// The words of `text`: each part between slashes without its clitic and dots, unless `named`
/// says the part as typed is a term of its own (`master's/mba`); with whether the last part lost
/// a clitic (it is then finished, not a prefix being typed).
fn words_of(text: &str, named: &dyn Fn(&str) -> bool) -> (Vec<Term>, bool) {
    let mut clitic = false;
    let words = slash_parts(text)
        .map(|part| {
            let stripped = without_clitic(part);
            let lost = stripped != part;
            let word = undotted(stripped);
            if word != part && named(part) {
                clitic = false;
                Term::Word(part.to_string())
            } else {
                clitic = lost;
                Term::Word(word)
            }
        })
        .collect();
    (words, clitic)
}

/// The words a word joins with slashes, each a word of the query: "rhit/rhia" is the two
/// credentials, not the phrase "rhit rhia" that tokenizing would make of it (found only where a
/// page writes them so). A slashed term of the taxonomy (`E/M`) is kept whole by the caller.
fn slash_parts(word: &str) -> impl Iterator<Item = &str> {
    word.split('/').filter(|part| !part.is_empty())
}

/// An acronym of three letters or more written with dots is the acronym: "r.h.i.t." is `rhit`
/// (tokenizing would make the phrase "r h i t" of it, which few pages have). Only letters one
/// by one between the dots; "u.s." and "e.g." stay as typed (`us` would be a filler word).
fn undotted(word: String) -> String {
    let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
    let letters: Vec<&str> = bare.split('.').collect();
    let dotted = letters.len() >= 3
        && letters
            .iter()
            .all(|letter| letter.chars().count() == 1 && letter.chars().all(char::is_alphabetic));
    if dotted {
        letters.concat()
    } else {
        word
    }
}

/// A word as typed without the English clitic that tokenizing would cut off as a word of its
/// own: "hospital's" is the word `hospital`, not the phrase "hospital s" (which finds only the
/// pages that have the possessive); "patients'" is `patients`, "don't" `do`, "can't" `can`,
/// "you're" `you`, "i'd" `i`, "hospital's?" `hospital` (punctuation after a clitic goes with it,
/// as tokenizing would drop it). Any other apostrophe ("o'brien", "rock'n'roll") is left as typed.
fn without_clitic(word: &str) -> String {
    let is_apostrophe = |c: char| matches!(c, '\'' | '\u{2019}');
    let trimmed = word.trim_end_matches(|c: char| !c.is_alphanumeric() && !is_apostrophe(c));
    let Some((at, apostrophe)) = trimmed
        .char_indices()
        .rev()
        .find(|(_, c)| is_apostrophe(*c))
    else {
        return word.to_string();
    };
    let base = &trimmed[..at];
    let clitic = trimmed[at + apostrophe.len_utf8()..].to_lowercase();
    let kept = match clitic.as_str() {
        "" | "s" | "m" | "re" | "ve" | "ll" | "d" => base,
        // `n` is one byte: the slice ends on a character boundary.
        "t" if base.ends_with(['n', 'N']) => {
            let verb = &base[..base.len() - 1];
            match verb.to_lowercase().as_str() {
                "ca" => "can",
                "wo" => "will",
                "sha" => "shall",
                // "ain't" is not AI.
                "ai" => "is",
                _ => verb,
            }
        }
        _ => return word.to_string(),
    };
    kept.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Term {
        Term::Word(text.into())
    }

    #[test]
    fn words_phrases_exclusions_or() {
        let parsed = parse(r#"coder "release of information" -billing rhit OR rhia"#);
        assert_eq!(
            parsed.groups,
            vec![
                vec![w("coder")],
                vec![Term::Phrase("release of information".into())],
                vec![w("rhit"), w("rhia")],
            ]
        );
        assert_eq!(parsed.excluded, vec![w("billing")]);
    }

    #[test]
    fn words_lose_clitics_slashes_and_dots() {
        let words = |query: &str| -> Vec<String> {
            let parsed = parse(query);
            let all = parsed.groups.iter().flatten().chain(&parsed.excluded);
            all.map(|term| term.text().to_string()).collect()
        };
        assert_eq!(
            words("hospital's AAPC\u{2019}s patients' -doctor's"),
            ["hospital", "AAPC", "patients", "doctor"]
        );
        assert_eq!(
            words("don't can't won't isn't i'm you're we've they'll i'd"),
            ["do", "can", "will", "is", "i", "you", "we", "they", "i"]
        );
        assert_eq!(
            words("o'brien rock'n'roll 's ' n't"),
            ["o'brien", "rock'n'roll"]
        );
        assert_eq!(
            words("hospital's? (aapc's) ain't weren't c++"),
            ["hospital", "(aapc", "is", "were", "c++"]
        );
        assert!(parse("rhit exam eligibility isn't").ends_with_clitic);
        assert_eq!(
            words("rhit/rhia coding/billing/ -a/b"),
            ["rhit", "rhia", "coding", "billing", "a", "b"]
        );
        assert_eq!(
            words("r.h.i.t. R.H.I.A c.c.s 3.5 a.b.c.d.e"),
            ["rhit", "RHIA", "ccs", "3.5", "abcde"]
        );
        assert_eq!(
            words("e.g. u.s. ... x. vs. (r.h.i.t.)?"),
            ["e.g.", "u.s.", "x.", "vs.", "rhit"]
        );
        assert!(parse("rhia/hospital's").ends_with_clitic);
        assert!(!parse("hospital's/rhia").ends_with_clitic);
        let named = parse_naming("master's/mba", &|word| word == "master's");
        assert_eq!(named.groups, [[w("master's")], [w("mba")]]);
        let named = parse_naming("e/m coding", &|word| word == "e/m");
        assert_eq!(named.groups[0], [w("e/m")]);
        assert!(!parse("hospital's rules").ends_with_clitic);
        assert!(!parse("hospital's \"rules\"").ends_with_clitic);
        let named = parse_naming("master's vs hospital's", &|word| word == "master's");
        assert_eq!(named.groups[0], [w("master's")]);
        assert_eq!(named.groups[2], [w("hospital")]);
        assert_eq!(
            parse("\"hospital's location\"").groups[0],
            [Term::Phrase("hospital's location".into())]
        );
    }

    #[test]
    fn garbage_never_fails() {
        assert!(parse(r#" - OR -- "" !!! "#).is_empty());
        assert_eq!(
            parse(r#""unclosed phrase"#).groups,
            vec![vec![Term::Phrase("unclosed phrase".into())]]
        );
        assert_eq!(parse("OR coder").groups, vec![vec![w("coder")]]);
    }

    proptest::proptest! {
        #[test]
        fn any_input_parses_to_searchable_terms(query in "\\PC{0,80}") {
            let parsed = parse(&query);
            for term in parsed.groups.iter().flatten().chain(&parsed.excluded) {
                proptest::prop_assert!(term.text().chars().any(char::is_alphanumeric), "{term:?}");
            }
            proptest::prop_assert!(parsed.groups.iter().all(|g| !g.is_empty()));
        }
    }
}
