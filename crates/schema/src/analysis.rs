//! Text analyzers shared by indexing and querying.
//!
//! Two analyzers, because two kinds of matching need different tokens: ranking wants stemmed,
//! stopword-free terms (`coders` = `coder`), while typo tolerance, prefixes and suggestions want
//! the words as written (a fuzzy match against a stem would accept nonsense).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};
use tantivy::Index;

/// Analyzer of ranked text fields: lowercase, ASCII folding, English stopwords and stemming.
pub const STEMMED: &str = "him_stem";
/// Analyzer of the `*_raw` fields: lowercase and ASCII folding only.
pub const RAW: &str = "him_raw";

/// Tokens longer than this are dropped: they are base64 blobs or URLs, never words people type.
pub const MAX_TOKEN_LEN: usize = 40;

/// Builds the stemmed analyzer.
pub fn stemmed_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(CachedStemmer)
        .build()
}

/// Stems retained per thread before the cache starts over: words follow Zipf's law, so a
/// few tens of thousands cover nearly every token, in a few MB. (A direct-mapped cache of
/// 8,192 slots, small enough for a core's L2 cache, missed so often that stemming cost more.)
const STEM_CACHE_ENTRIES: usize = 50_000;

/// Longest word (in bytes) whose stem is cached; longer ones are rare and stemmed each time.
const CACHED_WORD_BYTES: usize = 23;

/// A short word stored inline, so a cache lookup reads one table slot instead of following
/// pointers to a key and a value on the heap.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct InlineWord {
    len: u8,
    bytes: [u8; CACHED_WORD_BYTES],
}

impl InlineWord {
    fn new(word: &str) -> Option<InlineWord> {
        let len = word.len();
        if len > CACHED_WORD_BYTES {
            return None;
        }
        let mut bytes = [0; CACHED_WORD_BYTES];
        bytes[..len].copy_from_slice(word.as_bytes());
        Some(InlineWord {
            len: len as u8,
            bytes,
        })
    }

    fn as_str(&self) -> &str {
        // Only `new` fills `bytes`, from a whole `&str`.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

thread_local! {
    /// Stems of the words this thread has seen. Per thread rather than per analyzer: tantivy
    /// clones analyzers freely (per field while indexing, per snippet while searching), and a
    /// cache that starts empty with every clone cost more than it saved. foldhash rather than
    /// SipHash: the lookup runs once per indexed token, and foldhash is several times faster
    /// on short keys while still seeded per process, so crawled pages or queries cannot be
    /// crafted to collide.
    static STEMS: RefCell<HashMap<InlineWord, InlineWord, foldhash::fast::RandomState>> =
        RefCell::new(HashMap::default());
}

/// Lucene's English stop words, the list tantivy's `StopWordFilter` uses for English; a
/// `match` rather than its hash set, which was a fifth of tokenizing time.
pub fn is_english_stop_word(word: &str) -> bool {
    matches!(
        word,
        "a" | "an"
            | "and"
            | "are"
            | "as"
            | "at"
            | "be"
            | "but"
            | "by"
            | "for"
            | "if"
            | "in"
            | "into"
            | "is"
            | "it"
            | "no"
            | "not"
            | "of"
            | "on"
            | "or"
            | "such"
            | "that"
            | "the"
            | "their"
            | "then"
            | "there"
            | "these"
            | "they"
            | "this"
            | "to"
            | "was"
            | "will"
            | "with"
    )
}

/// Drops English stop words (leaving gaps in positions, as tantivy's `StopWordFilter` does)
/// and stems the rest with English Snowball (the algorithm tantivy's `Stemmer` runs, but for
/// the few words of [`stem_exception`]), with a per-thread cache of stems: stemming was a
/// quarter of all indexing work, and most tokens are words seen before.
#[derive(Clone, Copy, Debug)]
pub struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

/// The tokenizer [`CachedStemmer`] makes.
#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    stemmer: frostem::Stemmer,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        STEMS.with_borrow_mut(|cache| {
            if cache.len() > STEM_CACHE_ENTRIES {
                cache.clear();
            }
        });
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: self.stemmer,
        }
    }
}

/// Words Snowball folds into another word of this domain, each given a stem of its own:
/// "doctoral" and "doctorate" into "doctor" (a physician), "medication" into "medic" (every
/// page's "medical"), "technologist" (a job title) into "technolog" (health information
/// technology), "informal" into "inform" (information). Each stem begins the word, as every
/// Snowball stem does, so snippets find the word by its opening.
fn stem_exception(word: &str) -> Option<&'static str> {
    Some(match word {
        "doctoral" => "doctoral",
        "doctorate" | "doctorates" => "doctorat",
        "medication" | "medications" => "medicat",
        "technologist" | "technologists" => "technologist",
        "informal" | "informally" => "informal",
        _ => return None,
    })
}

/// Replaces `text` (a lowercase, ASCII-folded word that is not a stop word) by its English
/// Snowball stem, from the per-thread cache when it holds it: what [`stemmed_analyzer`] makes
/// of the word.
pub fn stem_in_place(text: &mut String) {
    cached_stem(frostem::Stemmer::new(frostem::Algorithm::English), text);
}

fn cached_stem(stemmer: frostem::Stemmer, text: &mut String) {
    if let Some(stem) = stem_exception(text) {
        text.clear();
        text.push_str(stem);
        return;
    }
    let Some(word) = InlineWord::new(text) else {
        *text = stemmer.stem(text).into_owned();
        return;
    };
    STEMS.with_borrow_mut(|cache| {
        if let Some(stem) = cache.get(&word) {
            text.clear();
            text.push_str(stem.as_str());
        } else {
            let stem = stemmer.stem(text).into_owned();
            if let Some(inline) = InlineWord::new(&stem) {
                cache.insert(word, inline);
            }
            *text = stem;
        }
    });
}

/// Token stream of [`CachedStemmerFilter`].
pub struct CachedStemmerStream<T> {
    tail: T,
    stemmer: frostem::Stemmer,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<T> {
    fn advance(&mut self) -> bool {
        loop {
            if !self.tail.advance() {
                return false;
            }
            if !is_english_stop_word(&self.tail.token().text) {
                break;
            }
        }
        cached_stem(self.stemmer, &mut self.tail.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Whether `text` holds a token the analyzers drop for its length (a run of alphanumeric
/// characters of 40 bytes or more), so that no document can contain it as typed.
pub fn has_overlong_token(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|run| run.len() >= MAX_TOKEN_LEN)
}

/// Builds the raw analyzer.
pub fn raw_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The token [`raw_analyzer`] makes of `word`, one run of alphanumeric characters as its
/// tokenizer splits text, or `None` when it drops the word (too long). ASCII words, nearly all
/// of them, are lower-cased here without a token stream; the rest go through `analyzer`, a
/// [`raw_analyzer`] built on first need.
pub fn raw_word<'w>(word: &'w str, analyzer: &mut Option<TextAnalyzer>) -> Option<Cow<'w, str>> {
    if word.is_empty() || word.len() >= MAX_TOKEN_LEN {
        return None;
    }
    if !word.is_ascii() {
        let mut stream = analyzer.get_or_insert_with(raw_analyzer).token_stream(word);
        return stream.next().map(|token| Cow::Owned(token.text.clone()));
    }
    if word.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Some(Cow::Owned(word.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(word))
    }
}

/// Registers both analyzers on an index; needed after every open or create.
pub fn register(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed_analyzer());
    index.tokenizers().register(RAW, raw_analyzer());
}

/// A name as its raw tokens joined by spaces (`CCS-P` and `CCS–P` are `ccs p`, `RHIT®` is
/// `rhit`): how a page title and a taxonomy name are compared for the `about` field.
pub fn name_tokens(text: &str) -> String {
    // Word by word as the raw analyzer's tokenizer cuts text: no analyzer is built for an
    // ASCII name (every title of a run is read this way).
    let mut analyzer = None;
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if let Some(token) = raw_word(word, &mut analyzer).filter(|t| !t.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&token);
        }
    }
    out
}

/// Returns the tokens `analyzer` makes of `text`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// Returns the tokens with their positions; stopwords leave gaps, which phrase queries must
/// keep (`release of information` is `releas` at 0 and `inform` at 2).
pub fn positioned_tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push((token.position, token.text.clone()));
    }
    out
}

#[cfg(test)]
mod name_token_tests {
    use super::*;

    #[test]
    fn names_are_their_raw_tokens() {
        for text in ["CCS-P", "CCS–P", "ccs p", " CCS  P® ", "Ccs-p"] {
            assert_eq!(name_tokens(text), "ccs p", "{text}");
            assert_eq!(
                name_tokens(text),
                tokens(&mut raw_analyzer(), text).join(" ")
            );
        }
        assert_eq!(name_tokens("Étude d'Été"), "etude d ete");
        assert_eq!(name_tokens("®"), "");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Language, StopWordFilter};

    #[test]
    fn stop_words_are_tantivys_english_list() {
        let mut theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(StopWordFilter::new(Language::English).unwrap())
            .build();
        let text = "a an and are as at be but by for if in into is it no not of on or such \
                    that the their then there these they this to was will with \
                    ant other them thee those an' i o s andy tothe";
        let kept: Vec<String> = tokens(&mut theirs, text);
        let ours: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty() && !is_english_stop_word(word))
            .collect();
        assert_eq!(ours, kept);
        assert_eq!(
            ours,
            ["ant", "other", "them", "thee", "those", "i", "o", "s", "andy", "tothe"]
        );
    }

    #[test]
    fn the_stem_cache_answers_like_the_stemmer_when_it_starts_over() {
        // More words than the cache keeps: the second pass finds it full and starts over, and
        // every answer, from the cache or not, must still be the word's own stem.
        let words: Vec<String> = (0..STEM_CACHE_ENTRIES)
            .map(|i| format!("coding{i}s registries{i}"))
            .collect();
        let text = words.join(" ");
        let mut ours = stemmed_analyzer();
        let mut theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(tantivy::tokenizer::Stemmer::new(Language::English))
            .build();
        for _ in 0..2 {
            assert_eq!(tokens(&mut ours, &text), tokens(&mut theirs, &text));
        }
    }

    #[test]
    fn raw_word_is_the_raw_analyzers_token() {
        let mut reference = raw_analyzer();
        let mut analyzer = None;
        let long = "a".repeat(MAX_TOKEN_LEN);
        let just_short = "B".repeat(MAX_TOKEN_LEN - 1);
        let words = [
            "rhit",
            "RHIT",
            "CCS",
            "Coder",
            "10",
            "x9",
            "Über",
            "naïve",
            "Straße",
            "İstanbul",
            "ÉCOLE",
            "日本語",
            &long,
            &just_short,
            "",
        ];
        for word in words {
            let expected = tokens(&mut reference, word).pop();
            let ours = raw_word(word, &mut analyzer).map(Cow::into_owned);
            assert_eq!(ours, expected, "{word:?}");
        }
        assert_eq!(raw_word("RHIT", &mut analyzer).as_deref(), Some("rhit"));
        assert_eq!(raw_word(&long, &mut analyzer), None);
    }

    #[test]
    fn cached_stemmer_stems_as_tantivy_does() {
        let mut ours = stemmed_analyzer();
        let mut theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(StopWordFilter::new(Language::English).unwrap())
            .filter(tantivy::tokenizer::Stemmer::new(Language::English))
            .build();
        // Words of up to 23 bytes are cached; longer ones are stemmed every time.
        let text =
            "Coders coding codes; registrars registering registries, coders again and again \
                    internationalizations deinstitutionalizations incomprehensibilities \
                    characterizations; Ängström naïve";
        for _ in 0..2 {
            // The second pass answers from the cache.
            assert_eq!(tokens(&mut ours, text), tokens(&mut theirs, text));
        }
    }

    #[test]
    fn a_few_words_keep_a_stem_of_their_own() {
        let mut analyzer = stemmed_analyzer();
        let text = "doctoral doctors medications medical technologists technology informal \
                    information";
        for _ in 0..2 {
            // The second pass answers from the cache.
            assert_eq!(
                tokens(&mut analyzer, text),
                [
                    "doctoral",
                    "doctor",
                    "medicat",
                    "medic",
                    "technologist",
                    "technolog",
                    "informal",
                    "inform"
                ]
            );
        }
        let mut word = "Doctorate".to_lowercase();
        stem_in_place(&mut word);
        assert_eq!(word, "doctorat");
    }

    #[test]
    fn stemmed_folds_accents_plurals_and_stopwords() {
        let mut analyzer = stemmed_analyzer();
        assert_eq!(
            tokens(&mut analyzer, "Résumé of the Coders"),
            ["resum", "coder"]
        );
    }

    #[test]
    fn positions_keep_stopword_gaps() {
        let mut analyzer = stemmed_analyzer();
        assert_eq!(
            positioned_tokens(&mut analyzer, "release of information"),
            [(0, "releas".to_string()), (2, "inform".to_string())]
        );
    }

    #[test]
    fn raw_keeps_words_as_written() {
        let mut analyzer = raw_analyzer();
        assert_eq!(
            tokens(&mut analyzer, "Résumé of Coders"),
            ["resume", "of", "coders"]
        );
    }
}
