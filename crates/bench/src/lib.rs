//! Benchmark support for himsearch: the seeded site generator (see [`generate_site`]) and the
//! reporting shared by the bench binaries. Bench-only; nothing here is part of the product.
#![deny(missing_docs)]

mod site;

use std::fmt::Display;
use std::process::ExitCode;

pub use site::{generate_site, Rng, Vocabulary};

/// Ends a bench binary: prints its JSON report and succeeds, or prints the error and fails.
pub fn finish_with_report<E: Display>(result: Result<serde_json::Value, E>) -> ExitCode {
    match result {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
