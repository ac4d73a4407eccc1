//! An incremental run after new (and late) events gives exactly the tables a
//! full rebuild gives on the same data.

mod common;
use common::{duck_query, jmap_in};

/// `YYYY-MM-DD HH:MM:SS` of a timestamp written in any of the generator's
/// spellings; `None` for the deliberately unparseable ones.
fn when(text: &str) -> Option<String> {
    let t = text.trim().replace('T', " ");
    (t.len() >= 19 && t.as_bytes()[4] == b'-').then(|| t[..19].to_owned())
}

/// The rows of the first batch: those before `cut`, except every other row
/// from `late_from` on, which arrives late (with the second batch) although
/// it happened before rows the first batch already had.
fn first_batch(csv: &str, time_col: &str, cut: &str, late_from: &str) -> String {
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let idx = header.split(',').position(|c| c == time_col).unwrap();
    let mut out = vec![header.to_owned()];
    let mut in_window = 0;
    for line in lines {
        // No quoted field with a comma comes before the time column here.
        let keep = match line.split(',').nth(idx).and_then(when) {
            Some(t) if t.as_str() >= cut => false,
            Some(t) if t.as_str() >= late_from => {
                in_window += 1;
                in_window % 2 == 0
            }
            _ => true,
        };
        if keep {
            out.push(line.to_owned());
        }
    }
    out.join("\n") + "\n"
}

/// A cut with at least `n` web events in the two hours before it.
fn busy_cut(web_csv: &str, n: usize) -> (String, String) {
    let fmt = "%Y-%m-%d %H:%M:%S";
    let mut times: Vec<chrono::NaiveDateTime> = web_csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1).and_then(when))
        .filter_map(|t| chrono::NaiveDateTime::parse_from_str(&t, fmt).ok())
        .collect();
    times.sort();
    for &t in &times[times.len() * 7 / 10..] {
        let from = t - chrono::Duration::hours(2);
        if times.iter().filter(|x| **x >= from && **x < t).count() >= n {
            return (t.format(fmt).to_string(), from.format(fmt).to_string());
        }
    }
    panic!("no busy two hours in the generated data");
}

#[test]
fn incremental_run_equals_full_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    jmap_in(root, &["generate", "--out", "full", "--accounts", "25"]).success();
    let sources = jmap::generate::sources_yaml("data");
    let yaml = format!("name: inc\n{sources}");
    // Project `inc` first sees the events before a cut, minus every other one
    // of the two hours before it (they arrive late, within the re-processed
    // window), then everything.
    let web = std::fs::read_to_string(root.join("full/web_events.csv")).unwrap();
    let (cut, late_from) = busy_cut(&web, 6);
    let (cut, late_from) = (cut.as_str(), late_from.as_str());
    let inc = root.join("inc");
    std::fs::create_dir_all(inc.join("data")).unwrap();
    std::fs::write(inc.join("journey.yaml"), &yaml).unwrap();
    let full_dir = root.join("full");
    let time_cols = [
        ("web_events.csv", "timestamp"),
        ("ad_clicks.csv", "clicked_at"),
        ("email_events.csv", "occurred_at"),
        ("crm_activities.csv", "occurred_at"),
    ];
    for entry in std::fs::read_dir(&full_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let first = match time_cols.iter().find(|(f, _)| *f == name) {
            Some((_, col)) => first_batch(&text, col, cut, late_from),
            None => text,
        };
        std::fs::write(inc.join("data").join(&name), first).unwrap();
    }
    jmap_in(&inc, &["run"]).success();
    for (file, _) in time_cols {
        std::fs::copy(full_dir.join(file), inc.join("data").join(file)).unwrap();
    }
    let second = jmap_in(&inc, &["run"]).success();
    let out = String::from_utf8_lossy(&second.get_output().stdout).into_owned();
    assert!(
        out.contains("incremental journey_staging.int_web_events"),
        "{out}"
    );

    // Project `ref` builds the same final data from scratch.
    let reference = root.join("ref");
    std::fs::create_dir_all(reference.join("data")).unwrap();
    std::fs::write(reference.join("journey.yaml"), &yaml).unwrap();
    for entry in std::fs::read_dir(inc.join("data")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            reference.join("data").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    jmap_in(&reference, &["run"]).success();

    // Every column but the stamps of when jmap wrote a row, which differ
    // between the two projects by construction.
    let tables = [
        ("journey_staging.int_web_events", "exclude (written_at)"),
        ("journey_staging.int_sessions", ""),
        ("journey_staging.int_identity_edges", ""),
        ("journey_staging.int_touches", "exclude (built_at)"),
        ("journey_staging.int_account_touches", "exclude (built_at)"),
        ("journey_staging.int_path_touches", "exclude (built_at)"),
        ("journey.sessions", ""),
        ("journey.touchpoints", ""),
        ("journey.identity_map", "exclude (resolved_at, built_at)"),
        ("journey.persons", "exclude (changed_at, resolved_at)"),
        ("journey.stage_events", "exclude (built_at)"),
        ("journey.account_journeys", "exclude (built_at)"),
        ("journey.conversion_paths", "exclude (built_at)"),
        ("journey_staging.int_path_elements", "exclude (built_at)"),
        ("journey_staging.int_path_keys", "exclude (built_at)"),
    ];
    for (table, except) in tables {
        let sql = format!("select * {except} from {table}");
        let mut a = duck_query(&inc.join("target/jmap.duckdb"), &sql);
        let mut b = duck_query(&reference.join("target/jmap.duckdb"), &sql);
        a.sort();
        b.sort();
        assert!(!b.is_empty(), "{table} is empty: nothing would be proven");
        if a.len() != b.len() {
            let only_ref: Vec<_> = b.iter().filter(|r| !a.contains(r)).collect();
            let only_inc: Vec<_> = a.iter().filter(|r| !b.contains(r)).collect();
            eprintln!(
                "only in full: {only_ref:#?}\nonly in incremental: {only_inc:#?}\ncut {cut}, late from {late_from}"
            );
        }
        assert_eq!(
            a.len(),
            b.len(),
            "{table}: row counts differ (incremental vs full)"
        );
        assert!(a == b, "{table}: incremental and full refresh differ");
    }
    // The second run re-processed only a window, not the whole history.
    let rows_line = out
        .lines()
        .find(|l| l.contains("journey_staging.int_web_events"))
        .unwrap();
    let total = duck_query(
        &inc.join("target/jmap.duckdb"),
        "select count(*) from journey_staging.int_web_events",
    );
    assert!(
        !rows_line.contains(&format!(" {} rows", total[0][0])),
        "{rows_line}"
    );
}

/// Late events whose times are spelt in any way the engines parse are picked
/// up by an incremental run, on DuckDB and Postgres. The incremental filters
/// compare a source's text before casting it (`since()`): this pins that the
/// comparison drops no row of the window, whatever the spelling.
#[test]
fn late_events_in_every_spelling_of_their_time_are_kept() {
    const WEB: &str = "event_id,occurred_at,anonymous_id,user_id,email,event_type,url,referrer,utm_source,utm_medium,utm_campaign,gclid";
    let first = format!(
        "{WEB}\n\
         e0,2025-06-01 08:00:00,dev-b,,,page,https://acme.io/,,,,,\n\
         e1,2025-06-10 12:00:00,dev-a,,,page,https://acme.io/,,,,,\n"
    );
    let case = common::JourneyCase::new(&[("web_events", &first)], "");
    case.run();
    // The window re-processed next starts at 12:00 - 3 h = 09:00 on June 10
    // (no session ends near it), so the text filter keeps any ISO date from
    // June 8 on, and any text that does not start as `YYYY-MM-DD`. Each late
    // row below is in the window: a leading space (text below "2025"), a
    // month without its zero, an offset, a `T` and `Z`, milliseconds.
    let second = format!(
        "{first}\
         l1,2025-06-10T10:00:00Z,dev-c,,,page,https://acme.io/,,,,,\n\
         l2,2025-06-10 10:20:00.250,dev-c,,,page,https://acme.io/a,,,,,\n\
         l3, 2025-06-10 11:00:00,dev-d,,,page,https://acme.io/,,,,,\n\
         l4,2025-6-10 11:10:00,dev-d,,,page,https://acme.io/b,,,,,\n\
         l5,2025-06-10 11:20:00+02:00,dev-d,,,page,https://acme.io/c,,,,,\n\
         n1,2025-06-10 12:10:00,dev-a,,,page,https://acme.io/d,,,,,\n"
    );
    case.project.write("data/web_events.csv", &second);
    case.run();
    assert_eq!(
        case.query("select event_id from journey_staging.int_web_events order by event_id"),
        common::rows(&["e0", "e1", "l1", "l2", "l3", "l4", "l5", "n1"])
    );
    // dev-a 12:00 and 12:10, dev-c 10:00 and 10:20, dev-d 11:00, 11:10 and
    // 11:20 (the offset is dropped by both engines' timestamp): one session
    // each, and dev-b's.
    assert_eq!(
        case.query(
            "select anonymous_id, count(*) from journey.sessions group by anonymous_id order by 1"
        ),
        common::rows(&["dev-a|1", "dev-b|1", "dev-c|1", "dev-d|1"])
    );
}
