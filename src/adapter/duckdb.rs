//! DuckDB, embedded: one database instance, a connection per worker.

use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use duckdb::types::{TimeUnit, Value};
use regex::Regex;

use super::{Adapter, Cell, DbError, Rows, Session};
use crate::dialect::Dialect;
use crate::error::{Code, Error};

pub struct DuckDbAdapter {
    path: PathBuf,
    /// The first connection; sessions are clones sharing its database.
    root: Mutex<duckdb::Connection>,
}

impl DuckDbAdapter {
    pub fn open(path: &Path) -> Result<DuckDbAdapter, Error> {
        let in_memory = path.as_os_str() == ":memory:";
        if !in_memory
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(Error::new(
                Code::Connection,
                format!("the warehouse directory {} does not exist", dir.display()),
            )
            .help(format!(
                "create it (mkdir -p {}) or point the target's `path:` at an existing directory",
                dir.display()
            )));
        }
        let conn = if in_memory {
            duckdb::Connection::open_in_memory()
        } else {
            duckdb::Connection::open(path)
        }
        .map_err(|e| {
            let msg = e.to_string();
            let mut err = Error::new(
                Code::Connection,
                format!("cannot open the DuckDB warehouse {}: {}", path.display(), first_line(&msg)),
            );
            if msg.contains("lock") {
                err = err.help("another process (a jmap run, a BI tool or the duckdb CLI) has the file open for writing; close it and retry");
            }
            err
        })?;
        Ok(DuckDbAdapter {
            path: path.to_path_buf(),
            root: Mutex::new(conn),
        })
    }
}

impl Adapter for DuckDbAdapter {
    fn dialect(&self) -> Dialect {
        Dialect::DuckDb
    }

    fn session(&self) -> Result<Box<dyn Session>, Error> {
        let conn = self.root.lock().unwrap().try_clone().map_err(|e| {
            Error::new(
                Code::Connection,
                format!("cannot open a DuckDB connection: {e}"),
            )
        })?;
        Ok(Box::new(DuckDbSession { conn }))
    }

    fn describe(&self) -> String {
        format!("duckdb {}", self.path.display())
    }
}

pub struct DuckDbSession {
    conn: duckdb::Connection,
}

static LINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"LINE (\d+):").unwrap());

fn db_error(e: duckdb::Error) -> DbError {
    let message = e.to_string();
    let line = LINE.captures(&message).and_then(|c| c[1].parse().ok());
    DbError { message, line }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

impl Session for DuckDbSession {
    fn duckdb(&mut self) -> Option<&duckdb::Connection> {
        Some(&self.conn)
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn.execute_batch(sql).map_err(db_error)
    }

    /// A lookup by name in the catalog. Not through `information_schema` or
    /// `duckdb_tables()`: scanning the catalog makes DuckDB parse the SQL of
    /// all its built-in system views first, 60-120 ms of a 200 ms one-row
    /// load; nor through a failing `select`, whose error scans the catalog
    /// for similar names. The appender looks the table up and nothing else.
    fn table_exists(&mut self, _: Dialect, schema: &str, table: &str) -> Result<bool, DbError> {
        match self.conn.appender_to_db(table, schema) {
            Ok(_) => Ok(true),
            Err(e) => {
                let message = e.to_string();
                if message.contains("could not be found") {
                    Ok(false)
                } else if message.contains("readonly") {
                    // Found, but a read-only database takes no appender.
                    Ok(true)
                } else {
                    Err(db_error(e))
                }
            }
        }
    }

    fn query(&mut self, sql: &str) -> Result<Rows, DbError> {
        let mut stmt = self.conn.prepare(sql).map_err(db_error)?;
        let mut rows = stmt.query([]).map_err(db_error)?;
        let columns = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
        let n = columns.len();
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db_error)? {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                let value = row.get_ref(i).map_err(db_error)?.to_owned();
                cells.push(to_cell(value));
            }
            out.push(cells);
        }
        Ok(Rows { columns, rows: out })
    }
}

fn to_cell(v: Value) -> Cell {
    match v {
        Value::Null => Cell::Null,
        Value::Boolean(b) => Cell::Bool(b),
        Value::TinyInt(i) => Cell::Int(i.into()),
        Value::SmallInt(i) => Cell::Int(i.into()),
        Value::Int(i) => Cell::Int(i.into()),
        Value::BigInt(i) => Cell::Int(i),
        Value::HugeInt(i) => i64::try_from(i)
            .map(Cell::Int)
            .unwrap_or_else(|_| Cell::Text(i.to_string())),
        Value::UTinyInt(i) => Cell::Int(i.into()),
        Value::USmallInt(i) => Cell::Int(i.into()),
        Value::UInt(i) => Cell::Int(i.into()),
        Value::UBigInt(i) => i64::try_from(i)
            .map(Cell::Int)
            .unwrap_or_else(|_| Cell::Text(i.to_string())),
        Value::UHugeInt(i) => Cell::Text(i.to_string()),
        Value::Float(f) => Cell::Float(f.into()),
        Value::Double(f) => Cell::Float(f),
        Value::Decimal(d) => d
            .to_string()
            .parse()
            .map(Cell::Float)
            .unwrap_or_else(|_| Cell::Text(d.to_string())),
        Value::Timestamp(unit, t) => Cell::Text(format_timestamp(unit, t)),
        Value::Text(s) | Value::Enum(s) => Cell::Text(s),
        Value::Date32(days) => Cell::Text(
            chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|d| d.checked_add_signed(chrono::Duration::days(days.into())))
                .map(|d| d.to_string())
                .unwrap_or_else(|| days.to_string()),
        ),
        other => Cell::Text(format!("{other:?}")),
    }
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]` with trailing zeros of the fraction
/// dropped: the text Postgres prints, so results compare across engines.
pub fn format_timestamp(unit: TimeUnit, t: i64) -> String {
    let micros = unit.to_micros(t);
    match chrono::DateTime::from_timestamp_micros(micros) {
        Some(dt) => {
            let text = dt.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f").to_string();
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookup_tells_a_table_from_a_missing_table_or_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.duckdb");
        let adapter = DuckDbAdapter::open(&path).unwrap();
        let mut s = adapter.session().unwrap();
        let d = Dialect::DuckDb;
        s.execute("create schema landed; create table landed.t (a int); create view landed.w as select 1 as a")
            .unwrap();
        assert!(s.table_exists(d, "landed", "t").unwrap());
        assert!(!s.table_exists(d, "landed", "u").unwrap());
        assert!(!s.table_exists(d, "nowhere", "t").unwrap());
        // A table that a rollback removed is gone for the lookup too.
        s.execute("begin; create table landed.v (a int); rollback")
            .unwrap();
        assert!(!s.table_exists(d, "landed", "v").unwrap());
        // A view is not a table: the lookup says why rather than guessing.
        assert!(s.table_exists(d, "landed", "w").is_err());
        drop((s, adapter));
        // A read-only warehouse still has its tables.
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .unwrap();
        let conn = duckdb::Connection::open_with_flags(&path, config).unwrap();
        let mut s = DuckDbSession { conn };
        assert!(s.table_exists(d, "landed", "t").unwrap());
        assert!(!s.table_exists(d, "landed", "u").unwrap());
    }
}
