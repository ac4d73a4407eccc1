//! Building one model in the warehouse according to its materialisation.
//!
//! Tables (and first or full-refresh builds of incremental models) are built
//! under a staging name and swapped in within one transaction, so readers see
//! the old table until the new one is complete, and a failed build leaves the
//! old table untouched.

use super::prefetch;
use crate::adapter::{self, DbError, Session};
use crate::compile::CompiledModel;
use crate::config::{Materialized, OnSchemaChange, Strategy};
use crate::dialect::{self, Dialect, RelationKind, STAGING_SUFFIX};

/// Suffix of the table holding an incremental run's new rows.
pub const INCREMENTAL_SUFFIX: &str = "__jmap_incr";

pub struct Built {
    pub rows: Option<i64>,
    /// e.g. "created table", "merged 120 rows".
    pub action: String,
    /// Whether the rows may differ from before: false only for an
    /// incremental run that added, deleted and re-scoped nothing.
    pub changed: bool,
}

/// A failure and, if it happened in a statement embedding the model body, how
/// many lines precede the body in that statement.
pub struct BuildError {
    pub error: DbError,
    pub body_offset: Option<usize>,
    /// The failing statement embedded a fixpoint model's first iteration.
    pub in_initial: bool,
    /// Further explanation shown under the error (e.g. failing test rows).
    pub details: Vec<String>,
}

impl From<DbError> for BuildError {
    fn from(error: DbError) -> Self {
        BuildError {
            error,
            body_offset: None,
            in_initial: false,
            details: Vec::new(),
        }
    }
}

/// Something to run against the staged relation before it is published
/// (write-audit-publish). Returning an error aborts the publish.
pub type Audit<'a> = &'a mut dyn FnMut(&mut dyn Session, &str) -> Result<(), BuildError>;

pub fn build(
    session: &mut dyn Session,
    d: Dialect,
    m: &CompiledModel,
    existing: Option<RelationKind>,
    audit: Audit<'_>,
) -> Result<Built, BuildError> {
    match m.config.materialized {
        Materialized::Ephemeral => Ok(Built {
            rows: None,
            action: "inlined".into(),
            changed: true,
        }),
        Materialized::View => build_view(session, d, m, existing),
        Materialized::Table => build_table(session, d, m, existing, audit),
        Materialized::Incremental if m.incremental_run => build_incremental(session, d, m, audit),
        Materialized::Incremental => build_table(session, d, m, existing, audit),
        Materialized::Fixpoint => build_fixpoint(session, d, m, existing, audit),
    }
}

/// Iterate in the warehouse: the first iteration, then the step reading the
/// previous one (`{{ this }}`), until no `fixpoint_value` changes by more than
/// `tolerance`. The result is published like a table.
fn build_fixpoint(
    session: &mut dyn Session,
    d: Dialect,
    m: &CompiledModel,
    existing: Option<RelationKind>,
    audit: Audit<'_>,
) -> Result<Built, BuildError> {
    let cfg = &m.config;
    let config_error = |message: String| -> Result<Built, BuildError> {
        Err(DbError {
            message,
            line: None,
        }
        .into())
    };
    let Some((initial, _)) = &m.initial else {
        return config_error("fixpoint model has no first iteration".into());
    };
    if cfg.unique_key.is_empty() || cfg.fixpoint_value.is_empty() {
        return config_error(
            "a fixpoint model needs unique_key (the row's identity) and fixpoint_value (the columns that must settle)".into(),
        );
    }
    // Work tables are temporary (session-local, unlogged): each iteration is
    // a few statements on small tables, so logging would dominate.
    let prev_name = format!("{}{}", m.identifier, dialect::FIXPOINT_PREVIOUS_SUFFIX);
    let next_name = format!("{}{}", m.identifier, dialect::FIXPOINT_NEXT_SUFFIX);
    let (prev, next) = (dialect::quote(&prev_name), dialect::quote(&next_name));
    session.execute(&d.drop_table(&prev))?;
    session.execute(&d.drop_table(&next))?;
    let (stmt, offset) = d.create_temp_table_as(&prev_name, initial);
    session.execute(&stmt).map_err(|error| BuildError {
        error,
        body_offset: Some(offset),
        in_initial: true,
        details: Vec::new(),
    })?;
    let mut change = f64::INFINITY;
    let mut iterations = 0;
    while iterations < cfg.max_iterations {
        // The first step runs alone (so an error maps to the template line);
        // later statements chain several steps to save round trips.
        let steps = if iterations == 0 {
            1
        } else {
            STEPS_PER_STATEMENT.min(cfg.max_iterations - iterations)
        };
        iterations += steps;
        let body = chained_steps(&m.sql, &prev, steps);
        with_body(session, &d.create_temp_table_as(&next_name, &body))?;
        change = adapter::scalar_f64(
            session,
            &d.max_change(&next, &prev, &cfg.unique_key, &cfg.fixpoint_value),
        )?;
        session.execute(&d.drop_table(&prev))?;
        session.execute(&d.rename(&next, RelationKind::Table, &prev_name))?;
        if change <= cfg.tolerance {
            break;
        }
    }
    if change > cfg.tolerance {
        let _ = session.execute(&d.drop_table(&prev));
        return config_error(format!(
            "did not converge: after {iterations} iterations values still changed by {change:e} (tolerance {:e}); raise max_iterations or check the step",
            cfg.tolerance
        ));
    }
    // Publish the last iteration like a table.
    let stage = staging(m);
    session.execute(&d.drop_table(&stage))?;
    session.execute(
        &d.create_table_as(&stage, &format!("select * from {prev}"))
            .0,
    )?;
    session.execute(&d.drop_table(&prev))?;
    let rows = publish(session, d, m, existing, &stage, audit)?;
    Ok(Built {
        rows: Some(rows),
        action: format!("converged in {iterations} iterations (last change {change:.1e})"),
        changed: true,
    })
}

/// Fixpoint steps chained in one statement after the first.
const STEPS_PER_STATEMENT: u32 = 8;

/// `steps` applications of `step` (which reads `prev`) as one query: each
/// reads the previous one's result instead of `prev`. The change measured
/// afterwards spans all of them, so stopping stays at least as strict.
fn chained_steps(step: &str, prev: &str, steps: u32) -> String {
    if steps <= 1 {
        return step.to_owned();
    }
    let mut sql = String::from("with ");
    for i in 1..=steps {
        let input = if i == 1 {
            prev.to_owned()
        } else {
            format!("__jmap_step_{}", i - 1)
        };
        if i > 1 {
            sql.push_str(",\n");
        }
        sql.push_str(&format!(
            "__jmap_step_{i} as (\n{}\n)",
            step.replace(prev, &input)
        ));
    }
    sql.push_str(&format!("\nselect * from __jmap_step_{steps}"));
    sql
}

fn with_body(session: &mut dyn Session, stmt: &(String, usize)) -> Result<(), BuildError> {
    session.execute(&stmt.0).map_err(|error| BuildError {
        error,
        body_offset: Some(stmt.1),
        in_initial: false,
        details: Vec::new(),
    })
}

fn build_view(
    session: &mut dyn Session,
    d: Dialect,
    m: &CompiledModel,
    existing: Option<RelationKind>,
) -> Result<Built, BuildError> {
    let rel = m.relation();
    let create = d.create_view_as(&rel, &m.sql);
    let replace_in_place =
        existing.is_none() || (existing == Some(RelationKind::View) && d.replaces_views_in_place());
    if replace_in_place {
        with_body(session, &create)?;
    } else {
        // Validate the body under a staging name first, so that a broken view
        // costs neither the old relation nor the views built on it.
        let probe = d.create_view_as(&staging(m), &m.sql);
        session.execute(&d.drop_view(&staging(m)))?;
        with_body(session, &probe)?;
        session.execute(&d.drop_view(&staging(m)))?;
        let _turn = swap_turn();
        let dependents = dependent_views(session, d, m)?;
        let mut swap = vec![
            d.drop_cascade(&rel, existing.unwrap_or(RelationKind::View)),
            create.0.clone(),
        ];
        swap.extend(dependents);
        adapter::transaction(session, &swap)?;
    }
    Ok(Built {
        rows: None,
        action: "created view".into(),
        changed: true,
    })
}

/// Swaps run one at a time, from reading the views built on the old
/// relation to committing. A swap drops the old relation with those views and
/// creates them again, locking the table and then the views; two tables under
/// one view (on Postgres, `touchpoints` over several event tables) swapped at
/// once each wait for a lock the other holds, and Postgres aborts one as a
/// deadlock, or one reads the definition of a view the other is dropping
/// (both seen in `--full-refresh` runs). A swap is a few catalog statements,
/// so taking turns costs nothing.
fn swap_turn() -> std::sync::MutexGuard<'static, ()> {
    static SWAP: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SWAP.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn staging(m: &CompiledModel) -> String {
    dialect::relation(&m.schema, &format!("{}{STAGING_SUFFIX}", m.identifier))
}

fn dependent_views(
    session: &mut dyn Session,
    d: Dialect,
    m: &CompiledModel,
) -> Result<Vec<String>, BuildError> {
    Ok(adapter::dependent_views(
        session,
        d,
        &m.schema,
        &m.identifier,
    )?)
}

fn build_table(
    session: &mut dyn Session,
    d: Dialect,
    m: &CompiledModel,
    existing: Option<RelationKind>,
    audit: Audit<'_>,
) -> Result<Built, BuildError> {
    let stage = staging(m);
    session.execute(&d.drop_table(&stage))?;
    with_body(session, &d.create_table_as(&stage, &m.sql))?;
    let rows = publish(session, d, m, existing, &stage, audit)?;
    Ok(Built {
        rows: Some(rows),
        action: "created table".into(),
        changed: true,
    })
}

/// Audit the staged table, then swap it in for the model's relation in one
/// transaction (recreating dependent views where the engine needs it). A
/// failure leaves the previous relation as it was. Returns the row count.
fn publish(
    session: &mut dyn Session,
    d: Dialect,
    m: &CompiledModel,
    existing: Option<RelationKind>,
    stage: &str,
    audit: Audit<'_>,
) -> Result<i64, BuildError> {
    let rel = m.relation();
    let rows = adapter::scalar_i64(session, &d.count_rows(stage))?;
    if let Err(e) = audit(session, stage) {
        let _ = session.execute(&d.drop_table(stage));
        return Err(e);
    }
    let _turn = swap_turn();
    let dependents = match existing {
        Some(_) => dependent_views(session, d, m)?,
        None => Vec::new(),
    };
    let mut swap = Vec::new();
    match existing {
        Some(kind) if !dependents.is_empty() => swap.push(d.drop_cascade(&rel, kind)),
        Some(RelationKind::Table) => swap.push(d.drop_table(&rel)),
        Some(RelationKind::View) => swap.push(d.drop_view(&rel)),
        None => {}
    }
    swap.push(d.rename(stage, RelationKind::Table, &m.identifier));
    swap.extend(dependents);
    if let Err(e) = adapter::transaction(session, &swap) {
        let _ = session.execute(&d.drop_table(stage));
        return Err(e.into());
    }
    Ok(rows)
}

/// The model's `scope` query and the column it selects, checked before any
/// work: it goes with `delete+insert`, on the one-column `unique_key` unless
/// `scope_key` names the column.
fn scope_query(m: &CompiledModel) -> Result<Option<(&str, &str)>, BuildError> {
    let fail = |message: String| -> Result<Option<(&str, &str)>, BuildError> {
        Err(DbError {
            message,
            line: None,
        }
        .into())
    };
    let Some(query) = &m.config.scope else {
        if m.config.scope_key.is_some() {
            return fail(
                "`scope_key` names the column of a `scope`, and the model has no scope: add config(scope=...) or remove scope_key".to_owned(),
            );
        }
        return Ok(None);
    };
    let strategy = m.config.incremental_strategy;
    if strategy != Strategy::DeleteInsert {
        return fail(format!(
            "`scope` is for incremental_strategy `delete+insert`, not `{}`: set incremental_strategy='delete+insert' or remove the scope",
            strategy.as_str()
        ));
    }
    match (&m.config.scope_key, m.config.unique_key.as_slice()) {
        (Some(column), _) => Ok(Some((query, column))),
        (None, [key]) => Ok(Some((query, key))),
        (None, _) => fail(
            "`scope` needs a unique_key of one column (the key the scope's query selects), or scope_key='<column>' naming the column it selects".to_owned(),
        ),
    }
}

fn build_incremental(
    session: &mut dyn Session,
    d: Dialect,
    m: &CompiledModel,
    audit: Audit<'_>,
) -> Result<Built, BuildError> {
    let rel = m.relation();
    // The new rows and the scope are scratch tables (see
    // Dialect::scratch_relation): read once or twice and dropped.
    let incr_name = format!("{}{INCREMENTAL_SUFFIX}", m.identifier);
    let incr = d.scratch_relation(&m.schema, &incr_name);
    // The values the body and its scope are filtered by are computed first
    // and written in as literals (see prefetch), in both alike so that the
    // scope's text is still found in the body.
    let scope = scope_query(m)?;
    let mut texts = vec![m.sql.as_str()];
    texts.extend(scope.map(|(query, _)| query));
    let inlined = prefetch::inline(session, &texts)
        .map_err(|f| located_in_body(f.error, &f.body, &f.marked, 0))?;
    let sql = &inlined[0];
    let scope = scope.map(|(_, column)| (inlined[1].as_str(), column));
    // A scope is evaluated once, into a table that the delete reads and that
    // stands in for the scope's text where the body repeats it (a model
    // usually builds only the keys of its scope).
    let mut scoped = 0;
    let scope = match scope {
        Some((query, column)) => {
            let table_name = format!("{}{}", m.identifier, dialect::SCOPE_SUFFIX);
            let table = d.scratch_relation(&m.schema, &table_name);
            session.execute(&d.drop_table(&table))?;
            let (stmt, offset) = d.create_scratch_table_as(
                &m.schema,
                &table_name,
                &format!("select * from (\n{query}\n) as jmap_scope"),
            );
            session
                .execute(&stmt)
                .map_err(|error| located_in_body(error, sql, query, offset + 1))?;
            scoped = adapter::scalar_i64(session, &d.count_rows(&table))?;
            Some((query, column, table))
        }
        None => None,
    };
    let body = match &scope {
        Some((query, _, table)) => substitute_scope(sql, query, table),
        None => sql.clone(),
    };
    session.execute(&d.drop_table(&incr))?;
    let result = with_body(
        session,
        &d.create_scratch_table_as(&m.schema, &incr_name, &body),
    )
    .and_then(|()| {
        let scope_table = scope.as_ref().map(|(_, column, t)| (*column, t.as_str()));
        apply_increment(session, d, m, &rel, &incr, &incr_name, scope_table, audit)
    });
    let result = result.map(|built| Built {
        changed: built.changed || scoped > 0,
        ..built
    });
    let _ = session.execute(&d.drop_table(&incr));
    if let Some((_, _, table)) = &scope {
        let _ = session.execute(&d.drop_table(table));
    }
    result
}

/// A failure of a query run apart from the body (a scope, a prefetched
/// value), pointed at the body's line (and so the template's) where the
/// body holds the same text, as it usually does: the query was `offset`
/// lines into the failing statement.
fn located_in_body(mut error: DbError, body: &str, query: &str, offset: usize) -> BuildError {
    let start = (!query.trim().is_empty())
        .then(|| body.find(query))
        .flatten()
        .map(|at| body[..at].matches('\n').count());
    let line = match (error.line, start) {
        (Some(line), Some(start)) if line > offset => Some(start + line - offset),
        _ => None,
    };
    error.line = line;
    BuildError {
        error,
        body_offset: line.map(|_| 0),
        in_initial: false,
        details: Vec::new(),
    }
}

/// The body with each copy of the scope's text read from `table` instead,
/// padded to the same number of lines so that an error still points at the
/// template line.
fn substitute_scope(body: &str, scope: &str, table: &str) -> String {
    if scope.trim().is_empty() {
        return body.to_owned();
    }
    let padding = "\n".repeat(scope.matches('\n').count());
    body.replace(scope, &format!("select * from {table}{padding}"))
}

#[allow(clippy::too_many_arguments)]
fn apply_increment(
    session: &mut dyn Session,
    d: Dialect,
    m: &CompiledModel,
    rel: &str,
    incr: &str,
    incr_name: &str,
    scope_table: Option<(&str, &str)>,
    audit: Audit<'_>,
) -> Result<Built, BuildError> {
    let rows = adapter::scalar_i64(session, &d.count_rows(incr))?;
    audit(session, incr)?;
    let target_cols = adapter::columns(session, d, &m.schema, &m.identifier)?;
    let new_cols =
        adapter::column_rows(session, &d.list_scratch_columns_sql(&m.schema, incr_name))?;
    let target_names: Vec<&str> = target_cols.iter().map(|c| c.0.as_str()).collect();
    let added: Vec<&(String, String)> = new_cols
        .iter()
        .filter(|c| !target_names.contains(&c.0.as_str()))
        .collect();
    let missing: Vec<&str> = target_names
        .iter()
        .copied()
        .filter(|t| !new_cols.iter().any(|c| c.0 == *t))
        .collect();
    let mut statements = Vec::new();
    match m.config.on_schema_change {
        OnSchemaChange::Fail if !added.is_empty() || !missing.is_empty() => {
            return Err(DbError {
                message: format!(
                    "the model's columns changed (new: [{}], gone: [{}]) and on_schema_change is `fail`",
                    added.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(", "),
                    missing.join(", ")
                ),
                line: None,
            }
            .into());
        }
        OnSchemaChange::AppendNewColumns => {
            for (name, ty) in &added {
                statements.push(d.add_column(rel, name, ty));
            }
        }
        _ => {}
    }
    let columns: Vec<String> = new_cols
        .iter()
        .map(|c| c.0.clone())
        .filter(|c| {
            target_names.contains(&c.as_str())
                || m.config.on_schema_change == OnSchemaChange::AppendNewColumns
        })
        .collect();
    if let Some((column, _)) = scope_table
        && !target_names.contains(&column)
    {
        let what = if m.config.scope_key.is_some() {
            "`scope_key`"
        } else {
            "the unique_key a `scope` selects"
        };
        return Err(DbError {
            message: format!(
                "{what} names `{column}`, which `{rel}` does not have (its columns: {}): name one of them, or add the column and rebuild with --full-refresh",
                target_names.join(", ")
            ),
            line: None,
        }
        .into());
    }
    let keys = &m.config.unique_key;
    let strategy = m.config.incremental_strategy;
    let needs = |what: &str| -> Result<Built, BuildError> {
        Err(DbError {
            message: format!("incremental_strategy `{}` needs {what}", strategy.as_str()),
            line: None,
        }
        .into())
    };
    let action = match strategy {
        Strategy::Append => {
            statements.push(d.insert_from(rel, incr, &columns));
            "appended"
        }
        Strategy::DeleteInsert | Strategy::Merge if keys.is_empty() => {
            return needs("a unique_key: set config(unique_key='...') or use append");
        }
        Strategy::DeleteInsert => {
            match scope_table {
                Some((column, table)) if keys.len() == 1 && keys[0] == column => {
                    statements.extend(d.delete_keys_or_scope(rel, incr, column, table));
                }
                Some((column, table)) => {
                    statements.push(d.delete_in_scope(rel, column, table));
                    statements.extend(d.delete_matching(rel, incr, keys));
                }
                None => statements.extend(d.delete_matching(rel, incr, keys)),
            }
            statements.push(d.insert_from(rel, incr, &columns));
            "delete+inserted"
        }
        Strategy::Merge => {
            statements.push(d.merge(rel, incr, keys, &columns));
            "merged"
        }
        Strategy::TimeRange => {
            let Some(time_col) = &m.config.time_column else {
                return needs("time_column: set config(time_column='...')");
            };
            statements.push(d.delete_from_time(rel, incr, time_col, &m.config.partition_by));
            statements.push(d.insert_from(rel, incr, &columns));
            "replaced time range"
        }
    };
    adapter::transaction(session, &statements)?;
    Ok(Built {
        rows: Some(rows),
        action: action.into(),
        changed: rows > 0 || !added.is_empty(),
    })
}
