//! `jmap source freshness`: the newest `loaded_at` of each source against its
//! warn_after / error_after limits.

use std::time::Instant;

use serde_json::json;

use super::args::FreshnessArgs;
use super::report::{self, Reporter};
use super::workspace::{Workspace, existing_relations};
use crate::error::{Code, Error};
use crate::run::{NodeKind, NodeResult, Status};

pub fn freshness(args: &FreshnessArgs) -> Result<i32, Error> {
    let clock = Instant::now();
    let reporter = Reporter::new(args.project.log_format);
    let ws = Workspace::load(&args.project)?;
    let adapter = ws.connect(1)?;
    let existing = existing_relations(adapter.as_ref())?;
    let compiled = ws.compile(existing, false, 1)?;
    let d = compiled.dialect;
    let mut session = adapter.session()?;
    for stmt in d.setup_statements() {
        session
            .execute(&stmt)
            .map_err(|e| Error::new(Code::Query, format!("preparing the warehouse failed: {e}")))?;
    }
    let checked: Vec<_> = ws
        .project
        .sources
        .iter()
        .filter(|(_, s)| s.loaded_at.is_some() && s.freshness.is_some())
        .filter(|(_, s)| {
            args.select.is_empty() || args.select.iter().any(|w| *w == s.group || *w == s.label())
        })
        .collect();
    if checked.is_empty() {
        reporter.info(
            "freshness",
            "No source declares `loaded_at` and `freshness`: nothing to check",
            json!({}),
        );
        return Ok(0);
    }
    let now = chrono::Utc::now().naive_utc();
    let mut results = Vec::new();
    let mut report_rows = Vec::new();
    for (i, (key, source)) in checked.iter().enumerate() {
        let started = chrono::Utc::now();
        let t = Instant::now();
        let column = source.loaded_at.as_deref().unwrap_or_default();
        let relation = &compiled.source_relations[key];
        let sql = format!(
            "select cast(max({}) as varchar) from {relation}",
            d.try_timestamp(&crate::dialect::quote(column))
        );
        let freshness = source.freshness.as_ref().expect("filtered above");
        let (status, message, age) = match session.query(&sql) {
            Err(e) => (
                Status::Error,
                format!("cannot read {column}: {}", e.message),
                None,
            ),
            Ok(rows) => match rows
                .rows
                .first()
                .and_then(|r| r.first())
                .and_then(|c| c.as_str().map(str::to_owned))
            {
                None => (Status::Error, format!("no row has a {column}"), None),
                Some(latest) => {
                    let parsed = chrono::NaiveDateTime::parse_from_str(
                        &latest[..latest.len().min(19)],
                        "%Y-%m-%d %H:%M:%S",
                    );
                    match parsed {
                        Err(_) => (
                            Status::Error,
                            format!("cannot read the newest {column}: {latest}"),
                            None,
                        ),
                        Ok(latest_at) => {
                            let age = (now - latest_at).num_seconds();
                            let over = |a: Option<crate::config::Age>| {
                                a.is_some_and(|a| age > a.seconds())
                            };
                            let status = if over(freshness.error_after) {
                                Status::Error
                            } else if over(freshness.warn_after) {
                                Status::Warn
                            } else {
                                Status::Success
                            };
                            (
                                status,
                                format!("newest {column} {latest} ({} old)", human_age(age)),
                                Some(age),
                            )
                        }
                    }
                }
            },
        };
        report_rows.push(json!({ "source": source.label(), "status": status, "age_seconds": age, "message": message }));
        let error = (status != Status::Success).then(|| {
            Error::new(
                if status == Status::Error { Code::SourceStale } else { Code::TestWarned },
                format!("source `{}` is stale: {message}", source.label()),
            )
            .help("check the loader that fills it (Fivetran, Airbyte, a jmap load...), or relax `freshness:` in journey.yaml")
        });
        let r = NodeResult {
            kind: NodeKind::Test,
            name: format!("freshness_{}", source.label().replace('.', "_")),
            relation: relation.clone(),
            materialized: "freshness".into(),
            status,
            rows: None,
            failures: None,
            seconds: t.elapsed().as_secs_f64(),
            started_at: started,
            completed_at: chrono::Utc::now(),
            message,
            error,
            file: Some("journey.yaml".into()),
        };
        reporter.node(&r, i + 1, checked.len());
        results.push(r);
    }
    let target_dir = ws.project.target_dir();
    std::fs::create_dir_all(&target_dir).map_err(|e| Error::io(&target_dir, "create", e))?;
    let path = target_dir.join("sources.json");
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(
            &json!({ "checked_at": now.to_string(), "sources": report_rows }),
        )
        .expect("serialisable"),
    )
    .map_err(|e| Error::io(&path, "write", e))?;
    let elapsed = clock.elapsed().as_secs_f64();
    if let Some(path) = &args.ci.junit_xml {
        report::write_junit(path, "source freshness", &results, elapsed)?;
    }
    reporter.finish("source freshness", &results, elapsed);
    Ok(if results.iter().any(|r| r.status == Status::Error) {
        1
    } else {
        0
    })
}

fn human_age(seconds: i64) -> String {
    match seconds {
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{:.1} h", s as f64 / 3600.0),
        s => format!("{:.1} days", s as f64 / 86_400.0),
    }
}
