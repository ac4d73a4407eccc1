//! Reading a table of a Postgres source: its columns, checks that the mapped
//! columns exist, and the `COPY ... TO STDOUT` that streams the rows to load.

use crate::adapter::postgres::PostgresAdapter;
use crate::adapter::{Adapter, Cell};
use crate::dialect::{literal, quote, relation};
use crate::error::{Code, Error, did_you_mean};
use crate::project::Source;

use super::{Job, Mode, State};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgColumn {
    pub name: String,
    /// As `format_type` prints it: `integer`, `timestamp with time zone`, ...
    pub pg_type: String,
}

/// The columns to load of `schema.table`, in table order: the mapped ones
/// (plus cursor and key), or all when the mapping or `where:` may use any.
pub fn columns(
    src: &PostgresAdapter,
    source: &Source,
    schema: &str,
    table: &str,
) -> Result<Vec<PgColumn>, Error> {
    let mut session = src.session()?;
    let rel = relation(schema, table);
    let rows = session
        .query(&format!(
            "select a.attname::text, format_type(a.atttypid, a.atttypmod) from pg_attribute a \
             where a.attrelid = to_regclass({}) and a.attnum > 0 and not a.attisdropped order by a.attnum",
            literal(&rel)
        ))
        .map_err(|e| query_error(source, &e.to_string()))?;
    let all: Vec<PgColumn> = rows
        .rows
        .iter()
        .filter_map(|r| match (r.first(), r.get(1)) {
            (Some(Cell::Text(n)), Some(Cell::Text(t))) => Some(PgColumn {
                name: n.clone(),
                pg_type: t.clone(),
            }),
            _ => None,
        })
        .collect();
    if all.is_empty() {
        let schema_exists = session
            .query(&format!(
                "select 1 from information_schema.schemata where schema_name = {}",
                literal(schema)
            ))
            .map(|r| !r.rows.is_empty())
            .unwrap_or(true);
        let (what, help) = if schema_exists {
            (
                format!("table {schema}.{table} does not exist"),
                format!(
                    "check `table:` of `{}` (or that the user may read it)",
                    source.label()
                ),
            )
        } else {
            (
                format!("schema `{schema}` does not exist"),
                format!("check `schema:` of source group `{}`", source.group),
            )
        };
        return Err(Error::new(
            Code::SourceMissing,
            format!("source `{}`: {what}", source.label()),
        )
        .help(help));
    }
    let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    for col in &source.named_columns() {
        if !names.contains(&col.as_str()) {
            let err = Error::new(
                Code::SourceMissing,
                format!(
                    "source `{}`: table {schema}.{table} has no column `{col}`",
                    source.label()
                ),
            );
            return Err(match did_you_mean(col, names.iter().copied()) {
                Some(near) => err.help(format!(
                    "did you mean `{near}`? fix the mapping under `columns:` in journey.yaml"
                )),
                None => err.help(format!("its columns: {}", names.join(", "))),
            });
        }
    }
    let Some(needed) = source.needed_columns() else {
        return Ok(all);
    };
    Ok(all
        .into_iter()
        .filter(|c| needed.contains(&c.name))
        .collect())
}

fn query_error(source: &Source, cause: &str) -> Error {
    let mut err = Error::new(
        Code::Query,
        format!("reading source `{}` failed: {cause}", source.label()),
    );
    if cause.contains("42501") {
        err = err.help("grant the user SELECT on the table (and USAGE on its schema)");
    }
    err
}

/// A fingerprint of the column set: a change forces a full reload.
pub fn signature(cols: &[PgColumn]) -> String {
    let text: Vec<String> = cols
        .iter()
        .map(|c| format!("{} {}", c.name, c.pg_type))
        .collect();
    crate::project::checksum(&text.join(","))
}

/// Full or incremental, and the SQL streaming the rows in `format` (`csv`,
/// `binary`). `expr` turns a column into what is sent (e.g. a time-zone
/// conversion).
pub fn copy_out(
    job: &Job,
    cols: &[PgColumn],
    state: &State,
    landed_exists: bool,
    expr: &dyn Fn(&PgColumn) -> String,
    format: &str,
) -> (String, Mode) {
    let super::Origin::Postgres { schema, table, .. } = &job.origin else {
        unreachable!("copy_out reads postgres origins only")
    };
    let sig = signature(cols);
    let source = &job.source;
    let incremental = landed_exists
        && state.fingerprint.as_deref() == Some(sig.as_str())
        && source.cursor.is_some()
        && state.high_water.is_some();
    let mut filter = String::new();
    if incremental {
        let cursor = source.cursor.as_deref().unwrap_or_default();
        let ty = cols
            .iter()
            .find(|c| c.name == cursor)
            .map(|c| c.pg_type.as_str())
            .unwrap_or("text");
        // `>=` (not `>`): rows sharing the last value may have committed after
        // the last load; the key-based publish replaces the ones seen twice.
        let op = if source.primary_key.is_some() {
            ">="
        } else {
            ">"
        };
        filter = format!(
            " where {} {op} cast({} as {ty})",
            quote(cursor),
            literal(state.high_water.as_deref().unwrap_or_default())
        );
    }
    let list: Vec<String> = cols
        .iter()
        .map(|c| format!("{} as {}", expr(c), quote(&c.name)))
        .collect();
    let sql = format!(
        "copy (select {} from {}{filter}) to stdout (format {format})",
        list.join(", "),
        relation(schema, table)
    );
    (
        sql,
        if incremental {
            Mode::Incremental
        } else {
            Mode::Full
        },
    )
}

/// Settings that make the text form of values unambiguous.
pub const SESSION_SETUP: &str =
    "set datestyle = 'ISO, YMD'; set timezone = 'UTC'; set extra_float_digits = 3";

/// Publish a staged copy of a Postgres source: remember the column signature
/// and the cursor's new high-water mark (the old one when nothing arrived), then
/// swap or merge it in. Shared by both warehouses.
#[allow(clippy::too_many_arguments)]
pub fn finish(
    session: &mut dyn crate::adapter::Session,
    d: crate::dialect::Dialect,
    source: &Source,
    staged: &str,
    cols: &[PgColumn],
    state: &State,
    mode: Mode,
    exists: bool,
    rows: u64,
    bytes: u64,
) -> Result<super::Loaded, Error> {
    let staged_rel = relation(super::LANDED_SCHEMA, staged);
    let high_water = match &source.cursor {
        Some(c) if rows > 0 => session
            .query(&format!(
                "select cast(max({}) as varchar) from {staged_rel}",
                quote(c)
            ))
            .ok()
            .and_then(|r| {
                r.rows
                    .first()
                    .and_then(|r| r.first())
                    .and_then(|c| c.as_str().map(str::to_owned))
            }),
        _ => state.high_water.clone(),
    };
    let stmts =
        super::state_statements(source, Some(&signature(cols)), high_water.as_deref(), rows);
    super::publish(session, d, source, staged, mode, exists, stmts)?;
    Ok(super::Loaded {
        source: source.label(),
        relation: super::landed_relation(source),
        mode,
        rows,
        bytes,
        seconds: 0.0,
    })
}
