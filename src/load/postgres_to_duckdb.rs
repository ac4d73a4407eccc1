//! Postgres table -> DuckDB warehouse, streamed: `COPY ... TO STDOUT (FORMAT
//! csv)` is written into a named pipe that DuckDB's CSV reader consumes, so the
//! rows never sit in jmap's memory and DuckDB parses them at native speed.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;

use super::pg_source::{self, PgColumn, SESSION_SETUP};
use super::{Job, LANDED_SCHEMA, Loaded, Origin, State};
use crate::adapter::postgres::{PostgresAdapter, connect_error, db_error, redact};
use crate::adapter::{self, Session};
use crate::dialect::{Dialect, STAGING_SUFFIX, literal, quote, relation};
use crate::error::{Code, Error};

fn duckdb_type(pg: &str) -> &'static str {
    let base = pg.split('(').next().unwrap_or(pg).trim();
    match base {
        "smallint" | "integer" | "bigint" => "BIGINT",
        "real" | "double precision" | "numeric" => "DOUBLE",
        "boolean" => "BOOLEAN",
        "date" => "DATE",
        "timestamp without time zone" | "timestamp with time zone" => "TIMESTAMP",
        _ => "VARCHAR",
    }
}

/// What Postgres sends for a column: times in UTC without zone, booleans as
/// `true`/`false` (its CSV form `t`/`f` is not what DuckDB reads).
fn send_expr(c: &PgColumn) -> String {
    let q = quote(&c.name);
    match c.pg_type.as_str() {
        "timestamp with time zone" => format!("({q} at time zone 'UTC')"),
        "boolean" => format!("{q}::text"),
        t if duckdb_type(t) == "VARCHAR" => format!("{q}::text"),
        _ => q,
    }
}

pub fn load(
    session: &mut dyn Session,
    url: &str,
    job: &Job,
    state: &State,
) -> Result<Loaded, Error> {
    let Origin::Postgres { schema, table, .. } = &job.origin else {
        unreachable!("postgres_to_duckdb only loads postgres origins")
    };
    let d = Dialect::DuckDb;
    let source = &job.source;
    let src = PostgresAdapter::open(url, 1)?;
    let cols = pg_source::columns(&src, source, schema, table)?;
    let exists = super::landed_exists(session, d, source)?;
    let (copy_sql, mode) =
        pg_source::copy_out(job, schema, table, &cols, state, exists, &send_expr);

    let staged = format!("{}{STAGING_SUFFIX}", super::landed_table(source));
    let staged_rel = relation(LANDED_SCHEMA, &staged);
    let defs: Vec<String> = cols
        .iter()
        .map(|c| format!("{} {}", quote(&c.name), duckdb_type(&c.pg_type)))
        .collect();
    session
        .execute(&format!(
            "create or replace table {staged_rel} ({})",
            defs.join(", ")
        ))
        .map_err(|e| {
            Error::new(
                Code::Query,
                format!("creating the staging table failed: {e}"),
            )
        })?;

    let fifo = Fifo::create()?;
    let cancel = Arc::new(AtomicBool::new(false));
    let bytes = Arc::new(AtomicU64::new(0));
    let writer = {
        let (path, cancel, bytes, copy_sql) = (
            fifo.path.clone(),
            cancel.clone(),
            bytes.clone(),
            copy_sql.clone(),
        );
        let redacted = redact(url);
        let source = source.clone();
        std::thread::spawn(move || {
            stream_into(&source, &src, &copy_sql, &path, &cancel, &bytes, &redacted)
        })
    };
    let types: Vec<String> = cols
        .iter()
        .map(|c| format!("{}: '{}'", literal(&c.name), duckdb_type(&c.pg_type)))
        .collect();
    let read = session.execute(&format!(
        "insert into {staged_rel} select * from read_csv({}, columns = {{{}}}, header = false, \
         auto_detect = false, allow_quoted_nulls = false, quote = '\"', escape = '\"', delim = ',')",
        literal(&fifo.path.to_string_lossy()),
        types.join(", ")
    ));
    cancel.store(true, Ordering::SeqCst);
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(Error::new(Code::Connection, "the load thread panicked")));
    let drop_staged = |s: &mut dyn Session| {
        let _ = s.execute(&d.drop_table(&staged_rel));
    };
    if let Err(e) = written {
        drop_staged(session);
        return Err(e);
    }
    if let Err(e) = read {
        drop_staged(session);
        return Err(super::interrupted(source, &e.message, 0));
    }
    let rows = adapter::scalar_i64(session, &d.count_rows(&staged_rel)).unwrap_or(0) as u64;
    pg_source::finish(
        session,
        d,
        source,
        &staged,
        &cols,
        state,
        mode,
        exists,
        rows,
        bytes.load(Ordering::SeqCst),
    )
}

/// Stream the COPY output into the pipe. Runs on its own thread.
fn stream_into(
    source: &crate::project::Source,
    src: &PostgresAdapter,
    copy_sql: &str,
    path: &Path,
    cancel: &AtomicBool,
    bytes: &AtomicU64,
    redacted: &str,
) -> Result<(), Error> {
    // A reader that stops early must not kill the process with SIGPIPE: block
    // it on this thread and take EPIPE as an error instead.
    block_sigpipe();
    let Some(pipe) = open_writer(path, cancel)? else {
        // DuckDB never opened the pipe (its statement failed first).
        return Ok(());
    };
    // Postgres sends one message per row: batch them into large pipe writes.
    let mut pipe = std::io::BufWriter::with_capacity(1 << 20, pipe);
    src.runtime().block_on(async {
        let mut conn = src
            .pool()
            .acquire()
            .await
            .map_err(|e| connect_error(&e, redacted))?;
        sqlx::raw_sql(SESSION_SETUP)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                Error::new(
                    Code::Query,
                    format!("preparing the source session failed: {e}"),
                )
            })?;
        let mut stream = conn
            .copy_out_raw(copy_sql)
            .await
            .map_err(|e| super::interrupted(source, &db_error(e, copy_sql).message, 0))?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                super::interrupted(
                    source,
                    &db_error(e, copy_sql).message,
                    bytes.load(Ordering::SeqCst),
                )
            })?;
            if let Err(e) = pipe.write_all(&chunk) {
                return pipe_error(e);
            }
            bytes.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        }
        pipe.flush().or_else(pipe_error)
    })
}

/// DuckDB stopping early (a broken pipe) is explained by its own error.
fn pipe_error(e: std::io::Error) -> Result<(), Error> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Error::new(
            Code::Io,
            format!("writing to the load pipe failed: {e}"),
        ))
    }
}

fn block_sigpipe() {
    // SAFETY: plain libc calls on a local, zero-initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Open the pipe for writing once DuckDB opens it for reading; give up when
/// `cancel` is set (DuckDB finished or failed without opening it).
fn open_writer(path: &Path, cancel: &AtomicBool) -> Result<Option<std::fs::File>, Error> {
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
        {
            Ok(file) => {
                // Back to blocking writes: the pipe applies back-pressure.
                use std::os::fd::AsRawFd;
                // SAFETY: fcntl on a file descriptor we own.
                unsafe {
                    let fd = file.as_raw_fd();
                    let flags = libc::fcntl(fd, libc::F_GETFL);
                    libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
                }
                return Ok(Some(file));
            }
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                if cancel.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(Error::io(path, "open", e)),
        }
    }
}

/// A named pipe in the temp directory, removed on drop.
struct Fifo {
    path: PathBuf,
}

impl Fifo {
    fn create() -> Result<Fifo, Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "jmap-load-{}-{}.csv",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_file(&path);
        let c =
            std::ffi::CString::new(path.to_string_lossy().as_bytes()).expect("no NUL in temp path");
        // SAFETY: mkfifo with a valid C string.
        if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } != 0 {
            return Err(Error::io(
                &path,
                "create the load pipe",
                std::io::Error::last_os_error(),
            ));
        }
        Ok(Fifo { path })
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
