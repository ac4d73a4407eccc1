//! The warehouse interface. The engine speaks SQL through a `Session`; each
//! engine implements it over its own client (duckdb, sqlx). Statement text
//! comes from `dialect`, never from here.

pub mod duckdb;
pub mod postgres;

use std::collections::HashMap;
use std::fmt;

use crate::config::{Connection, Target};
use crate::dialect::{Dialect, RelationKind};
use crate::error::Error;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Null => f.write_str("NULL"),
            Cell::Bool(b) => write!(f, "{b}"),
            Cell::Int(i) => write!(f, "{i}"),
            Cell::Float(x) => {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{}", (x * 1e9).round() / 1e9)
                }
            }
            Cell::Text(s) => f.write_str(s),
        }
    }
}

impl Cell {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(*i),
            Cell::Float(x) => Some(*x as i64),
            Cell::Text(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(x) => Some(*x),
            Cell::Text(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A database error with the 1-based line of the statement it points at, when
/// the engine says.
#[derive(Debug, Clone)]
pub struct DbError {
    pub message: String,
    pub line: Option<usize>,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub trait Session: Send {
    /// Run one or more statements.
    fn execute(&mut self, sql: &str) -> Result<(), DbError>;
    /// Run a query and fetch all its rows.
    fn query(&mut self, sql: &str) -> Result<Rows, DbError>;
    /// The DuckDB connection behind the session, for bulk appends.
    fn duckdb(&mut self) -> Option<&::duckdb::Connection> {
        None
    }
    /// Whether `schema.table` exists. By default, whether the catalog lists
    /// columns for it (an engine whose catalog scan is costly overrides this).
    fn table_exists(
        &mut self,
        dialect: Dialect,
        schema: &str,
        table: &str,
    ) -> Result<bool, DbError> {
        Ok(!self
            .query(&dialect.list_columns_sql(schema, table))?
            .rows
            .is_empty())
    }
}

pub trait Adapter: Send + Sync {
    fn dialect(&self) -> Dialect;
    /// A new session for one worker thread.
    fn session(&self) -> Result<Box<dyn Session>, Error>;
    /// Where the warehouse is, with any credentials redacted.
    fn describe(&self) -> String;
}

/// Open the target's warehouse with room for `threads` concurrent sessions.
pub fn connect(target: &Target, threads: usize) -> Result<Box<dyn Adapter>, Error> {
    match &target.connection {
        Connection::DuckDb { path } => Ok(Box::new(duckdb::DuckDbAdapter::open(path)?)),
        Connection::Postgres { url } => {
            Ok(Box::new(postgres::PostgresAdapter::open(url, threads)?))
        }
    }
}

/// Run statements in one transaction; roll back on the first failure.
pub fn transaction(session: &mut dyn Session, statements: &[String]) -> Result<(), DbError> {
    session.execute("begin")?;
    for stmt in statements {
        if let Err(e) = session.execute(stmt) {
            let _ = session.execute("rollback");
            return Err(e);
        }
    }
    if let Err(e) = session.execute("commit") {
        let _ = session.execute("rollback");
        return Err(e);
    }
    Ok(())
}

pub type RelationMap = HashMap<(String, String), RelationKind>;

pub fn existing_relations(
    session: &mut dyn Session,
    dialect: Dialect,
) -> Result<RelationMap, DbError> {
    let rows = session.query(dialect.list_relations_sql())?;
    Ok(rows
        .rows
        .into_iter()
        .filter_map(|r| {
            let schema = r.first()?.as_str()?.to_owned();
            let name = r.get(1)?.as_str()?.to_owned();
            let kind = match r.get(2)?.as_str()? {
                "VIEW" => RelationKind::View,
                _ => RelationKind::Table,
            };
            Some(((schema, name), kind))
        })
        .collect())
}

/// Column names and types of a relation, in order.
pub fn columns(
    session: &mut dyn Session,
    dialect: Dialect,
    schema: &str,
    table: &str,
) -> Result<Vec<(String, String)>, DbError> {
    column_rows(session, &dialect.list_columns_sql(schema, table))
}

/// Column names and types, in order, that `sql` lists (a `list_*columns_sql`).
pub fn column_rows(session: &mut dyn Session, sql: &str) -> Result<Vec<(String, String)>, DbError> {
    let rows = session.query(sql)?;
    Ok(rows
        .rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.first()?.as_str()?.to_owned(),
                r.get(1)?.as_str()?.to_owned(),
            ))
        })
        .collect())
}

pub fn scalar_f64(session: &mut dyn Session, sql: &str) -> Result<f64, DbError> {
    let rows = session.query(sql)?;
    Ok(rows
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(Cell::as_f64)
        .unwrap_or(0.0))
}

pub fn scalar_i64(session: &mut dyn Session, sql: &str) -> Result<i64, DbError> {
    let rows = session.query(sql)?;
    Ok(rows
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(Cell::as_i64)
        .unwrap_or(0))
}

/// `create view` statements restoring the views that depend on
/// `schema.name`, for engines where replacing it would drop them (Postgres).
/// Run them in the same transaction as the replacement.
pub fn dependent_views(
    session: &mut dyn Session,
    dialect: Dialect,
    schema: &str,
    name: &str,
) -> Result<Vec<String>, DbError> {
    let Some(sql) = dialect.dependent_views_sql(schema, name) else {
        return Ok(Vec::new());
    };
    let rows = session.query(&sql)?;
    Ok(rows
        .rows
        .iter()
        .filter_map(|r| {
            let schema = r.first()?.as_str()?;
            let name = r.get(1)?.as_str()?;
            let definition = r.get(3)?.as_str()?.trim_end().trim_end_matches(';');
            Some(format!(
                "create view {} as {definition}",
                crate::dialect::relation(schema, name)
            ))
        })
        .collect())
}
