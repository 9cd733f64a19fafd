//! The taxonomy: the facet kinds a site declares (each with its label, policies and values) and
//! the query synonyms, loaded from one TOML file (`taxonomy.toml` in this crate is the built-in
//! HIM taxonomy; a site passes its own with `--taxonomy`). The format is documented in
//! README.md; [`Taxonomy::from_toml`] checks it and names the line of every problem.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::{Error, FacetKind, FacetMatcher, Result};

/// The taxonomy shipped with himsearch.
const BUILTIN: &str = include_str!("../taxonomy.toml");

/// Request parameters of the search API: a kind cannot take these names.
const RESERVED_KEYS: &[&str] = &["q", "page", "per_page", "explain", "limit"];

/// Where a kind's values come from in a page's text (meta tags, `data-him-facet` attributes
/// and `paths` apply to every kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extraction {
    /// Mentions: once in the title, a heading or the description, or `body_mentions` times in
    /// the body.
    #[default]
    Mentions,
    /// Only mentions in the title (and `paths`): for what a page *is* (a glossary, a job
    /// profile), which a passing mention of the word does not make it.
    TitleAndPath,
    /// Never from text: only meta tags, attributes and paths.
    None,
}

/// How one kind takes part in indexing and search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindPolicy {
    /// Where values come from in text.
    pub extract: Extraction,
    /// Body mentions a value needs under [`Extraction::Mentions`].
    pub body_mentions: usize,
    /// Under [`Extraction::Mentions`], one mention in a sentence that states a requirement or
    /// a recommendation ("requires", "prefer", "must hold", "eligible for") is enough: for
    /// credentials, which job pages name once in their requirements.
    pub requirements: bool,
    /// Under [`Extraction::Mentions`], on a page filed under one of these values of other
    /// kinds (`resource_type = ["Job profile"]`), one body mention is enough: every credential
    /// a job profile names is one the job asks for or leads to. Kind key to canonical values.
    pub single_mention_under: BTreeMap<String, Vec<String>>,
    /// Under [`Extraction::Mentions`], on a page filed under one of these values of other
    /// kinds (`resource_type = ["Glossary"]`), only the title, headings and description file it
    /// under this kind: a glossary defines every term it names, about none of them.
    pub title_only_under: BTreeMap<String, Vec<String>>,
    /// Under [`Extraction::Mentions`], a page whose title names values of this kind is about
    /// them: only its title, headings and description file it under this kind. A job's page
    /// names the jobs around it in its body (whom it manages, where it leads). A value named in
    /// the title only inside a name of another kind's value as long or longer (the credential
    /// "Certified Risk Adjustment Coder") does not count.
    pub title_decides: bool,
    /// Names without lower-case letters (`RHIT`) match only as written.
    pub case_sensitive_acronyms: bool,
    /// A value's name, code and aliases expand each other in queries (as synonyms).
    pub expand: bool,
    /// A query that names a value ranks the pages filed under it higher.
    pub boost: bool,
    /// Values are offered as completions.
    pub complete: bool,
    /// The widget shows the values as tags on each hit.
    pub show_on_hits: bool,
}

impl Default for KindPolicy {
    fn default() -> KindPolicy {
        KindPolicy {
            extract: Extraction::Mentions,
            body_mentions: 2,
            requirements: false,
            single_mention_under: BTreeMap::new(),
            title_only_under: BTreeMap::new(),
            title_decides: false,
            case_sensitive_acronyms: true,
            expand: true,
            boost: false,
            complete: true,
            show_on_hits: false,
        }
    }
}

/// One value of a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetValueSpec {
    /// Name (`Registered Health Information Technician`, `Hospital`).
    pub name: String,
    /// Short code (`RHIT`): when given, it is the facet value and the name an alias.
    pub code: Option<String>,
    /// Other ways pages and users write it: matched in pages, and synonyms in queries when
    /// the kind expands.
    pub aliases: Vec<String>,
    /// Words whose mention files a page under the value without being another name for it
    /// (`LOINC` for a "Terminologies" topic): matched in pages like aliases, never expanded
    /// in queries, never a filter value.
    pub keywords: Vec<String>,
    /// Corpus paths whose documents carry the value: `dir/` entries are prefixes, others exact.
    pub paths: Vec<String>,
    /// Query words that ask for documents of this value without naming it (`difference`,
    /// `vs` for a "Comparison"): a query with one prefers such documents, lowercase.
    pub asked_by: Vec<String>,
    /// Free-form facts (`body = "AHIMA"`, `soc = "29-2072"`), not used for search.
    pub attributes: BTreeMap<String, String>,
    /// Values of other kinds this one relates to (`education_level = ["Associate's"]`), checked
    /// at load.
    pub related: BTreeMap<String, Vec<String>>,
    /// Values of the same kind this one is a kind of (a `Home Health Coder` is a `Coder`): a
    /// page filed under it is filed under them too.
    pub broader: Vec<String>,
    /// Body mentions this value needs, when not its kind's `body_mentions`: more for a value
    /// pages name as the people doing the work they are about (coders, on every coding page).
    pub body_mentions: Option<usize>,
}

impl FacetValueSpec {
    /// Body mentions this value needs under [`Extraction::Mentions`] in a kind of `policy`.
    pub fn body_mentions(&self, policy: &KindPolicy) -> usize {
        self.body_mentions.unwrap_or(policy.body_mentions)
    }
}

impl FacetValueSpec {
    /// The facet value pages are filed under: the code, else the name.
    pub fn canonical(&self) -> &str {
        self.code.as_deref().unwrap_or(&self.name)
    }

    /// Every way of writing the value: the canonical value first, then the name (when a code is
    /// canonical), then the aliases.
    pub fn surface_forms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.canonical())
            .chain(self.code.as_ref().map(|_| self.name.as_str()))
            .chain(self.aliases.iter().map(String::as_str))
    }

    /// What files a page under the value when the page mentions it: the surface forms and the
    /// keywords.
    pub fn match_forms(&self) -> impl Iterator<Item = &str> {
        self.surface_forms()
            .chain(self.keywords.iter().map(String::as_str))
    }
}

/// One facet kind as the taxonomy declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSpec {
    /// The kind (its key).
    pub kind: FacetKind,
    /// What the search page and the widget call it (`Job title`).
    pub label: String,
    /// Its policies.
    pub policy: KindPolicy,
    /// Its values, in file order.
    pub values: Vec<FacetValueSpec>,
}

/// Terms that mean the same thing to a searcher, for query expansion: used both ways, or with
/// `one_way`, from the first term to the others only (a general word that must not drag in a
/// specific one the other way: `keep` finds `retention` pages, `retention` does not find every
/// page that says "keep"). A one-way group written with `from` opens at each of its `from`
/// terms, none of which expands into another (`army` and `navy` each find `military`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymGroup {
    /// Equivalent terms; multi-word terms are phrases. A one-way group's opening terms come
    /// first ([`Self::opening`]), then the terms they expand into.
    pub terms: Vec<String>,
    /// Only the opening terms expand, into the others.
    pub one_way: bool,
    /// How many of `terms` open a one-way group: 1, or the number of its `from` terms.
    pub openers: usize,
    /// Its words also open it in their regular inflections (`supervising` for `supervise`):
    /// for groups of verbs and adjectives, whose inflections mean the same (a noun's may not:
    /// `incoming` is not `income`, `feed` not `fee`). In a one-way group, its opening terms'
    /// (`expired` and `expiring` open `expire`'s).
    pub inflect: bool,
}

impl SynonymGroup {
    /// The terms a query may name to open the group: all of them, or a one-way group's opening
    /// ones.
    pub fn opening(&self) -> &[String] {
        match self.one_way {
            true => &self.terms[..self.openers],
            false => &self.terms,
        }
    }
}

/// The whole taxonomy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taxonomy {
    kinds: Vec<KindSpec>,
    /// Synonym groups for query expansion.
    pub synonyms: Vec<SynonymGroup>,
}

impl Taxonomy {
    /// Returns the taxonomy built into the binary.
    pub fn builtin() -> Result<Taxonomy> {
        Taxonomy::from_toml(BUILTIN)
    }

    /// A kind of the built-in taxonomy (`credential`, `job_title`, `education_level`,
    /// `resource_type`, `topic`), for code and tests written against it.
    ///
    /// # Panics
    /// If the built-in taxonomy has no kind `key`.
    pub fn builtin_kind(key: &str) -> FacetKind {
        static BUILTIN_TAXONOMY: std::sync::OnceLock<Taxonomy> = std::sync::OnceLock::new();
        let taxonomy = BUILTIN_TAXONOMY
            .get_or_init(|| Taxonomy::builtin().expect("the built-in taxonomy is valid"));
        taxonomy
            .kind_named(key)
            .unwrap_or_else(|| panic!("the built-in taxonomy has no kind {key:?}"))
    }

    /// Loads a taxonomy file.
    pub fn load(path: &Path) -> Result<Taxonomy> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::TaxonomyRead {
            path: path.to_path_buf(),
            source,
        })?;
        Taxonomy::from_toml(&text).map_err(|err| match err {
            Error::TaxonomyParse(message) => {
                Error::TaxonomyParse(format!("{}: {message}", path.display()))
            }
            Error::TaxonomyInvalid(message) => {
                Error::TaxonomyInvalid(format!("{}: {message}", path.display()))
            }
            other => other,
        })
    }

    /// Parses and validates TOML text.
    pub fn from_toml(text: &str) -> Result<Taxonomy> {
        let raw: RawTaxonomy =
            toml::from_str(text).map_err(|err| Error::TaxonomyParse(err.to_string()))?;
        raw.check(text)
    }

    /// Every kind, in file order.
    pub fn kinds(&self) -> &[KindSpec] {
        &self.kinds
    }

    /// The declaration of `kind`, if this taxonomy has it.
    pub fn kind(&self, kind: FacetKind) -> Option<&KindSpec> {
        self.kinds.iter().find(|spec| spec.kind == kind)
    }

    /// Whether this taxonomy declares `kind`.
    pub fn has_kind(&self, kind: FacetKind) -> bool {
        self.kind(kind).is_some()
    }

    /// The kind of this taxonomy whose key is exactly `key` (a URL parameter, an index's facet
    /// path).
    pub fn kind_keyed(&self, key: &str) -> Option<FacetKind> {
        self.kinds
            .iter()
            .find(|spec| spec.kind.name() == key)
            .map(|spec| spec.kind)
    }

    /// The kind of this taxonomy `name` stands for (`job-title` names `job_title`).
    pub fn kind_named(&self, name: &str) -> Option<FacetKind> {
        let wanted = FacetKind::loose_key(name);
        self.kinds
            .iter()
            .find(|spec| FacetKind::loose_key(spec.kind.name()) == wanted)
            .map(|spec| spec.kind)
    }

    /// Keys of every kind, in file order.
    pub fn kind_keys(&self) -> Vec<&'static str> {
        self.kinds.iter().map(|spec| spec.kind.name()).collect()
    }

    /// Keys of every kind, in file order, comma-separated (for error messages).
    pub fn kind_list(&self) -> String {
        self.kind_keys().join(", ")
    }

    /// Every (surface form, canonical value) pair of one kind: codes, names and aliases.
    pub fn surface_forms(&self, kind: FacetKind) -> Vec<(&str, &str)> {
        self.kind(kind)
            .into_iter()
            .flat_map(|spec| &spec.values)
            .flat_map(|value| {
                let canonical = value.canonical();
                value
                    .surface_forms()
                    .map(move |surface| (surface, canonical))
            })
            .collect()
    }

    /// Every (form matched in pages, canonical value) pair of one kind: surface forms and
    /// keywords.
    pub fn match_forms(&self, kind: FacetKind) -> Vec<(&str, &str)> {
        self.kind(kind)
            .into_iter()
            .flat_map(|spec| &spec.values)
            .flat_map(|value| {
                let canonical = value.canonical();
                value.match_forms().map(move |form| (form, canonical))
            })
            .collect()
    }

    /// Canonical values of one kind, in file order.
    pub fn canonical_values(&self, kind: FacetKind) -> Vec<&str> {
        self.kind(kind)
            .into_iter()
            .flat_map(|spec| &spec.values)
            .map(FacetValueSpec::canonical)
            .collect()
    }

    /// Resolves a user- or page-supplied value (code, name or alias, any case) to its
    /// canonical value.
    pub fn canonicalize(&self, kind: FacetKind, value: &str) -> Option<&str> {
        let wanted = Taxonomy::name_key(value);
        self.surface_forms(kind)
            .into_iter()
            .find(|(surface, _)| Taxonomy::name_key(surface) == wanted)
            .map(|(_, canonical)| canonical)
    }

    /// The key under which names, codes and aliases compare equal: lowercase, words joined by
    /// single spaces. [`Taxonomy::canonicalize`] matches on it; callers indexing surface
    /// forms for their own lookups use it so that they agree.
    pub fn name_key(text: &str) -> String {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }

    /// Builds the matcher that finds facet values in text.
    pub fn matcher(&self) -> FacetMatcher {
        FacetMatcher::new(self)
    }
}

/// The file as written, with the positions that error messages cite.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    #[serde(default)]
    kinds: BTreeMap<Spanned<String>, RawKind>,
    #[serde(default)]
    synonyms: Vec<Spanned<RawSynonyms>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    extract: Option<Extraction>,
    #[serde(default)]
    body_mentions: Option<Spanned<usize>>,
    #[serde(default)]
    requirements: Option<bool>,
    #[serde(default)]
    single_mention_under: Option<Spanned<BTreeMap<String, Vec<String>>>>,
    #[serde(default)]
    title_only_under: Option<Spanned<BTreeMap<String, Vec<String>>>>,
    #[serde(default)]
    title_decides: Option<bool>,
    #[serde(default)]
    case_sensitive_acronyms: Option<bool>,
    #[serde(default)]
    expand: Option<bool>,
    #[serde(default)]
    boost: Option<bool>,
    #[serde(default)]
    complete: Option<bool>,
    #[serde(default)]
    show_on_hits: Option<bool>,
    #[serde(default)]
    values: Vec<RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    name: Spanned<String>,
    #[serde(default)]
    code: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    asked_by: Vec<Spanned<String>>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    related: BTreeMap<Spanned<String>, Spanned<Vec<String>>>,
    #[serde(default)]
    broader: Vec<Spanned<String>>,
    #[serde(default)]
    body_mentions: Option<Spanned<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSynonyms {
    terms: Vec<String>,
    #[serde(default)]
    from: Vec<String>,
    #[serde(default)]
    one_way: bool,
    #[serde(default)]
    inflect: bool,
}

/// Builds "line N: problem" messages from byte offsets into the file.
struct Lines<'a>(&'a str);

impl Lines<'_> {
    fn error(&self, span: Range<usize>, message: String) -> Error {
        let end = span.start.min(self.0.len());
        let line = self.0.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        Error::TaxonomyInvalid(format!("line {line}: {message}"))
    }
}

impl RawTaxonomy {
    /// Validates every invariant the rest of himsearch relies on, and builds the taxonomy.
    fn check(self, text: &str) -> Result<Taxonomy> {
        let lines = Lines(text);
        let mut raw_kinds: Vec<(Spanned<String>, RawKind)> = self.kinds.into_iter().collect();
        // The map is sorted by key; the file order is the order of the keys' first appearance.
        raw_kinds.sort_by_key(|(key, _)| key.span().start);
        let mut kinds = Vec::with_capacity(raw_kinds.len());
        let mut related = Vec::new();
        for (key, raw) in raw_kinds {
            let span = key.span();
            let key = key.into_inner();
            if !FacetKind::is_valid_key(&key) {
                return Err(lines.error(
                    span,
                    format!(
                        "kind key {key:?} must be lower-case ASCII letters, digits and `_`, \
                         starting with a letter (at most 64)"
                    ),
                ));
            }
            if RESERVED_KEYS.contains(&key.as_str()) {
                return Err(lines.error(
                    span,
                    format!("kind key {key:?} is a search parameter; choose another"),
                ));
            }
            if let Some(other) = kinds.iter().find(|spec: &&KindSpec| {
                FacetKind::loose_key(spec.kind.name()) == FacetKind::loose_key(&key)
            }) {
                return Err(lines.error(
                    span,
                    format!(
                        "kind {key:?} reads the same as kind {:?}",
                        other.kind.name()
                    ),
                ));
            }
            let kind = FacetKind::declare(&key);
            let spec = raw.check(kind, span, &lines, &mut related)?;
            kinds.push(spec);
        }
        let taxonomy = Taxonomy {
            kinds,
            synonyms: Vec::new(),
        };
        for (owner, span, target, values) in related {
            let Some(target_kind) = taxonomy.kind_named(&target).filter(|k| k.name() == target)
            else {
                return Err(lines.error(
                    span,
                    format!(
                        "{owner} relates to kind {target:?}, which is not declared (kinds: {})",
                        taxonomy.kind_list()
                    ),
                ));
            };
            let known = taxonomy.canonical_values(target_kind);
            if let Some(missing) = values.iter().find(|v| !known.contains(&v.as_str())) {
                return Err(
                    lines.error(span, format!("{owner} names unknown {target} {missing:?}"))
                );
            }
        }
        let mut synonyms = Vec::with_capacity(self.synonyms.len());
        for group in self.synonyms {
            let span = group.span();
            let group = group.into_inner();
            // `from` opens a one-way group at each of its terms, into every term of `terms`.
            let openers = group.from.len().max(1);
            let one_way = group.one_way || !group.from.is_empty();
            let terms: Vec<String> = group.from.into_iter().chain(group.terms).collect();
            if terms.len() < openers + 1 || terms.iter().any(|t| t.trim().is_empty()) {
                return Err(lines.error(
                    span,
                    format!("synonym group {terms:?} needs at least two non-empty terms"),
                ));
            }
            synonyms.push(SynonymGroup {
                terms,
                one_way,
                openers,
                inflect: group.inflect,
            });
        }
        Ok(Taxonomy {
            synonyms,
            ..taxonomy
        })
    }
}

/// A cross-kind reference to check once every kind is known: (owner, span, kind, values).
type Related = (String, Range<usize>, String, Vec<String>);

impl RawKind {
    fn check(
        self,
        kind: FacetKind,
        span: Range<usize>,
        lines: &Lines<'_>,
        related: &mut Vec<Related>,
    ) -> Result<KindSpec> {
        let defaults = KindPolicy::default();
        let body_mentions = match self.body_mentions {
            Some(n) if *n.get_ref() == 0 => {
                return Err(lines.error(
                    n.span(),
                    format!("{kind}: body_mentions must be at least 1"),
                ))
            }
            Some(n) => n.into_inner(),
            None => defaults.body_mentions,
        };
        let single_mention_under = match self.single_mention_under {
            Some(under) => under_values(kind, "single_mention_under", under, lines, related)?,
            None => defaults.single_mention_under,
        };
        let title_only_under = match self.title_only_under {
            Some(under) => under_values(kind, "title_only_under", under, lines, related)?,
            None => defaults.title_only_under,
        };
        let policy = KindPolicy {
            extract: self.extract.unwrap_or(defaults.extract),
            body_mentions,
            requirements: self.requirements.unwrap_or(defaults.requirements),
            single_mention_under,
            title_only_under,
            title_decides: self.title_decides.unwrap_or(defaults.title_decides),
            case_sensitive_acronyms: self
                .case_sensitive_acronyms
                .unwrap_or(defaults.case_sensitive_acronyms),
            expand: self.expand.unwrap_or(defaults.expand),
            boost: self.boost.unwrap_or(defaults.boost),
            complete: self.complete.unwrap_or(defaults.complete),
            show_on_hits: self.show_on_hits.unwrap_or(defaults.show_on_hits),
        };
        let label = match self.label {
            Some(label) if label.trim().is_empty() => {
                return Err(lines.error(span, format!("{kind}: empty label")))
            }
            Some(label) => label,
            None => default_label(kind.name()),
        };
        // Owner of each surface form's name key, to reject a form naming two values.
        let mut owners: HashMap<String, String> = HashMap::new();
        let mut values = Vec::with_capacity(self.values.len());
        // (value, the values it is a kind of), checked once every value of the kind is read.
        let mut broader = Vec::new();
        for raw in self.values {
            let canonical = raw.code.as_ref().unwrap_or(&raw.name).get_ref().clone();
            let forms = std::iter::once(&raw.name)
                .chain(raw.code.as_ref())
                .chain(&raw.aliases)
                .chain(&raw.keywords);
            for form in forms {
                if form.get_ref().trim().is_empty() {
                    return Err(lines.error(
                        form.span(),
                        format!("{kind}: empty name, code, alias or keyword of {canonical:?}"),
                    ));
                }
                let key = Taxonomy::name_key(form.get_ref());
                match owners.get(&key) {
                    Some(previous) if *previous != canonical => {
                        return Err(lines.error(
                            form.span(),
                            format!(
                                "{kind}: {:?} names both {previous:?} and {canonical:?}",
                                form.get_ref()
                            ),
                        ))
                    }
                    Some(_) => {}
                    None => {
                        owners.insert(key, canonical.clone());
                    }
                }
            }
            if let Some(path) = raw.paths.iter().find(|p| p.get_ref().trim().is_empty()) {
                return Err(lines.error(path.span(), format!("{kind}: empty path")));
            }
            if let Some(word) = raw.asked_by.iter().find(|word| {
                let word = word.get_ref();
                word.is_empty()
                    || !word
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            }) {
                return Err(lines.error(
                    word.span(),
                    format!(
                        "{kind}: asked_by {:?} of {canonical:?} is not one word of lowercase \
                         ASCII letters and digits",
                        word.get_ref()
                    ),
                ));
            }
            if let Some(n) = raw.body_mentions.as_ref().filter(|n| *n.get_ref() == 0) {
                return Err(lines.error(
                    n.span(),
                    format!("{kind}: body_mentions of {canonical:?} must be at least 1"),
                ));
            }
            let mut value_related = BTreeMap::new();
            for (target, refs) in raw.related {
                let (target, span, refs) = (target.into_inner(), refs.span(), refs.into_inner());
                let owner = format!("{kind} {canonical:?}");
                related.push((owner, span, target.clone(), refs.clone()));
                value_related.insert(target, refs);
            }
            values.push(FacetValueSpec {
                name: raw.name.into_inner(),
                code: raw.code.map(Spanned::into_inner),
                aliases: raw.aliases.into_iter().map(Spanned::into_inner).collect(),
                keywords: raw.keywords.into_iter().map(Spanned::into_inner).collect(),
                paths: raw.paths.into_iter().map(Spanned::into_inner).collect(),
                asked_by: raw.asked_by.into_iter().map(Spanned::into_inner).collect(),
                attributes: raw.attributes,
                related: value_related,
                broader: raw.broader.iter().map(|b| b.get_ref().clone()).collect(),
                body_mentions: raw.body_mentions.map(Spanned::into_inner),
            });
            broader.push((canonical.clone(), raw.broader));
        }
        for (canonical, names) in &broader {
            for name in names {
                let known = values.iter().any(|value| {
                    value.canonical() == name.get_ref() && name.get_ref() != canonical
                });
                if !known {
                    return Err(lines.error(
                        name.span(),
                        format!(
                            "{kind}: {canonical:?} is a kind of {:?}, which is not another value \
                             of {kind} (written as pages are filed under it: its code, if it has one)",
                            name.get_ref()
                        ),
                    ));
                }
            }
            // A value that is, through others, a kind of itself would make them one value.
            let mut seen: Vec<&str> = Vec::new();
            let mut pending: Vec<&str> = names.iter().map(|name| name.get_ref().as_str()).collect();
            while let Some(value) = pending.pop() {
                if value == canonical {
                    return Err(lines.error(
                        names[0].span(),
                        format!("{kind}: {canonical:?} is, through `broader`, a kind of itself"),
                    ));
                }
                if !seen.contains(&value) {
                    seen.push(value);
                    let next = broader.iter().find(|(other, _)| other == value);
                    pending.extend(
                        next.into_iter().flat_map(|(_, names)| {
                            names.iter().map(|name| name.get_ref().as_str())
                        }),
                    );
                }
            }
        }
        Ok(KindSpec {
            kind,
            label,
            policy,
            values,
        })
    }
}

/// The values of other kinds a policy names (`{ resource_type = ["Job profile"] }`), checked
/// against the taxonomy once every kind is read (`related`).
fn under_values(
    kind: FacetKind,
    policy: &str,
    under: Spanned<BTreeMap<String, Vec<String>>>,
    lines: &Lines<'_>,
    related: &mut Vec<Related>,
) -> Result<BTreeMap<String, Vec<String>>> {
    let span = under.span();
    let under = under.into_inner();
    for (target, values) in &under {
        let problem = if target == kind.name() {
            Some("names its own kind")
        } else if values.is_empty() {
            Some("lists no value")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(lines.error(span, format!("{kind}: {policy} {problem} ({target})")));
        }
        let owner = format!("{kind}'s {policy}");
        related.push((owner, span.clone(), target.clone(), values.clone()));
    }
    Ok(under)
}

/// `employer_setting` -> `Employer setting`.
fn default_label(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
