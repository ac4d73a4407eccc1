//! `jmap clean`: remove what jmap wrote under target/.

use super::args::CleanArgs;
use crate::config::{Connection, LoadedConfig, interpolate};
use crate::error::Error;

pub fn run(args: &CleanArgs) -> Result<i32, Error> {
    let dir = &args.project.project_dir;
    let config = LoadedConfig::load(dir)?;
    let target_dir = dir.join("target");
    if !target_dir.exists() {
        println!("Nothing to clean: {} does not exist", target_dir.display());
        return Ok(0);
    }
    // Warehouse files of DuckDB targets live in target/ by default; keep them
    // unless --all, since they hold built tables (and incremental state).
    let mut keep = Vec::new();
    if !args.all {
        for name in config
            .config
            .targets
            .keys()
            .cloned()
            .chain(["dev".to_owned()])
        {
            if let Ok(t) = config.target(dir, Some(&name), &interpolate::from_env)
                && let Connection::DuckDb { path } = t.connection
            {
                keep.push(path.clone());
                keep.push(path.with_extension("duckdb.wal"));
                keep.push(std::path::PathBuf::from(format!("{}.wal", path.display())));
            }
        }
    }
    let mut removed = 0;
    let entries = std::fs::read_dir(&target_dir).map_err(|e| Error::io(&target_dir, "list", e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if keep.iter().any(|k| k == &path) {
            continue;
        }
        let result = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        result.map_err(|e| Error::io(&path, "remove", e))?;
        removed += 1;
    }
    let kept = keep.iter().filter(|k| k.exists()).count();
    println!(
        "Removed {removed} entries from {}{}",
        target_dir.display(),
        if kept > 0 {
            " (kept the DuckDB warehouse; --all removes it too)"
        } else {
            ""
        }
    );
    Ok(0)
}
