//! `himsearch search`: one query against an index, printed as text or as the API's JSON.

use std::path::PathBuf;

use clap::Args;
use him_query::{SearchEngine, SearchRequest};
use him_schema::FacetKind;

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
    let json = args.json;
    let request = request(args)?;
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

/// The request the arguments describe; a filter the request refuses is a usage error.
fn request(args: SearchArgs) -> Result<SearchRequest, Failure> {
    let mut request = SearchRequest::new(args.query.join(" "));
    request.page = args.page;
    request.per_page = args.limit;
    request.explain = args.explain;
    for (kind, values) in [
        (FacetKind::Credential, args.credential),
        (FacetKind::JobTitle, args.job_title),
        (FacetKind::EducationLevel, args.education_level),
        (FacetKind::ResourceType, args.resource_type),
        (FacetKind::Topic, args.topic),
    ] {
        for value in values {
            request = request.filter(kind.name(), value).map_err(usage)?;
        }
    }
    Ok(request)
}
