//! Writes the model's whole words (the vocabulary's pieces of lower-case ASCII letters: not
//! a word's continuation `##...`, a marker `[CLS]`, a number or a symbol) as a sorted array
//! for `knows_word`, so that asking about a word loads neither the tokenizer nor a list to
//! split (BENCHMARKS.md has what each cost).

use std::path::PathBuf;

fn main() {
    let source = "model/tokenizer.json";
    println!("cargo:rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).expect("the model's tokenizer.json");
    let tokenizer: serde_json::Value = serde_json::from_str(&text).expect("tokenizer.json parses");
    let vocab = tokenizer["model"]["vocab"]
        .as_object()
        .expect("a WordPiece vocabulary");
    let mut words: Vec<&str> = vocab
        .keys()
        .map(String::as_str)
        // Only what a query's raw token can be asked: lower-case ASCII letters (words with
        // digits are never corrected; the raw analyzer folds accents).
        .filter(|piece| !piece.is_empty() && piece.bytes().all(|b| b.is_ascii_lowercase()))
        .collect();
    words.sort_unstable();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let array = format!(
        "[{}]",
        words
            .iter()
            .map(|word| format!("{word:?}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    std::fs::write(out.join("words.rs"), array).expect("OUT_DIR is writable");
}
