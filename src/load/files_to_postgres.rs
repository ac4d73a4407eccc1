//! CSV and Parquet files -> a Postgres warehouse. CSV columns land as text,
//! exactly as DuckDB reads them in place (`all_varchar`), so models behave the
//! same on both engines. A file whose size and modification time are unchanged
//! since the last load is not loaded again; a CSV file that only grew (its
//! bytes up to the last load's size hash the same) has only its new lines
//! loaded and appended, as an event log that a job appends to.

use std::path::Path;

use super::{Job, LANDED_SCHEMA, Loaded, Mode, State};
use crate::adapter::Session;
use crate::adapter::postgres::{PostgresAdapter, connect_error, db_error, redact};
use crate::dialect::{Dialect, STAGING_SUFFIX, literal, quote, relation};
use crate::error::{Code, Error};

/// A file's size and modification time, `size:mtime`: what says it is
/// unchanged without reading it.
fn fingerprint(path: &Path) -> Result<String, Error> {
    let meta = std::fs::metadata(path).map_err(|e| missing_file(path, e))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(format!("{}:{mtime}", meta.len()))
}

/// What the state keeps of a loaded CSV file: `size:mtime:sha256`, the
/// SHA-256 of its bytes at that size (states written before it have no hash:
/// their files load whole once more).
struct Stamp<'a> {
    quick: &'a str,
    size: u64,
    sha256: Option<&'a str>,
}

fn parse_stamp(stored: &str) -> Option<Stamp<'_>> {
    let (quick, sha256) = match stored.match_indices(':').nth(1) {
        Some((i, _)) => (&stored[..i], Some(&stored[i + 1..])),
        None => (stored, None),
    };
    let size = quick.split(':').next()?.parse().ok()?;
    Some(Stamp {
        quick,
        size,
        sha256,
    })
}

/// SHA-256 of `path`'s bytes: of its first `prefix` bytes (`Some` only when
/// the file is at least that long and they end a line), and of all of them.
fn file_hashes(path: &Path, prefix: u64) -> Result<(Option<String>, String), Error> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| missing_file(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let (mut read, mut at_prefix) = (0u64, None);
    loop {
        let want = if at_prefix.is_none() && read < prefix {
            buf.len().min((prefix - read) as usize)
        } else {
            buf.len()
        };
        let n = file
            .read(&mut buf[..want])
            .map_err(|e| Error::io(path, "read", e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        read += n as u64;
        if read == prefix && at_prefix.is_none() {
            let ends_line = buf[n - 1] == b'\n';
            at_prefix = Some(ends_line.then(|| hex::encode(hasher.clone().finalize())));
        }
    }
    Ok((at_prefix.flatten(), hex::encode(hasher.finalize())))
}

fn missing_file(path: &Path, e: std::io::Error) -> Error {
    Error::new(
        Code::SourceMissing,
        format!("source file {} cannot be read: {e}", path.display()),
    )
    .help("check `path:` of the source in journey.yaml (relative to the project directory)")
}

/// The header of a CSV file: its column names.
fn csv_header(path: &Path) -> Result<Vec<String>, Error> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| missing_file(path, e))?;
    let mut line = String::new();
    std::io::BufReader::new(file)
        .read_line(&mut line)
        .map_err(|e| Error::io(path, "read", e))?;
    let cols: Vec<String> = line
        .trim_end_matches(['\r', '\n'])
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_owned())
        .collect();
    if cols.iter().all(String::is_empty) {
        return Err(Error::new(
            Code::SourceMissing,
            format!("{} has no header row", path.display()),
        )
        .help("the first line of a CSV source must name its columns"));
    }
    Ok(cols)
}

pub fn load_csv(
    session: &mut dyn Session,
    warehouse_url: &str,
    job: &Job,
    path: &Path,
    state: &State,
) -> Result<Loaded, Error> {
    let d = Dialect::Postgres;
    let source = &job.source;
    let fp = fingerprint(path)?;
    let exists = super::landed_exists(session, d, source)?;
    let stored = state.fingerprint.as_deref().and_then(parse_stamp);
    if exists && stored.as_ref().is_some_and(|s| s.quick == fp) {
        return Ok(Loaded {
            source: source.label(),
            relation: super::landed_relation(source),
            mode: Mode::Unchanged,
            rows: 0,
            bytes: 0,
            seconds: 0.0,
        });
    }
    let cols = csv_header(path)?;
    for col in source.named_columns() {
        if !cols.contains(&col) {
            let err = Error::new(
                Code::SourceMissing,
                format!(
                    "source `{}`: {} has no column `{col}`",
                    source.label(),
                    path.display()
                ),
            );
            return Err(
                match crate::error::did_you_mean(&col, cols.iter().map(String::as_str)) {
                    Some(near) => err.help(format!(
                        "did you mean `{near}`? fix the mapping under `columns:`"
                    )),
                    None => err.help(format!("its columns: {}", cols.join(", "))),
                },
            );
        }
    }
    // Appended to since the last load: the bytes it had then are the same.
    let grown = stored.filter(|s| exists && s.sha256.is_some());
    let (prefix_hash, sha256) = file_hashes(path, grown.as_ref().map_or(0, |s| s.size))?;
    let append_from = grown
        .filter(|s| prefix_hash.is_some() && prefix_hash.as_deref() == s.sha256)
        .map(|s| s.size);
    let fp = format!("{fp}:{sha256}");
    let staged = format!("{}{STAGING_SUFFIX}", super::landed_table(source));
    let staged_rel = relation(LANDED_SCHEMA, &staged);
    let defs: Vec<String> = cols.iter().map(|c| format!("{} text", quote(c))).collect();
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
    let copy_in = format!(
        "copy {staged_rel} from stdin (format csv, header {})",
        append_from.is_none()
    );
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let wh = PostgresAdapter::open(warehouse_url, 1)?;
    let redacted = redact(warehouse_url);
    let copied: Result<u64, Error> = wh.runtime().block_on(async {
        let mut conn = wh
            .pool()
            .acquire()
            .await
            .map_err(|e| connect_error(&e, &redacted))?;
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| missing_file(path, e))?;
        if let Some(offset) = append_from {
            use tokio::io::AsyncSeekExt;
            file.seek(std::io::SeekFrom::Start(offset))
                .await
                .map_err(|e| Error::io(path, "read", e))?;
        }
        let mut sink = conn
            .copy_in_raw(&copy_in)
            .await
            .map_err(|e| Error::new(Code::Query, db_error(e, &copy_in).message))?;
        if let Err(e) = sink.read_from(file).await {
            let msg = db_error(e, &copy_in).message;
            let _ = sink.abort("reading the file failed").await;
            return Err(super::interrupted(source, &msg, 0));
        }
        sink.finish().await.map_err(|e| {
            Error::new(
                Code::Query,
                format!(
                    "loading {} failed: {}",
                    path.display(),
                    db_error(e, &copy_in).message
                ),
            )
            .help("check that every row has as many fields as the header")
        })
    });
    let rows = match copied {
        Ok(rows) => rows,
        Err(e) => {
            let _ = session.execute(&d.drop_table(&staged_rel));
            return Err(e);
        }
    };
    let mode = if append_from.is_some() {
        Mode::Appended
    } else {
        Mode::Full
    };
    let stmts = super::state_statements(source, Some(&fp), None, rows);
    super::publish(session, d, source, &staged, mode, exists, stmts)?;
    Ok(Loaded {
        source: source.label(),
        relation: super::landed_relation(source),
        mode,
        rows,
        bytes,
        seconds: 0.0,
    })
}

/// Parquet: DuckDB (embedded) converts it to CSV once, then it loads as CSV.
pub fn load_parquet(
    session: &mut dyn Session,
    warehouse_url: &str,
    job: &Job,
    path: &Path,
    state: &State,
) -> Result<Loaded, Error> {
    let fp = fingerprint(path)?;
    let exists = super::landed_exists(session, Dialect::Postgres, &job.source)?;
    if exists && state.fingerprint.as_deref() == Some(fp.as_str()) {
        return load_csv(session, warehouse_url, job, path, state);
    }
    let tmp = tempfile_path(&job.source.label());
    let conn = duckdb::Connection::open_in_memory().map_err(|e| {
        Error::new(
            Code::Query,
            format!("cannot start DuckDB to read Parquet: {e}"),
        )
    })?;
    conn.execute_batch(&format!(
        "copy (select * from read_parquet({})) to {} (header, delimiter ',')",
        literal(&path.to_string_lossy()),
        literal(&tmp.to_string_lossy())
    ))
    .map_err(|e| {
        Error::new(
            Code::SourceMissing,
            format!("reading {} failed: {e}", path.display()),
        )
    })?;
    let mut loaded = load_csv(session, warehouse_url, job, &tmp, &State::default());
    let _ = std::fs::remove_file(&tmp);
    // Record the Parquet file's own fingerprint so an unchanged file is skipped.
    if let Ok(l) = &mut loaded {
        let stmts = super::state_statements(&job.source, Some(&fp), None, l.rows);
        crate::adapter::transaction(session, &stmts)
            .map_err(|e| Error::new(Code::Query, e.message))?;
    }
    loaded
}

fn tempfile_path(label: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "jmap-{}-{}.csv",
        std::process::id(),
        label.replace('.', "_")
    ))
}
