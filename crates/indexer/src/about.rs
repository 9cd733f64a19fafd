//! What a page's title says the page is about: the credentials and job titles (kinds with the
//! `boost` policy) whose name, code or alias the title is. The indexing run reads it from each
//! title without the site's suffix (`titles.rs`) into the `about` field, and a query that is
//! such a name lists those pages first (the query crate's `about_query`).

use std::collections::HashMap;

use him_schema::{analysis, FacetKind, FacetValues, Taxonomy};

/// What a page's title says it is about (see [`TitleNames::about`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct About {
    /// Values whose own name or code is the title: the page about each.
    pub(crate) values: FacetValues,
    /// The names, codes or aliases the title is, by kind, as [`analysis::name_tokens`] writes
    /// them (`Outpatient Coder`, an alias of Coder).
    pub(crate) forms: Vec<(FacetKind, String)>,
}

/// The names, codes and aliases of the values of kinds with the `boost` policy (credentials,
/// job titles), by [`analysis::name_tokens`]: built once per run.
pub(crate) struct TitleNames {
    /// (kind, canonical value, whether it is the value's own name or code) by name.
    names: HashMap<String, Vec<(FacetKind, String, bool)>>,
}

impl TitleNames {
    pub(crate) fn new(taxonomy: &Taxonomy) -> TitleNames {
        let mut names: HashMap<String, Vec<(FacetKind, String, bool)>> = HashMap::new();
        for spec in taxonomy.kinds().iter().filter(|spec| spec.policy.boost) {
            for value in &spec.values {
                let own = std::iter::once(&value.name).chain(&value.code);
                let aliases = value.aliases.iter();
                let forms = own.map(|n| (n, true)).chain(aliases.map(|n| (n, false)));
                for (form, is_own) in forms {
                    let entry = (spec.kind, value.canonical().to_string(), is_own);
                    let at = names.entry(analysis::name_tokens(form)).or_default();
                    if !at.contains(&entry) {
                        at.push(entry);
                    }
                }
            }
        }
        TitleNames { names }
    }

    /// What a page's title (without the site's suffix) says it is about. The part before a
    /// " | " is read, without parentheses; each part between colons must be a name of the
    /// same value: `Coder`, `Emergency Department (ER) Coder`, `CCS-P: Certified Coding
    /// Specialist - Physician-based`; not `How to Become a CDI Specialist`, `Coder vs CDI
    /// Specialist` or `RHIT: How to Pass the Exam`.
    pub(crate) fn about(&self, title: &str) -> About {
        let own = title.split(" | ").next().unwrap_or_default();
        let plain = without_parentheses(own);
        let parts: Vec<String> = plain
            .split(':')
            .map(analysis::name_tokens)
            .filter(|part| !part.is_empty())
            .collect();
        let mut about = About::default();
        let Some(first) = parts.first() else {
            return about;
        };
        for (kind, value, is_own) in self.names.get(first).into_iter().flatten() {
            let names_it = |part: &String| {
                self.names
                    .get(part)
                    .is_some_and(|at| at.iter().any(|(k, v, _)| k == kind && v == value))
            };
            if !parts.iter().all(names_it) {
                continue;
            }
            for part in &parts {
                if !about.forms.contains(&(*kind, part.clone())) {
                    about.forms.push((*kind, part.clone()));
                }
            }
            // Named by its own name or code: "Outpatient Coder", an alias of Coder, is a page
            // about one kind of coder, not the coder's page.
            if *is_own {
                about.values.insert(*kind, value.clone());
            }
        }
        about
    }
}

fn without_parentheses(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_naming_one_value_is_about_it() {
        let taxonomy = Taxonomy::builtin().unwrap();
        let names = TitleNames::new(&taxonomy);
        let seen = |title: &str| {
            let found = names.about(title);
            let values: Vec<String> = taxonomy
                .kinds()
                .iter()
                .flat_map(|spec| {
                    let kind = spec.kind;
                    found
                        .values
                        .get(kind)
                        .iter()
                        .map(move |v| format!("{}={v}", kind.name()))
                })
                .collect();
            let forms: Vec<String> = found
                .forms
                .iter()
                .map(|(kind, form)| format!("{}:{form}", kind.name()))
                .collect();
            (values, forms)
        };
        assert_eq!(
            seen("Coder | HIM Careers Hub"),
            (
                vec!["job_title=Coder".into()],
                vec!["job_title:coder".into()]
            )
        );
        assert_eq!(
            seen("CCS-P: Certified Coding Specialist - Physician-based"),
            (
                vec!["credential=CCS-P".into()],
                vec![
                    "credential:ccs p".into(),
                    "credential:certified coding specialist physician based".into()
                ]
            ),
            "every part is a name of the value"
        );
        assert_eq!(seen("CCS–P").0, ["credential=CCS-P"], "punctuation aside");
        assert_eq!(seen("RHIT®").0, ["credential=RHIT"]);
        assert_eq!(
            seen("Emergency Department (ER) Coder").0,
            ["job_title=Emergency Department Coder"]
        );
        assert_eq!(
            seen("Registered Health Information Technician (job title)").0,
            [
                "credential=RHIT",
                "job_title=Registered Health Information Technician"
            ]
        );
        assert_eq!(
            seen("Outpatient Coder"),
            (vec![], vec!["job_title:outpatient coder".into()]),
            "an alias of Coder: the page about one kind of coder"
        );
        for title in [
            "How to Become a CDI Specialist",
            "Coder vs CDI Specialist: How the Roles Differ",
            "CCS: Certified Professional Coder",
            "RHIT: How to Pass the Exam",
            "RHIT - How to Pass the Exam",
            "Certified Coding Specialist - Exam Guide",
        ] {
            assert_eq!(seen(title), (vec![], vec![]), "{title}");
        }
    }
}
