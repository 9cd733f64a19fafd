//! Text analyzers shared by indexing and querying.
//!
//! Two analyzers, because two kinds of matching need different tokens: ranking wants stemmed,
//! stopword-free terms (`coders` = `coder`), while typo tolerance, prefixes and suggestions want
//! the words as written (a fuzzy match against a stem would accept nonsense).

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
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
        .filter(Stemmer::new(Language::English))
        .build()
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
