//! PostgreSQL over sqlx: a pool sized to the run's threads; each worker thread
//! holds one pooled connection and drives it with `block_on` on a small tokio
//! runtime owned by the adapter.

use std::time::Duration;

use std::str::FromStr;

use sqlx::Connection as _;
use sqlx::postgres::{
    PgConnectOptions, PgConnection, PgDatabaseError, PgPool, PgPoolOptions, PgRow,
};
use sqlx::{AssertSqlSafe, Column, Row, TypeInfo, ValueRef};

use super::{Adapter, Cell, DbError, Rows, Session};
use crate::dialect::Dialect;
use crate::error::{Code, Error};

pub struct PostgresAdapter {
    runtime: tokio::runtime::Runtime,
    pool: PgPool,
    redacted: String,
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => redact_query_password(url),
    }
}

fn redact_query_password(url: &str) -> String {
    match url.find("password=") {
        Some(pos) => {
            let end = url[pos..].find('&').map(|e| pos + e).unwrap_or(url.len());
            format!("{}password=***{}", &url[..pos], &url[end..])
        }
        None => url.to_owned(),
    }
}

/// Planner settings of jmap's sessions, each unless the URL's `options` set
/// it (`options=-c jit=on`); the name elsewhere in the URL (a database named
/// jitney) does not count. Both work around estimates that are often far off
/// in models' CTEs and scoped incremental statements (465k rows expected,
/// none there):
/// - `jit`: PostgreSQL compiles a plan whose estimated cost passes
///   jit_above_cost; after 1% more events at 1M, compiling took 1.8 of
///   int_attribution_credits' 2.2 s and 2.1 of int_touches' 2.3 s (that
///   run: 17.5 s to 12.6 s with it off; a cold one 53.5 s to 56.1 s).
/// - `enable_mergejoin`: for a handful of rows expected by the thousand,
///   the planner sorts both sides of every join to merge them (identity_map
///   with nothing new sorted 35k-160k rows five times: 0.97 s, 0.32 s with
///   hash joins). Off, at 1M events: a cold run 45.49, 46.46 s to 42.20,
///   41.98 s; after 1% more events 8.29, 8.33 s to 7.03, 6.75 s; with
///   nothing new 4.73, 4.88 s to 4.10, 3.97 s. The planner still merges
///   where nothing else can join.
const SESSION_DEFAULTS: [(&str, &str); 2] = [("jit", "off"), ("enable_mergejoin", "off")];

impl PostgresAdapter {
    pub fn open(url: &str, max_connections: usize) -> Result<PostgresAdapter, Error> {
        let redacted = redact(url);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| {
                Error::new(
                    Code::Connection,
                    format!("cannot start the async runtime: {e}"),
                )
            })?;
        let mut options =
            PgConnectOptions::from_str(url).map_err(|e| connect_error(&e, &redacted))?;
        for (setting, value) in SESSION_DEFAULTS {
            if !options.get_options().is_some_and(|o| o.contains(setting)) {
                options = options.options([(setting, value)]);
            }
        }
        // One direct attempt first: a pool retries until its timeout, which
        // would turn "connection refused" into a vague "timed out".
        runtime.block_on(async {
            match tokio::time::timeout(
                Duration::from_secs(10),
                PgConnection::connect_with(&options),
            )
            .await
            {
                Ok(Ok(conn)) => {
                    let _ = conn.close().await;
                    Ok(())
                }
                Ok(Err(e)) => Err(connect_error(&e, &redacted)),
                Err(_) => Err(connect_error(&sqlx::Error::PoolTimedOut, &redacted)),
            }
        })?;
        let pool = {
            let _guard = runtime.enter();
            PgPoolOptions::new()
                .max_connections(max_connections.max(1) as u32 + 1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_lazy_with(options)
        };
        Ok(PostgresAdapter {
            runtime,
            pool,
            redacted,
        })
    }

    /// A connection for work that needs the raw client (COPY streaming).
    pub fn with_connection<T>(
        &self,
        f: impl for<'c> FnOnce(&'c mut PgConnection) -> futures::future::BoxFuture<'c, T>,
    ) -> Result<T, Error> {
        self.runtime.block_on(async {
            let mut conn = self
                .pool
                .acquire()
                .await
                .map_err(|e| connect_error(&e, &self.redacted))?;
            Ok(f(&mut conn).await)
        })
    }

    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// A one-line cause and the fix, for each way connecting commonly fails.
pub fn connect_error(e: &sqlx::Error, redacted: &str) -> Error {
    let (message, help) = match e {
        sqlx::Error::Io(io) => (
            format!("cannot reach PostgreSQL at {redacted}: {io}"),
            "check that the server is running and that host and port in the URL are right"
                .to_owned(),
        ),
        sqlx::Error::PoolTimedOut => (
            format!("timed out connecting to PostgreSQL at {redacted}"),
            "check the host and port, and that the server accepts connections".to_owned(),
        ),
        sqlx::Error::Configuration(c) => (
            format!("the PostgreSQL URL is not valid ({redacted}): {c}"),
            "use postgres://user:password@host:5432/database".to_owned(),
        ),
        other => match other
            .as_database_error()
            .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
        {
            Some(pg) => {
                let help = match pg.code() {
                    "28P01" | "28000" => {
                        "check the user and password in the URL (and pg_hba.conf on the server)"
                    }
                    "3D000" => "create the database (createdb <name>) or fix its name in the URL",
                    "42501" => {
                        "grant the user access (GRANT CONNECT / USAGE / CREATE) or use another user"
                    }
                    "53300" => {
                        "the server has too many connections: lower --threads or raise max_connections"
                    }
                    _ => "see the PostgreSQL message above",
                };
                (
                    format!(
                        "PostgreSQL refused the connection ({redacted}): {}",
                        pg.message()
                    ),
                    help.to_owned(),
                )
            }
            None => (
                format!(
                    "cannot connect to PostgreSQL at {redacted}: {}",
                    redact_text(&other.to_string())
                ),
                "check the URL and the server".to_owned(),
            ),
        },
    };
    Error::new(Code::Connection, message).help(help)
}

/// Remove anything that looks like a URL password from free text.
fn redact_text(text: &str) -> String {
    text.split_whitespace()
        .map(redact)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Adapter for PostgresAdapter {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn session(&self) -> Result<Box<dyn Session>, Error> {
        let conn = self
            .runtime
            .block_on(self.pool.acquire())
            .map_err(|e| connect_error(&e, &self.redacted))?;
        Ok(Box::new(PostgresSession {
            handle: self.runtime.handle().clone(),
            conn: Some(conn),
        }))
    }

    fn describe(&self) -> String {
        format!("postgres {}", self.redacted)
    }
}

pub struct PostgresSession {
    handle: tokio::runtime::Handle,
    /// Always `Some` until dropped.
    conn: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
}

impl PostgresSession {
    fn conn(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl Drop for PostgresSession {
    fn drop(&mut self) {
        // Returning a connection to the pool spawns a task: do it inside the runtime.
        let _guard = self.handle.enter();
        drop(self.conn.take());
    }
}

pub fn db_error(e: sqlx::Error, sql: &str) -> DbError {
    match e
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
    {
        Some(pg) => {
            let mut message = format!("{} ({})", pg.message(), pg.code());
            if let Some(detail) = pg.detail() {
                message.push_str(&format!("\n{detail}"));
            }
            if let Some(hint) = pg.hint() {
                message.push_str(&format!("\nhint: {hint}"));
            }
            let line = match pg.position() {
                Some(sqlx::postgres::PgErrorPosition::Original(chars)) => Some(
                    sql.chars()
                        .take(chars.saturating_sub(1))
                        .filter(|c| *c == '\n')
                        .count()
                        + 1,
                ),
                _ => None,
            };
            DbError { message, line }
        }
        None => DbError {
            message: redact_text(&e.to_string()),
            line: None,
        },
    }
}

impl Session for PostgresSession {
    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        let handle = self.handle.clone();
        let conn = self.conn();
        handle
            .block_on(sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(conn))
            .map(|_| ())
            .map_err(|e| db_error(e, sql))
    }

    fn query(&mut self, sql: &str) -> Result<Rows, DbError> {
        let handle = self.handle.clone();
        let conn = self.conn();
        let rows: Vec<PgRow> = handle
            .block_on(sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).fetch_all(conn))
            .map_err(|e| db_error(e, sql))?;
        let columns: Vec<String> = rows
            .first()
            .map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut cells = Vec::with_capacity(columns.len());
            for (i, col) in row.columns().iter().enumerate() {
                let raw = row.try_get_raw(i).map_err(|e| db_error(e, sql))?;
                if raw.is_null() {
                    cells.push(Cell::Null);
                    continue;
                }
                // The simple query protocol returns every value as text.
                let text = raw.as_str().unwrap_or("").to_owned();
                cells.push(text_cell(col.type_info().name(), text));
            }
            out.push(cells);
        }
        Ok(Rows { columns, rows: out })
    }
}

fn text_cell(type_name: &str, text: String) -> Cell {
    match type_name {
        "INT2" | "INT4" | "INT8" => text.parse().map(Cell::Int).unwrap_or(Cell::Text(text)),
        "FLOAT4" | "FLOAT8" | "NUMERIC" => {
            text.parse().map(Cell::Float).unwrap_or(Cell::Text(text))
        }
        "BOOL" => Cell::Bool(text == "t"),
        _ => Cell::Text(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:s3cret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("postgres://h/db?user=u&password=x&sslmode=off"),
            "postgres://h/db?user=u&password=***&sslmode=off"
        );
    }
}
