//! `himsearch analytics`: the report `serve` records (`GET /admin/analytics`), read from the
//! analytics database, as text, JSON or CSV. The index, when there is one, diagnoses the
//! zero-result queries (content gaps).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use him_analytics::Report;
use him_query::SearchEngine;

use crate::args::load_taxonomy;
use crate::output::{ignore_broken_pipe, print_json};
use crate::{usage, Failure};

#[derive(Debug, Args)]
pub(crate) struct AnalyticsArgs {
    /// Analytics database (default: beside the index, `INDEX.analytics.db`).
    #[arg(long, value_name = "FILE")]
    analytics: Option<PathBuf>,
    /// Index directory: names the default database and diagnoses zero-result queries.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Days covered, today (UTC) included.
    #[arg(long, default_value_t = 7)]
    days: u32,
    /// Print the report as JSON (the body of GET /admin/analytics).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print the report as CSV: section,item,detail,count,rate.
    #[arg(long)]
    csv: bool,
}

/// The database `serve` records into when `--analytics` is not given: beside the index
/// directory, named after it (`index/` -> `index.analytics.db`), so that tests and several
/// indexes never share one and a rebuilt index keeps its history.
pub(crate) fn default_database(index: &Path) -> PathBuf {
    let name = index
        .file_name()
        .map_or_else(|| "index".into(), |n| n.to_string_lossy().into_owned());
    let parent = index.parent().unwrap_or(Path::new(""));
    parent.join(format!("{name}.analytics.db"))
}

pub(crate) fn run_analytics(args: AnalyticsArgs) -> Result<(), Failure> {
    if args.days == 0 || args.days > him_analytics::MAX_DAYS {
        return Err(usage(anyhow::anyhow!(
            "--days must be between 1 and {}",
            him_analytics::MAX_DAYS
        )));
    }
    let path = args
        .analytics
        .clone()
        .unwrap_or_else(|| default_database(&args.index));
    if !path.is_file() {
        return Err(usage(anyhow::anyhow!(
            "no analytics database at {} (`himsearch serve` records into it; --analytics FILE)",
            path.display()
        )));
    }
    let mut report = him_analytics::report(&path, args.days, him_analytics::now_ms())?;
    if let Ok(engine) = SearchEngine::open(&args.index, load_taxonomy(None)?) {
        report.classify_gaps(|query| engine.diagnose_zero_results(query).ok());
    }
    if args.json {
        print_json(|out| serde_json::to_writer(out, &report))?;
    } else if args.csv {
        let mut out = csv::Writer::from_writer(std::io::stdout().lock());
        for row in csv_rows(&report) {
            if let Err(err) = out.write_record(&row) {
                return ignore_broken_pipe(Err(err.into()));
            }
        }
        ignore_broken_pipe(out.flush())?;
    } else {
        ignore_broken_pipe(print_text(&mut std::io::stdout().lock(), &report))?;
    }
    Ok(())
}

/// The report as rows of `section,item,detail,count,rate`, one section per list.
fn csv_rows(report: &Report) -> Vec<[String; 5]> {
    let row = |section: &str, item: &str, detail: &str, count: u64, rate: Option<f64>| {
        [
            section.to_string(),
            item.to_string(),
            detail.to_string(),
            count.to_string(),
            rate.map_or_else(String::new, |r| r.to_string()),
        ]
    };
    let mut rows = vec![
        ["section", "item", "detail", "count", "rate"].map(String::from),
        row("totals", "searches", "", report.searches, None),
        row("totals", "clicks", "", report.clicks, None),
        row(
            "totals",
            "zero_result_searches",
            "",
            report.zero_result_searches,
            None,
        ),
    ];
    for q in &report.top_queries {
        rows.push(row(
            "top_queries",
            &q.query,
            "",
            q.count,
            Some(q.click_rate),
        ));
    }
    for q in &report.zero_result_queries {
        rows.push(row("zero_result_queries", &q.query, "", q.count, None));
    }
    for gap in &report.content_gaps {
        let detail = format!("{}: {}", gap.kind.name(), gap.advice);
        rows.push(row("content_gaps", &gap.query, &detail, gap.count, None));
    }
    for page in &report.top_clicked {
        let title = page.title.as_deref().unwrap_or("");
        rows.push(row("top_clicked", &page.id, title, page.count, None));
    }
    for facet in &report.facets_used {
        rows.push(row(
            "facets_used",
            &facet.facet,
            &facet.value,
            facet.count,
            None,
        ));
    }
    for day in &report.per_day {
        rows.push(row("per_day", &day.date, "searches", day.searches, None));
        rows.push(row(
            "per_day",
            &day.date,
            "zero_results",
            day.zero_results,
            None,
        ));
        rows.push(row("per_day", &day.date, "clicks", day.clicks, None));
    }
    for p in &report.clicks_by_position {
        let position = p.position.to_string();
        rows.push(row("clicks_by_position", &position, "", p.clicks, None));
    }
    rows
}

fn print_text(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    writeln!(
        out,
        "Search analytics, {} to {} ({} days, UTC)",
        report.from, report.to, report.days
    )?;
    let share = if report.searches == 0 {
        0.0
    } else {
        report.zero_result_searches as f64 * 100.0 / report.searches as f64
    };
    writeln!(
        out,
        "{} searches, {} clicks, {} found nothing ({share:.1}%)",
        report.searches, report.clicks, report.zero_result_searches
    )?;
    writeln!(out, "\nTop queries (searches, click rate)")?;
    for q in &report.top_queries {
        let rate = q.click_rate * 100.0;
        writeln!(out, "  {:>6}  {rate:>5.1}%  {}", q.count, q.query)?;
    }
    writeln!(out, "\nQueries that found nothing (searches)")?;
    for q in &report.zero_result_queries {
        writeln!(out, "  {:>6}  {}", q.count, q.query)?;
    }
    if !report.content_gaps.is_empty() {
        writeln!(out, "\nContent gaps")?;
        for gap in &report.content_gaps {
            writeln!(
                out,
                "  {:<9} {}: {}",
                gap.kind.name(),
                gap.query,
                gap.advice
            )?;
        }
    }
    writeln!(out, "\nMost opened pages (clicks)")?;
    for page in &report.top_clicked {
        let title = page.title.as_deref().unwrap_or("(untitled)");
        writeln!(out, "  {:>6}  {title}  [{}]", page.count, page.id)?;
    }
    writeln!(out, "\nFilters used (searches)")?;
    for facet in &report.facets_used {
        writeln!(
            out,
            "  {:>6}  {} = {}",
            facet.count, facet.facet, facet.value
        )?;
    }
    writeln!(out, "\nPer day: searches, found nothing, clicks")?;
    for day in &report.per_day {
        writeln!(
            out,
            "  {}  {:>6}  {:>6}  {:>6}",
            day.date, day.searches, day.zero_results, day.clicks
        )?;
    }
    writeln!(out, "\nClicks by position")?;
    for p in &report.clicks_by_position {
        writeln!(out, "  {:>3}  {:>6}", p.position, p.clicks)?;
    }
    Ok(())
}
