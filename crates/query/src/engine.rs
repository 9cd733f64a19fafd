//! The search engine over a himsearch index: query building, ranking, filters, disjunctive
//! facet counts and highlighted snippets. Both the CLI and the HTTP layer call
//! [`SearchEngine::search`], so they answer identically.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use him_schema::api::{FacetCount, Hit, SearchResponse};
use him_schema::{analysis, open_index_dir, FacetKind, Fields, Taxonomy};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, Searcher, TantivyDocument, Term};

use crate::parse::{parse, ParsedQuery, Term as QueryTerm};
use crate::request::SearchRequest;
use crate::Result;

/// Ranked text fields and their boosts: a word in the title says more about the page than the
/// same word deep in the body.
const FIELD_BOOSTS: [(&str, f32); 5] = [
    ("title", 4.0),
    ("headings", 2.5),
    ("description", 1.5),
    ("body", 1.0),
    ("emphasis", 1.0),
];

/// Share of the non-best fields' scores added to the best field's (dis-max tie breaker).
const TIE_BREAKER: f32 = 0.3;

/// Boost of documents filed under a credential or job title the query names.
const FACET_BOOST: f32 = 2.0;

/// Characters in a snippet (about 30 words).
const SNIPPET_CHARS: usize = 200;

/// Search over one index directory.
pub struct SearchEngine {
    reader: IndexReader,
    fields: Fields,
    taxonomy: Taxonomy,
    stemmer: TextAnalyzer,
    ranked_fields: Vec<(Field, f32)>,
}

impl std::fmt::Debug for SearchEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchEngine").finish_non_exhaustive()
    }
}

impl SearchEngine {
    /// Opens the index at `dir`; it picks up new commits as they land.
    pub fn open(dir: &Path, taxonomy: Taxonomy) -> Result<SearchEngine> {
        let index = open_index_dir(dir)?;
        SearchEngine::from_index(index, taxonomy)
    }

    /// Wraps an already opened index (its analyzers registered).
    pub fn from_index(index: Index, taxonomy: Taxonomy) -> Result<SearchEngine> {
        analysis::register(&index);
        let fields = Fields::new(&index.schema())?;
        let schema = index.schema();
        let ranked_fields = FIELD_BOOSTS
            .iter()
            .map(|(name, boost)| Ok((schema.get_field(name)?, *boost)))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let reader = index.reader()?;
        Ok(SearchEngine {
            reader,
            fields,
            taxonomy,
            stemmer: analysis::stemmed_analyzer(),
            ranked_fields,
        })
    }

    /// Number of documents searchable now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The taxonomy used for filters and facet boosts.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// Runs a search.
    pub fn search(&self, request: SearchRequest) -> Result<SearchResponse> {
        let started = Instant::now();
        let request = request.validated(&self.taxonomy)?;
        let searcher = self.reader.searcher();
        let parsed = parse(&request.query);

        let filters: Vec<(FacetKind, Box<dyn Query>)> = request
            .filters
            .iter()
            .map(|(kind, values)| (*kind, self.filter_query(*kind, values)))
            .collect();

        let mut text_query = self.text_query(&parsed, true);
        let mut full = self.combine(text_query.as_deref(), &parsed, &filters, None);
        let mut total = searcher.search(full.as_ref(), &Count)?;
        if total == 0 && parsed.groups.len() > 1 {
            // No document has every word: rank those that have the most.
            text_query = self.text_query(&parsed, false);
            full = self.combine(text_query.as_deref(), &parsed, &filters, None);
            total = searcher.search(full.as_ref(), &Count)?;
        }

        let offset = (request.page - 1) * request.per_page;
        let top = searcher.search(
            full.as_ref(),
            &TopDocs::with_limit(request.per_page)
                .and_offset(offset)
                .order_by_score(),
        )?;

        let mut facets = BTreeMap::new();
        for kind in FacetKind::ALL {
            let query = self.combine(text_query.as_deref(), &parsed, &filters, Some(kind));
            facets.insert(
                kind.name().to_string(),
                self.facet_counts(&searcher, query.as_ref(), kind)?,
            );
        }

        let highlighter = Highlighter::new(&searcher, text_query.as_deref(), &self.fields)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let mut hit = self.hit(&searcher, &highlighter, score, address)?;
            if request.explain {
                let explanation = full.explain(&searcher, address)?;
                hit.explain = serde_json::from_str(&explanation.to_pretty_json()).ok();
            }
            hits.push(hit);
        }

        Ok(SearchResponse {
            query: request.query,
            total,
            page: request.page,
            per_page: request.per_page,
            took_ms: started.elapsed().as_millis() as u64,
            hits,
            facets,
            suggestion: None,
        })
    }

    /// The text part of the query; `None` when it has no searchable word (browse).
    fn text_query(&self, parsed: &ParsedQuery, all_required: bool) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &parsed.groups {
            let alternatives: Vec<Box<dyn Query>> = group
                .iter()
                .filter_map(|term| self.term_query(term))
                .collect();
            let query: Box<dyn Query> = match alternatives.len() {
                0 => continue,
                1 => alternatives.into_iter().next().expect("one alternative"),
                _ => Box::new(BooleanQuery::new(
                    alternatives
                        .into_iter()
                        .map(|q| (Occur::Should, q))
                        .collect(),
                )),
            };
            clauses.push((
                if all_required {
                    Occur::Must
                } else {
                    Occur::Should
                },
                query,
            ));
        }
        if clauses.is_empty() {
            return None;
        }
        for (kind, value) in self.named_facets(parsed) {
            let term =
                Term::from_facet(self.fields.facet(kind), &Facet::from_path([value.as_str()]));
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    FACET_BOOST,
                )),
            ));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// One word or phrase over every ranked field.
    fn term_query(&self, term: &QueryTerm) -> Option<Box<dyn Query>> {
        let mut analyzer = self.stemmer.clone();
        let tokens = analysis::tokens(&mut analyzer, term.text());
        if tokens.is_empty() {
            return None;
        }
        let per_field: Vec<Box<dyn Query>> = self
            .ranked_fields
            .iter()
            .map(|(field, boost)| {
                let query: Box<dyn Query> = if tokens.len() == 1 {
                    Box::new(TermQuery::new(
                        Term::from_field_text(*field, &tokens[0]),
                        IndexRecordOption::WithFreqs,
                    ))
                } else {
                    Box::new(PhraseQuery::new(
                        tokens
                            .iter()
                            .map(|t| Term::from_field_text(*field, t))
                            .collect(),
                    ))
                };
                Box::new(BoostQuery::new(query, *boost)) as Box<dyn Query>
            })
            .collect();
        Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
            per_field,
            TIE_BREAKER,
        )))
    }

    /// Credentials and job titles the query names (`rhit`, `medical records tech`).
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
                let phrase = window.join(" ");
                for kind in [FacetKind::Credential, FacetKind::JobTitle] {
                    if let Some(value) = self.taxonomy.canonicalize(kind, &phrase) {
                        let entry = (kind, value.to_string());
                        if !named.contains(&entry) {
                            named.push(entry);
                        }
                    }
                }
            }
        }
        named
    }

    fn filter_query(&self, kind: FacetKind, values: &[String]) -> Box<dyn Query> {
        let field = self.fields.facet(kind);
        Box::new(BooleanQuery::new(
            values
                .iter()
                .map(|value| {
                    let term = Term::from_facet(field, &Facet::from_path([value.as_str()]));
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect(),
        ))
    }

    /// Text query AND every filter except `skip`'s, AND NOT the exclusions.
    fn combine(
        &self,
        text: Option<&dyn Query>,
        parsed: &ParsedQuery,
        filters: &[(FacetKind, Box<dyn Query>)],
        skip: Option<FacetKind>,
    ) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            text.map_or_else(|| Box::new(AllQuery) as Box<dyn Query>, |q| q.box_clone()),
        )];
        for (kind, filter) in filters {
            if Some(*kind) != skip {
                clauses.push((Occur::Must, filter.box_clone()));
            }
        }
        for term in &parsed.excluded {
            if let Some(query) = self.term_query(term) {
                clauses.push((Occur::MustNot, query));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn facet_counts(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        kind: FacetKind,
    ) -> Result<Vec<FacetCount>> {
        let mut collector = FacetCollector::for_field(kind.name());
        collector.add_facet(Facet::root());
        let counts = searcher.search(query, &collector)?;
        let mut out: Vec<FacetCount> = counts
            .get(Facet::root())
            .map(|(facet, count)| FacetCount {
                value: facet
                    .to_path()
                    .last()
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                count,
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        Ok(out)
    }

    fn hit(
        &self,
        searcher: &Searcher,
        highlighter: &Highlighter,
        score: f32,
        address: DocAddress,
    ) -> Result<Hit> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let title = text(self.fields.title);
        let body = text(self.fields.body);
        let description = text(self.fields.description);
        let mut facets = BTreeMap::new();
        for kind in FacetKind::ALL {
            let values: Vec<String> = doc
                .get_all(self.fields.facet(kind))
                .filter_map(|v| v.as_facet().map(facet_value))
                .collect();
            facets.insert(kind.name().to_string(), values);
        }
        Ok(Hit {
            id: text(self.fields.id),
            url: text(self.fields.url),
            title_html: highlighter.title(&title),
            snippet: highlighter.snippet(&body, &description),
            title,
            score,
            facets,
            explain: None,
        })
    }
}

/// Stored facets come back encoded (`RHIT`, or `/RHIT`); the value is the last path segment.
fn facet_value(encoded: &str) -> String {
    let text = encoded.trim_start_matches('/');
    text.rsplit(['\u{0}', '/'])
        .next()
        .unwrap_or(text)
        .to_string()
}

/// Builds `title_html` and `snippet`: text HTML-escaped, matched words in `<mark>`.
struct Highlighter {
    title: Option<SnippetGenerator>,
    body: Option<SnippetGenerator>,
}

impl Highlighter {
    fn new(searcher: &Searcher, query: Option<&dyn Query>, fields: &Fields) -> Result<Highlighter> {
        let Some(query) = query else {
            return Ok(Highlighter {
                title: None,
                body: None,
            });
        };
        let mut title = SnippetGenerator::create(searcher, query, fields.title)?;
        title.set_max_num_chars(1000);
        let mut body = SnippetGenerator::create(searcher, query, fields.body)?;
        body.set_max_num_chars(SNIPPET_CHARS);
        Ok(Highlighter {
            title: Some(title),
            body: Some(body),
        })
    }

    fn title(&self, title: &str) -> String {
        match &self.title {
            Some(generator) => {
                let mut snippet = generator.snippet(title);
                if snippet.is_empty() {
                    return escape_html(title);
                }
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                snippet.to_html()
            }
            None => escape_html(title),
        }
    }

    fn snippet(&self, body: &str, description: &str) -> String {
        if let Some(generator) = &self.body {
            let mut snippet = generator.snippet(body);
            if !snippet.is_empty() && !snippet.highlighted().is_empty() {
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                return snippet.to_html();
            }
        }
        let source = if description.is_empty() {
            body
        } else {
            description
        };
        escape_html(&lead(source, SNIPPET_CHARS))
    }
}

/// The first `max` characters of `text`, cut at a word boundary, with an ellipsis if cut.
fn lead(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |pos| &cut[..pos]);
    format!("{cut}…")
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_dangerous() {
        assert_eq!(
            escape_html(r#"<img src=x onerror="a('1')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn facet_values_decode() {
        assert_eq!(facet_value("RHIT"), "RHIT");
        assert_eq!(facet_value("/CCS-P"), "CCS-P");
    }

    #[test]
    fn lead_cuts_at_words() {
        assert_eq!(lead("alpha beta gamma", 12), "alpha beta…");
        assert_eq!(lead("short", 12), "short");
    }
}
