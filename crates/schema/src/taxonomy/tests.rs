use super::*;

fn kind(name: &str) -> FacetKind {
    FacetKind::named(name).unwrap()
}

#[test]
fn builtin_parses_and_validates() {
    let taxonomy = Taxonomy::builtin().unwrap();
    let keys: Vec<&str> = taxonomy.kinds().iter().map(|k| k.kind.name()).collect();
    assert_eq!(
        keys,
        [
            "credential",
            "job_title",
            "education_level",
            "resource_type",
            "topic"
        ]
    );
    assert!(taxonomy.canonical_values(kind("credential")).len() >= 13);
    assert!(taxonomy.canonical_values(kind("job_title")).len() >= 20);
    assert!(taxonomy.synonyms.len() >= 15);
    let resource = taxonomy.kind(kind("resource_type")).unwrap();
    assert_eq!(resource.policy.extract, Extraction::TitleAndPath);
    assert!(!resource.policy.expand);
    assert_eq!(
        taxonomy.kind(kind("education_level")).unwrap().label,
        "Education"
    );
}

#[test]
fn every_alias_resolves_to_its_canonical_value() {
    let taxonomy = Taxonomy::builtin().unwrap();
    for spec in taxonomy.kinds() {
        let kind = spec.kind;
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
    let credentials = taxonomy.canonical_values(kind("credential"));
    for code in [
        "RHIT", "RHIA", "CCA", "CCS", "CCS-P", "CDIP", "CHDA", "CHPS", "CPC",
    ] {
        assert!(credentials.contains(&code), "{code}");
    }
    assert_eq!(
        taxonomy.canonicalize(kind("job_title"), "medical records tech"),
        Some("Medical Records Technician")
    );
    assert_eq!(
        taxonomy.canonicalize(kind("job_title"), "Medical Coder"),
        Some("Coder")
    );
    assert_eq!(
        taxonomy.canonicalize(kind("credential"), "ccs-p"),
        Some("CCS-P")
    );
    assert_eq!(
        taxonomy.canonicalize(
            kind("credential"),
            "Registered Health Information Technician"
        ),
        Some("RHIT")
    );
    assert_eq!(taxonomy.canonicalize(kind("credential"), "nope"), None);
}

#[test]
fn the_minimal_kind_of_the_readme_takes_every_default() {
    let taxonomy = Taxonomy::from_toml(
        r#"
[kinds.employer_setting]
label = "Employer setting"

[[kinds.employer_setting.values]]
name = "Hospital"
aliases = ["acute care hospital"]
"#,
    )
    .unwrap();
    let setting = taxonomy.kind_named("employer-setting").unwrap();
    let spec = taxonomy.kind(setting).unwrap();
    assert_eq!(spec.label, "Employer setting");
    assert_eq!(spec.policy, KindPolicy::default());
    assert_eq!(
        taxonomy.canonicalize(setting, "Acute Care Hospital"),
        Some("Hospital")
    );
    assert_eq!(taxonomy.kind_named("credential"), None);
}

#[test]
fn kinds_keep_file_order_and_have_no_cap() {
    let mut text = String::new();
    let keys: Vec<String> = (0..12).rev().map(|i| format!("kind_{i:02}")).collect();
    for key in &keys {
        text.push_str(&format!(
            "[kinds.{key}]\n[[kinds.{key}.values]]\nname = \"V {key}\"\n"
        ));
    }
    let taxonomy = Taxonomy::from_toml(&text).unwrap();
    let found: Vec<&str> = taxonomy.kinds().iter().map(|k| k.kind.name()).collect();
    assert_eq!(found, keys);
    assert_eq!(taxonomy.kinds()[0].label, "Kind 11");
}

fn invalid(text: &str) -> String {
    Taxonomy::from_toml(text).unwrap_err().to_string()
}

#[test]
fn collisions_are_rejected_with_their_line() {
    let err = invalid(
        "[kinds.topic]\n\
         [[kinds.topic.values]]\n\
         name = \"Coding\"\n\
         [[kinds.topic.values]]\n\
         name = \"Billing\"\n\
         aliases = [\"coding\"]\n",
    );
    assert!(
        err.contains("line 6") && err.contains("names both"),
        "{err}"
    );
}

#[test]
fn dangling_references_are_rejected_with_their_line() {
    let err = invalid(
        "[kinds.credential]\n\
         [[kinds.credential.values]]\n\
         name = \"X\"\n\
         [kinds.job_title]\n\
         [[kinds.job_title.values]]\n\
         name = \"Coder\"\n\
         related = { credential = [\"XYZ\"] }\n",
    );
    assert!(
        err.contains("line 7") && err.contains("unknown credential \"XYZ\""),
        "{err}"
    );
    let err = invalid(
        "[kinds.job_title]\n[[kinds.job_title.values]]\nname = \"Coder\"\nrelated = { colour = [\"red\"] }\n",
    );
    assert!(
        err.contains("line 4") && err.contains("not declared"),
        "{err}"
    );
    let err = invalid(
        "[kinds.credential]\n\
         single_mention_under = { resource_type = [\"Job profile\"] }\n\
         [[kinds.credential.values]]\n\
         name = \"X\"\n\
         [kinds.resource_type]\n\
         [[kinds.resource_type.values]]\n\
         name = \"Article\"\n",
    );
    assert!(
        err.contains("line 2") && err.contains("unknown resource_type \"Job profile\""),
        "{err}"
    );
    for policy in ["single_mention_under", "title_only_under"] {
        for (under, problem) in [
            ("{ credential = [\"X\"] }", "names its own kind"),
            ("{ resource_type = [] }", "lists no value"),
            ("{ resource_type = [\"B\"] }", "unknown resource_type \"B\""),
        ] {
            let err = invalid(&format!(
                "[kinds.credential]\n{policy} = {under}\n[[kinds.credential.values]]\n\
                 name = \"X\"\n[kinds.resource_type]\n[[kinds.resource_type.values]]\nname = \"A\"\n"
            ));
            assert!(
                err.contains("line 2") && err.contains(problem) && err.contains(policy),
                "{err}"
            );
        }
    }
}

#[test]
fn a_value_may_be_a_kind_of_another_and_need_its_own_mentions() {
    let taxonomy = Taxonomy::builtin().unwrap();
    let kind = Taxonomy::builtin_kind("job_title");
    let spec = taxonomy.kinds().iter().find(|s| s.kind == kind).unwrap();
    let home_health = spec.values.iter().find(|v| v.name == "Home Health Coder");
    assert_eq!(home_health.unwrap().broader, ["Coder"]);
    assert!(spec.policy.title_decides);
    let coder = spec.values.iter().find(|v| v.name == "Coder").unwrap();
    assert_eq!(coder.body_mentions(&spec.policy), 4);
    assert_eq!(home_health.unwrap().body_mentions(&spec.policy), 2);
    let err = invalid("[kinds.topic]\n[[kinds.topic.values]]\nname = \"A\"\nbody_mentions = 0\n");
    assert!(
        err.contains("line 4") && err.contains("at least 1"),
        "{err}"
    );
    let err = invalid(
        "[kinds.job_title]\n[[kinds.job_title.values]]\nname = \"A\"\nbroader = [\"B\"]\n\
         [[kinds.job_title.values]]\nname = \"B\"\nbroader = [\"C\"]\n\
         [[kinds.job_title.values]]\nname = \"C\"\nbroader = [\"A\"]\n",
    );
    assert!(
        err.contains("line 4") && err.contains("kind of itself"),
        "{err}"
    );
    // A value that is not one of the kind's, or the value itself.
    for broader in ["Nurse", "Coder"] {
        let err = invalid(&format!(
            "[kinds.job_title]\n[[kinds.job_title.values]]\nname = \"Coder\"\n\
             broader = [\"{broader}\"]\n[[kinds.job_title.values]]\nname = \"Nurse Coder\"\n"
        ));
        assert!(
            err.contains("line 4") && err.contains("not another value of job_title"),
            "{err}"
        );
    }
}

#[test]
fn unknown_fields_are_rejected_with_their_line() {
    let err = invalid("[kinds.topic]\n[[kinds.topic.values]]\nname = \"A\"\ncolour = 1\n");
    assert!(err.contains("line 4") && err.contains("colour"), "{err}");
    let err = invalid("[[topics]]\nname = \"A\"\n");
    assert!(err.contains("line 1") && err.contains("topics"), "{err}");
}

#[test]
fn bad_keys_and_policies_are_rejected() {
    assert!(invalid("[kinds.Job]\n").contains("lower-case"));
    assert!(invalid("[kinds.page]\n").contains("search parameter"));
    assert!(invalid("[kinds.job_title]\n[kinds.jobtitle]\n").contains("reads the same"));
    let err = invalid("[kinds.topic]\nbody_mentions = 0\n");
    assert!(
        err.contains("line 2") && err.contains("at least 1"),
        "{err}"
    );
    let err = invalid("[kinds.topic]\nextract = \"sometimes\"\n");
    assert!(err.contains("line 2"), "{err}");
    let err = invalid("[[synonyms]]\nterms = [\"one\"]\n");
    assert!(err.contains("line 1") && err.contains("two"), "{err}");
    // A `from` group needs a term to expand into.
    let err = invalid("[[synonyms]]\nfrom = [\"army\", \"navy\"]\nterms = []\n");
    assert!(err.contains("line 1") && err.contains("two"), "{err}");
    let err = invalid(
        "[kinds.resource_type]\n[[kinds.resource_type.values]]\nname = \"Comparison\"\n\
         asked_by = [\"vs\", \"Differ ence\"]\n",
    );
    assert!(
        err.contains("line 4") && err.contains("one word of lowercase"),
        "{err}"
    );
}

#[test]
fn keywords_file_pages_but_are_not_names() {
    let taxonomy = Taxonomy::from_toml(
        "[kinds.topic]\n[[kinds.topic.values]]\nname = \"Terminologies\"\n\
         aliases = [\"clinical terminologies\"]\nkeywords = [\"LOINC\", \"SNOMED CT\"]\n",
    )
    .unwrap();
    let topic = taxonomy.kind_named("topic").unwrap();
    assert_eq!(taxonomy.canonicalize(topic, "LOINC"), None);
    assert_eq!(
        taxonomy.canonicalize(topic, "clinical terminologies"),
        Some("Terminologies")
    );
    assert_eq!(taxonomy.surface_forms(topic).len(), 2);
    let found = taxonomy.matcher().extract("Lab results carry LOINC codes.");
    assert_eq!(found.get(topic), ["Terminologies"]);
    let err = invalid(
        "[kinds.topic]\n[[kinds.topic.values]]\nname = \"A\"\nkeywords = [\"x\"]\n\
         [[kinds.topic.values]]\nname = \"B\"\nkeywords = [\"X\"]\n",
    );
    assert!(
        err.contains("line 7") && err.contains("names both"),
        "{err}"
    );
}

#[test]
fn a_from_group_is_one_way_from_each_of_its_from_terms() {
    let taxonomy =
        Taxonomy::from_toml("[[synonyms]]\nfrom = [\"army\", \"navy\"]\nterms = [\"military\"]\n")
            .unwrap();
    let group = &taxonomy.synonyms[0];
    assert_eq!(group.terms, ["army", "navy", "military"]);
    assert!(group.one_way);
    assert_eq!(group.opening(), ["army", "navy"]);
}
