//! The five facet kinds and a small container of canonical values per kind.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One of the facet groups users filter by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacetKind {
    /// AHIMA / AAPC credential, by abbreviation (RHIT, CCS-P...).
    Credential,
    /// Job title, canonical spelling from the taxonomy.
    JobTitle,
    /// Education level (Certificate, Associate's...).
    EducationLevel,
    /// What kind of resource the page is (Credential, Job profile, Glossary...).
    ResourceType,
    /// Subject matter (ICD-10-CM, HIPAA privacy and security...).
    Topic,
}

impl FacetKind {
    /// All kinds, in the order responses list them.
    pub const ALL: [FacetKind; 5] = [
        FacetKind::Credential,
        FacetKind::JobTitle,
        FacetKind::EducationLevel,
        FacetKind::ResourceType,
        FacetKind::Topic,
    ];

    /// Name used for the tantivy field, the API parameter and the JSON key.
    pub fn name(self) -> &'static str {
        match self {
            FacetKind::Credential => "credential",
            FacetKind::JobTitle => "job_title",
            FacetKind::EducationLevel => "education_level",
            FacetKind::ResourceType => "resource_type",
            FacetKind::Topic => "topic",
        }
    }

    /// Parses an API or meta-tag name (`job_title`, `job-title` and `jobtitle` are accepted).
    pub fn parse(name: &str) -> Option<FacetKind> {
        let normalized: String = name
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        FacetKind::ALL
            .into_iter()
            .find(|kind| kind.name().replace('_', "") == normalized)
    }
}

impl std::fmt::Display for FacetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Canonical facet values per kind, sorted and without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValues(BTreeMap<FacetKind, Vec<String>>);

impl FacetValues {
    /// Adds a value unless present.
    pub fn insert(&mut self, kind: FacetKind, value: impl Into<String>) {
        let value = value.into();
        let values = self.0.entry(kind).or_default();
        if let Err(pos) = values.binary_search(&value) {
            values.insert(pos, value);
        }
    }

    /// Replaces every value of one kind.
    pub fn set(&mut self, kind: FacetKind, values: impl IntoIterator<Item = String>) {
        self.0.remove(&kind);
        for value in values {
            self.insert(kind, value);
        }
    }

    /// Values of one kind (empty when none).
    pub fn get(&self, kind: FacetKind) -> &[String] {
        self.0.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Iterates over every (kind, value) pair.
    pub fn iter(&self) -> impl Iterator<Item = (FacetKind, &str)> {
        self.0
            .iter()
            .flat_map(|(kind, values)| values.iter().map(move |v| (*kind, v.as_str())))
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &FacetValues) {
        for (kind, value) in other.iter() {
            self.insert(kind, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kind_names_loosely() {
        assert_eq!(FacetKind::parse("job-title"), Some(FacetKind::JobTitle));
        assert_eq!(FacetKind::parse("Credential"), Some(FacetKind::Credential));
        assert_eq!(
            FacetKind::parse("education_level"),
            Some(FacetKind::EducationLevel)
        );
        assert_eq!(FacetKind::parse("colour"), None);
    }

    #[test]
    fn values_stay_sorted_and_unique() {
        let mut values = FacetValues::default();
        values.insert(FacetKind::Credential, "RHIT");
        values.insert(FacetKind::Credential, "CCA");
        values.insert(FacetKind::Credential, "RHIT");
        assert_eq!(values.get(FacetKind::Credential), ["CCA", "RHIT"]);
        assert!(values.get(FacetKind::Topic).is_empty());
    }
}
