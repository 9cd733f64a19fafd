//! Query building: a request's words, phrases, exclusions and filters as tantivy queries.
//!
//! [`QueryModel`] is what an engine knows once (fields and their boosts, analyzers, synonyms,
//! the names of facet values); a [`QueryBuilder`] builds the queries of one request over one
//! searcher and owns what its passes share: the memo of typo and prefix matches per segment
//! (`materialize.rs`) and the BM25 statistics (`stats.rs`), so the strict pass, the pass with
//! typos, the partial pass, the facet counts and did-you-mean walk each term dictionary once.

use std::cell::RefCell;
use std::collections::HashMap;

use him_schema::{analysis, FacetKind, Fields, Taxonomy};
use tantivy::query::{
    AllQuery, Bm25StatisticsProvider, Bm25Weight, BooleanQuery, BoostQuery, ConstScoreQuery,
    DisjunctionMaxQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Schema};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Score, Searcher, Term};

use crate::clauses::{Bonus, Covered};
use crate::expand::Expander;
use crate::irregular;
use crate::materialize::{DocSetMemo, MaterializedQuery, MemoizedQuery};
use crate::parse::{ParsedQuery, Term as QueryTerm};
use crate::stats::{self, MemoStatistics};
use crate::suggest::{
    commonest_with_prefix, correct_word, correct_word_for_typos, nearest_of, nearest_word,
    typo_distance, CommonWords,
};
use crate::synonyms::{CachedClause, SynonymCache};

mod words;

use words::{bare_word, format_named};
pub(crate) use words::{is_filler, is_format_word};

/// Ranked text fields and their boosts. Headings (the h1 repeats the title) and the
/// description weigh 1.5 times the body. Weighed more, one heading word outweighed every rarer
/// word of the body: a page titled "Medical Records Clerk" beat the page about what a question
/// asked (BENCHMARKS.md, note (m)). The title field itself is not boosted further: on the
/// public test collections a title boost of 4 cost 7 nDCG points on CISI and 3 on Cranfield.
const FIELD_BOOSTS: [(&str, f32); 5] = [
    ("title", 1.0),
    ("headings", 1.5),
    ("description", 1.5),
    ("body", 1.0),
    ("emphasis", 1.0),
];

/// Share of the non-best fields' scores added to the best field's (dis-max tie breaker);
/// 0.5 measured best across med, CISI and Cranfield (0.1 to 0.7 tried).
const TIE_BREAKER: f32 = 0.5;

/// Boost of documents filed under a credential or job title the query names.
const FACET_BOOST: f32 = 2.0;

/// Score of a page about the credential or job title that the whole query names (`cdi
/// specialist`, `medcal coder`): above any sum of a short query's word scores, so such pages
/// come first, ranked among themselves by the words. Someone typing just a name wants the
/// page about it, not a how-to or a comparison that mentions it.
pub(crate) const ABOUT_SCORE: f32 = 1000.0;

/// Score of a page whose title is the very name the query is, alias included (`outpatient
/// coder`): above the page about the value it names (Coder), which comes next.
const TITLE_FORM_SCORE: f32 = 2.0 * ABOUT_SCORE;

/// Weight of a typo match relative to an exact one; typo matches score a constant, so any
/// exact BM25 match of the same word outranks them.
const TYPO_BOOST: f32 = 0.3;

/// Weight of the correction of a word no document has, relative to a word typed correctly.
const CORRECTION_BOOST: f32 = 0.8;

/// Weight of a prefix match of the word being typed.
const PREFIX_BOOST: f32 = 0.5;

/// Weight of the commonest word that the word being typed begins, when that is not yet a
/// whole word ("certificate of destr": destruction), relative to a word typed whole: ranked
/// by BM25 like one, so a page with it in a heading outranks one with it once in its body.
const COMPLETION_BOOST: f32 = 0.8;

/// Most words of a segment's dictionary read for [`COMPLETION_BOOST`]'s commonest completion:
/// a prefix of three letters may begin thousands, and the walk must stay a keystroke's cost.
const MAX_COMPLETIONS_READ: usize = 256;

/// Score of a page whose title has a word beginning with the word being typed, when that is
/// not yet a whole word: about a title match of a word typed whole.
const TITLE_PREFIX_BOOST: f32 = 2.0;

/// Shortest word being typed that completes a credential's or a job title's name for
/// [`QueryBuilder::about_query`]: two letters begin too many.
const MIN_NAME_PREFIX_CHARS: usize = 3;

/// Shortest prefix expanded: one letter would match most of the vocabulary.
pub(crate) const MIN_PREFIX_CHARS: usize = 2;

/// Weight of a synonym relative to the words typed: below them, so that a page with the words
/// typed outranks one with only their synonyms, yet enough for a question put in everyday
/// words to reach the page in the field's (0.35 to 0.8 measured, BENCHMARKS.md).
const SYNONYM_BOOST: f32 = 0.5;

/// Score a document gains for each content word of the query it matches (in any form: the
/// word, a synonym, a typo, a prefix) when not every word is required, scaled by the word's
/// rarity: a preference for pages with more of the words (Meilisearch's `words` rule), mild
/// enough that a page much better on the rarer words still wins. 5 measured best on the HIM
/// suite and the question set in BENCHMARKS.md; 30 or more (near-strict tiers) lost queries
/// whose answer page lacks one common word.
pub(crate) const COVERAGE_BONUS: f32 = 5.0;

/// Most content words a query may have to be ranked in one pass by coverage and BM25; a
/// longer one requires every word first, then ranks by BM25 and pseudo-relevance feedback
/// (`engine/rank.rs`).
pub(crate) const SHORT_QUERY_WORDS: usize = 6;

/// Most content words a query may have for the coverage bonus to apply. A question typed in
/// everyday words has up to ten ("2009 stimulus law that pushed doctors onto electronic
/// records"), and without the bonus a page with two of its common words in a heading outranks
/// the one page with its rare word; a pasted paragraph has more and ranks by BM25 and feedback.
pub(crate) const MAX_COVERAGE_WORDS: usize = 10;

/// In a query of more than [`SHORT_QUERY_WORDS`] content words, the most that the coverage
/// shares of the words below the rarest add up to (the rarest earns 1): many common words
/// ("methods", "known", "causes", "animals") must not together outweigh the word that names
/// the subject ("hydrocephalus"; BENCHMARKS.md, note (i)).
const LONG_QUERY_COMMON_SHARE: f32 = 0.5;

/// The least share of [`COVERAGE_BONUS`] a content word earns, however common it is (before a
/// long query's cap, [`LONG_QUERY_COMMON_SHARE`]).
const MIN_COVERAGE_WEIGHT: f32 = 0.1;

/// Weight of a filler word's score: it still orders pages that have the content words, but
/// "list of ..." must not rank a page for its lists.
const FILLER_BOOST: f32 = 0.2;

/// A name, code or alias of a value of a `boost` kind, for [`QueryBuilder::about_query`].
struct WholeName {
    kind: FacetKind,
    value: String,
    surface: String,
}

/// The content words of `words` (neither filler nor stopwords) as [`analysis::name_tokens`]
/// writes them (lower-cased, punctuation gone: `RHIT?` is `rhit`, `CCS-P` is `ccs p`): what a
/// query and a name must share for the query to be that name.
fn content_key(stemmer: &TextAnalyzer, words: &[&str]) -> String {
    let mut stemmer = stemmer.clone();
    let content: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !is_filler(w) && !analysis::tokens(&mut stemmer, w).is_empty())
        .collect();
    analysis::name_tokens(&content.join(" "))
}

/// The words of `parsed`, each replaced by its correction when the ranking corrected it
/// (`corrections` is by raw token).
pub(crate) fn corrected_words(
    raw: &TextAnalyzer,
    parsed: &ParsedQuery,
    corrections: &HashMap<String, Option<String>>,
) -> Vec<String> {
    let mut analyzer = raw.clone();
    parsed
        .groups
        .iter()
        .flatten()
        .flat_map(|term| term.text().split_whitespace())
        .map(|word| corrected_word(&mut analyzer, word, corrections))
        .collect()
}

/// `word` (one word as typed, split at whitespace), or its correction when the ranking
/// corrected its one raw token; a word of several tokens ("recrods/files") is kept, as the
/// ranking corrects tokens alone.
pub(crate) fn corrected_word(
    raw: &mut TextAnalyzer,
    word: &str,
    corrections: &HashMap<String, Option<String>>,
) -> String {
    match analysis::tokens(raw, word).as_slice() {
        [token] => match corrections.get(token) {
            Some(Some(better)) => better.clone(),
            _ => word.to_string(),
        },
        _ => word.to_string(),
    }
}

/// Score of a document in the format a query names, or of the facet value its words ask for:
/// twice the rarest content word's coverage bonus (once left a checklist titled with both
/// credentials above the comparison of `difference between rhit and rhia`).
const PREFERENCE_SCORE: f32 = 2.0 * COVERAGE_BONUS;

/// Share of a site's pages that a word is on for a real word close to it, in no page, to be
/// taken as a slip for it ([`QueryBuilder::real_word_slip`]): a slip of a word the site uses
/// everywhere ("heath" for "health") rather than a word the site never needed ("robots",
/// close only to words on few pages, such as "roots"). BENCHMARKS.md has the shares measured.
const COMMON_SHARE: f64 = 1.0 / 3.0;

/// Weight and slop of the proximity clause for multi-word queries.
const PROXIMITY_BOOST: f32 = 1.5;
const PROXIMITY_SLOP: u32 = 3;

/// What query building needs to know of an index and a taxonomy, built once per engine.
pub(crate) struct QueryModel {
    pub(crate) fields: Fields,
    pub(crate) stemmer: TextAnalyzer,
    pub(crate) raw: TextAnalyzer,
    pub(crate) expander: Expander,
    ranked_fields: Vec<(Field, f32)>,
    /// The ranked fields that say what a page is about (all but the body and emphasis), where
    /// a word being typed counts by its commonest completion.
    about_fields: Vec<(Field, f32)>,
    /// Values of kinds with the `boost` policy (credentials and job titles in the built-in
    /// taxonomy) by the [`Taxonomy::name_key`] of every name, code and alias,
    /// for the facet boost of queries that name one (`canonicalize` scans every surface form).
    named_values: HashMap<String, Vec<(FacetKind, String)>>,
    /// The same values, with the name, code or alias itself, by the [`content_key`] of every
    /// name, code and alias: to recognize a query that is a name and nothing else.
    whole_names: HashMap<String, Vec<WholeName>>,
    /// Facet terms of the values each query word asks for (a value's `asked_by`).
    asked: HashMap<String, Vec<Term>>,
    /// Matches of the synonym clauses for the commit being served.
    synonyms: std::sync::Arc<SynonymCache>,
    /// The words on a large share of the pages of the commit being served.
    common_words: std::sync::Arc<CommonWords>,
}

impl QueryModel {
    /// A request's query parsed, its words keeping a clitic where the word as typed is a
    /// synonym term (`master's`).
    pub(crate) fn parse(&self, query: &str) -> ParsedQuery {
        crate::parse::parse_naming(query, &|word| self.expander.opens(word))
    }

    pub(crate) fn new(schema: &Schema, taxonomy: &Taxonomy) -> crate::Result<QueryModel> {
        let fields = Fields::new(schema)?;
        let ranked_fields = FIELD_BOOSTS
            .iter()
            .map(|(name, boost)| Ok((schema.get_field(name)?, *boost)))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let about_fields = (ranked_fields.iter())
            .filter(|(field, _)| ![fields.body, fields.emphasis].contains(field))
            .copied()
            .collect();
        let stemmer = analysis::stemmed_analyzer();
        let raw = analysis::raw_analyzer();
        let mut named_values: HashMap<String, Vec<(FacetKind, String)>> = HashMap::new();
        let mut whole_names: HashMap<String, Vec<WholeName>> = HashMap::new();
        for spec in taxonomy.kinds().iter().filter(|spec| spec.policy.boost) {
            let kind = spec.kind;
            for (surface, canonical) in taxonomy.surface_forms(kind) {
                let entry = (kind, canonical.to_string());
                let values = named_values.entry(Taxonomy::name_key(surface)).or_default();
                if !values.contains(&entry) {
                    values.push(entry);
                }
                let words: Vec<&str> = surface.split_whitespace().collect();
                let key = content_key(&stemmer, &words);
                whole_names.entry(key).or_default().push(WholeName {
                    kind,
                    value: canonical.to_string(),
                    surface: surface.to_string(),
                });
            }
        }
        let mut asked: HashMap<String, Vec<Term>> = HashMap::new();
        for spec in taxonomy.kinds() {
            for value in &spec.values {
                for word in &value.asked_by {
                    let term = fields.facet_term(spec.kind, value.canonical());
                    asked.entry(word.clone()).or_default().push(term);
                }
            }
        }
        Ok(QueryModel {
            fields,
            stemmer,
            raw,
            expander: Expander::new(taxonomy),
            ranked_fields,
            about_fields,
            named_values,
            whole_names,
            asked,
            synonyms: Default::default(),
            common_words: Default::default(),
        })
    }

    /// What the query's words ask for without naming it: documents of a format ("printable",
    /// "pdf") or of a facet value's `asked_by` words ("difference": a comparison), as terms
    /// a preferred document has.
    fn preferences(&self, parsed: &ParsedQuery) -> Vec<Term> {
        let mut terms: Vec<Term> = Vec::new();
        for term in parsed.groups.iter().flatten() {
            let QueryTerm::Word(word) = term else {
                continue;
            };
            let bare = bare_word(word);
            let formats = format_named(&bare).unwrap_or_default().iter();
            let kinds = formats.map(|kind| Term::from_field_text(self.fields.source_kind, kind));
            for preferred in
                kinds.chain(self.asked.get(bare.as_ref()).into_iter().flatten().cloned())
            {
                if !terms.contains(&preferred) {
                    terms.push(preferred);
                }
            }
        }
        terms
    }

    /// Groups of the query that are content: not filler words, not stopwords (an upper bound
    /// of its content units: a taxonomy term of several words is one unit).
    pub(crate) fn content_groups(&self, parsed: &ParsedQuery) -> usize {
        parsed
            .groups
            .iter()
            .filter(|group| match group.as_slice() {
                [QueryTerm::Word(w)] => {
                    !is_filler(w) && !analysis::tokens(&mut self.stemmer.clone(), w).is_empty()
                }
                _ => true,
            })
            .count()
    }

    /// Values of `boost` kinds the query names (`rhit`, `medical records tech`).
    fn named_facets(&self, parsed: &ParsedQuery) -> Vec<(FacetKind, String)> {
        let words: Vec<&str> = parsed
            .groups
            .iter()
            .flatten()
            .flat_map(|term| term.text().split_whitespace())
            .collect();
        let mut named = Vec::new();
        for len in 1..=4.min(words.len()) {
            for window in words.windows(len) {
                let phrase = Taxonomy::name_key(&window.join(" "));
                for entry in self.named_values.get(&phrase).into_iter().flatten() {
                    if !named.contains(entry) {
                        named.push(entry.clone());
                    }
                }
            }
        }
        named
    }

    /// The documents a filter expression accepts.
    pub(crate) fn expression_query(&self, filter: &crate::Filter) -> Box<dyn Query> {
        use crate::Filter;
        let all = |clauses: Vec<(Occur, Box<dyn Query>)>| Box::new(BooleanQuery::new(clauses));
        match filter {
            Filter::And(parts) if parts.is_empty() => Box::new(AllQuery),
            Filter::And(parts) => all(parts
                .iter()
                .map(|p| (Occur::Must, self.expression_query(p)))
                .collect()),
            Filter::Or(parts) => all(parts
                .iter()
                .map(|p| (Occur::Should, self.expression_query(p)))
                .collect()),
            Filter::Not(inner) => all(vec![
                (Occur::Must, Box::new(AllQuery)),
                (Occur::MustNot, self.expression_query(inner)),
            ]),
            Filter::Is(kind, values) => self.filter_query(*kind, values),
            // A facet field indexes every value's ancestors: the kind's own path matches any.
            Filter::Exists(kind) => Box::new(TermQuery::new(
                tantivy::Term::from_facet(
                    self.fields.facets,
                    &tantivy::schema::Facet::from_path([kind.name()]),
                ),
                IndexRecordOption::Basic,
            )),
        }
    }

    pub(crate) fn filter_query(&self, kind: FacetKind, values: &[String]) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            values
                .iter()
                .map(|value| {
                    let term = self.fields.facet_term(kind, value);
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect(),
        ))
    }
}

/// Builds the queries of one request over one searcher.
pub(crate) struct QueryBuilder<'a> {
    model: &'a QueryModel,
    searcher: &'a Searcher,
    memo: DocSetMemo,
    statistics: MemoStatistics<'a>,
    /// The correction of each word no document has (`None`: nothing close), found once.
    corrections: RefCell<HashMap<String, Option<String>>>,
    /// The commonest completion of the word being typed, found once: each pass builds its
    /// query again, and the walk reads up to [`MAX_COMPLETIONS_READ`] words per segment.
    completions: RefCell<HashMap<String, Option<String>>>,
    /// Whether words no document has are corrected, and words search their synonyms too (both
    /// off to count what a query finds with its words as typed).
    correct_unknown: bool,
    synonyms: bool,
    /// The documents the searcher serves (`Commit::documents`), for the synonym cache.
    commit: u64,
}

impl<'a> QueryBuilder<'a> {
    pub(crate) fn new(model: &'a QueryModel, searcher: &'a Searcher) -> QueryBuilder<'a> {
        QueryBuilder {
            model,
            searcher,
            memo: DocSetMemo::default(),
            statistics: MemoStatistics::new(searcher),
            corrections: RefCell::new(HashMap::new()),
            completions: RefCell::new(HashMap::new()),
            correct_unknown: true,
            synonyms: true,
            commit: crate::cache::Commit::of(searcher).documents(),
        }
    }

    /// A builder whose queries take words as typed: no correction of unknown words, no
    /// synonyms (what did-you-mean compares).
    pub(crate) fn taking_words_as_typed(mut self) -> QueryBuilder<'a> {
        self.correct_unknown = false;
        self.synonyms = false;
        self
    }

    /// The request's BM25 statistics, for the searches that run its queries.
    pub(crate) fn statistics(&self) -> &MemoStatistics<'a> {
        &self.statistics
    }

    /// The text part of the query; `None` when it has no searchable word (browse).
    ///
    /// Plain words become units that match the word itself (stemmed, ranked by BM25), a typo of
    /// it, a prefix of it when it is the last word being typed, or a synonym; runs of words that
    /// form a taxonomy term (`release of information`) become one unit that also matches the
    /// term's synonyms (`ROI`). Units are all required, or any when `all_required` is false.
    pub(crate) fn text_query(
        &self,
        parsed: &ParsedQuery,
        all_required: bool,
        prefix_last: bool,
        typos: bool,
    ) -> Option<Box<dyn Query>> {
        let occur = if all_required {
            Occur::Must
        } else {
            Occur::Should
        };
        let groups = &parsed.groups;
        // Filler words count only when the query has nothing else ("how to").
        let has_content = groups
            .iter()
            .any(|group| !matches!(group.as_slice(), [QueryTerm::Word(w)] if is_filler(w)));
        let filler = |word: &str| has_content && is_filler(word);
        // Groups searched for themselves: not filler, not a stopword, not a format ("the pdf"
        // has none, and lists PDFs).
        let content_groups = self.model.content_groups(parsed);
        let searched = content_groups > 0;
        // Units in query order: (query, the words it stands for when they are content).
        let mut units: Vec<(Box<dyn Query>, Option<String>)> = Vec::new();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut i = 0;
        while i < groups.len() {
            let run_end = (i..groups.len())
                .find(|&k| !matches!(groups[k].as_slice(), [QueryTerm::Word(_)]))
                .unwrap_or(groups.len());
            if run_end == i {
                let alternatives: Vec<Box<dyn Query>> = groups[i]
                    .iter()
                    .filter_map(|term| self.term_query(term))
                    .collect();
                if let Some(query) = any_of(alternatives) {
                    let text = groups[i]
                        .iter()
                        .map(QueryTerm::text)
                        .collect::<Vec<_>>()
                        .join(" ");
                    units.push((query, Some(text)));
                }
                i += 1;
                continue;
            }
            let words: Vec<&str> = groups[i..run_end].iter().map(|g| g[0].text()).collect();
            let mut k = 0;
            while k < words.len() {
                let is_last = |index: usize| prefix_last && i + index + 1 == groups.len();
                let span = self.model.expander.longest_span(&words, k);
                let content = span > 1 || !filler(words[k]);
                let span_taken = span.max(1);
                let unit = if span > 1 {
                    let parts: Vec<Box<dyn Query>> = (k..k + span)
                        .filter_map(|w| self.word_query(words[w], is_last(w), false, typos))
                        .collect();
                    let mut options: Vec<Box<dyn Query>> = Vec::new();
                    if !parts.is_empty() {
                        options.push(Box::new(BooleanQuery::new(
                            parts.into_iter().map(|q| (occur, q)).collect(),
                        )));
                    }
                    options.extend(self.synonym_queries(&words[k..k + span].join(" ")));
                    k += span;
                    any_of(options)
                } else if is_format_word(words[k]) {
                    // The preference for its format is all it asks for: searched as a word it
                    // would be corrected and fuzzed for nothing ("printable" is in no page).
                    k += 1;
                    continue;
                } else {
                    let unit = self.word_query(words[k], is_last(k), true, typos);
                    k += 1;
                    unit
                };
                if let Some(query) = unit {
                    units.push((query, content.then(|| words[k - span_taken..k].join(" "))));
                }
            }
            // Content words close together ("rhit" and "rhia" in "RHIT vs RHIA"); filler words
            // between them would make the phrase match nothing.
            let close: Vec<&str> = words.iter().copied().filter(|w| !filler(w)).collect();
            if close.len() > 1 {
                if let Some(proximity) = self.proximity_query(&close) {
                    clauses.push((Occur::Should, proximity));
                }
            }
            i = run_end;
        }
        let preferences = self.model.preferences(parsed);
        if units.is_empty() && clauses.is_empty() && preferences.is_empty() {
            return None;
        }
        // A pasted paragraph ranks by BM25 and feedback alone: on the public test collections
        // the bonus cost MED 3 nDCG points (BENCHMARKS.md).
        let content_units = units
            .iter()
            .filter(|(_, content)| content.is_some())
            .count();
        let weights = if content_units <= MAX_COVERAGE_WORDS {
            let mut weights = self.coverage_weights(&units);
            // As `engine/rank.rs` counts a long query: word by word, a phrase synonym too.
            if content_groups > SHORT_QUERY_WORDS {
                cap_common_shares(&mut weights, LONG_QUERY_COMMON_SHARE);
            }
            weights
        } else {
            vec![0.0; units.len()]
        };
        for ((query, content), weight) in units.into_iter().zip(weights) {
            clauses.push(match (content, all_required) {
                (None, _) => (
                    Occur::Should,
                    Box::new(BoostQuery::new(query, FILLER_BOOST)),
                ),
                (Some(_), true) => (Occur::Must, query),
                (Some(_), false) if weight == 0.0 => (Occur::Should, query),
                (Some(_), false) => (
                    Occur::Should,
                    Box::new(Covered::new(query, COVERAGE_BONUS * weight)),
                ),
            });
        }
        if let Some(about) = self.about_query(parsed, prefix_last) {
            clauses.push((Occur::Should, about));
        }
        for (kind, value) in self.model.named_facets(parsed) {
            let term = self.model.fields.facet_term(kind, &value);
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    FACET_BOOST,
                )),
            ));
        }
        // Preferences are for short queries: a long one ranks by BM25 and feedback.
        let preferences = match content_units <= SHORT_QUERY_WORDS {
            true => preferences,
            false => Vec::new(),
        };
        let preferred: Vec<(Occur, Box<dyn Query>)> = preferences
            .into_iter()
            .map(|term| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                        PREFERENCE_SCORE,
                    )),
                )
            })
            .collect();
        // A preference only ranks what the words find (a PDF with none of them is no hit):
        // beside required words it selects nothing; beside optional ones, it goes beside
        // them all, required. A query of nothing but such words ("printable") lists what
        // they ask for.
        if all_required || preferred.is_empty() || !searched {
            clauses.extend(preferred);
            return Some(Box::new(BooleanQuery::new(clauses)));
        }
        let words: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
        Some(Box::new(BooleanQuery::new(
            std::iter::once((Occur::Must, words))
                .chain(preferred)
                .collect(),
        )))
    }

    /// Whether the query names a value: then its clauses are more than its words' (the
    /// value's facet term, the page about it).
    pub(crate) fn names_a_value(&self, parsed: &ParsedQuery) -> bool {
        !self.model.named_facets(parsed).is_empty() || self.about_query(parsed, false).is_some()
    }

    /// Pages about the value the whole query names, with the words the query searched:
    /// corrected when a word's clauses were built on its correction (they are built first), as
    /// typed when words are taken as typed. A page titled with the very name typed comes first
    /// ([`TITLE_FORM_SCORE`]), then the page about the value it names ([`ABOUT_SCORE`]). A
    /// query with `OR` names no one thing. While its last word is being typed and is not yet a
    /// word of the index, a name whose last word it begins counts as named ("risk adjustment
    /// cod"; not "hipaa priv", which may be HIPAA privacy as well as its officer).
    fn about_query(&self, parsed: &ParsedQuery, prefix_last: bool) -> Option<Box<dyn Query>> {
        if parsed.groups.iter().any(|group| group.len() > 1) {
            return None;
        }
        let no_corrections = HashMap::new();
        let borrowed = self.corrections.borrow();
        let corrections = match self.correct_unknown {
            true => &*borrowed,
            false => &no_corrections,
        };
        let words = corrected_words(&self.model.raw, parsed, corrections);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let key = content_key(&self.model.stemmer, &words);
        if key.is_empty() {
            return None;
        }
        let names: Vec<&WholeName> = match self.model.whole_names.get(&key) {
            Some(names) => names.iter().collect(),
            None if prefix_last => self.names_completed(parsed, &words)?,
            None => return None,
        };
        let constant = |term: Term, score: f32| -> Box<dyn Query> {
            Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                score,
            ))
        };
        // A page about two of them (a credential and the job of the same name) scores once.
        let fields = &self.model.fields;
        let pages: Vec<Box<dyn Query>> = names
            .iter()
            .flat_map(|name| {
                [
                    constant(
                        fields.title_form_term(name.kind, &name.surface),
                        TITLE_FORM_SCORE,
                    ),
                    constant(fields.about_term(name.kind, &name.value), ABOUT_SCORE),
                ]
            })
            .collect();
        Some(Box::new(DisjunctionMaxQuery::new(pages)))
    }

    /// Titles with a word that `prefix` (a raw token no document has) begins. Titles are
    /// stemmed, and a prefix typed past the stem ("terminologi", "informati") begins none of
    /// their words: a title stem that begins the prefix and lacks at most three of its letters
    /// counts too (Snowball rewrites a word's last letters only).
    fn title_prefix_query(&self, prefix: &str) -> Option<Box<dyn Query>> {
        let title = self.model.fields.title;
        let mut options: Vec<Box<dyn Query>> = Vec::new();
        // No word of the index begins with it (a query that finds nothing): no title word
        // does either, and the prefix automaton would be built and walked for nothing.
        if self.some_word_begins_with(prefix) {
            options.push(Box::new(MemoizedQuery::new(
                Box::new(FuzzyTermQuery::new_prefix(
                    Term::from_field_text(title, prefix),
                    0,
                    true,
                )),
                &self.memo,
            )));
        }
        let ends: Vec<usize> = prefix.char_indices().map(|(at, _)| at).skip(1).collect();
        let shortest = ends.len().saturating_sub(3).max(MIN_NAME_PREFIX_CHARS - 1);
        for &end in ends.iter().skip(shortest) {
            let stem = Term::from_field_text(title, &prefix[..end]);
            if self.statistics.doc_freq(&stem).is_ok_and(|freq| freq > 0) {
                options.push(Box::new(TermQuery::new(stem, IndexRecordOption::Basic)));
            }
        }
        let any = any_of(options)?;
        Some(Box::new(ConstScoreQuery::new(any, TITLE_PREFIX_BOOST)))
    }

    /// The commonest word that `prefix` (a raw token no document has) begins, ranked by BM25
    /// at [`COMPLETION_BOOST`] in the fields that say what a page is about (title, headings,
    /// description): a page with the word being typed in a heading outranks one that has it
    /// in its text, where the prefix clause beside it finds every completion. Scoring the body's
    /// long postings too would cost a prefix query more than the 10% its latency may grow by
    /// (BENCHMARKS.md).
    fn completion_query(&self, prefix: &str) -> Option<Box<dyn Query>> {
        let word = memoized(&self.completions, prefix, || {
            let all_raw = self.model.fields.all_raw;
            commonest_with_prefix(self.searcher, all_raw, prefix, MAX_COMPLETIONS_READ)
        })?;
        let query = self.term_query_in(&QueryTerm::Word(word), &self.model.about_fields)?;
        Some(Box::new(BoostQuery::new(query, COMPLETION_BOOST)))
    }

    /// Whether some indexed word (of any field, as written) begins with `prefix`: one seek
    /// in each segment's term dictionary. An error answers yes: the clause is then built.
    fn some_word_begins_with(&self, prefix: &str) -> bool {
        let begins = |segment: &tantivy::SegmentReader| -> tantivy::Result<bool> {
            let inverted = segment.inverted_index(self.model.fields.all_raw)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .into_stream()?;
            Ok(stream.advance() && stream.key().starts_with(prefix.as_bytes()))
        };
        self.searcher
            .segment_readers()
            .iter()
            .any(|segment| begins(segment).unwrap_or(true))
    }

    /// The names whose last word the query's last word, as typed and being typed, begins, the
    /// words before it being the name's others (`risk adjustment cod`); `words` are the
    /// query's words as searched (corrected where a word was corrected).
    fn names_completed(&self, parsed: &ParsedQuery, words: &[&str]) -> Option<Vec<&WholeName>> {
        let [QueryTerm::Word(typed)] = parsed.groups.last()?.as_slice() else {
            return None;
        };
        if is_filler(typed) || !self.typing_a_word(typed) {
            return None;
        }
        let (_, before) = words.split_last()?;
        let typed_words: Vec<&str> = before.iter().copied().chain([typed.as_str()]).collect();
        let key = content_key(&self.model.stemmer, &typed_words);
        let names: Vec<&WholeName> = self
            .model
            .whole_names
            .iter()
            .filter(|(name, _)| {
                name.strip_prefix(key.as_str())
                    .is_some_and(|rest| !rest.contains(' '))
            })
            .flat_map(|(_, names)| names)
            .collect();
        (!names.is_empty()).then_some(names)
    }

    /// Whether `word` is a word being typed, not yet whole: [`MIN_NAME_PREFIX_CHARS`] letters
    /// or more that no document has as a word.
    fn typing_a_word(&self, word: &str) -> bool {
        let raw = analysis::tokens(&mut self.model.raw.clone(), word);
        match raw.as_slice() {
            [token] if token.chars().count() >= MIN_NAME_PREFIX_CHARS => {
                let term = Term::from_field_text(self.model.fields.all_raw, token);
                self.statistics.doc_freq(&term).is_ok_and(|freq| freq == 0)
            }
            _ => false,
        }
    }

    /// The corrections found so far, by raw token.
    pub(crate) fn corrections(&self) -> HashMap<String, Option<String>> {
        self.corrections.borrow().clone()
    }

    /// Starts with corrections another builder of the same request found.
    pub(crate) fn with_corrections(
        self,
        known: HashMap<String, Option<String>>,
    ) -> QueryBuilder<'a> {
        self.corrections.borrow_mut().extend(known);
        self
    }

    /// The indexed word closest to `token` (a raw token no document has) when `token` is a
    /// slip for it ([`Self::real_word_slip`]), memoized.
    pub(crate) fn correction(&self, token: &str) -> Option<String> {
        self.corrected(token, || {
            correct_word(self.searcher, self.model.fields.all_raw, token)
        })
    }

    /// [`Self::correction`] of a word whose typo clauses follow: the same walk of the term
    /// dictionary records their documents in the memo (suggest.rs).
    fn correction_for_typos(&self, token: &str) -> Option<String> {
        self.corrected(token, || {
            correct_word_for_typos(self.searcher, self.model.fields.all_raw, token, &self.memo)
        })
    }

    /// The rules of a correction, memoized: a real word is corrected only as a slip for a
    /// common word; any other token to the closest indexed word `walk` finds, else by its stem.
    fn corrected(
        &self,
        token: &str,
        walk: impl FnOnce() -> tantivy::Result<Option<String>>,
    ) -> Option<String> {
        memoized(&self.corrections, token, || {
            if him_semantic::knows_word(token) {
                return self.real_word_slip(token);
            }
            match walk()? {
                Some(better) => Ok(Some(better)),
                None => self.stem_slip(token),
            }
        })
    }

    /// The correction of `token`, a raw token with no indexed word close to it as typed, by
    /// its stem: a site may write the word only in another form, so the form the user meant
    /// is not there to be close ("bachlors" for "bachelors", where pages write "bachelor's",
    /// two edits from it; its stem "bachlor" is one from the word "bachelor"). The word found
    /// is a word of the site as written, so it can be searched and proposed. Only a plural as
    /// typed (the stem and "s" or "es"), one edit from the site's word: a technical word the
    /// site lacks is otherwise taken for one that shares its root ("ossification" for
    /// "ossify", on the MED collection).
    fn stem_slip(&self, token: &str) -> tantivy::Result<Option<String>> {
        let stems = analysis::tokens(&mut self.model.stemmer.clone(), token);
        let [stem] = stems.as_slice() else {
            return Ok(None);
        };
        let plural = token
            .strip_prefix(stem.as_str())
            .is_some_and(|ending| ending == "s" || ending == "es");
        if !plural {
            return Ok(None);
        }
        nearest_word(self.searcher, self.model.fields.all_raw, stem, 1, true)
    }

    /// The correction of `token`, a real word (the model's vocabulary has it) that no document
    /// has: the closest of the words on a large share of the site's pages ([`COMMON_SHARE`]:
    /// "heath" for "health", "medial" for "medical"), if one is close. Another real word is
    /// what the user meant ("robots" is not "roots", "spit" not "sit"): searching the site's
    /// word as if typed, or proposing it, would change the question. A word the vocabulary
    /// lacks is a misspelling of its closest indexed word, whatever it is ("behavorial"; so is
    /// an inflected real word the vocabulary lacks, such as "denials": its stem would let
    /// misspellings through).
    fn real_word_slip(&self, token: &str) -> tantivy::Result<Option<String>> {
        let term = Term::from_field_text(self.model.fields.all_raw, token);
        if self.statistics.doc_freq(&term)? > 0 {
            return Ok(None);
        }
        let common =
            (self.model.common_words).of(self.searcher, self.model.fields.all_raw, COMMON_SHARE)?;
        Ok(nearest_of(&common, token))
    }

    /// Each unit's share of [`COVERAGE_BONUS`]: its words' inverse document frequency over the
    /// rarest content unit's, so matching a rare word of the query ("rhia") weighs more than a
    /// common one ("between"). Filler units get 0; a unit whose words no document has, as
    /// written or stemmed (a misspelling, a prefix), counts as the rarest.
    fn coverage_weights(&self, units: &[(Box<dyn Query>, Option<String>)]) -> Vec<f32> {
        let total = self.statistics.total_num_docs().unwrap_or(0) as f32;
        let idfs: Vec<Option<f32>> = units
            .iter()
            .map(|(_, content)| {
                let content = content.as_ref()?;
                let tokens = analysis::tokens(&mut self.model.raw.clone(), content);
                // A word matches in any of its forms, so it is as rare as its stem: "taking"
                // is rarer than "take" as written, not as matched.
                let rarest = tokens
                    .iter()
                    .map(|token| {
                        let raw = Term::from_field_text(self.model.fields.all_raw, token);
                        let freq = |term: &Term| self.statistics.doc_freq(term).unwrap_or(0);
                        // Its irregular forms too: "taken" matches "take".
                        let mut forms: Vec<String> = vec![token.clone()];
                        forms.extend(irregular::other_forms(token).map(str::to_string));
                        forms
                            .into_iter()
                            .filter(|form| !analysis::is_english_stop_word(form))
                            .map(|mut stem| {
                                analysis::stem_in_place(&mut stem);
                                freq(&Term::from_field_text(self.model.fields.body, &stem))
                            })
                            .fold(freq(&raw), u64::max)
                    })
                    .min()
                    .unwrap_or(0);
                let df = rarest as f32;
                Some(if rarest == 0 {
                    f32::INFINITY
                } else {
                    stats::idf(df, total)
                })
            })
            .collect();
        let finite_max = idfs
            .iter()
            .flatten()
            .filter(|idf| idf.is_finite())
            .fold(0.0f32, |max, idf| max.max(*idf));
        idfs.into_iter()
            .map(|idf| match idf {
                None => 0.0,
                Some(idf) if !idf.is_finite() || finite_max <= 0.0 => 1.0,
                Some(idf) => (idf / finite_max).clamp(MIN_COVERAGE_WEIGHT, 1.0),
            })
            .collect()
    }

    /// One plain word: exact (stemmed), typo (raw, by length, never for codes), prefix (raw,
    /// last word only) and, when `with_synonyms`, its synonyms. `None` for stopwords.
    fn word_query(
        &self,
        word: &str,
        is_last: bool,
        with_synonyms: bool,
        typos: bool,
    ) -> Option<Box<dyn Query>> {
        // The analyzers drop a token of 40 or more letters: such a word is in no document,
        // and must find none rather than vanish from the query (which would list everything).
        if analysis::has_overlong_token(word) {
            return Some(Box::new(EmptyQuery));
        }
        let exact =
            self.with_irregular_forms(word, self.term_query(&QueryTerm::Word(word.to_string())));
        let mut options: Vec<Box<dyn Query>> = Vec::new();
        let raw = analysis::tokens(&mut self.model.raw.clone(), word);
        if let [token] = raw.as_slice() {
            let len = token.chars().count();
            let term = Term::from_field_text(self.model.fields.all_raw, token);
            if is_last && len >= MIN_PREFIX_CHARS {
                options.push(Box::new(BoostQuery::new(
                    Box::new(MemoizedQuery::new(
                        Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, true)),
                        &self.memo,
                    )),
                    PREFIX_BOOST,
                )));
                // A word not yet whole ("medical terminol") matches no word exactly, so its
                // prefix alone must tell a page titled with the word from one that has it
                // somewhere in its text.
                if self.statistics.doc_freq(&term).is_ok_and(|freq| freq == 0) {
                    options.extend(self.title_prefix_query(token));
                    if len >= MIN_NAME_PREFIX_CHARS {
                        options.extend(self.completion_query(token));
                    }
                }
            }
            if exact.is_none() && options.is_empty() {
                return None;
            }
            // A word in no document is corrected whatever the other words find: it is the one
            // a user misspelled ("medical terminalogy course"). A real word the site does not
            // use has no correction unless a common word is close (`real_word_slip`), and gets
            // typo clauses only in the typo pass, as any word does.
            let unknown = self.correct_unknown
                && typo_eligible(&self.model.expander, word, token)
                && !self.stems_indexed(word);
            // A slip: its closest indexed word, ranked by BM25 like a word typed (a
            // constant-score typo clause would let the other words decide the ranking alone),
            // and its typo clauses for the other neighbours ("registrer": registrar, then
            // registered).
            let slip = unknown
                && match self.correction_for_typos(token) {
                    Some(better) => {
                        options.extend(self.term_query(&QueryTerm::Word(better)).map(|q| {
                            Box::new(BoostQuery::new(q, CORRECTION_BOOST)) as Box<dyn Query>
                        }));
                        true
                    }
                    None => false,
                };
            if (typos || slip) && typo_eligible(&self.model.expander, word, token) {
                // Each allowed distance is its own clause, so a word one edit away (matching
                // both) outranks one two edits away.
                for distance in 1..=typo_distance(token) {
                    options.push(Box::new(BoostQuery::new(
                        Box::new(MemoizedQuery::new(
                            Box::new(FuzzyTermQuery::new(term.clone(), distance, true)),
                            &self.memo,
                        )),
                        TYPO_BOOST / f32::from(distance),
                    )));
                }
            }
        } else if exact.is_none() {
            return None;
        }
        options.extend(exact);
        if with_synonyms {
            options.extend(self.synonym_queries(word));
        }
        any_of(options)
    }

    /// `exact`, the clause of `word` as typed, or one of its irregular forms ("kept" for
    /// "keep"), scored as the best of them: they are the same word. A form rarer than the word
    /// typed is weighted down to the word's inverse document frequency, so that a page is not
    /// preferred for having the other form ("paid" claims over "pay").
    fn with_irregular_forms(
        &self,
        word: &str,
        exact: Option<Box<dyn Query>>,
    ) -> Option<Box<dyn Query>> {
        // Nearly every word has no family: nothing is analyzed for it.
        let others: Vec<&str> = irregular::other_forms(word).collect();
        if others.is_empty() || is_filler(word) {
            return exact;
        }
        let mut stemmer = self.model.stemmer.clone();
        let own = analysis::tokens(&mut stemmer, word);
        let [own] = own.as_slice() else {
            return exact;
        };
        let idf = |stem: &str| -> Option<f32> {
            let term = Term::from_field_text(self.model.fields.body, stem);
            let docs = self.statistics.total_num_docs().ok()? as f32;
            let freq = self.statistics.doc_freq(&term).ok()? as f32;
            (freq > 0.0).then(|| stats::idf(freq, docs))
        };
        let typed = idf(own);
        let forms: Vec<Box<dyn Query>> = others
            .into_iter()
            .filter_map(|form| {
                let stems = analysis::tokens(&mut stemmer, form);
                let [stem] = stems.as_slice() else {
                    return None;
                };
                if stem == own {
                    return None;
                }
                let query = self.term_query(&QueryTerm::Word(form.to_string()))?;
                let boost = match (typed, idf(stem)) {
                    (Some(typed), Some(theirs)) if theirs > typed => typed / theirs,
                    _ => 1.0,
                };
                Some(Box::new(BoostQuery::new(query, boost)) as Box<dyn Query>)
            })
            .collect();
        if forms.is_empty() {
            return exact;
        }
        Some(Box::new(DisjunctionMaxQuery::new(
            exact.into_iter().chain(forms).collect(),
        )))
    }

    /// Synonyms of `phrase` over every ranked field, as one clause scored by the best-matching
    /// synonym (so a term with many aliases does not outweigh the words typed), weighted below
    /// those words. Aliases that contain every word of `phrase` are left out: they add no
    /// recall, only score (`Coder` -> `Professional Coder`). None from a builder taking words as
    /// typed.
    fn synonym_queries(&self, phrase: &str) -> Vec<Box<dyn Query>> {
        if !self.synonyms {
            return Vec::new();
        }
        let own = analysis::tokens(&mut self.model.stemmer.clone(), phrase);
        let alternatives: Vec<Box<dyn Query>> = self
            .model
            .expander
            .alternatives(phrase)
            .into_iter()
            .filter(|alt| {
                let tokens = analysis::tokens(&mut self.model.stemmer.clone(), alt);
                !own.iter().all(|t| tokens.contains(t))
            })
            .filter_map(|alt| self.term_query(&QueryTerm::Phrase(alt)))
            .collect();
        if alternatives.is_empty() {
            return Vec::new();
        }
        // The same clause recurs in every query naming the term: its matches are kept per
        // commit (synonyms.rs).
        vec![Box::new(CachedClause::new(
            Box::new(BoostQuery::new(
                Box::new(DisjunctionMaxQuery::new(alternatives)),
                SYNONYM_BOOST,
            )),
            self.commit,
            std::sync::Arc::clone(&self.model.synonyms),
        ))]
    }

    /// Rewards documents where the words stand close together, in title or body: a [`Bonus`]
    /// (every document it matches has the words), bounded by its phrases' best BM25 scores.
    fn proximity_query(&self, words: &[&str]) -> Option<Box<dyn Query>> {
        let tokens = analysis::tokens(&mut self.model.stemmer.clone(), &words.join(" "));
        if tokens.len() < 2 {
            return None;
        }
        let mut bound = 0.0;
        let per_field: Vec<Box<dyn Query>> = [
            (self.model.fields.title, 2.0),
            (self.model.fields.body, 1.0),
        ]
        .into_iter()
        .map(|(field, boost)| {
            let terms: Vec<(usize, Term)> = tokens
                .iter()
                .enumerate()
                .map(|(pos, t)| (pos, Term::from_field_text(field, t)))
                .collect();
            let plain: Vec<Term> = terms.iter().map(|(_, term)| term.clone()).collect();
            // Without statistics the bound is unknown: no page can be skipped.
            bound += Bm25Weight::for_terms(&self.statistics, &plain)
                .map_or(Score::INFINITY, |weight| weight.max_score())
                * boost
                * PROXIMITY_BOOST;
            Box::new(BoostQuery::new(
                Box::new(PhraseQuery::new_with_offset_and_slop(terms, PROXIMITY_SLOP)),
                boost * PROXIMITY_BOOST,
            )) as Box<dyn Query>
        })
        .collect();
        Some(Box::new(Bonus {
            parts: per_field,
            tie_breaker: TIE_BREAKER,
            // The dis-max adds at most every field's best; a margin for rounding.
            bound: bound * (1.0 + 1e-3),
        }))
    }

    /// One word or phrase over every ranked field that has it. A field where no document has
    /// the word (or one of the phrase's words) is left out: its clause could not match, yet
    /// each pass would build its weight (a BM25 table and a scorer). A word no field has
    /// becomes a query that matches nothing, so a required word still excludes every document.
    fn term_query(&self, term: &QueryTerm) -> Option<Box<dyn Query>> {
        self.term_query_in(term, &self.model.ranked_fields)
    }

    /// [`Self::term_query`] in `fields` (with their boosts) alone.
    fn term_query_in(&self, term: &QueryTerm, fields: &[(Field, f32)]) -> Option<Box<dyn Query>> {
        let mut analyzer = self.model.stemmer.clone();
        let tokens = analysis::positioned_tokens(&mut analyzer, term.text());
        if tokens.is_empty() {
            return None;
        }
        // An error here leaves the clause in; the search itself will report it.
        let indexed = |term: &Term| self.statistics.doc_freq(term).map_or(true, |freq| freq > 0);
        let first = tokens[0].0;
        let per_field: Vec<Box<dyn Query>> = fields
            .iter()
            .filter_map(|(field, boost)| {
                let terms: Vec<(usize, Term)> = tokens
                    .iter()
                    .map(|(pos, t)| (pos - first, Term::from_field_text(*field, t)))
                    .collect();
                if !terms.iter().all(|(_, term)| indexed(term)) {
                    return None;
                }
                let query: Box<dyn Query> = match <[_; 1]>::try_from(terms) {
                    Ok([(_, term)]) => Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                    Err(terms) => Box::new(PhraseQuery::new_with_offset(terms)),
                };
                Some(Box::new(BoostQuery::new(query, *boost)) as Box<dyn Query>)
            })
            .collect();
        if per_field.is_empty() {
            return Some(Box::new(EmptyQuery));
        }
        Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
            per_field,
            TIE_BREAKER,
        )))
    }

    /// Text query AND every filter, AND NOT the exclusions.
    pub(crate) fn combine(
        &self,
        text: Option<&dyn Query>,
        parsed: &ParsedQuery,
        filters: &[Box<dyn Query>],
    ) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            text.map_or_else(|| Box::new(AllQuery) as Box<dyn Query>, |q| q.box_clone()),
        )];
        // A filter limits the matches and never changes their order: it scores nothing.
        for filter in filters {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(filter.box_clone(), 0.0)),
            ));
        }
        for term in &parsed.excluded {
            if let Some(query) = self.term_query(term) {
                clauses.push((Occur::MustNot, Box::new(MaterializedQuery(query))));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// Whether a pass with typos could find more: some plain word of the query that documents
    /// have as typed would get typo clauses (a word no document has is corrected without them).
    pub(crate) fn has_typo_candidates(&self, parsed: &ParsedQuery) -> bool {
        parsed.groups.iter().flatten().any(|term| {
            let QueryTerm::Word(word) = term else {
                return false;
            };
            let raw = analysis::tokens(&mut self.model.raw.clone(), word);
            matches!(raw.as_slice(), [token] if typo_eligible(&self.model.expander, word, token))
                && (!self.correct_unknown || self.stems_indexed(word))
        })
    }

    /// Whether some plain word of the query is in no document, as typed or stemmed.
    pub(crate) fn has_unknown_word(&self, parsed: &ParsedQuery) -> bool {
        parsed.groups.iter().flatten().any(|term| match term {
            QueryTerm::Word(word) => {
                !is_format_word(word)
                    && !analysis::tokens(&mut self.model.stemmer.clone(), word).is_empty()
                    && !self.stems_indexed(word)
            }
            _ => false,
        })
    }

    /// Whether some ranked field holds every stem of `word`.
    pub(crate) fn stems_indexed(&self, word: &str) -> bool {
        let stems = analysis::tokens(&mut self.model.stemmer.clone(), word);
        !stems.is_empty()
            && self.model.ranked_fields.iter().any(|(field, _)| {
                stems.iter().all(|stem| {
                    let term = Term::from_field_text(*field, stem);
                    self.statistics
                        .doc_freq(&term)
                        .map_or(true, |freq| freq > 0)
                })
            })
    }
}

/// Scales the coverage shares below 1 (the rarest known word's, and any word no document has)
/// so that together they are `cap` at most.
fn cap_common_shares(weights: &mut [f32], cap: f32) {
    let common: f32 = weights.iter().filter(|w| **w < 1.0).sum();
    if common > cap {
        for weight in weights.iter_mut().filter(|w| **w < 1.0) {
            *weight *= cap / common;
        }
    }
}

/// Words of 5+ letters get typo clauses, except credentials, acronyms and codes (a typo of
/// `RHIA` is `RHIT`, another credential).
fn typo_eligible(expander: &Expander, word: &str, token: &str) -> bool {
    token.chars().count() >= 5
        && !expander.is_protected(word)
        && !token.chars().any(|c| c.is_ascii_digit())
}

/// One query matching any of `options`; `None` when there are none.
fn any_of(options: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match options.len() {
        0 => None,
        1 => options.into_iter().next(),
        _ => Some(Box::new(BooleanQuery::new(
            options.into_iter().map(|q| (Occur::Should, q)).collect(),
        ))),
    }
}

/// The word `find` gives for `key`, found once per builder and kept in `known` (an error
/// counts as none: the query is built without it).
fn memoized(
    known: &RefCell<HashMap<String, Option<String>>>,
    key: &str,
    find: impl FnOnce() -> tantivy::Result<Option<String>>,
) -> Option<String> {
    if let Some(word) = known.borrow().get(key) {
        return word.clone();
    }
    let word = find().ok().flatten();
    known.borrow_mut().insert(key.to_string(), word.clone());
    word
}

#[cfg(test)]
mod tests {
    use super::cap_common_shares;

    #[test]
    fn common_words_share_at_most_the_cap_and_the_rarest_keeps_its_own() {
        let mut weights = [1.0, 0.4, 0.3, 0.3, 0.0];
        cap_common_shares(&mut weights, 0.5);
        assert_eq!(weights[0], 1.0);
        assert!((weights[1..].iter().sum::<f32>() - 0.5).abs() < 1e-6);
        assert!((weights[1] - 0.2).abs() < 1e-6);
        // Ties at 1 (the rarest known word, a word no document has) keep their shares.
        let mut ties = [1.0, 1.0, 0.5, 0.5];
        cap_common_shares(&mut ties, 0.5);
        assert_eq!(ties, [1.0, 1.0, 0.25, 0.25]);
        let mut few = [1.0, 0.2, 0.1];
        cap_common_shares(&mut few, 0.5);
        assert_eq!(few, [1.0, 0.2, 0.1]);
    }
}
