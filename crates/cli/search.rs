//! `himsearch search`: one query against an index, printed as text or as the API's JSON.

use std::path::PathBuf;

use clap::Args;
use him_query::{SearchEngine, SearchRequest};
use him_schema::Taxonomy;

use crate::args::load_taxonomy;
use crate::output::{ignore_broken_pipe, print_json, print_results};
use crate::{usage, Failure};

#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Index directory.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Print the API's JSON response.
    #[arg(long)]
    json: bool,
    /// Hits per page.
    #[arg(long, default_value_t = him_query::DEFAULT_PER_PAGE)]
    limit: usize,
    /// Page number, from 1.
    #[arg(long, default_value_t = 1)]
    page: usize,
    /// Filter by credential (repeatable; values are OR-ed).
    #[arg(long, value_name = "V")]
    credential: Vec<String>,
    /// Filter by job title (repeatable).
    #[arg(long = "job-title", value_name = "V")]
    job_title: Vec<String>,
    /// Filter by education level (repeatable).
    #[arg(long = "education-level", value_name = "V")]
    education_level: Vec<String>,
    /// Filter by resource type (repeatable).
    #[arg(long = "resource-type", value_name = "V")]
    resource_type: Vec<String>,
    /// Filter by topic (repeatable).
    #[arg(long, value_name = "V")]
    topic: Vec<String>,
    /// Filter by any facet kind of the taxonomy: `--facet employer_setting=Hospital`
    /// (repeatable; values of one kind are OR-ed, kinds AND-ed).
    #[arg(long, value_name = "KIND=VALUE")]
    facet: Vec<String>,
    /// Include each hit's score breakdown (JSON output).
    #[arg(long)]
    explain: bool,
    /// Taxonomy TOML file replacing the built-in one.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// The query; empty lists everything under the filters.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    query: Vec<String>,
}

pub(crate) fn run_search(args: SearchArgs) -> Result<(), Failure> {
    let taxonomy = load_taxonomy(args.taxonomy.as_deref())?;
    let engine = SearchEngine::open(&args.index, taxonomy)?;
    warn_ignored_kinds(&engine);
    let json = args.json;
    let request = request(args, engine.taxonomy())?;
    let response = engine.search(request).map_err(|err| {
        if err.is_user_error() {
            usage(err)
        } else {
            Failure::from(err)
        }
    })?;
    if json {
        print_json(|out| serde_json::to_writer(out, &response))
    } else {
        ignore_broken_pipe(print_results(&mut std::io::stdout().lock(), &response))
    }
}

/// The request the arguments describe; a filter the taxonomy does not know is a usage error.
fn request(args: SearchArgs, taxonomy: &Taxonomy) -> Result<SearchRequest, Failure> {
    let mut request = SearchRequest::new(args.query.join(" "));
    request.page = args.page;
    request.per_page = args.limit;
    request.explain = args.explain;
    let shorthands = [
        ("credential", args.credential),
        ("job_title", args.job_title),
        ("education_level", args.education_level),
        ("resource_type", args.resource_type),
        ("topic", args.topic),
    ];
    let mut filters: Vec<(String, String)> = shorthands
        .into_iter()
        .flat_map(|(kind, values)| values.into_iter().map(move |v| (kind.to_string(), v)))
        .collect();
    for spec in args.facet {
        let Some((kind, value)) = spec.split_once('=') else {
            return Err(usage(anyhow::anyhow!(
                "--facet {spec:?}: expected KIND=VALUE (kinds: {})",
                taxonomy.kind_list()
            )));
        };
        filters.push((kind.trim().to_string(), value.trim().to_string()));
    }
    for (name, value) in filters {
        let kind = taxonomy
            .kind_named(&name)
            .ok_or_else(|| usage(him_query::Error::unknown_facet(&name, taxonomy)))?;
        request = request.filter_kind(kind, value);
    }
    Ok(request)
}

/// Tells the user when the index carries facet kinds the taxonomy does not declare (searches
/// ignore them; see README, "Taxonomy").
pub(crate) fn warn_ignored_kinds(engine: &SearchEngine) {
    match engine.ignored_kinds() {
        Ok(kinds) if !kinds.is_empty() => eprintln!(
            "warning: the index has facet kinds the taxonomy does not declare, ignored: {} \
             (pass the taxonomy the index was built with, or rebuild it)",
            kinds.join(", ")
        ),
        _ => {}
    }
}
