//! Before any model runs: every source the run reads must exist and have the
//! columns its mapping names. A missing one is reported with the source, the
//! table (or file) and the column, and nothing runs.

use crate::adapter::{self, Session};
use crate::config::LoadedConfig;
use crate::dialect::Dialect;
use crate::error::{Code, Error, Location, did_you_mean};
use crate::project::presets::group_key_line;
use crate::project::sources::{Source, SourceLocation};

/// Check `source`, read through `relation` (as models see it).
pub fn check_source(
    session: &mut dyn Session,
    d: Dialect,
    config: &LoadedConfig,
    source: &Source,
    relation: &str,
    landed: bool,
) -> Result<(), Error> {
    let what = match (&source.location, landed) {
        (SourceLocation::File { path, .. }, false) => format!("file {}", path.display()),
        (SourceLocation::Table { schema, table }, false) => format!("table {schema}.{table}"),
        (SourceLocation::Query { .. }, false) => "its query".to_owned(),
        (_, true) => format!("its copy {relation}"),
    };
    let columns = match (&source.location, d, landed) {
        (SourceLocation::Query { .. }, _, false) => {
            query_columns(session, config, source, relation)?
        }
        (SourceLocation::File { .. }, Dialect::DuckDb, false) => {
            let rows = session
                .query(&format!("describe select * from {relation}"))
                .map_err(|e| {
                    let missing = e.message.contains("No files found")
                        || e.message.contains("does not exist");
                    Error::new(
                        Code::SourceMissing,
                        format!(
                            "source `{}`: cannot read {what}: {}",
                            source.label(),
                            first_line(&e.message)
                        ),
                    )
                    .help(if missing {
                        "check `path:` (relative to the project directory)"
                    } else {
                        "check that the file is a valid CSV/Parquet file"
                    })
                })?;
            rows.rows
                .iter()
                .filter_map(|r| r.first()?.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        }
        _ => {
            let (schema, table) = split_relation(relation);
            let cols = adapter::columns(session, d, &schema, &table).map_err(|e| {
                Error::new(
                    Code::Query,
                    format!("inspecting source `{}` failed: {e}", source.label()),
                )
            })?;
            if cols.is_empty() {
                return Err(locate(
                    config,
                    source,
                    Error::new(Code::SourceMissing, format!("source `{}`: {what} does not exist", source.label()))
                        .help("create it, fix `schema:`/`table:` in journey.yaml, or grant the user access"),
                    None,
                ));
            }
            cols.into_iter().map(|c| c.0).collect()
        }
    };
    for col in source.named_columns() {
        if !columns.contains(&col) {
            let err = Error::new(
                Code::SourceMissing,
                format!("source `{}`: {what} has no column `{col}`", source.label()),
            );
            let fix = match &source.preset {
                Some(p) => format!(
                    "preset `{p}` expects it: give `{}` under `tables:` with the mapping your landing needs",
                    source.name
                ),
                None => "fix the mapping under `columns:` in journey.yaml".to_owned(),
            };
            let err = match did_you_mean(&col, columns.iter().map(String::as_str)) {
                Some(near) => err.help(format!("did you mean `{near}`? {fix}")),
                None => err.help(format!("its columns: {}; {fix}", columns.join(", "))),
            };
            return Err(locate(config, source, err, Some(Needle::Value(&col))));
        }
    }
    check_filter(session, config, source, relation)
}

/// The columns a query source returns. A left join of one row to the query's
/// empty result yields a row of nulls under its column names, the same way on
/// both engines, without running the query to completion.
fn query_columns(
    session: &mut dyn Session,
    config: &LoadedConfig,
    source: &Source,
    relation: &str,
) -> Result<Vec<String>, Error> {
    let sql = format!(
        "select q.* from (select 1 as jmap_one) as one left join (select * from {relation} limit 0) as q on true"
    );
    let rows = session.query(&sql).map_err(|e| {
        let err = Error::new(
            Code::SourceMissing,
            format!(
                "source `{}`: its query failed: {}",
                source.label(),
                first_line(&e.message)
            ),
        );
        let err = match &source.preset {
            Some(p) => err.help(format!(
                "the query of preset `{p}` expects its tables in schema `{}`: fix `schema:`, replace the entry under `tables:`, or leave it out with `exclude: [{}]`",
                group_schema(config, source),
                source.name
            )),
            None => err.help(format!(
                "fix `query:` in journey.yaml; `{{schema}}` stands for the group's schema `{}`",
                group_schema(config, source)
            )),
        };
        locate(config, source, err, Some(Needle::Key("query:")))
    })?;
    Ok(rows.columns)
}

/// A `where:` must run against the source, or every model reading it fails.
fn check_filter(
    session: &mut dyn Session,
    config: &LoadedConfig,
    source: &Source,
    relation: &str,
) -> Result<(), Error> {
    let Some(filter) = &source.filter else {
        return Ok(());
    };
    session
        .query(&format!("select 1 from {relation} where {filter} limit 0"))
        .map(|_| ())
        .map_err(|e| {
            let err = Error::new(
                Code::SourceMissing,
                format!(
                    "source `{}`: its `where:` fails: {}",
                    source.label(),
                    first_line(&e.message)
                ),
            )
            .help(match &source.preset {
                Some(p) => format!(
                    "the filter comes from preset `{p}`: replace the entry `{}` under `tables:` with one that fits the table",
                    source.name
                ),
                None => "fix `where:` in journey.yaml: it is an SQL condition on the source's own columns".to_owned(),
            });
            locate(config, source, err, Some(Needle::Value(filter)))
        })
}

fn group_schema(config: &LoadedConfig, source: &Source) -> String {
    config
        .config
        .sources
        .get(&source.group)
        .and_then(|g| g.schema.clone())
        .unwrap_or_else(|| source.group.clone())
}

/// What to point at inside a source's entry in journey.yaml.
enum Needle<'a> {
    /// A line `key ...` (e.g. `query:`).
    Key(&'a str),
    /// A mapping line `standard: <value>`.
    Value(&'a str),
}

/// Point the error at the source's entry in journey.yaml, or at the line of
/// `needle` in it; a preset's table at its group's `preset:` line.
fn locate(config: &LoadedConfig, source: &Source, err: Error, needle: Option<Needle>) -> Error {
    if let Some(p) = &source.preset {
        let err = err.note(format!("the table comes from preset `{p}`"));
        return match group_key_line(&config.text, &source.group, "preset:") {
            Some(line) => {
                err.at(Location::new("journey.yaml", line, None).with_source(&config.text))
            }
            None => err,
        };
    }
    let Some(start) = group_key_line(&config.text, &source.group, &format!("{}:", source.name))
    else {
        return err;
    };
    let line = needle
        .and_then(|needle| {
            config
                .text
                .lines()
                .enumerate()
                .skip(start)
                .find(|(_, l)| match needle {
                    Needle::Key(key) => l.trim_start().starts_with(key),
                    Needle::Value(v) => l.trim_end().ends_with(&format!(": {v}")),
                })
                .map(|(i, _)| i + 1)
        })
        .unwrap_or(start);
    err.at(Location::new("journey.yaml", line, None).with_source(&config.text))
}

fn split_relation(rel: &str) -> (String, String) {
    let unquote = |s: &str| s.trim_matches('"').replace("\"\"", "\"");
    match rel.split_once('.') {
        Some((s, t)) => (unquote(s), unquote(t)),
        None => (String::new(), unquote(rel)),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
