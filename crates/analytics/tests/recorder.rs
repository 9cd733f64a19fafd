//! The recorder and the report on a real SQLite file in a temporary directory.

use std::time::Duration;

use him_analytics::{
    new_query_id, now_ms, report, ClickEvent, GapKind, Health, Recorder, SearchEvent, Settings,
};

const DAY: i64 = 86_400_000;

fn search(query: &str, total: u64, at_ms: i64) -> SearchEvent {
    SearchEvent {
        id: new_query_id(),
        at_ms,
        query: query.to_string(),
        filters: Vec::new(),
        total,
        page: 1,
        took_us: 900,
    }
}

fn click(search: &SearchEvent, doc: &str, position: u32) -> ClickEvent {
    ClickEvent {
        query_id: search.id.clone(),
        at_ms: search.at_ms,
        doc_id: doc.to_string(),
        title: Some(format!("Title of {doc}")),
        position,
    }
}

#[test]
fn a_known_sequence_gives_the_expected_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("analytics.db");
    let recorder = Recorder::open(&path, Settings::default());
    let now = now_ms();
    let yesterday = now - DAY;
    let mut events = Vec::new();
    for _ in 0..3 {
        events.push(search("rhit exam", 12, now));
    }
    events.push(search("rhit exam", 12, yesterday));
    events.push(search("xyzzy", 0, now));
    events.push(search("xyzzy", 0, yesterday));
    events.push(search("", 101, now));
    let mut filtered = search("coding", 5, now);
    filtered.filters = vec![
        ("credential".into(), "CCS".into()),
        ("credential".into(), "CPC".into()),
        ("topic".into(), "Coding".into()),
    ];
    events.push(filtered);
    for event in &events {
        assert!(recorder.record_search(event.clone()));
    }
    assert!(recorder.record_click(click(&events[0], "a.html", 1)));
    assert!(recorder.record_click(click(&events[0], "b.html", 3)));
    assert!(recorder.record_click(click(&events[1], "a.html", 1)));
    recorder.flush();
    assert_eq!(recorder.health(), Health::Ok);
    assert_eq!(recorder.written(), 11);

    let report = report(&path, 7, now).unwrap();
    assert_eq!(report.searches, 8);
    assert_eq!(report.clicks, 3);
    assert_eq!(report.zero_result_searches, 2);
    let top: Vec<_> = report
        .top_queries
        .iter()
        .map(|q| (q.query.as_str(), q.count, q.click_rate))
        .collect();
    assert_eq!(
        top,
        [("rhit exam", 4, 0.5), ("xyzzy", 2, 0.0), ("coding", 1, 0.0)]
    );
    assert_eq!(report.zero_result_queries.len(), 1);
    assert_eq!(report.zero_result_queries[0].query, "xyzzy");
    assert_eq!(report.zero_result_queries[0].count, 2);
    assert_eq!(report.top_clicked[0].id, "a.html");
    assert_eq!(report.top_clicked[0].count, 2);
    assert_eq!(
        report.top_clicked[0].title.as_deref(),
        Some("Title of a.html")
    );
    let facets: Vec<_> = report
        .facets_used
        .iter()
        .map(|f| (f.facet.as_str(), f.value.as_str(), f.count))
        .collect();
    assert_eq!(
        facets,
        [
            ("credential", "CCS", 1),
            ("credential", "CPC", 1),
            ("topic", "Coding", 1)
        ]
    );
    assert_eq!(report.per_day.len(), 7);
    let today = report.per_day.last().unwrap();
    assert_eq!(
        (today.searches, today.zero_results, today.clicks),
        (6, 1, 3)
    );
    let before = &report.per_day[5];
    assert_eq!(
        (before.searches, before.zero_results, before.clicks),
        (2, 1, 0)
    );
    assert_eq!(report.to, today.date);
    let positions: Vec<_> = report
        .clicks_by_position
        .iter()
        .map(|p| (p.position, p.clicks))
        .collect();
    assert_eq!(positions, [(1, 2), (3, 1)]);

    // One day: yesterday's searches are out.
    let today_only = him_analytics::report(&path, 1, now).unwrap();
    assert_eq!(today_only.searches, 6);
    assert!(him_analytics::report(&path, 0, now).is_err());
}

#[test]
fn gaps_are_grouped_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let recorder = Recorder::open(&path, Settings::default());
    let now = now_ms();
    for query in ["zzz", "codng", "codng", "telehealthcare"] {
        recorder.record_search(search(query, 0, now));
    }
    recorder.flush();
    let mut report = report(&path, 7, now).unwrap();
    report.classify_gaps(|query| match query {
        "codng" => Some((GapKind::Typo, Some("coding".into()), "add a synonym".into())),
        "zzz" => Some((GapKind::Uncovered, None, "no page".into())),
        _ => None,
    });
    let gaps: Vec<_> = report
        .content_gaps
        .iter()
        .map(|g| (g.query.as_str(), g.count, g.kind))
        .collect();
    assert_eq!(
        gaps,
        [("codng", 2, GapKind::Typo), ("zzz", 1, GapKind::Uncovered)]
    );
}

#[test]
fn rows_past_the_retention_period_are_deleted_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let now = now_ms();
    {
        let recorder = Recorder::open(&path, Settings::default());
        let old = search("old", 1, now - 40 * DAY);
        recorder.record_search(old.clone());
        recorder.record_click(click(&old, "a.html", 1));
        recorder.record_search(search("recent", 1, now - 2 * DAY));
        recorder.flush();
        assert_eq!(report(&path, 60, now).unwrap().searches, 2);
    }
    let settings = Settings {
        retention_days: 30,
        ..Settings::default()
    };
    let recorder = Recorder::open(&path, settings);
    recorder.flush();
    let kept = report(&path, 60, now).unwrap();
    assert_eq!(kept.searches, 1);
    assert_eq!(kept.clicks, 0);
    assert_eq!(kept.top_queries[0].query, "recent");
}

#[test]
fn clicks_name_known_searches_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let event = search("rhia", 3, now_ms());
    {
        let recorder = Recorder::open(&path, Settings::default());
        recorder.record_search(event.clone());
        assert!(recorder.knows(&event.id), "known from memory");
        assert!(!recorder.knows(&new_query_id()));
    }
    // A new recorder (a restarted server) finds the id in the database.
    let recorder = Recorder::open(&path, Settings::default());
    assert!(recorder.knows(&event.id));
    assert!(!recorder.knows("not an id"));
    // One id, one spelling: the same digits in upper case, or signed, are not it.
    assert!(!recorder.knows(&event.id.to_uppercase()));
    assert!(!recorder.knows(&format!("+{}", &event.id[1..])));
}

#[test]
fn a_full_queue_drops_and_counts_instead_of_growing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let settings = Settings {
        queue: 4,
        batch_window: Duration::from_secs(5),
        batch_max: 1,
        ..Settings::default()
    };
    let recorder = Recorder::open(&path, settings);
    let now = now_ms();
    let mut sent = 0;
    let mut dropped = Vec::new();
    for _ in 0..1000 {
        let event = search("flood", 1, now);
        if recorder.record_search(event.clone()) {
            sent += 1;
        } else {
            dropped.push(event.id);
        }
    }
    assert!(sent < 1000, "the queue is bounded");
    assert_eq!(recorder.dropped(), 1000 - sent);
    assert!(
        dropped.iter().all(|id| !recorder.knows(id)),
        "a search never recorded cannot be clicked"
    );
    recorder.flush();
    assert_eq!(report(&path, 1, now).unwrap().searches, sent);
}

#[test]
fn a_corrupt_file_degrades_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    let recorder = Recorder::open(&path, Settings::default());
    assert!(matches!(recorder.health(), Health::Degraded(m) if m.contains("not a database")));
    assert!(recorder.record_search(search("rhit", 1, now_ms())));
    recorder.flush();
    assert_eq!(recorder.dropped(), 1);
    assert_eq!(recorder.written(), 0);
    assert!(report(&path, 7, now_ms()).is_err());
    // The file is left as it was: the owner decides what to do with it.
    assert_eq!(std::fs::read(&path).unwrap(), vec![0x5a; 8192]);
}

#[test]
fn a_file_damaged_while_recording_degrades_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let settings = Settings {
        retry_every: Duration::ZERO,
        ..Settings::default()
    };
    let recorder = Recorder::open(&path, settings);
    recorder.record_search(search("first", 1, now_ms()));
    recorder.flush();
    assert_eq!(recorder.written(), 1);
    for name in ["a.db", "a.db-wal", "a.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(name));
    }
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    // The replaced file is noticed (not written on through the unlinked one) and refused.
    for _ in 0..3 {
        recorder.record_search(search("second", 1, now_ms()));
        recorder.flush();
    }
    assert!(matches!(recorder.health(), Health::Degraded(_)));
    assert_eq!((recorder.written(), recorder.dropped()), (1, 3));
    std::fs::remove_file(&path).unwrap();
    recorder.record_search(search("third", 1, now_ms()));
    recorder.flush();
    recorder.record_search(search("fourth", 1, now_ms()));
    recorder.flush();
    assert_eq!(recorder.health(), Health::Ok);
    assert_eq!(report(&path, 1, now_ms()).unwrap().searches, 2);
}
