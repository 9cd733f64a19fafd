//! Irregular verb forms, which stemming does not join: Snowball's English stemmer makes
//! "keeps" and "keeping" `keep`, but "kept" stays `kept`, so "how long to keep patient records"
//! missed the page titled "How Long Medical Records Are Kept". A query word of one of these
//! families also searches the family's other forms, as the same word (`build.rs`).
//!
//! Only verbs whose forms are not common words of another meaning are listed: "found" (to
//! found), "left" (the side), "saw", "lead" (the metal) and "lost" would drag in pages that
//! use them otherwise. Filler verbs ("do", "have", "get", "find") weigh little and are left
//! out.

/// Families of forms: the base form first.
const FAMILIES: &[&[&str]] = &[
    &["keep", "kept"],
    &["pay", "paid"],
    &["make", "made"],
    &["take", "took", "taken"],
    &["write", "wrote", "written"],
    &["begin", "began", "begun"],
    &["give", "gave", "given"],
    &["know", "knew", "known"],
    &["become", "became"],
    &["hold", "held"],
    &["teach", "taught"],
    &["choose", "chose", "chosen"],
    &["grow", "grew", "grown"],
    &["bring", "brought"],
    &["buy", "bought"],
    &["build", "built"],
    &["send", "sent"],
    &["spend", "spent"],
    &["sell", "sold"],
    &["understand", "understood"],
    &["think", "thought"],
    &["tell", "told"],
    &["speak", "spoke", "spoken"],
    &["break", "broke", "broken"],
    &["drive", "drove", "driven"],
    &["forget", "forgot", "forgotten"],
    &["rise", "rose", "risen"],
    &["fall", "fell", "fallen"],
    &["shake", "shook", "shaken"],
    &["steal", "stole", "stolen"],
    &["freeze", "froze", "frozen"],
];

/// The other forms of `word`'s family (`kept` for "keep" or "keeps"... as the stemmer reads
/// them: `stem` is `word`'s stem), none when it has no irregular forms.
pub(crate) fn other_forms<'a>(
    word: &str,
    stem: &'a str,
) -> impl Iterator<Item = &'static str> + 'a {
    let lower = word.to_lowercase();
    let family = FAMILIES
        .iter()
        .find(|family| family.iter().any(|form| *form == lower || *form == stem));
    family
        .into_iter()
        .flat_map(|family| family.iter().copied())
        .filter(move |form| *form != lower && *form != stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_brings_its_family() {
        let forms = |word: &str, stem: &str| other_forms(word, stem).collect::<Vec<_>>();
        assert_eq!(forms("keep", "keep"), ["kept"]);
        assert_eq!(forms("Keeping", "keep"), ["kept"]);
        assert_eq!(forms("kept", "kept"), ["keep"]);
        assert_eq!(forms("taken", "taken"), ["take", "took"]);
        assert!(forms("coder", "coder").is_empty());
        assert!(forms("found", "found").is_empty(), "found is left out");
    }
}
