//! End-to-end tests of the `himsearch` binary: real corpora in temp dirs, real tantivy
//! indexes, the CLI contract (flags, JSON, exit codes) as users' scripts see it.

mod util;
mod webdriver;

mod accessibility;
mod analytics;
mod browser;
mod browser_analytics;
mod browser_ux;
mod cli_errors;
mod corpus;
mod crawl;
mod eval;
mod facet_kinds;
mod hostile;
mod indexing;
mod meili;
mod questions;
mod reliability;
mod search;
mod serve;
