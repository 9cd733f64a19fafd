//! A deterministic generator of HIM-like sites for benchmarks: pages with a Zipf-distributed
//! vocabulary, taxonomy credentials and job titles sprinkled in, headings, links between
//! pages, boilerplate (nav, footer, ads), and some PDFs and text files.

use std::io;
use std::path::Path;

/// Small, fast, seeded PRNG (xorshift64*): the same seed always gives the same site.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "ca", "re", "di", "mo", "la", "ter", "pro", "ce", "dure", "va", "lid", "co", "ding", "me",
    "dic", "al", "re", "cord", "in", "for", "ma", "tion", "da", "ta", "ana", "lyst", "pri", "vacy",
    "au", "dit", "qua", "li", "ty", "re", "gis", "try", "bil", "ling", "cli", "ni",
];

const TAXONOMY_TERMS: &[&str] = &[
    "RHIT",
    "RHIA",
    "CCA",
    "CCS",
    "CCS-P",
    "CPC",
    "CDIP",
    "CHDA",
    "CHPS",
    "Coder",
    "Medical Records Technician",
    "Health Information Technician",
    "Cancer Registrar",
    "Privacy Officer",
    "HIM Director",
    "associate's degree",
    "bachelor's degree",
    "ICD-10-CM",
    "HIPAA",
    "release of information",
    "CAHIIM",
    "clinical documentation improvement",
];

/// A vocabulary of pseudo-words sampled with Zipf frequencies (rank r has weight 1/r).
#[derive(Debug, Clone)]
pub struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    /// `size` distinct pseudo-words.
    pub fn new(rng: &mut Rng, size: usize) -> Vocabulary {
        let mut words = Vec::with_capacity(size);
        let mut seen = std::collections::HashSet::new();
        while words.len() < size {
            let parts = 1 + rng.below(3);
            let word: String = (0..parts)
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let mut total = 0.0;
        let cumulative = (1..=size)
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    /// One word, Zipf-distributed.
    pub fn sample(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = (rng.next_u64() as f64 / u64::MAX as f64) * total;
        let index = self.cumulative.partition_point(|c| *c < target);
        &self.words[index.min(self.words.len() - 1)]
    }

    fn sentence(&self, rng: &mut Rng, words: usize) -> String {
        let mut out = String::new();
        for i in 0..words {
            if i > 0 {
                out.push(' ');
            }
            if rng.below(40) == 0 {
                out.push_str(TAXONOMY_TERMS[rng.below(TAXONOMY_TERMS.len())]);
            } else {
                out.push_str(self.sample(rng));
            }
        }
        out.push('.');
        out
    }
}

/// Kind of page `page`: 0 a PDF, 1 a text file, anything else HTML. A pure function of the
/// seed, so links can name their target's extension before it is written.
fn kind_of(seed: u64, page: usize) -> usize {
    Rng::new(seed ^ (page as u64).wrapping_mul(0xA076_1D64_78BD_642F)).below(50)
}

/// Writes a site of `pages` pages (about 1 in 50 a PDF, 1 in 50 a text file) under `out`;
/// returns the bytes written.
pub fn generate_site(out: &Path, pages: usize, seed: u64) -> io::Result<u64> {
    let mut rng = Rng::new(seed);
    let vocabulary = Vocabulary::new(&mut rng, 20_000);
    let mut bytes = 0u64;
    for page in 0..pages {
        let dir = out.join(format!("s{:03}", page / 1000));
        std::fs::create_dir_all(&dir)?;
        let kind = kind_of(seed, page);
        let title_words = 3 + rng.below(5);
        let title = vocabulary.sentence(&mut rng, title_words);
        let paragraphs: Vec<String> = (0..3 + rng.below(8))
            .map(|_| {
                let words = 20 + rng.below(60);
                vocabulary.sentence(&mut rng, words)
            })
            .collect();
        let (path, content): (_, Vec<u8>) = match kind {
            0 => {
                let text = format!("{title}\n{}", paragraphs.join("\n"));
                (
                    dir.join(format!("p{page}.pdf")),
                    him_corpus_tools::render_pdf(&text),
                )
            }
            1 => (
                dir.join(format!("p{page}.txt")),
                format!("{title}\n\n{}\n", paragraphs.join("\n\n")).into_bytes(),
            ),
            _ => {
                let mut html = String::with_capacity(8192);
                html.push_str(
                    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>",
                );
                html.push_str(&title);
                html.push_str("</title></head><body><header><nav>");
                for _ in 0..8 {
                    let target = rng.below(pages);
                    let extension = ["pdf", "txt"].get(kind_of(seed, target)).unwrap_or(&"html");
                    html.push_str(&format!(
                        "<a href=\"../s{:03}/p{target}.{extension}\">{}</a> ",
                        target / 1000,
                        vocabulary.sample(&mut rng)
                    ));
                }
                html.push_str("</nav></header><main><h1>");
                html.push_str(&title);
                html.push_str("</h1>");
                for (i, paragraph) in paragraphs.iter().enumerate() {
                    if i % 3 == 2 {
                        html.push_str(&format!("<h2>{}</h2>", vocabulary.sentence(&mut rng, 4)));
                    }
                    html.push_str("<p>");
                    html.push_str(paragraph);
                    html.push_str("</p>");
                }
                html.push_str(
                    "</main><aside class=\"ad\">Sponsored: study faster with flashcards.</aside>",
                );
                html.push_str("<footer>Copyright the benchmark site. All rights reserved.</footer></body></html>");
                (dir.join(format!("p{page}.html")), html.into_bytes())
            }
        };
        bytes += content.len() as u64;
        std::fs::write(path, content)?;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_site() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let bytes_a = generate_site(a.path(), 60, 7).unwrap();
        let bytes_b = generate_site(b.path(), 60, 7).unwrap();
        assert_eq!(bytes_a, bytes_b);
        let page = |dir: &Path| {
            std::fs::read(dir.join("s000/p5.html"))
                .or_else(|_| std::fs::read(dir.join("s000/p5.pdf")))
                .or_else(|_| std::fs::read(dir.join("s000/p5.txt")))
                .unwrap()
        };
        assert_eq!(page(a.path()), page(b.path()));
    }

    #[test]
    fn zipf_favours_top_ranks() {
        let mut rng = Rng::new(1);
        let vocabulary = Vocabulary::new(&mut rng, 1000);
        let top = vocabulary.words[0].clone();
        let hits = (0..10_000)
            .filter(|_| vocabulary.sample(&mut rng) == top)
            .count();
        // Rank 1 of 1000 under Zipf has probability 1/H(1000), about 13%.
        assert!((1000..1700).contains(&hits), "{hits}");
    }

    /// Smoke test for CI: a generated site goes through the real indexer without problems.
    #[test]
    fn generated_site_indexes_cleanly() {
        let site = tempfile::tempdir().unwrap();
        let index = tempfile::tempdir().unwrap();
        generate_site(site.path(), 120, 3).unwrap();
        let options = him_indexer::IndexOptions::new(index.path()).unwrap();
        let summary =
            him_indexer::index_corpus(&options, site.path(), &him_indexer::NoProgress).unwrap();
        assert_eq!(
            summary.indexed + summary.duplicates,
            120,
            "{:?}",
            summary.problems
        );
        assert_eq!(summary.broken_links, 0);
    }
}
