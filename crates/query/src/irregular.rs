//! Irregular verb forms, which stemming does not join: Snowball's English stemmer makes
//! "keeps" and "keeping" `keep`, but "kept" stays `kept`, so "how long to keep patient records"
//! missed the page titled "How Long Medical Records Are Kept". A query word of one of these
//! families also searches the family's other forms, as the same word (`build.rs`).
//!
//! Only verbs whose forms are not common words of another meaning in this domain are listed:
//! "given" (a given name), "held" (claims on hold), "fell"/"falls" (patient falls), "spoke"
//! (hub and spoke), "driven" (data-driven), "thought", "found", "left", "saw", "lead" and
//! "lost" would drag in pages that use them otherwise. A word is matched as written or as a
//! regular inflection of the base ("keeps", "keeping", "making", "beginning"), not by its stem,
//! which would take nouns along ("buildings").

/// Families of forms: the base form first.
const FAMILIES: &[&[&str]] = &[
    &["keep", "kept"],
    &["pay", "paid"],
    &["make", "made"],
    &["take", "took", "taken"],
    &["write", "wrote", "written"],
    &["begin", "began", "begun"],
    &["become", "became"],
    &["teach", "taught"],
    &["choose", "chose", "chosen"],
    &["bring", "brought"],
    &["buy", "bought"],
    &["send", "sent"],
    &["spend", "spent"],
    &["sell", "sold"],
    &["understand", "understood"],
    &["forget", "forgot", "forgotten"],
    &["break", "broke", "broken"],
];

/// The other forms of `word`'s family (`kept` for "keep", "keeps" or "keeping"), none when it
/// is not a form of one.
pub(crate) fn other_forms(word: &str) -> impl Iterator<Item = &'static str> {
    let lower = word.to_lowercase();
    let family = FAMILIES
        .iter()
        .find(|family| family.contains(&lower.as_str()) || inflects(&lower, family[0]));
    family
        .into_iter()
        .flat_map(|family| family.iter().copied())
        .filter(move |form| *form != lower)
}

/// Whether `word` is a regular inflection of the verb `base`: "-s", "-es", "-ing", with a
/// final "e" dropped ("making") or a final consonant doubled ("beginning").
fn inflects(word: &str, base: &str) -> bool {
    if [word.strip_suffix('s'), word.strip_suffix("es")].contains(&Some(base)) {
        return true;
    }
    let Some(stem) = word.strip_suffix("ing") else {
        return false;
    };
    stem == base
        || base.strip_suffix('e') == Some(stem)
        || (stem.len() == base.len() + 1
            && stem.starts_with(base)
            && stem.ends_with(&base[base.len() - 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_brings_its_family() {
        let forms = |word: &str| other_forms(word).collect::<Vec<_>>();
        assert_eq!(forms("keep"), ["kept"]);
        assert_eq!(forms("Keeping"), ["keep", "kept"]);
        assert_eq!(forms("kept"), ["keep"]);
        assert_eq!(forms("taken"), ["take", "took"]);
        assert_eq!(forms("making"), ["make", "made"]);
        assert_eq!(forms("becoming"), ["become", "became"]);
        assert_eq!(forms("beginning"), ["begin", "began", "begun"]);
        assert_eq!(forms("pays"), ["pay", "paid"]);
        assert!(forms("coder").is_empty());
        assert!(forms("found").is_empty(), "found is left out");
        assert!(forms("kepts").is_empty());
        assert!(
            forms("payings").is_empty(),
            "nouns in -ings stay themselves"
        );
    }
}
