//! BM25 statistics memoized for one request.
//!
//! Why: every pass of a request (strict, strict with typos, partial) builds its weights
//! anew, and each term weight asks every segment's term dictionary for the term's document
//! frequency: one word is five field terms, plus synonyms and proximity phrases. Profiled on
//! the 100k-page benchmark index, those lookups were 10% of a three-word search. The values
//! cannot change within a request (it searches one commit), so the first answer serves all.

use std::cell::RefCell;

use rustc_hash::FxHashMap;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// BM25's inverse document frequency of a term in `doc_freq` of `docs` documents, as tantivy
/// computes it (its own function is private to the crate).
pub(crate) fn idf(doc_freq: f32, docs: f32) -> f32 {
    (1.0 + (docs - doc_freq + 0.5) / (doc_freq + 0.5)).ln()
}

/// A [`Bm25StatisticsProvider`] over one searcher that remembers every answer.
pub(crate) struct MemoStatistics<'a> {
    searcher: &'a Searcher,
    total_docs: RefCell<Option<u64>>,
    tokens: RefCell<FxHashMap<Field, u64>>,
    /// Fx, not SipHash: a request looks up a few dozen short terms (five fields per word and
    /// its forms); protection against chosen collisions buys nothing at that size.
    doc_freqs: RefCell<FxHashMap<Term, u64>>,
}

impl<'a> MemoStatistics<'a> {
    pub(crate) fn new(searcher: &'a Searcher) -> MemoStatistics<'a> {
        MemoStatistics {
            searcher,
            total_docs: RefCell::new(None),
            tokens: RefCell::new(FxHashMap::default()),
            doc_freqs: RefCell::new(FxHashMap::default()),
        }
    }
}

impl Bm25StatisticsProvider for MemoStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(tokens) = self.tokens.borrow().get(&field) {
            return Ok(*tokens);
        }
        let tokens = self.searcher.total_num_tokens(field)?;
        self.tokens.borrow_mut().insert(field, tokens);
        Ok(tokens)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        if let Some(docs) = *self.total_docs.borrow() {
            return Ok(docs);
        }
        let docs = self.searcher.total_num_docs()?;
        *self.total_docs.borrow_mut() = Some(docs);
        Ok(docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(freq) = self.doc_freqs.borrow().get(term) {
            return Ok(*freq);
        }
        let freq = self.searcher.doc_freq(term)?;
        self.doc_freqs.borrow_mut().insert(term.clone(), freq);
        Ok(freq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::QueryParser;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index};

    /// Scores through the memo equal scores computed from the searcher, on a second query too.
    #[test]
    fn memoized_statistics_score_as_the_searcher_does() {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        for text in ["coder coder billing", "coder", "privacy officer", "billing"] {
            writer.add_document(doc!(body => text)).unwrap();
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        let memo = MemoStatistics::new(&searcher);
        let top = TopDocs::with_limit(10).order_by_score();
        let parser = QueryParser::for_index(&index, vec![body]);
        for text in ["coder billing", "coder", "billing privacy"] {
            let query = parser.parse_query(text).unwrap();
            let plain = searcher.search(&query, &top).unwrap();
            let memoized = searcher
                .search_with_statistics_provider(&query, &top, &memo)
                .unwrap();
            assert_eq!(plain, memoized, "{text}");
        }
        let coder = Term::from_field_text(body, "coder");
        assert_eq!(memo.doc_freq(&coder).unwrap(), 2);
        assert_eq!(memo.doc_freqs.borrow().len(), 3);
    }
}
