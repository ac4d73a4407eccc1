//! The generator's contract: deterministic, linear in size, calibrated to
//! the field, dirty in every documented way, and declared by `sources_yaml`
//! in a form jmap accepts.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use super::layout::LAYOUTS;
use super::{Options, Truth, generate, sources_yaml};

fn run(dir: &Path, accounts: u64, seed: u64, threads: usize) -> Truth {
    generate(&Options {
        out: dir.to_path_buf(),
        accounts,
        seed,
        threads,
    })
    .expect("generate")
}

fn read_all(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Split a CSV line into fields (quotes as the writer produces them).
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out
}

/// Column `name` of every data row of `file`.
fn column(dir: &Path, file: &str, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut lines = text.lines();
    let header = fields(lines.next().unwrap());
    let i = header.iter().position(|h| h == name).unwrap();
    lines.map(|l| fields(l).swap_remove(i)).collect()
}

#[test]
fn same_seed_same_bytes_whatever_the_threads() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run(a.path(), 70, 9, 1);
    run(b.path(), 70, 9, 3);
    let (fa, fb) = (read_all(a.path()), read_all(b.path()));
    assert_eq!(fa.len(), LAYOUTS.len() + 1, "{:?}", fa.keys());
    for (name, bytes) in &fa {
        assert!(bytes == &fb[name], "{name} differs between runs");
    }
}

#[test]
fn different_seed_different_data() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run(a.path(), 40, 1, 2);
    run(b.path(), 40, 2, 2);
    let (fa, fb) = (read_all(a.path()), read_all(b.path()));
    for l in &LAYOUTS {
        assert_ne!(
            fa[l.file], fb[l.file],
            "{} is the same for two seeds",
            l.file
        );
    }
}

#[test]
fn rows_scale_linearly_with_accounts() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let small = run(a.path(), 150, 5, 2);
    let large = run(b.path(), 600, 5, 2);
    let ratio = large.rows_total as f64 / small.rows_total as f64;
    assert!(
        (3.3..4.6).contains(&ratio),
        "total rows grew {ratio:.2}x for 4x accounts"
    );
    for file in ["web_events", "email_events", "crm_activities", "contacts"] {
        let ratio = large.rows[file] as f64 / small.rows[file] as f64;
        assert!(
            (3.3..4.7).contains(&ratio),
            "{file} grew {ratio:.2}x for 4x accounts"
        );
    }
    // About 330 rows per account: 300 accounts make ~100k rows.
    let per_account = large.rows_total as f64 / 600.0;
    assert!(
        (280.0..400.0).contains(&per_account),
        "{per_account:.0} rows per account"
    );
}

#[test]
fn won_journeys_match_the_field_and_the_files_hold_together() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = run(d, 300, 42, 2);
    let j = &t.won_journeys.as_generated;
    assert!(j.accounts >= 15, "{} won accounts", j.accounts);
    assert!(
        (25.0..37.0).contains(&j.avg_touches),
        "avg touches {}",
        j.avg_touches
    );
    assert!(
        (2.5..3.8).contains(&j.avg_channels),
        "avg channels {}",
        j.avg_channels
    );
    assert!(
        (150.0..230.0).contains(&j.avg_days),
        "avg days {}",
        j.avg_days
    );
    assert!(j.avg_people >= 2.0, "avg people {}", j.avg_people);
    let k = &t.won_journeys.identifiable;
    assert!(k.avg_touches <= j.avg_touches && k.avg_touches > 0.7 * j.avg_touches);
    assert!(
        t.accounts.target_list_only + t.accounts.engaged_without_opportunity > t.accounts.total / 2
    );
    assert_eq!(
        t.opportunities.total,
        t.opportunities.won + t.opportunities.lost + t.opportunities.open
    );

    // Every row has as many fields as its header, and truth counts them all.
    for l in &LAYOUTS {
        let text = std::fs::read_to_string(d.join(l.file)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), l.header().trim_end());
        let mut n = 0;
        for line in lines {
            assert_eq!(fields(line).len(), l.columns.len(), "{}: {line}", l.file);
            n += 1;
        }
        assert_eq!(n, t.rows[l.file.trim_end_matches(".csv")], "{}", l.file);
    }
    // Ids are unique except for the injected exact duplicates.
    let ids = column(d, "web_events.csv", "id");
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(
        ids.len() - distinct.len(),
        t.dirt.exact_duplicate_web_rows as usize
    );
    // Each Google click with a landing shares its gclid with one web row.
    let web: HashSet<String> = column(d, "web_events.csv", "gclid").into_iter().collect();
    let both = column(d, "ad_clicks.csv", "gclid")
        .into_iter()
        .filter(|g| !g.is_empty() && web.contains(g))
        .count();
    assert_eq!(both as u64, t.dirt.cross_source_duplicates);
    // Opportunities: won ones are closed with an amount, open ones are not closed.
    let won = column(d, "opportunities.csv", "is_won");
    let closed = column(d, "opportunities.csv", "closed_at");
    for (w, c) in won.iter().zip(&closed) {
        assert_eq!(w.is_empty(), c.is_empty());
    }
    assert_eq!(
        won.iter().filter(|w| *w == "true").count() as u64,
        t.opportunities.won
    );
}

#[test]
fn every_kind_of_dirt_is_present() {
    let dir = tempfile::tempdir().unwrap();
    let t = run(dir.path(), 300, 42, 2);
    let d = &t.dirt;
    let counts = [
        ("cross_source_duplicates", d.cross_source_duplicates),
        ("exact_duplicate_web_rows", d.exact_duplicate_web_rows),
        ("mixed_case_emails", d.mixed_case_emails),
        ("whitespace_padded_emails", d.whitespace_padded_emails),
        ("free_mail_contacts", d.free_mail_contacts),
        ("duplicate_crm_contacts", d.duplicate_crm_contacts),
        ("unparseable_timestamps", d.unparseable_timestamps),
        ("null_key_rows", d.null_key_rows),
        ("shared_devices", d.shared_devices),
        ("mixed_case_event_types", d.mixed_case_event_types),
        ("mixed_case_platforms", d.mixed_case_platforms),
        ("mixed_case_utm_values", d.mixed_case_utm_values),
        ("messy_account_domains", d.messy_account_domains),
        (
            "web_only_free_mail_leads",
            t.persons.web_only_free_mail_leads,
        ),
    ];
    for (name, n) in counts {
        assert!(n > 0, "no {name}");
    }
    for (format, n) in &d.web_timestamp_formats {
        assert!(*n > 0, "no web timestamps spelt {format}");
    }
    let blocked: HashSet<&str> = d
        .blocked_identifiers
        .values()
        .flat_map(|m| m.keys().copied())
        .collect();
    assert_eq!(blocked.len(), super::dirt::BLOCKED.len(), "{blocked:?}");
    assert_eq!(t.kiosk.accounts.len(), 2);
    // The kiosk's device id really appears for two different emails.
    let text = std::fs::read_to_string(dir.path().join("web_events.csv")).unwrap();
    let emails: HashSet<String> = text
        .lines()
        .map(fields)
        .filter(|f| f[2] == t.kiosk.anonymous_id && !f[4].is_empty())
        .map(|f| f[4].trim().to_lowercase())
        .collect();
    assert!(emails.len() >= 2, "{emails:?}");
}

#[test]
fn duckdb_reads_every_file_and_every_parseable_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let t = run(dir.path(), 60, 3, 2);
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let count =
        |sql: &str| -> u64 { conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64 };
    let path = |f: &str| dir.path().join(f).display().to_string();
    for l in &LAYOUTS {
        let n = count(&format!(
            "select count(*) from read_csv('{}', header = true, all_varchar = true)",
            path(l.file)
        ));
        assert_eq!(n, t.rows[l.file.trim_end_matches(".csv")], "{}", l.file);
    }
    let bad = count(&format!(
        "select count(*) from read_csv('{}', header = true, all_varchar = true) \
         where try_cast(\"timestamp\" as timestamp) is null",
        path("web_events.csv")
    )) + count(&format!(
        "select count(*) from read_csv('{}', header = true, all_varchar = true) \
         where try_cast(occurred_at as timestamp) is null",
        path("crm_activities.csv")
    ));
    assert_eq!(bad, t.dirt.unparseable_timestamps);
}

#[test]
fn sources_yaml_is_a_valid_sources_block() {
    let text = format!("name: x\n{}", sources_yaml("fixtures/"));
    let config: crate::config::ProjectConfig =
        crate::config::yaml::parse(Path::new("journey.yaml"), &text).expect("parses");
    let mut declared = 0;
    for (group, g) in &config.sources {
        for (name, table) in &g.tables {
            declared += 1;
            let kind_name = table.kind.as_deref().expect("kind");
            let kind = crate::project::kinds::find(kind_name).expect("known kind");
            for required in kind.required {
                assert!(
                    table.columns.contains_key(*required),
                    "{group}.{name} lacks {required}"
                );
            }
            for key in table.columns.keys() {
                assert!(kind.knows(key), "{group}.{name}: {key}");
            }
            let path = table.path.as_deref().expect("path");
            let layout = LAYOUTS.iter().find(|l| l.kind == kind_name).unwrap();
            assert_eq!(path, format!("fixtures/{}", layout.file));
        }
    }
    assert_eq!(declared, LAYOUTS.len());
    assert!(sources_yaml("my data").contains("path: 'my data/web_events.csv'"));
}
