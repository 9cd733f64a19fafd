//! The HIM taxonomy: credentials, job titles, education levels, resource types, topics and
//! query synonyms, loaded from one TOML file (`taxonomy.toml` in this crate, built in; a site
//! can pass its own).

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, FacetKind, FacetMatcher, Result};

/// The taxonomy shipped with himsearch.
const BUILTIN: &str = include_str!("../taxonomy.toml");

/// A professional credential.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Abbreviation, the canonical facet value (`RHIT`).
    pub code: String,
    /// Full name (`Registered Health Information Technician`).
    pub name: String,
    /// Issuing body (`AHIMA`, `AAPC`).
    pub body: String,
    /// Typical education before the exam, an education level name.
    #[serde(default)]
    pub education: Option<String>,
    /// Other ways pages write it.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A job title.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobTitle {
    /// Canonical spelling, the facet value.
    pub name: String,
    /// Other spellings (`Medical Records Tech`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Standard Occupational Classification code, where one applies.
    #[serde(default)]
    pub soc: Option<String>,
    /// Credential codes that lead to or are expected for this job.
    #[serde(default)]
    pub credentials: Vec<String>,
}

/// An education level.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EducationLevel {
    /// Canonical name (`Associate's`).
    pub name: String,
    /// Other spellings (`associate degree`, `AAS`).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A kind of resource. Inferred from the title and path, never from body mentions: a page
/// that says "guide" somewhere is not thereby a guide.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceType {
    /// Canonical name (`Job profile`).
    pub name: String,
    /// Words in a title that mark this type (`glossary`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Corpus path prefixes whose documents are of this type (`jobs/`).
    #[serde(default)]
    pub paths: Vec<String>,
}

/// A subject.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Canonical name (`ICD-10-CM`).
    pub name: String,
    /// Other spellings.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// Terms that mean the same thing to a searcher, used both ways for query expansion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynonymGroup {
    /// Equivalent terms; multi-word terms are phrases.
    pub terms: Vec<String>,
}

/// The whole taxonomy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    /// Credentials.
    #[serde(default)]
    pub credentials: Vec<Credential>,
    /// Job titles.
    #[serde(default)]
    pub job_titles: Vec<JobTitle>,
    /// Education levels.
    #[serde(default)]
    pub education_levels: Vec<EducationLevel>,
    /// Resource types.
    #[serde(default)]
    pub resource_types: Vec<ResourceType>,
    /// Topics.
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// Synonym groups for query expansion.
    #[serde(default)]
    pub synonyms: Vec<SynonymGroup>,
}

impl Taxonomy {
    /// Returns the taxonomy built into the binary.
    pub fn builtin() -> Result<Taxonomy> {
        Taxonomy::from_toml(BUILTIN)
    }

    /// Loads a taxonomy file.
    pub fn load(path: &Path) -> Result<Taxonomy> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::TaxonomyRead {
            path: path.to_path_buf(),
            source,
        })?;
        Taxonomy::from_toml(&text)
    }

    /// Parses and validates TOML text.
    pub fn from_toml(text: &str) -> Result<Taxonomy> {
        let taxonomy: Taxonomy =
            toml::from_str(text).map_err(|err| Error::TaxonomyParse(err.to_string()))?;
        taxonomy.validate()?;
        Ok(taxonomy)
    }

    /// Every (surface form, canonical value) pair of one facet kind: names, codes and aliases.
    pub fn surface_forms(&self, kind: FacetKind) -> Vec<(&str, &str)> {
        fn with_aliases<'a>(
            canonical: &'a str,
            extra: &'a [String],
        ) -> impl Iterator<Item = (&'a str, &'a str)> {
            std::iter::once((canonical, canonical))
                .chain(extra.iter().map(move |alias| (alias.as_str(), canonical)))
        }
        match kind {
            FacetKind::Credential => self
                .credentials
                .iter()
                .flat_map(|c| {
                    with_aliases(&c.code, &c.aliases)
                        .chain(std::iter::once((c.name.as_str(), c.code.as_str())))
                })
                .collect(),
            FacetKind::JobTitle => self
                .job_titles
                .iter()
                .flat_map(|j| with_aliases(&j.name, &j.aliases))
                .collect(),
            FacetKind::EducationLevel => self
                .education_levels
                .iter()
                .flat_map(|e| with_aliases(&e.name, &e.aliases))
                .collect(),
            FacetKind::ResourceType => self
                .resource_types
                .iter()
                .flat_map(|r| with_aliases(&r.name, &r.aliases))
                .collect(),
            FacetKind::Topic => self
                .topics
                .iter()
                .flat_map(|t| with_aliases(&t.name, &t.aliases))
                .collect(),
        }
    }

    /// Canonical values of one kind, in file order.
    pub fn canonical_values(&self, kind: FacetKind) -> Vec<&str> {
        let mut seen = Vec::new();
        for (_, canonical) in self.surface_forms(kind) {
            if !seen.contains(&canonical) {
                seen.push(canonical);
            }
        }
        seen
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

    /// Checks the invariants the rest of himsearch relies on.
    pub fn validate(&self) -> Result<()> {
        for kind in FacetKind::ALL {
            let mut owners: HashMap<String, &str> = HashMap::new();
            for (surface, canonical) in self.surface_forms(kind) {
                if surface.trim().is_empty() {
                    return Err(Error::TaxonomyInvalid(format!(
                        "{kind}: empty name or alias of {canonical:?}"
                    )));
                }
                if let Some(previous) = owners.insert(Taxonomy::name_key(surface), canonical) {
                    if previous != canonical {
                        return Err(Error::TaxonomyInvalid(format!(
                            "{kind}: {surface:?} names both {previous:?} and {canonical:?}"
                        )));
                    }
                }
            }
        }
        let education: Vec<&str> = self.canonical_values(FacetKind::EducationLevel);
        for credential in &self.credentials {
            if let Some(level) = &credential.education {
                if !education.contains(&level.as_str()) {
                    return Err(Error::TaxonomyInvalid(format!(
                        "credential {} names unknown education level {level:?}",
                        credential.code
                    )));
                }
            }
        }
        for job in &self.job_titles {
            for code in &job.credentials {
                if !self.credentials.iter().any(|c| &c.code == code) {
                    return Err(Error::TaxonomyInvalid(format!(
                        "job title {:?} names unknown credential {code:?}",
                        job.name
                    )));
                }
            }
        }
        for group in &self.synonyms {
            if group.terms.len() < 2 {
                return Err(Error::TaxonomyInvalid(format!(
                    "synonym group {:?} needs at least two terms",
                    group.terms
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses_and_validates() {
        let taxonomy = Taxonomy::builtin().unwrap();
        assert!(taxonomy.credentials.len() >= 13);
        assert!(taxonomy.job_titles.len() >= 20);
        assert!(taxonomy.synonyms.len() >= 15);
    }

    #[test]
    fn every_alias_resolves_to_its_canonical_value() {
        let taxonomy = Taxonomy::builtin().unwrap();
        for kind in FacetKind::ALL {
            for (surface, canonical) in taxonomy.surface_forms(kind) {
                assert_eq!(
                    taxonomy.canonicalize(kind, surface),
                    Some(canonical),
                    "{kind}: {surface}"
                );
                assert_eq!(
                    taxonomy.canonicalize(kind, &surface.to_uppercase()),
                    Some(canonical),
                    "{kind}: upper-case {surface}"
                );
            }
        }
    }

    #[test]
    fn canonical_values_are_what_the_issue_names() {
        let taxonomy = Taxonomy::builtin().unwrap();
        let credentials = taxonomy.canonical_values(FacetKind::Credential);
        for code in [
            "RHIT", "RHIA", "CCA", "CCS", "CCS-P", "CDIP", "CHDA", "CHPS", "CPC",
        ] {
            assert!(credentials.contains(&code), "{code}");
        }
        assert_eq!(
            taxonomy.canonicalize(FacetKind::JobTitle, "medical records tech"),
            Some("Medical Records Technician")
        );
        assert_eq!(
            taxonomy.canonicalize(FacetKind::JobTitle, "Medical Coder"),
            Some("Coder")
        );
        assert_eq!(
            taxonomy.canonicalize(FacetKind::Credential, "ccs-p"),
            Some("CCS-P")
        );
        assert_eq!(taxonomy.canonicalize(FacetKind::Credential, "nope"), None);
    }

    #[test]
    fn collisions_are_rejected() {
        let err = Taxonomy::from_toml(
            r#"
            [[topics]]
            name = "Coding"
            [[topics]]
            name = "Billing"
            aliases = ["coding"]
            "#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("names both"), "{err}");
    }

    #[test]
    fn dangling_credential_reference_is_rejected() {
        let err = Taxonomy::from_toml(
            r#"
            [[job_titles]]
            name = "Coder"
            credentials = ["XYZ"]
            "#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown credential"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(Taxonomy::from_toml("[[topics]]\nname = \"A\"\ncolour = 1\n").is_err());
    }
}
