//! Text analyzers shared by indexing and querying.
//!
//! Two analyzers, because two kinds of matching need different tokens: ranking wants stemmed,
//! stopword-free terms (`coders` = `coder`), while typo tolerance, prefixes and suggestions want
//! the words as written (a fuzzy match against a stem would accept nonsense).

use std::cell::RefCell;
use std::collections::HashMap;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::Index;

/// Analyzer of ranked text fields: lowercase, ASCII folding, English stopwords and stemming.
pub const STEMMED: &str = "him_stem";
/// Analyzer of the `*_raw` fields: lowercase and ASCII folding only.
pub const RAW: &str = "him_raw";

/// Tokens longer than this are dropped: they are base64 blobs or URLs, never words people type.
const MAX_TOKEN_LEN: usize = 40;

/// Builds the stemmed analyzer.
pub fn stemmed_analyzer() -> TextAnalyzer {
    let stopwords = StopWordFilter::new(Language::English)
        // The English list ships with tantivy's default `stopwords` feature.
        .expect("tantivy ships English stopwords");
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(stopwords)
        .filter(CachedStemmer)
        .build()
}

/// Stems retained per thread before the cache starts over: words follow Zipf's law, so a
/// few tens of thousands cover nearly every token, in a few MB.
const STEM_CACHE_ENTRIES: usize = 50_000;

thread_local! {
    /// Stems of the words this thread has seen. Per thread rather than per analyzer: tantivy
    /// clones analyzers freely (per field while indexing, per snippet while searching), and a
    /// cache that starts empty with every clone cost more than it saved. foldhash rather than
    /// SipHash: the lookup runs once per indexed token, and foldhash is several times faster
    /// on short keys while still seeded per process, so crawled pages or queries cannot be
    /// crafted to collide.
    static STEMS: RefCell<HashMap<String, String, foldhash::fast::RandomState>> =
        RefCell::new(HashMap::default());
}

/// English Snowball stemming (the algorithm tantivy's `Stemmer` runs) with a per-thread cache
/// of results: stemming was a quarter of all indexing work, and most tokens are words seen
/// before.
#[derive(Clone, Copy, Debug, Default)]
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

/// Token stream of [`CachedStemmerFilter`].
pub struct CachedStemmerStream<T> {
    tail: T,
    stemmer: frostem::Stemmer,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let stemmer = self.stemmer;
        let token = self.tail.token_mut();
        STEMS.with_borrow_mut(|cache| {
            if let Some(stem) = cache.get(&token.text) {
                token.text.clear();
                token.text.push_str(stem);
            } else {
                let stem = stemmer.stem(&token.text).into_owned();
                let word = std::mem::replace(&mut token.text, stem.clone());
                cache.insert(word, stem);
            }
        });
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Builds the raw analyzer.
pub fn raw_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers both analyzers on an index; needed after every open or create.
pub fn register(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed_analyzer());
    index.tokenizers().register(RAW, raw_analyzer());
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
mod tests {
    use super::*;

    #[test]
    fn cached_stemmer_stems_as_tantivy_does() {
        let mut ours = stemmed_analyzer();
        let mut theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(StopWordFilter::new(Language::English).unwrap())
            .filter(tantivy::tokenizer::Stemmer::new(Language::English))
            .build();
        let text = "Coders coding codes; registrars registering registries, coders again and again";
        for _ in 0..2 {
            // The second pass answers from the cache.
            assert_eq!(tokens(&mut ours, text), tokens(&mut theirs, text));
        }
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
