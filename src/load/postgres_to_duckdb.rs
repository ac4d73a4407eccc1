//! Postgres table -> DuckDB warehouse, streamed: `COPY ... TO STDOUT (FORMAT
//! binary)` is decoded into Arrow batches on one thread while DuckDB's
//! appender writes them into a staging table on another; a bounded queue
//! between them keeps memory flat whatever the table's size.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use duckdb::arrow::record_batch::RecordBatch;
use futures::StreamExt;

use super::pg_binary::{Decoder, Wire};
use super::pg_source::{self, PgColumn, SESSION_SETUP};
use super::{Job, LANDED_SCHEMA, Loaded, Origin, State};
use crate::adapter::Session;
use crate::adapter::postgres::{PostgresAdapter, connect_error, db_error, redact};
use crate::dialect::{Dialect, STAGING_SUFFIX, quote, relation};
use crate::error::{Code, Error};

/// Rows per record batch: large enough to amortise the appender's per-call
/// cost, small enough that memory stays flat (at most QUEUED + 2 batches).
const BATCH_ROWS: usize = 16_384;
const QUEUED: usize = 2;

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

    // Postgres -> decoder on its own thread -> bounded queue -> appender here.
    let bytes = Arc::new(AtomicU64::new(0));
    let (tx, rx) = sync_channel::<RecordBatch>(QUEUED);
    let reader = {
        let names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
        let (bytes, copy_sql, redacted, source) =
            (bytes.clone(), copy_sql.clone(), redact(url), source.clone());
        std::thread::spawn(move || {
            let decoder = Decoder::new(&names, &wires, BATCH_ROWS);
            stream_batches(&source, &src, &copy_sql, decoder, &tx, &bytes, &redacted)
        })
    };
    let appended = append_all(session, &staged, rx);
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

/// Append every batch of `rx` to the staged table; the rows appended. On an
/// error `rx` is dropped, which stops the reader.
fn append_all(
    session: &mut dyn Session,
    staged: &str,
    rx: Receiver<RecordBatch>,
) -> Result<u64, String> {
    let conn = session
        .duckdb()
        .ok_or_else(|| "the warehouse session is not DuckDB".to_owned())?;
    let mut appender = conn
        .appender_to_db(staged, LANDED_SCHEMA)
        .map_err(|e| format!("opening the appender failed: {e}"))?;
    let mut rows = 0u64;
    for batch in rx {
        rows += batch.num_rows() as u64;
        appender
            .append_record_batch(batch)
            .map_err(|e| format!("appending to the staging table failed: {e}"))?;
    }
    appender
        .flush()
        .map_err(|e| format!("appending to the staging table failed: {e}"))?;
    Ok(rows)
}

/// Stream the COPY, decode it and queue the batches. Runs on its own thread.
fn stream_batches(
    source: &crate::project::Source,
    src: &PostgresAdapter,
    copy_sql: &str,
    mut decoder: Decoder,
    tx: &SyncSender<RecordBatch>,
    bytes: &AtomicU64,
    redacted: &str,
) -> Result<(), Error> {
    let broken = |cause: &str| super::interrupted(source, cause, bytes.load(Ordering::SeqCst));
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
            let chunk = chunk.map_err(|e| broken(&db_error(e, copy_sql).message))?;
            bytes.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            let going = decoder
                .feed(&chunk, &mut |batch| tx.send(batch).is_ok())
                .map_err(|e| broken(&e))?;
            if !going {
                // The appender stopped: its own error says why.
                return Ok(());
            }
        }
        if let Some(batch) = decoder.finish().map_err(|e| broken(&e))? {
            // A closed queue means the appender failed and says why.
            let _ = tx.send(batch);
        }
        Ok(())
    })
}
