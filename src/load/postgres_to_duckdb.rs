//! Postgres table -> DuckDB warehouse, streamed: one thread reads `COPY ...
//! TO STDOUT (FORMAT binary)` off the connection and decodes it into DuckDB
//! data chunks, while DuckDB inserts them into a staging table through a
//! table function (`duckdb_copy`); a bounded queue between them keeps memory
//! flat whatever the table's size.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};

use futures::StreamExt;

use super::duckdb_copy::{self, Chunk, ChunkWriter, Feed};
use super::pg_binary::Wire;
use super::pg_source::{self, PgColumn, SESSION_SETUP};
use super::{Job, LANDED_SCHEMA, Loaded, Origin, State};
use crate::adapter::Session;
use crate::adapter::postgres::{PostgresAdapter, connect_error, db_error, redact};
use crate::dialect::{Dialect, STAGING_SUFFIX, literal, quote, relation};
use crate::error::{Code, Error};

/// Bytes of COPY data decoded at a time: Postgres sends a message per row.
const BUFFER_BYTES: usize = 64 * 1024;

/// How many chunks (of 2,048 rows) may wait for DuckDB. DuckDB compresses
/// and writes a row group (122,880 rows, 60 chunks) at once when it fills;
/// a queue that holds two lets the reader, and Postgres behind it, stream on
/// meanwhile (at 10M web-event rows: 7.8-8.0 s with 128 chunks, 9.2-10.2 s
/// with 4). Bounded by about 64 MB of vectors for wide tables, it is a
/// constant: memory does not grow with the table.
fn queued_chunks(columns: usize) -> usize {
    const ROW_GROUP_CHUNKS: usize = 122_880 / 2_048;
    const VECTOR_BYTES: usize = 2_048 * 16;
    (64 * 1024 * 1024 / (VECTOR_BYTES * columns.max(1))).clamp(4, 2 * ROW_GROUP_CHUNKS)
}

fn send_expr(c: &PgColumn) -> String {
    Wire::of(&c.pg_type).send(&quote(&c.name), &c.pg_type)
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
    let (copy_sql, mode) = pg_source::copy_out(job, &cols, state, exists, &send_expr, "binary");

    let staged = format!("{}{STAGING_SUFFIX}", super::landed_table(source));
    let staged_rel = relation(LANDED_SCHEMA, &staged);
    let wires: Vec<Wire> = cols.iter().map(|c| Wire::of(&c.pg_type)).collect();
    let defs: Vec<String> = cols
        .iter()
        .zip(&wires)
        .map(|(c, w)| format!("{} {}", quote(&c.name), w.duckdb_type()))
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

    // Postgres -> reader thread -> bounded queue -> table function -> insert here.
    let bytes = Arc::new(AtomicU64::new(0));
    let (tx, rx) = sync_channel::<Chunk>(queued_chunks(cols.len()));
    let names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
    let feed = Feed::new(names, wires.clone(), rx);
    let reader = {
        let (bytes, copy_sql, redacted, source) =
            (bytes.clone(), copy_sql.clone(), redact(url), source.clone());
        std::thread::spawn(move || {
            // Built here: a chunk being filled stays on this thread.
            let writer = ChunkWriter::new(&wires, BUFFER_BYTES);
            stream_chunks(&source, &src, &copy_sql, writer, &tx, &bytes, &redacted)
        })
    };
    let appended = insert_all(session, &staged_rel, &feed);
    // An insert that failed before its scan started leaves the queue here:
    // dropping it stops the reader.
    feed.close();
    let read = reader
        .join()
        .unwrap_or_else(|_| Err(Error::new(Code::Connection, "the load thread panicked")));
    let outcome = match (read, appended) {
        // The stream's own failure explains a short append.
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) => Err(super::interrupted(source, &e, 0)),
        (Ok(()), Ok(rows)) => Ok(rows),
    };
    let rows = match outcome {
        Ok(rows) => rows,
        Err(e) => {
            let _ = session.execute(&d.drop_table(&staged_rel));
            return Err(e);
        }
    };
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

/// Insert the stream of `feed` into the staged table; the rows inserted.
fn insert_all(
    session: &mut dyn Session,
    staged_rel: &str,
    feed: &Arc<Feed>,
) -> Result<u64, String> {
    let conn = session
        .duckdb()
        .ok_or_else(|| "the warehouse session is not DuckDB".to_owned())?;
    let function = duckdb_copy::function_name();
    duckdb_copy::register(conn, &function, feed)
        .map_err(|e| format!("registering the COPY scan failed: {e}"))?;
    let settings = [
        (
            "memory_limit",
            format!("{}MB", load_memory_mb(feed.columns())),
        ),
        // The scan is one stream, so the insert runs on one thread anyway;
        // with more, DuckDB's client thread spins waiting while a worker
        // runs the insert (7 CPU s more at 10M rows in one run of three).
        ("threads", "1".to_owned()),
    ];
    with_settings(conn, &settings, || {
        conn.execute(
            &format!("insert into {staged_rel} select * from {function}()"),
            [],
        )
        .map(|rows| rows as u64)
        .map_err(|e| format!("inserting into the staging table failed: {e}"))
    })
}

/// Run `f` with DuckDB `settings` (name, value), then restore their values;
/// a setting that cannot be applied restores the ones applied before it.
fn with_settings<T>(
    conn: &duckdb::Connection,
    settings: &[(&str, String)],
    f: impl FnOnce() -> Result<T, String>,
) -> Result<T, String> {
    let mut previous = Vec::new();
    let mut applied = Ok(());
    for (name, value) in settings {
        applied = conn
            .query_row(
                &format!("select cast(current_setting({}) as varchar)", literal(name)),
                [],
                |r| r.get::<_, String>(0),
            )
            .map_err(|e| format!("reading DuckDB's {name} failed: {e}"))
            .and_then(|old| {
                conn.execute_batch(&format!("set {name} = {}", literal(value)))
                    .map_err(|e| format!("setting DuckDB's {name} failed: {e}"))?;
                previous.push((name, old));
                Ok(())
            });
        if applied.is_err() {
            break;
        }
    }
    let out = applied.and_then(|()| f());
    for (name, old) in previous.into_iter().rev() {
        conn.execute_batch(&format!("set {name} = {}", literal(&old)))
            .map_err(|e| format!("restoring DuckDB's {name} failed: {e}"))?;
    }
    out
}

/// DuckDB's memory limit while a load inserts, in MB. DuckDB keeps each block
/// the insert writes in its buffer pool until memory runs short, so without a
/// cap its memory grows with the table (peak RSS 156 MB at 1M web-event rows,
/// 297 MB at 10M); under one it drops them, as they are on disk already. The
/// cap leaves room for the row group being filled, a few MB per column: a
/// 60-column table under 48 MB loaded 30% slower than under 240 MB, while
/// 11 columns load as fast under 32 MB as under 200.
fn load_memory_mb(columns: usize) -> usize {
    (3 * columns).max(32)
}

/// Stream the COPY, decode it into chunks and queue them. Runs on its own
/// thread; stops early when the queue's receiver went away.
fn stream_chunks(
    source: &crate::project::Source,
    src: &PostgresAdapter,
    copy_sql: &str,
    mut writer: ChunkWriter,
    tx: &SyncSender<Chunk>,
    bytes: &AtomicU64,
    redacted: &str,
) -> Result<(), Error> {
    let broken = |cause: &str| super::interrupted(source, cause, bytes.load(Ordering::Relaxed));
    // A closed queue means the insert stopped, and its own error says why.
    let mut emit = |chunk: Chunk| tx.send(chunk).is_ok();
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
        while let Some(piece) = stream.next().await {
            let piece = piece.map_err(|e| broken(&db_error(e, copy_sql).message))?;
            bytes.fetch_add(piece.len() as u64, Ordering::Relaxed);
            if !writer.push(&piece, &mut emit).map_err(|e| broken(&e))? {
                return Ok(());
            }
        }
        writer.finish(&mut emit).map_err(|e| broken(&e))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(conn: &duckdb::Connection, name: &str) -> String {
        conn.query_row(
            &format!("select cast(current_setting('{name}') as varchar)"),
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn settings_apply_inside_and_are_restored_after_success_or_failure() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch("set threads = 3").unwrap();
        let settings = [("threads", "1".to_owned())];
        let inside = with_settings(&conn, &settings, || Ok(setting(&conn, "threads")));
        assert_eq!(inside.unwrap(), "1");
        assert_eq!(setting(&conn, "threads"), "3");
        let failed: Result<(), String> = with_settings(&conn, &settings, || Err("boom".into()));
        assert_eq!(failed.unwrap_err(), "boom");
        assert_eq!(setting(&conn, "threads"), "3");
        // An unknown setting fails before `f` runs; the one before it is restored.
        let bad = [
            ("threads", "1".to_owned()),
            ("no_such_setting", "1".to_owned()),
        ];
        let err = with_settings(&conn, &bad, || -> Result<(), String> {
            panic!("f must not run")
        })
        .unwrap_err();
        assert!(err.contains("no_such_setting"), "{err}");
        assert_eq!(setting(&conn, "threads"), "3");
    }
}
