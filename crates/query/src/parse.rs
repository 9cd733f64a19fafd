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
}

impl ParsedQuery {
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

pub(crate) fn parse(query: &str) -> ParsedQuery {
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
        let term = if chars.peek() == Some(&'"') {
            chars.next();
            let text: String = chars.by_ref().take_while(|c| *c != '"').collect();
            Term::Phrase(text.trim().to_string())
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
            Term::Word(without_clitic(text))
        };
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
    parsed
}

/// A word as typed without the English clitic that tokenizing would cut off as a word of its
/// own: "hospital's" is the word `hospital`, not the phrase "hospital s" (which finds only the
/// pages that have the possessive); "patients'" is `patients`, "don't" `do`, "can't" `can`,
/// "you're" `you`, "i'd" `i`. Any other apostrophe ("o'brien", "rock'n'roll") is left as typed.
fn without_clitic(word: String) -> String {
    let Some((at, apostrophe)) = word
        .char_indices()
        .rev()
        .find(|(_, c)| matches!(c, '\'' | '\u{2019}'))
    else {
        return word;
    };
    let base = &word[..at];
    let clitic = word[at + apostrophe.len_utf8()..].to_lowercase();
    let kept = match clitic.as_str() {
        "" | "s" | "m" | "re" | "ve" | "ll" | "d" => base,
        "t" if base.ends_with(['n', 'N']) => {
            let verb = &base[..base.len() - 1];
            match verb.to_lowercase().as_str() {
                "ca" => "can",
                "wo" => "will",
                "sha" => "shall",
                _ => verb,
            }
        }
        _ => return word,
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
    fn clitics_are_not_words_of_their_own() {
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
