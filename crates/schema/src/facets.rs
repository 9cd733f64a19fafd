//! Facet kinds as names declared by a taxonomy, and a small container of canonical values per
//! kind.
//!
//! A [`FacetKind`] is an interned kind key (`credential`, `employer_setting`): `Copy`, compared
//! and hashed as its name, printable without a taxonomy at hand. Only a taxonomy declares new
//! kinds ([`FacetKind::declare`], called when one loads), so the set of names is the union of
//! the kinds of the taxonomies a process has loaded: a handful of short strings, kept for the
//! life of the process. Names read from a request or an index are looked up, never declared.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Serialize, Serializer};

/// Every kind key declared so far. A `Vec` scanned linearly: it holds a taxonomy's kinds (5 built
/// in, tens at most for a site), and lookups happen once per request parameter.
static DECLARED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// One of the facet groups users filter by, as declared by the taxonomy (`[kinds.KEY]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FacetKind(&'static str);

impl FacetKind {
    /// The kind named `key`, declaring it if this is the first taxonomy to use the name. The
    /// key must already be valid ([`FacetKind::is_valid_key`]); taxonomy loading checks it.
    pub(crate) fn declare(key: &str) -> FacetKind {
        let mut declared = DECLARED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(name) = declared.iter().find(|name| **name == key) {
            return FacetKind(name);
        }
        let name: &'static str = Box::leak(key.to_owned().into_boxed_str());
        declared.push(name);
        FacetKind(name)
    }

    /// The declared kind whose key is exactly `key` (as stored in an index).
    pub fn existing(key: &str) -> Option<FacetKind> {
        let declared = DECLARED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        declared
            .iter()
            .find(|name| **name == key)
            .map(|name| FacetKind(name))
    }

    /// The declared kind `name` stands for, loosely: `job_title`, `job-title`, `Job Title` and
    /// `jobtitle` all name `job_title`. Callers holding a taxonomy use
    /// [`Taxonomy::kind_named`](crate::Taxonomy::kind_named), which knows only its own kinds.
    pub fn named(name: &str) -> Option<FacetKind> {
        let wanted = FacetKind::loose_key(name);
        let declared = DECLARED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        declared
            .iter()
            .find(|key| FacetKind::loose_key(key) == wanted)
            .map(|name| FacetKind(name))
    }

    /// Every kind declared so far, in order of declaration.
    pub fn declared() -> Vec<FacetKind> {
        let declared = DECLARED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        declared.iter().map(|name| FacetKind(name)).collect()
    }

    /// The key: the name of the URL parameter, the JSON key and the `him:` meta name.
    pub fn name(self) -> &'static str {
        self.0
    }

    /// Keys are ASCII lower-case letters, digits and `_`, starting with a letter, at most 64
    /// bytes: they appear unescaped in URLs, JSON, HTML attributes and tantivy facet paths.
    pub fn is_valid_key(key: &str) -> bool {
        key.len() <= 64
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }

    /// The form under which two spellings of a kind name compare equal.
    pub(crate) fn loose_key(name: &str) -> String {
        name.trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }
}

impl std::fmt::Display for FacetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for FacetKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

/// Canonical facet values per kind, sorted and without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
        let job_title = FacetKind::declare("job_title");
        assert_eq!(FacetKind::named("job-title"), Some(job_title));
        assert_eq!(FacetKind::named("Job Title"), Some(job_title));
        assert_eq!(FacetKind::existing("job-title"), None);
        assert_eq!(FacetKind::named("colour_never_declared"), None);
    }

    #[test]
    fn declaring_twice_gives_the_same_kind() {
        let a = FacetKind::declare("employer_setting");
        let b = FacetKind::declare("employer_setting");
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.name(), b.name()));
    }

    #[test]
    fn keys_are_checked() {
        for good in ["credential", "job_title", "state2"] {
            assert!(FacetKind::is_valid_key(good), "{good}");
        }
        for bad in ["", "Job", "2x", "a-b", "a b", "a/b", &"x".repeat(65)] {
            assert!(!FacetKind::is_valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn values_stay_sorted_and_unique() {
        let credential = FacetKind::declare("credential");
        let mut values = FacetValues::default();
        values.insert(credential, "RHIT");
        values.insert(credential, "CCA");
        values.insert(credential, "RHIT");
        assert_eq!(values.get(credential), ["CCA", "RHIT"]);
        assert!(values.get(FacetKind::declare("topic")).is_empty());
    }
}
