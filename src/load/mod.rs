//! Landing sources in the warehouse before models run: CSV/Parquet files into
//! a Postgres warehouse, and tables of another Postgres database into the
//! warehouse (DuckDB or Postgres). Landed tables live in `jmap_sources`; each
//! load is staged and published in one transaction together with its
//! bookkeeping row, so an interrupted load leaves the previous copy intact.

pub mod check;
mod duckdb_copy;
mod files_to_postgres;
mod pg_binary;
mod pg_source;
mod postgres_to_duckdb;
mod postgres_to_postgres;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use crate::adapter::{self, Adapter, Cell, Session};
use crate::config::{Connection, Engine, Target};
use crate::dialect::{self, Dialect, literal, relation};
use crate::error::{Code, Error};
use crate::project::Project;
use crate::project::sources::{FileFormat, Source, SourceLocation};

/// Schema holding landed copies of sources.
pub const LANDED_SCHEMA: &str = "jmap_sources";
/// Bookkeeping of loads: fingerprint or high-water mark per source.
pub const STATE_TABLE: &str = "_jmap_loads";

pub fn landed_table(source: &Source) -> String {
    format!("{}__{}", source.group, source.name)
}

pub fn landed_relation(source: &Source) -> String {
    relation(LANDED_SCHEMA, &landed_table(source))
}

#[derive(Debug, Clone)]
pub enum Origin {
    Csv(PathBuf),
    Parquet(PathBuf),
    Postgres {
        url: String,
        schema: String,
        table: String,
    },
}

#[derive(Debug, Clone)]
pub struct Job {
    pub source: Source,
    pub origin: Origin,
}

/// The sources that must be copied into `target`'s warehouse to be read there.
pub fn plan(
    project: &Project,
    target: &Target,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Job>, Error> {
    let mut jobs = Vec::new();
    for source in project.sources.values() {
        let origin = match (&source.location, &source.connection, target.engine) {
            (SourceLocation::File { .. }, Some(_), _) => {
                return Err(Error::new(
                    Code::InvalidValue,
                    format!("source `{}` has a `path:` and its group a `connection:`", source.label()),
                )
                .help("a file source is read from the project directory: drop `connection:` from its group"));
            }
            (SourceLocation::File { path, format }, None, Engine::Postgres) => {
                let abs = project.root.join(path);
                match format {
                    FileFormat::Csv => Origin::Csv(abs),
                    FileFormat::Parquet => Origin::Parquet(abs),
                }
            }
            (SourceLocation::File { .. }, None, Engine::Duckdb) => continue,
            (SourceLocation::Table { .. } | SourceLocation::Query { .. }, None, _) => continue,
            (SourceLocation::Query { .. }, Some(conn), engine) => {
                // A query joins tables where it runs: in the warehouse, which
                // is fine only when the connection is the warehouse itself.
                let url = project.config.connection_url(conn, env)?;
                let same_database =
                    matches!(&target.connection, Connection::Postgres { url: t } if *t == url);
                if engine == Engine::Postgres && same_database {
                    continue;
                }
                return Err(Error::new(
                    Code::InvalidValue,
                    format!(
                        "source `{}` is a `query:`, but its group reads from connection `{conn}`",
                        source.label()
                    ),
                )
                .help(match &source.preset {
                    Some(p) => format!(
                        "a query runs in the warehouse: land the tables of preset `{p}` in the warehouse (and drop `connection:`), or leave this one out with `exclude: [{}]`",
                        source.name
                    ),
                    None => "a query runs in the warehouse: land its tables in the warehouse (and drop `connection:`), or declare the source with `table:`".to_owned(),
                }));
            }
            (SourceLocation::Table { schema, table }, Some(conn), engine) => {
                let url = project.config.connection_url(conn, env)?;
                let same_database =
                    matches!(&target.connection, Connection::Postgres { url: t } if *t == url);
                if engine == Engine::Postgres && same_database {
                    continue;
                }
                Origin::Postgres {
                    url,
                    schema: schema.clone(),
                    table: table.clone(),
                }
            }
        };
        jobs.push(Job {
            source: source.clone(),
            origin,
        });
    }
    Ok(jobs)
}

/// Sources read through their landed copy, for compilation.
pub fn landed_set(jobs: &[Job]) -> HashSet<(String, String)> {
    jobs.iter()
        .map(|j| (j.source.group.clone(), j.source.name.clone()))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Full,
    Incremental,
    /// A file's new lines, appended as they are (no key to replace by: the
    /// full file would hold every line too).
    Appended,
    Unchanged,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
            Mode::Appended => "appended",
            Mode::Unchanged => "unchanged",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub source: String,
    pub relation: String,
    pub mode: Mode,
    pub rows: u64,
    pub bytes: u64,
    pub seconds: f64,
}

/// What the state table remembers about a source's last load.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub fingerprint: Option<String>,
    pub high_water: Option<String>,
}

/// Run `jobs` against the warehouse of `target`, in order.
pub fn load(
    adapter: &dyn Adapter,
    target: &Target,
    jobs: &[Job],
    report: &mut dyn FnMut(&Loaded),
) -> Result<Vec<Loaded>, Error> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let d = adapter.dialect();
    let mut session = adapter.session()?;
    prepare(session.as_mut(), d)?;
    let mut out = Vec::new();
    for job in jobs {
        let clock = Instant::now();
        let state = read_state(session.as_mut(), d, &job.source)?;
        let mut loaded = match (&job.origin, &target.connection) {
            (Origin::Csv(path), Connection::Postgres { url }) => {
                files_to_postgres::load_csv(session.as_mut(), url, job, path, &state)?
            }
            (Origin::Parquet(path), Connection::Postgres { url }) => {
                files_to_postgres::load_parquet(session.as_mut(), url, job, path, &state)?
            }
            (Origin::Postgres { url, .. }, Connection::DuckDb { .. }) => {
                postgres_to_duckdb::load(session.as_mut(), url, job, &state)?
            }
            (Origin::Postgres { url, .. }, Connection::Postgres { url: wh }) => {
                postgres_to_postgres::load(session.as_mut(), url, wh, job, &state)?
            }
            (Origin::Csv(_) | Origin::Parquet(_), Connection::DuckDb { .. }) => {
                unreachable!("DuckDB reads files in place; plan() never lands them")
            }
        };
        loaded.seconds = clock.elapsed().as_secs_f64();
        report(&loaded);
        out.push(loaded);
    }
    Ok(out)
}

fn prepare(session: &mut dyn Session, d: Dialect) -> Result<(), Error> {
    let stmts = [
        d.create_schema(LANDED_SCHEMA),
        format!(
            "create table if not exists {} (source {t} primary key, fingerprint {t}, high_water {t}, \
             rows bigint, loaded_at timestamp)",
            relation(LANDED_SCHEMA, STATE_TABLE),
            t = d.logical_type("text").expect("known type"),
        ),
    ];
    for stmt in stmts {
        session.execute(&stmt).map_err(|e| {
            Error::new(
                Code::Query,
                format!("preparing {LANDED_SCHEMA} failed: {e}"),
            )
        })?;
    }
    Ok(())
}

fn read_state(session: &mut dyn Session, _d: Dialect, source: &Source) -> Result<State, Error> {
    let rows = session
        .query(&format!(
            "select fingerprint, high_water from {} where source = {}",
            relation(LANDED_SCHEMA, STATE_TABLE),
            literal(&source.label())
        ))
        .map_err(|e| Error::new(Code::Query, format!("reading the load state failed: {e}")))?;
    let text = |c: &Cell| c.as_str().map(str::to_owned);
    Ok(rows
        .rows
        .first()
        .map(|r| State {
            fingerprint: r.first().and_then(text),
            high_water: r.get(1).and_then(text),
        })
        .unwrap_or_default())
}

/// Statements recording a finished load, to run inside its publishing transaction.
fn state_statements(
    source: &Source,
    fingerprint: Option<&str>,
    high_water: Option<&str>,
    rows: u64,
) -> Vec<String> {
    let state = relation(LANDED_SCHEMA, STATE_TABLE);
    let opt = |v: Option<&str>| v.map(literal).unwrap_or_else(|| "null".to_owned());
    vec![
        format!(
            "delete from {state} where source = {}",
            literal(&source.label())
        ),
        format!(
            "insert into {state} values ({}, {}, {}, {rows}, current_timestamp)",
            literal(&source.label()),
            opt(fingerprint),
            opt(high_water)
        ),
    ]
}

/// Publish a staged load: a full load replaces the landed table, an
/// incremental one replaces rows by key (or appends without a key), an
/// appended one appends.
fn publish(
    session: &mut dyn Session,
    d: Dialect,
    source: &Source,
    staged: &str,
    mode: Mode,
    exists: bool,
    state: Vec<String>,
) -> Result<(), Error> {
    let landed = landed_relation(source);
    let staged_rel = relation(LANDED_SCHEMA, staged);
    let stmts;
    // Views on the landed table (the staging models) are recreated in the
    // same transaction; if the new columns no longer suit them, they are
    // dropped instead: the run that follows rebuilds them from their templates.
    let mut fallback = None;
    if mode == Mode::Full || !exists {
        let dependents = adapter::dependent_views(session, d, LANDED_SCHEMA, &landed_table(source))
            .map_err(|e| {
                Error::new(
                    Code::Query,
                    format!("inspecting views on {landed} failed: {e}"),
                )
            })?;
        let swap = |recreate: &[String]| {
            let mut s = vec![
                if dependents.is_empty() {
                    d.drop_table(&landed)
                } else {
                    d.drop_cascade(&landed, dialect::RelationKind::Table)
                },
                d.rename(
                    &staged_rel,
                    dialect::RelationKind::Table,
                    &landed_table(source),
                ),
            ];
            s.extend(recreate.iter().cloned());
            s.extend(state.iter().cloned());
            s
        };
        stmts = swap(&dependents);
        if !dependents.is_empty() {
            fallback = Some(swap(&[]));
        }
    } else {
        let mut incremental = Vec::new();
        if let Some(pk) = source
            .primary_key
            .as_ref()
            .filter(|_| mode == Mode::Incremental)
        {
            incremental.push(format!(
                "delete from {landed} where {k} in (select {k} from {staged_rel})",
                k = dialect::quote(pk)
            ));
        }
        incremental.push(format!("insert into {landed} select * from {staged_rel}"));
        incremental.push(d.drop_table(&staged_rel));
        incremental.extend(state.iter().cloned());
        stmts = incremental;
    }
    let outcome = match (adapter::transaction(session, &stmts), fallback) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(without_views)) => adapter::transaction(session, &without_views),
        (Err(e), None) => Err(e),
    };
    outcome.map_err(|e| {
        let _ = session.execute(&d.drop_table(&staged_rel));
        Error::new(
            Code::Query,
            format!("publishing the load of `{}` failed: {e}", source.label()),
        )
        .help("the previous copy is unchanged; fix the cause and run `jmap load` again")
    })
}

fn landed_exists(session: &mut dyn Session, d: Dialect, source: &Source) -> Result<bool, Error> {
    session
        .table_exists(d, LANDED_SCHEMA, &landed_table(source))
        .map_err(|e| {
            Error::new(
                Code::Query,
                format!("inspecting {LANDED_SCHEMA} failed: {e}"),
            )
            .help("check that the warehouse is reachable and writable, then run `jmap load` again")
        })
}

/// A load that failed before publishing, before or during the rows.
fn interrupted(source: &Source, cause: &str, bytes: u64) -> Error {
    let when = if bytes > 0 {
        format!(" after {bytes} bytes")
    } else {
        String::new()
    };
    let err = Error::new(
        if bytes > 0 {
            Code::Connection
        } else {
            Code::Query
        },
        format!("loading source `{}` failed{when}: {cause}", source.label()),
    )
    .note("nothing was published: the previous copy of this source is intact");
    if cause.contains("42501") {
        err.help("grant the user SELECT on the table (and USAGE on its schema)")
    } else {
        err.help("fix the cause and run `jmap load` (or `jmap run`) again")
    }
}
