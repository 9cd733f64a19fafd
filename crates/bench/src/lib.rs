//! Benchmark support for himsearch: the seeded site generator (see [`generate_site`]).
//! Bench-only; nothing here is part of the product.
#![deny(missing_docs)]

mod site;

pub use site::{generate_site, Rng, Vocabulary};
