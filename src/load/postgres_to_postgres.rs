//! Postgres table -> another Postgres warehouse: the source's
//! `COPY ... TO STDOUT` is piped chunk by chunk into the warehouse's
//! `COPY ... FROM STDIN`, so memory stays flat.

use futures::StreamExt;
use sqlx::Connection;

use super::pg_source::{self, PgColumn, SESSION_SETUP};
use super::{Job, LANDED_SCHEMA, Loaded, Origin, State};
use crate::adapter::Session;
use crate::adapter::postgres::{PostgresAdapter, connect_error, db_error, redact};
use crate::dialect::{Dialect, STAGING_SUFFIX, quote, relation};
use crate::error::{Code, Error};

pub fn load(
    session: &mut dyn Session,
    url: &str,
    warehouse_url: &str,
    job: &Job,
    state: &State,
) -> Result<Loaded, Error> {
    let Origin::Postgres { schema, table, .. } = &job.origin else {
        unreachable!("postgres_to_postgres only loads postgres origins")
    };
    let d = Dialect::Postgres;
    let source = &job.source;
    let src = PostgresAdapter::open(url, 1)?;
    let cols = pg_source::columns(&src, source, schema, table)?;
    let exists = super::landed_exists(session, d, source)?;
    let plain = |c: &PgColumn| quote(&c.name);
    let (copy_sql, mode) = pg_source::copy_out(job, &cols, state, exists, &plain, "csv");

    let staged = format!("{}{STAGING_SUFFIX}", super::landed_table(source));
    let staged_rel = relation(LANDED_SCHEMA, &staged);
    let defs: Vec<String> = cols
        .iter()
        .map(|c| format!("{} {}", quote(&c.name), c.pg_type))
        .collect();
    session
        .execute(&format!(
            "drop table if exists {staged_rel}; create table {staged_rel} ({})",
            defs.join(", ")
        ))
        .map_err(|e| {
            Error::new(
                Code::Query,
                format!("creating the staging table failed: {e}"),
            )
        })?;

    let copy_in = format!("copy {staged_rel} from stdin (format csv)");
    let (wh_redacted, src_redacted) = (redact(warehouse_url), redact(url));
    let piped: Result<(u64, u64), Error> = src.runtime().block_on(async {
        let mut wh = sqlx::PgConnection::connect(warehouse_url)
            .await
            .map_err(|e| connect_error(&e, &wh_redacted))?;
        let mut conn = src
            .pool()
            .acquire()
            .await
            .map_err(|e| connect_error(&e, &src_redacted))?;
        sqlx::raw_sql(SESSION_SETUP)
            .execute(&mut *conn)
            .await
            .map_err(|e| Error::new(Code::Query, e.to_string()))?;
        let mut out = conn
            .copy_out_raw(&copy_sql)
            .await
            .map_err(|e| super::interrupted(source, &db_error(e, &copy_sql).message, 0))?;
        let mut sink = wh.copy_in_raw(&copy_in).await.map_err(|e| {
            Error::new(
                Code::Query,
                format!("writing to the warehouse failed: {}", db_error(e, &copy_in)),
            )
        })?;
        let mut bytes = 0u64;
        while let Some(chunk) = out.next().await {
            match chunk {
                Ok(chunk) => {
                    bytes += chunk.len() as u64;
                    sink.send(chunk)
                        .await
                        .map_err(|e| Error::new(Code::Query, db_error(e, &copy_in).message))?;
                }
                Err(e) => {
                    let _ = sink.abort("source stream broke").await;
                    return Err(super::interrupted(
                        source,
                        &db_error(e, &copy_sql).message,
                        bytes,
                    ));
                }
            }
        }
        let rows = sink
            .finish()
            .await
            .map_err(|e| Error::new(Code::Query, db_error(e, &copy_in).message))?;
        Ok((rows, bytes))
    });
    let (rows, bytes) = match piped {
        Ok(v) => v,
        Err(e) => {
            let _ = session.execute(&d.drop_table(&staged_rel));
            return Err(e);
        }
    };
    pg_source::finish(
        session, d, source, &staged, &cols, state, mode, exists, rows, bytes,
    )
}
