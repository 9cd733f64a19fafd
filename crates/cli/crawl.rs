//! `himsearch crawl` and the scheduled re-crawl of `serve --recrawl-every`: argument parsing,
//! the progress line and the end-of-run report. The crawling itself is `him_crawl`'s.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use him_crawl::{CrawlOptions, CrawlProgress, CrawlReport, CrawlState, CrawlStats};

use crate::output::{print_index_summary, print_json};
use crate::{usage, Failure};

#[derive(Debug, Args)]
pub(crate) struct CrawlArgs {
    /// Start URLs; their origins (scheme, host, port) are the crawl's scope.
    #[arg(required = true, value_name = "URL")]
    urls: Vec<String>,
    /// Index directory (created when missing).
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Pages fetched at most.
    #[arg(long, default_value_t = 10_000)]
    max_pages: usize,
    /// Link hops from a start URL.
    #[arg(long, default_value_t = 20)]
    max_depth: usize,
    /// Requests in flight at once per host.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Pause between requests to one host (robots.txt Crawl-delay can raise it).
    #[arg(long, default_value_t = 100)]
    delay_ms: u64,
    /// Only fetch URLs matching this regex (repeatable; start URLs always are fetched).
    #[arg(long, value_name = "REGEX")]
    include: Vec<String>,
    /// Never fetch URLs matching this regex (repeatable).
    #[arg(long, value_name = "REGEX")]
    exclude: Vec<String>,
    /// User-Agent header, also matched against robots.txt groups.
    #[arg(long, default_value = him_crawl::DEFAULT_USER_AGENT)]
    user_agent: String,
    /// Forget what earlier crawls saw: fetch everything without conditional requests and
    /// rebuild the index.
    #[arg(long)]
    rebuild: bool,
    /// Time limit of one request.
    #[arg(long, default_value_t = 20_000)]
    timeout_ms: u64,
    /// Retries after a 5xx or a timeout.
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// Largest response body read.
    #[arg(long, default_value_t = him_indexer::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
    /// Taxonomy TOML file replacing the built-in one.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress line and no warnings.
    #[arg(long)]
    quiet: bool,
}

pub(crate) fn run_crawl(args: CrawlArgs) -> Result<(), Failure> {
    let mut options =
        CrawlOptions::parse(&args.urls, &args.include, &args.exclude).map_err(usage)?;
    options.max_pages = args.max_pages;
    options.max_depth = args.max_depth;
    options.concurrency = usize::from(args.concurrency);
    options.delay = Duration::from_millis(args.delay_ms);
    options.user_agent = args.user_agent;
    options.rebuild = args.rebuild;
    options.timeout = Duration::from_millis(args.timeout_ms.max(1));
    options.connect_timeout = options.timeout.min(Duration::from_secs(10));
    options.retries = args.retries;
    options.max_bytes = args.max_file_size;
    let mut index = crate::jobs::index_options(&args.index, args.taxonomy.as_deref())?;
    index.max_file_size = args.max_file_size;

    let show = !args.quiet && !args.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress: Arc<dyn CrawlProgress> = Arc::new(Line::new(show));
    let report = him_crawl::crawl(options, &index, progress)?;
    if args.json {
        print_json(|out| serde_json::to_writer_pretty(out, &report))?;
    } else if !args.quiet {
        print_report(&report, &args.index);
    }
    if report.fetched == 0 && report.not_modified == 0 && report.failed > 0 {
        return Err(Failure::from(anyhow::anyhow!(
            "nothing could be fetched ({} failures)",
            report.failed
        )));
    }
    Ok(())
}

fn print_report(report: &CrawlReport, index: &Path) {
    let mut err = std::io::stderr().lock();
    for failure in &report.failures {
        let _ = writeln!(err, "warning: {}: {}", failure.url, failure.message);
    }
    for (kind, count) in &report.failures_by_kind {
        let _ = writeln!(err, "failures: {count} {kind}");
    }
    let _ = writeln!(
        err,
        "crawl: {} fetched, {} not modified, {} failed, {} redirects{} ({:.1}s)",
        report.fetched,
        report.not_modified,
        report.failed,
        report.redirects.len(),
        if report.complete {
            ""
        } else {
            ", stopped at --max-pages"
        },
        report.crawl_ms as f64 / 1000.0
    );
    drop(err);
    print_index_summary(&report.index, index);
}

/// Parses `6h`, `30m`, `45s`, `1d` (at least a minute, so a typo cannot hammer a site).
pub(crate) fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit, like 6h or 30m"))?;
    let seconds = match unit {
        "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        "d" => number.saturating_mul(86_400),
        _ => return Err(format!("{text:?}: the unit is s, m, h or d")),
    };
    // A typo like 6s for 6h must not hammer a site; tests lower the floor explicitly.
    let floor = std::env::var("HIMSEARCH_RECRAWL_MIN_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(60);
    if seconds < floor.max(1) {
        return Err(format!("{text:?}: re-crawl at most once every {floor} s"));
    }
    Ok(Duration::from_secs(seconds))
}

/// Checks that `index` holds a crawl that `serve --recrawl-every` can repeat.
pub(crate) fn check_recrawl(index: &Path) -> Result<(), Failure> {
    let saved = CrawlState::load(index).crawl.ok_or_else(|| {
        usage(anyhow::anyhow!(
            "--recrawl-every: {} holds no crawl to repeat; run `himsearch crawl URL --index {}` first",
            index.display(),
            index.display()
        ))
    })?;
    CrawlOptions::from_saved(&saved).map_err(usage)?;
    Ok(())
}

/// The progress line on a terminal.
struct Line {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
}

impl Line {
    fn new(enabled: bool) -> Line {
        Line {
            bar: enabled.then(|| {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            }),
            started: Instant::now(),
        }
    }
}

impl CrawlProgress for Line {
    fn update(&self, stats: &CrawlStats) {
        if let Some(bar) = &self.bar {
            let rate = stats.fetched as f64 / self.started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{} fetched, {} queued, {} errors, {rate:.1} pages/s",
                stats.fetched, stats.queued, stats.errors
            ));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("6h"), Ok(Duration::from_secs(21_600)));
        assert_eq!(parse_interval("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_interval("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_interval("10s").is_err());
        assert!(parse_interval("6 hours").is_err());
        assert!(parse_interval("h").is_err());
    }
}
