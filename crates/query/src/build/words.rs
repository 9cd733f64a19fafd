//! The words of a query that are not its subject: question words and filler, which rank
//! pages only by [`FILLER_BOOST`](super::FILLER_BOOST), and words naming a document's format,
//! which say which documents to prefer ([`PREFERENCE_SCORE`](super::PREFERENCE_SCORE)).

use std::borrow::Cow;

/// Question words, auxiliaries, pronouns, comparison markers and vague nouns of plain-language
/// queries ("how long do hospitals have to keep...", "list of ... and who issues them",
/// "difference between rhit and rhia", "can a patient change something wrong..."), beyond the
/// analyzer's stopwords: never required, no coverage bonus, weighed
/// [`FILLER_BOOST`](super::FILLER_BOOST). A vague word is rare in pages, so as content it would
/// earn the largest share of the coverage bonus for saying nothing about the subject. `him` is
/// not among them: in this domain it is HIM.
const FILLER_WORDS: &[&str] = &[
    "how",
    "what",
    "whats",
    "which",
    "who",
    "whom",
    "whose",
    "where",
    "when",
    "why",
    "do",
    "does",
    "did",
    "doing",
    "done",
    "can",
    "could",
    "should",
    "would",
    "may",
    "might",
    "must",
    "shall",
    "have",
    "has",
    "had",
    "having",
    "get",
    "gets",
    "got",
    "i",
    "im",
    "me",
    "my",
    "we",
    "us",
    "our",
    "you",
    "your",
    "he",
    "she",
    "her",
    "its",
    "them",
    "list",
    "lists",
    "need",
    "needs",
    "want",
    "know",
    "tell",
    "find",
    "much",
    "many",
    "long",
    "vs",
    "versus",
    "best",
    "good",
    "way",
    "ways",
    "there",
    "about",
    "from",
    "any",
    "some",
    "all",
    "also",
    "just",
    "out",
    "up",
    "so",
    "than",
    "too",
    "very",
    "am",
    // "weren't" is `were`; "was" is already an analyzer stopword.
    "were",
    // Abbreviations of a sentence, not of a subject ("e.g." as the bare `e.g`).
    "e.g",
    "i.e",
    "etc",
    "difference",
    "differences",
    "between",
    "compare",
    "compared",
    "something",
    "anything",
    "everything",
    "someone",
    "anyone",
    "everyone",
    "somebody",
    "anybody",
    "everybody",
    "thing",
    "things",
    "stuff",
    "kind",
    "kinds",
    "sort",
    "lot",
    "lots",
    "else",
    "really",
    "actually",
    "please",
    // What an abbreviation stands for: the question's subject is the abbreviation ("what does
    // phi stand for"), and "stands" is rare enough in pages to outweigh it. "Mean" stays
    // content: "what the A means" is how a page answers "what does the a after cpc mean".
    "stand",
    "stands",
    // Negated auxiliaries as typed without the apostrophe ("cant get hired").
    "cant",
    "cannot",
    "dont",
    "doesnt",
    "didnt",
    "wont",
    "wouldnt",
    "shouldnt",
    "couldnt",
    "isnt",
    "arent",
    "wasnt",
    "werent",
    "havent",
    "hasnt",
];

/// Whether `word` is filler (see [`FILLER_WORDS`]) or names a format ([`FORMAT_WORDS`]).
pub(crate) fn is_filler(word: &str) -> bool {
    let bare = bare_word(word);
    FILLER_WORDS.contains(&bare.as_ref()) || format_named(&bare).is_some()
}

/// `word` lower-cased, without surrounding punctuation, its apostrophes removed; borrowed when
/// it is already so (most words typed: no allocation per word and pass).
pub(super) fn bare_word(word: &str) -> Cow<'_, str> {
    if word
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Cow::Borrowed(word);
    }
    Cow::Owned(
        word.to_lowercase()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .replace('\'', ""),
    )
}

/// Words that name the format of the document wanted ("certification chart pdf", "printable
/// checklist"), with the `source_kind`s they stand for. Such a word is rarely in the document's
/// text; it says which documents to prefer, so it is filler for the text and a preference for
/// documents of its format ([`PREFERENCE_SCORE`](super::PREFERENCE_SCORE)).
const FORMAT_WORDS: &[(&str, &[&str])] = &[
    ("pdf", &["pdf"]),
    ("pdfs", &["pdf"]),
    ("printable", &["pdf", "text"]),
    ("txt", &["text"]),
    ("markdown", &["markdown"]),
];

/// Whether `word` names a document format ([`FORMAT_WORDS`]).
pub(crate) fn is_format_word(word: &str) -> bool {
    format_named(&bare_word(word)).is_some()
}

pub(super) fn format_named(bare: &str) -> Option<&'static [&'static str]> {
    FORMAT_WORDS
        .iter()
        .find(|(word, _)| *word == bare)
        .map(|(_, kinds)| *kinds)
}
