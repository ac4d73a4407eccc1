//! One run at a time per target. DuckDB targets use a lock file beside the
//! warehouse file (taken before the file is opened, so a second run gets a clear
//! message instead of DuckDB's lock error); Postgres targets use a session-level
//! advisory lock held for the whole run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::adapter::{Adapter, Session};
use crate::config::{Connection, Target};
use crate::dialect::literal;
use crate::error::{Code, Error};

pub enum RunLock {
    File(PathBuf),
    Advisory(Box<dyn Session>),
    None,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        match self {
            RunLock::File(path) => {
                let _ = std::fs::remove_file(path);
            }
            RunLock::Advisory(session) => {
                let _ = session.execute("select pg_advisory_unlock_all()");
            }
            RunLock::None => {}
        }
    }
}

/// How long `--wait` waits before giving up.
pub const WAIT_LIMIT: Duration = Duration::from_secs(3600);

fn locked(target: &Target, holder: &str) -> Error {
    Error::new(
        Code::Locked,
        format!(
            "another jmap run is using target `{}` ({holder})",
            target.name
        ),
    )
    .help("wait for it to finish, or pass --wait to queue behind it")
}

/// Take the file lock of a DuckDB target (before opening the warehouse).
pub fn lock_file(target: &Target, wait: bool) -> Result<RunLock, Error> {
    let Connection::DuckDb { path } = &target.connection else {
        return Ok(RunLock::None);
    };
    if path.as_os_str() == ":memory:" {
        return Ok(RunLock::None);
    }
    let lock = PathBuf::from(format!("{}.lock", path.display()));
    let started = Instant::now();
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(mut f) => {
                let _ = writeln!(f, "{}", std::process::id());
                return Ok(RunLock::File(lock));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&lock).unwrap_or_default();
                let pid = holder.trim().parse::<u32>().ok();
                if pid.is_some_and(|p| !process_alive(p)) {
                    // The run that held it died without cleaning up.
                    let _ = std::fs::remove_file(&lock);
                    continue;
                }
                if !wait || started.elapsed() > WAIT_LIMIT {
                    return Err(locked(
                        target,
                        &format!("process {}, lock file {}", holder.trim(), lock.display()),
                    ));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // The directory is missing: let opening the warehouse explain.
                return Ok(RunLock::None);
            }
            Err(e) => return Err(Error::io(&lock, "create", e)),
        }
    }
}

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Take the advisory lock of a Postgres target, keyed on its schema.
pub fn lock_advisory(target: &Target, adapter: &dyn Adapter, wait: bool) -> Result<RunLock, Error> {
    if !matches!(target.connection, Connection::Postgres { .. }) {
        return Ok(RunLock::None);
    }
    let mut session = adapter.session()?;
    let key = format!("hashtext({})", literal(&format!("jmap:{}", target.schema)));
    if wait {
        session
            .execute(&format!("select pg_advisory_lock({key})"))
            .map_err(|e| {
                Error::new(Code::Query, format!("waiting for the run lock failed: {e}"))
            })?;
        return Ok(RunLock::Advisory(session));
    }
    let got = session
        .query(&format!("select pg_try_advisory_lock({key})"))
        .map_err(|e| Error::new(Code::Query, format!("taking the run lock failed: {e}")))?;
    match got.rows.first().and_then(|r| r.first()) {
        Some(crate::adapter::Cell::Bool(true)) => Ok(RunLock::Advisory(session)),
        _ => Err(locked(
            target,
            &format!("advisory lock on schema `{}`", target.schema),
        )),
    }
}
