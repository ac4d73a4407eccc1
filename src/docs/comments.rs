//! Model and column descriptions written into the warehouse as comments
//! (`comment on table/view/column`), so that BI tools such as Metabase and
//! Superset show them beside the tables and columns they describe. Tables are
//! rebuilt by every run (and a rebuilt table has no comment), so `jmap run`
//! and `jmap build` call this at the end, for the models they selected.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::adapter::{self, Session};
use crate::compile::Compiled;
use crate::config::Materialized;
use crate::dialect::Dialect;
use crate::error::{Code, Error};
use crate::project::Project;

/// Comment the relations of the `models` (those a run just built) whose
/// properties describe them or their columns. Relations not in the warehouse, and documented columns the
/// relation does not have, are skipped: documentation may run ahead of SQL.
pub fn apply_comments(
    session: &mut dyn Session,
    dialect: Dialect,
    compiled: &Compiled,
    project: &Project,
    models: &BTreeSet<String>,
) -> Result<(), Error> {
    let query_error = |what: &str, e: adapter::DbError| {
        Error::new(Code::Query, format!("cannot {what}: {}", e.message))
    };
    let existing = adapter::existing_relations(session, dialect)
        .map_err(|e| query_error("list the warehouse's tables", e))?;
    let documented: Vec<_> = compiled
        .models
        .values()
        .filter(|m| models.contains(&m.name))
        .filter(|m| m.config.materialized != Materialized::Ephemeral)
        .filter_map(|m| Some((m, project.models.get(&m.name)?)))
        .filter(|(_, pm)| {
            text(&pm.properties.description).is_some()
                || pm
                    .properties
                    .columns
                    .iter()
                    .any(|c| text(&c.description).is_some())
        })
        .filter_map(|(m, pm)| {
            let kind = existing.get(&(m.schema.clone(), m.identifier.clone()))?;
            Some((m, pm, *kind))
        })
        .collect();
    if documented.is_empty() {
        return Ok(());
    }
    let columns = relation_columns(session, dialect, documented.iter().map(|(m, ..)| &m.schema))
        .map_err(|e| query_error("list the warehouse's columns", e))?;

    for (m, pm, kind) in documented {
        let rel = m.relation();
        let mut statements = Vec::new();
        if let Some(d) = text(&pm.properties.description) {
            statements.push(dialect.comment_on_relation(&rel, kind, d));
        }
        let actual = columns.get(&(m.schema.clone(), m.identifier.clone()));
        for c in &pm.properties.columns {
            let (Some(d), Some(name)) = (
                text(&c.description),
                actual.and_then(|cols| column_named(cols, &c.name)),
            ) else {
                continue;
            };
            statements.push(dialect.comment_on_column(&rel, name, d));
        }
        if statements.is_empty() {
            continue;
        }
        session.execute(&statements.join(";\n")).map_err(|e| {
            Error::new(
                Code::Query,
                format!(
                    "cannot write the descriptions of `{}` into {rel} as comments: {}",
                    m.name, e.message
                ),
            )
            .help("COMMENT ON needs the target's user to own the relation (on Postgres)")
        })?;
    }
    Ok(())
}

/// A description worth writing: trimmed (YAML's folded `>` leaves a newline),
/// not empty.
fn text(description: &Option<String>) -> Option<&str> {
    description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
}

/// The relation's column a documented name refers to: the same name, else the
/// same name in another case (Postgres folds unquoted names to lower case).
fn column_named<'a>(columns: &'a [String], name: &str) -> Option<&'a str> {
    columns
        .iter()
        .find(|c| *c == name)
        .or_else(|| columns.iter().find(|c| c.eq_ignore_ascii_case(name)))
        .map(String::as_str)
}

type ColumnMap = HashMap<(String, String), Vec<String>>;

/// Columns of every relation in the given schemas, in one query.
fn relation_columns<'a>(
    session: &mut dyn Session,
    dialect: Dialect,
    schemas: impl Iterator<Item = &'a String>,
) -> Result<ColumnMap, adapter::DbError> {
    let schemas: Vec<String> = schemas
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let rows = session.query(&dialect.list_schema_columns_sql(&schemas))?;
    let mut out = ColumnMap::new();
    for r in rows.rows {
        let (Some(schema), Some(table), Some(column)) = (
            r.first().and_then(|c| c.as_str()),
            r.get(1).and_then(|c| c.as_str()),
            r.get(2).and_then(|c| c.as_str()),
        ) else {
            continue;
        };
        out.entry((schema.to_owned(), table.to_owned()))
            .or_default()
            .push(column.to_owned());
    }
    Ok(out)
}
