//! Why a query found nothing, for the analytics report's content gaps: each word no page has
//! is checked against the index's words with a looser spelling tolerance than searches use
//! (a misspelling: add it as a synonym), as two indexed words run together or the start of a
//! longer one (another form: a synonym finds it), or as absent (a page to write). A query
//! whose every word is indexed was emptied by its filters or a phrase.

use him_analytics::{Diagnosis, GapKind};
use him_schema::analysis;
use tantivy::{Searcher, Term};

use super::SearchEngine;
use crate::build::QueryBuilder;
use crate::suggest::{commonest_with_prefix, nearest_word};
use crate::Result;

/// What became of one word no document has.
enum Missing {
    Misspelled { word: String, closest: String },
    OtherForm { word: String, indexed: String },
    Absent { word: String },
}

impl SearchEngine {
    /// Why `query` finds nothing, and what the site owner can do about it.
    pub fn diagnose_zero_results(&self, query: &str) -> Result<Diagnosis> {
        let searcher = self.reader.searcher();
        let builder = QueryBuilder::new(&self.query, &searcher);
        let mut missing = Vec::new();
        let parsed = self.query.parse(query);
        for term in parsed.groups.iter().flatten() {
            for word in term.text().split_whitespace() {
                if builder.stems_indexed(word) {
                    continue;
                }
                let raw = analysis::tokens(&mut self.query.raw.clone(), word);
                let Some(token) = raw.first() else { continue };
                missing.push(self.missing_word(&searcher, word, token)?);
            }
        }
        Ok(diagnosis(query, &missing))
    }

    fn missing_word(&self, searcher: &Searcher, word: &str, token: &str) -> Result<Missing> {
        let field = self.query.fields.all_raw;
        let len = token.chars().count();
        let word = word.to_string();
        if len >= 3 && !token.chars().any(|c| c.is_ascii_digit()) {
            let distance = if len >= 5 { 2 } else { 1 };
            if let Some(closest) = nearest_word(searcher, field, token, distance, false)? {
                return Ok(Missing::Misspelled { word, closest });
            }
        }
        let frequency = |text: &str| -> Result<u64> {
            Ok(searcher.doc_freq(&Term::from_field_text(field, text))?)
        };
        // Two words run together ("healthrecords"): the split whose rarer half is commonest.
        let mut best: Option<(u64, String)> = None;
        let chars: Vec<(usize, char)> = token.char_indices().collect();
        for &(at, _) in chars.iter().skip(3).take(len.saturating_sub(5)) {
            let (left, right) = token.split_at(at);
            let found = frequency(left)?.min(frequency(right)?);
            if found > 0 && best.as_ref().is_none_or(|(f, _)| found > *f) {
                best = Some((found, format!("{left} {right}")));
            }
        }
        if let Some((_, indexed)) = best {
            return Ok(Missing::OtherForm { word, indexed });
        }
        if len >= 4 {
            if let Some(longer) = commonest_with_prefix(searcher, field, token, usize::MAX)? {
                return Ok(Missing::OtherForm {
                    word,
                    indexed: longer,
                });
            }
        }
        Ok(Missing::Absent { word })
    }
}

fn diagnosis(query: &str, missing: &[Missing]) -> Diagnosis {
    let quoted = |words: Vec<&str>| {
        words
            .iter()
            .map(|w| format!("“{w}”"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let absent: Vec<&str> = missing
        .iter()
        .filter_map(|m| match m {
            Missing::Absent { word } => Some(word.as_str()),
            _ => None,
        })
        .collect();
    if !absent.is_empty() {
        let advice = format!("No page covers {}: a page to write.", quoted(absent));
        return (GapKind::Uncovered, None, advice);
    }
    let mut suggestion = query.to_string();
    let mut pairs = Vec::new();
    let mut typo = false;
    for m in missing {
        let (word, replacement) = match m {
            Missing::Misspelled { word, closest } => {
                typo = true;
                (word, closest)
            }
            Missing::OtherForm { word, indexed } => (word, indexed),
            Missing::Absent { .. } => continue,
        };
        suggestion = replace_word(&suggestion, word, replacement);
        pairs.push(format!("“{word}” → “{replacement}”"));
    }
    if pairs.is_empty() {
        let advice = "Every word is on some page: the filters or a phrase left nothing; \
                      check how those pages are filed."
            .to_string();
        return (GapKind::Filtered, None, advice);
    }
    let kind = if typo {
        GapKind::Typo
    } else {
        GapKind::Synonym
    };
    let advice = format!("Add the synonym {} to the taxonomy.", pairs.join(", "));
    (kind, Some(suggestion), advice)
}

/// `text` with its first whole word equal to `word` replaced (not a match inside a longer word).
fn replace_word(text: &str, word: &str, replacement: &str) -> String {
    let mut done = false;
    text.split(' ')
        .map(|w| {
            if !done && w == word {
                done = true;
                replacement
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use him_analytics::GapKind;

    use super::replace_word;
    use crate::test_support::IndexedCorpus;
    use crate::SearchRequest;

    #[test]
    fn only_the_whole_word_is_replaced() {
        assert_eq!(replace_word("cod cod", "cod", "code"), "code cod");
        assert_eq!(replace_word("codex cod", "cod", "code"), "codex code");
    }

    #[test]
    fn zero_result_queries_are_told_apart() {
        let site = IndexedCorpus::new(&[
            ("a.html", "<title>Coding audits</title><main><p>Auditors review coding against health records.</p></main>"),
            ("b.html", "<title>Telehealth</title><main><p>Telehealth documentation for remote visits.</p></main>"),
        ]);
        let engine = site.engine();
        let nothing = |query: &str| engine.search(SearchRequest::new(query)).unwrap().total == 0;
        // Two edits off a six-letter word: beyond search's tolerance, within the diagnosis's.
        assert!(nothing("aduets"));
        let (kind, suggestion, advice) = engine.diagnose_zero_results("aduets").unwrap();
        assert_eq!(kind, GapKind::Typo, "{advice}");
        assert_eq!(suggestion.as_deref(), Some("audits"));
        // Two indexed words run together.
        assert!(nothing("healthrecords"));
        let (kind, suggestion, _) = engine.diagnose_zero_results("healthrecords").unwrap();
        assert_eq!(kind, GapKind::Synonym);
        assert_eq!(suggestion.as_deref(), Some("health records"));
        // Nothing close at all.
        let (kind, suggestion, advice) = engine.diagnose_zero_results("xylophone").unwrap();
        assert_eq!(kind, GapKind::Uncovered);
        assert_eq!(suggestion, None);
        assert!(advice.contains("“xylophone”"), "{advice}");
        // Every word indexed: a filter emptied it.
        let filtered = SearchRequest::new("telehealth")
            .filter("credential", "RHIA")
            .unwrap();
        assert_eq!(engine.search(filtered).unwrap().total, 0);
        let (kind, _, _) = engine.diagnose_zero_results("telehealth").unwrap();
        assert_eq!(kind, GapKind::Filtered);
    }
}
