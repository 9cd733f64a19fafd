//! Facet assignment: which credentials, job titles, education levels, resource types and
//! topics a document carries.
//!
//! Rules, strongest first:
//! 1. `<meta name="him:KIND">` replaces everything else for that kind (the author knows best).
//! 2. `data-him-facet="kind:value"` adds a value.
//! 3. Text: a mention in the title, a heading or the description counts once; in the body a
//!    value needs two mentions, so a passing reference ("unlike the CPC...") does not file the
//!    page under it.
//! 4. Resource type never comes from the body: only from the title's words and the path.

use him_schema::{FacetKind, FacetMatcher, FacetValues, Taxonomy};

use crate::extract::Extracted;

/// Body mentions needed before a value counts (see the module docs).
const BODY_MENTIONS: usize = 2;

/// Assigns facets; returns them with warnings about values not in the taxonomy.
pub(crate) fn assign_facets(
    taxonomy: &Taxonomy,
    matcher: &FacetMatcher,
    path: &str,
    page: &Extracted,
) -> (FacetValues, Vec<String>) {
    let mut warnings = Vec::new();
    let mut facets = matcher.mentions(&page.prominent_text()).at_least(1);
    facets.merge(&matcher.mentions(&page.body).at_least(BODY_MENTIONS));

    // Resource type: title words and path only.
    let title_types = matcher.extract_kind(FacetKind::ResourceType, &page.title);
    let path_types = resource_types_for_path(taxonomy, path);
    facets.set(
        FacetKind::ResourceType,
        title_types.into_iter().chain(path_types),
    );

    let mut canonical = |kind: FacetKind, value: &str, origin: &str| -> String {
        match taxonomy.canonicalize(kind, value) {
            Some(canonical) => canonical.to_string(),
            None => {
                warnings.push(format!(
                    "{origin} gives {kind} {value:?}, which is not in the taxonomy (kept as written)"
                ));
                value.to_string()
            }
        }
    };
    for (kind, value) in &page.attr_facets {
        let value = canonical(*kind, value, "data-him-facet");
        facets.insert(*kind, value);
    }
    for (kind, values) in &page.meta_facets {
        let origin = format!("meta him:{kind}");
        let values: Vec<String> = values
            .iter()
            .map(|v| canonical(*kind, v, &origin))
            .collect();
        facets.set(*kind, values);
    }
    (facets, warnings)
}

/// Resource types whose `paths` match: `dir/` entries are prefixes, others exact paths.
fn resource_types_for_path(taxonomy: &Taxonomy, path: &str) -> Vec<String> {
    taxonomy
        .resource_types
        .iter()
        .filter(|rt| {
            rt.paths.iter().any(|rule| {
                if rule.ends_with('/') {
                    path.starts_with(rule.as_str())
                } else {
                    path == rule
                }
            })
        })
        .map(|rt| rt.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assign(path: &str, page: &Extracted) -> (FacetValues, Vec<String>) {
        let taxonomy = Taxonomy::builtin().unwrap();
        assign_facets(&taxonomy, &taxonomy.matcher(), path, page)
    }

    #[test]
    fn one_body_mention_is_not_enough() {
        let page = Extracted {
            title: "Coding careers".into(),
            body: "Unlike the CPC, the CCS is hospital-focused. The CCS exam...".into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("jobs/x.html", &page);
        assert_eq!(facets.get(FacetKind::Credential), ["CCS"]);
        assert_eq!(facets.get(FacetKind::ResourceType), ["Job profile"]);
    }

    #[test]
    fn meta_replaces_and_attributes_add() {
        let page = Extracted {
            title: "RHIT and RHIA".into(),
            meta_facets: vec![(FacetKind::Credential, vec!["chps".into()])],
            attr_facets: vec![
                (FacetKind::Topic, "hipaa".into()),
                (FacetKind::Topic, "Astrology".into()),
            ],
            ..Extracted::default()
        };
        let (facets, warnings) = assign("a.html", &page);
        assert_eq!(facets.get(FacetKind::Credential), ["CHPS"]);
        assert_eq!(
            facets.get(FacetKind::Topic),
            ["Astrology", "HIPAA privacy and security"]
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn resource_type_from_title_not_body() {
        let page = Extracted {
            title: "HIM glossary".into(),
            body: "This checklist and that checklist".into(),
            ..Extracted::default()
        };
        let (facets, _) = assign("resources/glossary.md", &page);
        assert_eq!(facets.get(FacetKind::ResourceType), ["Glossary"]);
    }
}
