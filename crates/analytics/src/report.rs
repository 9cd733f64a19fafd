//! Reading the database back: the report behind `GET /admin/analytics`, the dashboard and
//! `himsearch analytics`, over the last N days (UTC calendar days, today included).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::store::{db_error, open_for_reading};
use crate::{Error, Result};

/// Longest period a report covers.
pub const MAX_DAYS: u32 = 3650;
/// Entries of each list (top queries, zero-result queries, pages, facet values).
const LIST_LEN: i64 = 20;
/// Positions in the click-through-by-position list.
const POSITIONS: i64 = 20;
const DAY_MS: i64 = 86_400_000;

/// Everything a site owner reads about the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Days covered, today included.
    pub days: u32,
    /// First day covered (UTC, `YYYY-MM-DD`).
    pub from: String,
    /// Last day covered (today, UTC).
    pub to: String,
    /// Searches answered.
    pub searches: u64,
    /// Hits opened.
    pub clicks: u64,
    /// Searches that found nothing.
    pub zero_result_searches: u64,
    /// Most frequent queries (the empty query of a browse is not one), counted by their
    /// first pages: reading on to page 2 is not searching again.
    pub top_queries: Vec<TopQuery>,
    /// Most frequent queries that found nothing (first pages).
    pub zero_result_queries: Vec<QueryCount>,
    /// Most opened documents.
    pub top_clicked: Vec<Clicked>,
    /// Facet values searches filtered by.
    pub facets_used: Vec<FacetUse>,
    /// Every day of the period, oldest first, days without searches included.
    pub per_day: Vec<Day>,
    /// Clicks by the position of the hit opened (1 is the first hit).
    pub clicks_by_position: Vec<PositionClicks>,
    /// The zero-result queries, each with what would have found something; filled by
    /// [`Report::classify_gaps`] (the engine knows, not the database).
    pub content_gaps: Vec<ContentGap>,
}

/// A query and how often it was searched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopQuery {
    /// The normalized query.
    pub query: String,
    /// Searches.
    pub count: u64,
    /// Share of those searches after which a hit was opened (on any page), 0 to 1.
    pub click_rate: f64,
}

/// A query and how often it was searched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryCount {
    /// The normalized query.
    pub query: String,
    /// Searches.
    pub count: u64,
}

/// A document and how often it was opened from results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clicked {
    /// Document id.
    pub id: String,
    /// Its title when last clicked.
    pub title: Option<String>,
    /// Clicks.
    pub count: u64,
}

/// A facet value and how many searches filtered by it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetUse {
    /// Facet kind.
    pub facet: String,
    /// Value.
    pub value: String,
    /// Searches.
    pub count: u64,
}

/// One day's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Searches answered.
    pub searches: u64,
    /// Of those, the ones that found nothing.
    pub zero_results: u64,
    /// Hits opened.
    pub clicks: u64,
}

/// Clicks on the hit at one position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionClicks {
    /// 1-based position.
    pub position: u32,
    /// Clicks.
    pub clicks: u64,
}

/// What the engine would have found for a query that found nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// A word is misspelled beyond the typo tolerance: its closest indexed word finds pages.
    Typo,
    /// A word is another form of indexed words (run together, or a longer word's start):
    /// a synonym would find pages.
    Synonym,
    /// No page has the word: a page to write.
    Uncovered,
    /// Every word is on some page; the filters or a phrase left nothing.
    Filtered,
}

impl GapKind {
    /// The kind as the report's JSON names it.
    pub fn name(self) -> &'static str {
        match self {
            GapKind::Typo => "typo",
            GapKind::Synonym => "synonym",
            GapKind::Uncovered => "uncovered",
            GapKind::Filtered => "filtered",
        }
    }
}

/// A zero-result query with its diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentGap {
    /// The normalized query.
    pub query: String,
    /// Searches.
    pub count: u64,
    /// The diagnosis.
    pub kind: GapKind,
    /// The query as it would have found pages (`typo`, `synonym`), if any.
    pub suggestion: Option<String>,
    /// What the site owner can do, in a sentence.
    pub advice: String,
}

/// A diagnosis from the engine: kind, suggested query, advice.
pub type Diagnosis = (GapKind, Option<String>, String);

impl Report {
    /// Diagnoses each zero-result query with `diagnose`, most searched first, grouped by
    /// kind (typo, synonym, uncovered, filtered).
    pub fn classify_gaps(&mut self, mut diagnose: impl FnMut(&str) -> Option<Diagnosis>) {
        let mut gaps: Vec<ContentGap> = self
            .zero_result_queries
            .iter()
            .filter_map(|zero| {
                let (kind, suggestion, advice) = diagnose(&zero.query)?;
                Some(ContentGap {
                    query: zero.query.clone(),
                    count: zero.count,
                    kind,
                    suggestion,
                    advice,
                })
            })
            .collect();
        gaps.sort_by_key(|gap| gap.kind as u8);
        self.content_gaps = gaps;
    }
}

/// The report of the database at `path` over the `days` days ending today (`now_ms`).
pub fn report(path: &Path, days: u32, now_ms: i64) -> Result<Report> {
    if days == 0 || days > MAX_DAYS {
        return Err(Error::Days { max: MAX_DAYS });
    }
    let conn = open_for_reading(path)?;
    read(&conn, days, now_ms).map_err(db_error(path))
}

fn read(conn: &Connection, days: u32, now_ms: i64) -> rusqlite::Result<Report> {
    let today = now_ms.div_euclid(DAY_MS);
    let first = today - i64::from(days) + 1;
    let (from, to) = (first * DAY_MS, (today + 1) * DAY_MS);
    let count = |sql: &str| -> rusqlite::Result<u64> {
        conn.query_row(sql, params![from, to], |row| row.get::<_, i64>(0))
            .map(as_count)
    };
    let searches = count("SELECT count(*) FROM searches WHERE at >= ?1 AND at < ?2")?;
    let clicks = count("SELECT count(*) FROM clicks WHERE at >= ?1 AND at < ?2")?;
    let zero_result_searches =
        count("SELECT count(*) FROM searches WHERE at >= ?1 AND at < ?2 AND total = 0")?;
    Ok(Report {
        days,
        from: date(first),
        to: date(today),
        searches,
        clicks,
        zero_result_searches,
        top_queries: top_queries(conn, from, to)?,
        zero_result_queries: zero_result_queries(conn, from, to)?,
        top_clicked: top_clicked(conn, from, to)?,
        facets_used: facets_used(conn, from, to)?,
        per_day: per_day(conn, first, today)?,
        clicks_by_position: clicks_by_position(conn, from, to)?,
        content_gaps: Vec::new(),
    })
}

fn as_count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn top_queries(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<TopQuery>> {
    let mut statement = conn.prepare(
        "SELECT query, sum(page = 1) AS n,
                sum(EXISTS (SELECT 1 FROM clicks c WHERE c.query_id = s.id))
         FROM searches s WHERE at >= ?1 AND at < ?2 AND query != ''
         GROUP BY query HAVING n > 0 ORDER BY n DESC, query LIMIT ?3",
    )?;
    let rows = statement.query_map(params![from, to, LIST_LEN], |row| {
        let count = as_count(row.get(1)?);
        // Searches of any page after which a hit was opened, over first pages asked for.
        let clicked = as_count(row.get(2)?).min(count);
        Ok(TopQuery {
            query: row.get(0)?,
            count,
            click_rate: rate(clicked, count),
        })
    })?;
    rows.collect()
}

/// `part / whole` to three decimals.
fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 1000.0).round() / 1000.0
}

fn zero_result_queries(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<QueryCount>> {
    let mut statement = conn.prepare(
        "SELECT query, count(*) AS n FROM searches
         WHERE at >= ?1 AND at < ?2 AND total = 0 AND query != '' AND page = 1
         GROUP BY query ORDER BY n DESC, query LIMIT ?3",
    )?;
    let rows = statement.query_map(params![from, to, LIST_LEN], |row| {
        Ok(QueryCount {
            query: row.get(0)?,
            count: as_count(row.get(1)?),
        })
    })?;
    rows.collect()
}

fn top_clicked(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<Clicked>> {
    // The title of the latest click: a page retitled since shows its current name.
    let mut statement = conn.prepare(
        "SELECT doc_id, count(*) AS n,
                (SELECT title FROM clicks l WHERE l.doc_id = c.doc_id ORDER BY at DESC LIMIT 1)
         FROM clicks c WHERE at >= ?1 AND at < ?2
         GROUP BY doc_id ORDER BY n DESC, doc_id LIMIT ?3",
    )?;
    let rows = statement.query_map(params![from, to, LIST_LEN], |row| {
        Ok(Clicked {
            id: row.get(0)?,
            count: as_count(row.get(1)?),
            title: row.get(2)?,
        })
    })?;
    rows.collect()
}

fn facets_used(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<FacetUse>> {
    let mut statement = conn.prepare(
        "SELECT f.key, v.value, count(*) AS n
         FROM searches s, json_each(s.filters) f, json_each(f.value) v
         WHERE s.at >= ?1 AND s.at < ?2
         GROUP BY f.key, v.value ORDER BY n DESC, f.key, v.value LIMIT ?3",
    )?;
    let rows = statement.query_map(params![from, to, LIST_LEN], |row| {
        Ok(FacetUse {
            facet: row.get(0)?,
            value: row.get(1)?,
            count: as_count(row.get(2)?),
        })
    })?;
    rows.collect()
}

fn per_day(conn: &Connection, first: i64, today: i64) -> rusqlite::Result<Vec<Day>> {
    let (from, to) = (first * DAY_MS, (today + 1) * DAY_MS);
    let mut figures: HashMap<String, (u64, u64, u64)> = HashMap::new();
    let mut searches = conn.prepare(
        "SELECT day, count(*), sum(total = 0) FROM searches
         WHERE at >= ?1 AND at < ?2 GROUP BY day",
    )?;
    for row in searches.query_map(params![from, to], |row| {
        Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?))
    })? {
        let (day, n, zero) = row?;
        let entry = figures.entry(day).or_default();
        entry.0 = as_count(n);
        entry.1 = as_count(zero);
    }
    let mut clicks =
        conn.prepare("SELECT day, count(*) FROM clicks WHERE at >= ?1 AND at < ?2 GROUP BY day")?;
    for row in clicks.query_map(params![from, to], |row| {
        Ok((row.get::<_, String>(0)?, row.get(1)?))
    })? {
        let (day, n) = row?;
        figures.entry(day).or_default().2 = as_count(n);
    }
    Ok((first..=today)
        .map(|day| {
            let date = date(day);
            let (searches, zero_results, clicks) = figures.get(&date).copied().unwrap_or_default();
            Day {
                date,
                searches,
                zero_results,
                clicks,
            }
        })
        .collect())
}

fn clicks_by_position(
    conn: &Connection,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<PositionClicks>> {
    let mut statement = conn.prepare(
        "SELECT position, count(*) FROM clicks WHERE at >= ?1 AND at < ?2
         GROUP BY position ORDER BY position LIMIT ?3",
    )?;
    let rows = statement.query_map(params![from, to, POSITIONS], |row| {
        Ok(PositionClicks {
            position: row.get(0)?,
            clicks: as_count(row.get(1)?),
        })
    })?;
    rows.collect()
}

/// The UTC date of day `days` since 1970-01-01, as `YYYY-MM-DD` (Howard Hinnant's
/// `civil_from_days`).
fn date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(19_782), "2024-02-29");
        assert_eq!(date(20_787), "2026-11-30");
    }

    #[test]
    fn gap_kinds_are_named_as_the_json_names_them() {
        for kind in [
            GapKind::Typo,
            GapKind::Synonym,
            GapKind::Uncovered,
            GapKind::Filtered,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
    }

    #[test]
    fn rates_round_to_three_decimals() {
        assert_eq!(rate(1, 3), 0.333);
        assert_eq!(rate(0, 0), 0.0);
        assert_eq!(rate(2, 2), 1.0);
    }
}
