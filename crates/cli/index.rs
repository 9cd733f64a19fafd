//! `himsearch index`: builds or updates an index from a corpus directory or a JSONL file.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::output::{print_index_summary, print_json, Bar};
use crate::{jobs, usage, Failure};

#[derive(Debug, Args)]
pub(crate) struct IndexArgs {
    /// Corpus directory to index.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Index the documents of a JSONL file ({"id", "title", "text", "url"?, "facets"?} a line)
    /// instead of a corpus directory.
    #[arg(long, conflicts_with = "corpus")]
    jsonl: Option<PathBuf>,
    /// Index directory (created when missing).
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Public base URL of the corpus: document URLs are joined to it.
    #[arg(long)]
    base_url: Option<String>,
    /// Discard the existing index and index everything again.
    #[arg(long)]
    rebuild: bool,
    /// Taxonomy TOML file replacing the built-in one.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// Largest file indexed, in bytes.
    #[arg(long, default_value_t = him_indexer::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
    /// Extra CSS selector of the content root (repeatable).
    #[arg(long = "include", value_name = "SELECTOR")]
    include: Vec<String>,
    /// Extra CSS selector of boilerplate to drop (repeatable).
    #[arg(long = "exclude", value_name = "SELECTOR")]
    exclude: Vec<String>,
    /// Parser threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Embed each page's meaning, to rerank the first results of queries of four words or
    /// more: `auto` for a new index of up to 2,000 documents (an existing index keeps its
    /// choice), `on`, `off`. Changing an existing index's choice needs --rebuild.
    #[arg(long, value_enum, default_value_t = MeaningsArg::Auto)]
    meanings: MeaningsArg,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// `--meanings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MeaningsArg {
    Auto,
    On,
    Off,
}

impl From<MeaningsArg> for him_indexer::Meanings {
    fn from(arg: MeaningsArg) -> Self {
        match arg {
            MeaningsArg::Auto => him_indexer::Meanings::Auto,
            MeaningsArg::On => him_indexer::Meanings::On,
            MeaningsArg::Off => him_indexer::Meanings::Off,
        }
    }
}

pub(crate) fn run_index(args: IndexArgs) -> Result<(), Failure> {
    let mut options = jobs::index_options(&args.index, args.taxonomy.as_deref())?;
    options.rebuild = args.rebuild;
    options.max_file_size = args.max_file_size;
    options.include_selectors = args.include;
    options.exclude_selectors = args.exclude;
    options.threads = args.threads;
    options.meanings = args.meanings.into();
    if let Some(base) = &args.base_url {
        let url = url::Url::parse(base)
            .with_context(|| format!("--base-url {base:?} is not an absolute URL"))
            .map_err(usage)?;
        options.base_url = Some(url);
    }
    let show_bar = !args.quiet && !args.json && std::io::stderr().is_terminal();
    let progress = Bar::new(show_bar);
    let summary = match &args.jsonl {
        Some(file) => him_indexer::index_jsonl(&options, file, &progress),
        None => him_indexer::index_corpus(&options, &args.corpus, &progress),
    }
    .map_err(|err| match err {
        him_indexer::Error::Selector { .. } | him_indexer::Error::MeaningsNeedRebuild { .. } => {
            usage(err)
        }
        other => Failure::from(other),
    })?;
    if args.json {
        print_json(|out| serde_json::to_writer_pretty(out, &summary))?;
    } else if !args.quiet {
        print_index_summary(&summary, &options.index);
    }
    Ok(())
}
