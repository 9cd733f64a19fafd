//! Sentence embeddings: what a page's opening and a query mean, as vectors whose dot product
//! says how close the two are, to rerank the first lexical results (`him-query`) by meaning.
//!
//! The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0; `model/README.md` says
//! where it comes from and how it was converted), compiled into the binary so that an index
//! and the server that reads it always embed with the same weights, and nothing is fetched.
//! It runs on the CPU through candle; vectors are mean-pooled over the tokens and of length 1.
//! A page is embedded from its first [`PAGE_TOKENS`] word pieces (title, description, the
//! opening of the body): the page's own statement of what it is about, at a cost of one pass
//! of the model per page.

#![deny(missing_docs)]

use std::sync::OnceLock;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::Tokenizer;

/// Length of a vector.
pub const DIMS: usize = 384;

/// Word pieces of a page that are embedded: its opening, which says what it is about.
pub const PAGE_TOKENS: usize = 128;

/// Word pieces of a query that are embedded (a query is at most 512 characters).
pub const QUERY_TOKENS: usize = 128;

static WEIGHTS: &[u8] = include_bytes!("../model/model.safetensors");
static CONFIG: &str = include_str!("../model/config.json");
static TOKENIZER: &[u8] = include_bytes!("../model/tokenizer.json");

/// What can go wrong running the model: nothing that input can cause (the weights are
/// compiled in), so callers log it as a defect and rank by words.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// candle could not load the weights or run the model.
    #[error("semantic model: {0}")]
    Model(#[from] candle_core::Error),
    /// The tokenizer could not be read or could not encode a text.
    #[error("semantic tokenizer: {0}")]
    Tokenizer(String),
    /// The model's `config.json` does not parse.
    #[error("semantic model config: {0}")]
    Config(#[from] serde_json::Error),
}

/// The model and its tokenizer, loaded once per process ([`Embedder::get`]).
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Embedder(all-MiniLM-L6-v2)")
    }
}

impl Embedder {
    /// The process's embedder, loaded on first use (about 0.1 s: the weights are stored as
    /// 16-bit floats and widened to 32).
    pub fn get() -> Result<&'static Embedder, &'static Error> {
        static EMBEDDER: OnceLock<Result<Embedder, Error>> = OnceLock::new();
        EMBEDDER.get_or_init(Embedder::load).as_ref()
    }

    fn load() -> Result<Embedder, Error> {
        let config: Config = serde_json::from_str(CONFIG)?;
        let weights = VarBuilder::from_slice_safetensors(WEIGHTS, DType::F32, &Device::Cpu)?;
        let model = BertModel::load(weights, &config)?;
        let tokenizer =
            Tokenizer::from_bytes(TOKENIZER).map_err(|err| Error::Tokenizer(err.to_string()))?;
        Ok(Embedder { model, tokenizer })
    }

    /// The vector of `text`'s first `max_tokens` word pieces (the model's start and end markers
    /// count among them; at least one piece is kept), of length 1; all zeros for a text of no
    /// word piece (empty or blank).
    pub fn embed(&self, text: &str, max_tokens: usize) -> Result<Vec<f32>, Error> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|err| Error::Tokenizer(err.to_string()))?;
        let ids = encoding.get_ids();
        if ids.len() <= 2 {
            return Ok(vec![0.0; DIMS]);
        }
        // Keep the start marker, the first pieces and the end marker.
        let keep = max_tokens.max(3).min(ids.len());
        let mut ids = ids[..keep].to_vec();
        *ids.last_mut().expect("at least 3 ids") = *encoding.get_ids().last().expect("end");
        let run = || -> Result<Vec<f32>, Error> {
            let input = Tensor::new(ids.as_slice(), &Device::Cpu)?.unsqueeze(0)?;
            let types = input.zeros_like()?;
            let output = self.model.forward(&input, &types, None)?;
            Ok(output.mean(1)?.squeeze(0)?.to_vec1::<f32>()?)
        };
        // candle splits each product over rayon's global pool, whose idle workers then spin
        // on the cores the server's other searches need; one thread per caller keeps a
        // query's pass to itself (see CALLER_POOL).
        let mut vector = match CALLER_POOL.with(|pool| pool.as_ref().map(|pool| pool.install(run)))
        {
            Some(vector) => vector?,
            None => run()?,
        };
        normalize(&mut vector);
        Ok(vector)
    }
}

thread_local! {
    /// A pool of one thread for each thread that embeds: the server's search threads and the
    /// indexer's parser threads each run the model on their own, as they run everything else
    /// (a long question a little slower, the other searches' p99 far lower: BENCHMARKS.md,
    /// note (o)).
    static CALLER_POOL: Option<rayon::ThreadPool> =
        rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();
}

/// `text`'s vector ([`Embedder::embed`]) from the process's model ([`Embedder::get`]); the
/// error says whether loading or running it failed, which no input can cause.
pub fn embed(text: &str, max_tokens: usize) -> Result<Vec<f32>, String> {
    let model = Embedder::get().map_err(|err| err.to_string())?;
    model.embed(text, max_tokens).map_err(|err| err.to_string())
}

/// The model's whole words, sorted (build.rs).
static WORDS: &[&str] = &include!(concat!(env!("OUT_DIR"), "/words.rs"));

/// Whether the model's vocabulary has `word` (lower-cased) as one word piece, a word it learned
/// whole: a misspelling is read as pieces ("behavorial" as `beh`, `##avo`, `##rial`), a real
/// word that a site happens not to use is not ("robots"). It reads a list of the vocabulary's
/// words of ASCII letters, not the model, so an index without meanings can ask it too: a word
/// with accents or digits is asked folded, as the query's raw tokens are.
pub fn knows_word(word: &str) -> bool {
    WORDS.binary_search(&word.to_lowercase().as_str()).is_ok()
}

fn normalize(vector: &mut [f32]) {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
}

/// A vector in [`DIMS`] bytes for the index: each component (within [-1, 1]) as a signed byte
/// in 1/127ths. A dot product with it differs from the exact one by about 0.002 (at most
/// `sqrt(DIMS) / 254`, 0.08, were every rounding error to fall the same way).
pub fn quantize(vector: &[f32]) -> Vec<u8> {
    vector
        .iter()
        .map(|x| ((x * 127.0).round().clamp(-127.0, 127.0) as i8) as u8)
        .collect()
}

/// The similarity of a query's vector and a stored page's ([`quantize`]): their dot product,
/// the cosine of their angle, in [-1, 1]. A stored vector of another length (none) counts 0.
pub fn similarity(query: &[f32], stored: &[u8]) -> f32 {
    if stored.len() != query.len() {
        return 0.0;
    }
    query
        .iter()
        .zip(stored)
        .map(|(q, s)| q * f32::from(*s as i8) / 127.0)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embed(text: &str) -> Vec<f32> {
        Embedder::get().unwrap().embed(text, QUERY_TOKENS).unwrap()
    }

    /// Whole words of the vocabulary, in any case; not a misspelling the model reads as
    /// pieces, nor a piece that continues a word, nor a marker.
    #[test]
    fn the_vocabulary_knows_real_words_only() {
        let tokenizer = &Embedder::get().unwrap().tokenizer;
        for word in ["robots", "Starter", "spit", "heath", "hospital"] {
            assert!(knows_word(word), "{word}");
            let pieces = tokenizer.encode(word, false).unwrap();
            assert_eq!(pieces.get_ids().len(), 1, "{word} is one piece");
        }
        for word in ["behavorial", "terminalogy", "codnig", "ing", "cls", ""] {
            let pieces = tokenizer.encode(word, false).unwrap().get_ids().len();
            assert_eq!(knows_word(word), pieces == 1, "{word}: {pieces} pieces");
        }
        assert!(!knows_word("##ing") && !knows_word("[CLS]"));
    }

    #[test]
    fn close_meanings_are_closer_than_other_subjects() {
        let question = embed("who did the hospital give my medical records to");
        let disclosures = embed(
            "Accounting of disclosures: a patient may ask for a list of the disclosures of \
             their health information, to see where their information went.",
        );
        let salary = embed("Medical coder salary: what coders earn by credential and setting.");
        let near = similarity(&question, &quantize(&disclosures));
        let far = similarity(&question, &quantize(&salary));
        assert!(near > far + 0.1, "near {near}, far {far}");
    }

    #[test]
    fn vectors_have_length_one_and_survive_quantizing() {
        let vector = embed("how long do hospitals keep medical records");
        assert_eq!(vector.len(), DIMS);
        let length: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((length - 1.0).abs() < 1e-4, "{length}");
        let own = similarity(&vector, &quantize(&vector));
        assert!((own - 1.0).abs() < 0.01, "{own}");
    }

    #[test]
    fn text_without_words_is_the_zero_vector() {
        assert!(embed("").iter().all(|x| *x == 0.0));
        assert!(embed("   ").iter().all(|x| *x == 0.0));
    }

    #[test]
    fn a_long_text_is_cut_to_its_opening() {
        let opening = "Release of information: how a hospital answers requests for records.";
        let long = format!(
            "{opening} {}",
            "Unrelated filler about parking. ".repeat(200)
        );
        let cut = Embedder::get().unwrap().embed(&long, 16).unwrap();
        let short = Embedder::get().unwrap().embed(opening, 16).unwrap();
        assert!(similarity(&cut, &quantize(&short)) > 0.95);
    }
}
