//! `jmap docs`: write the static site (model lineage and the journey map) to
//! target/docs, or `--out DIR`; `--serve` then serves it on localhost.

use std::path::PathBuf;

use super::args::DocsArgs;
use super::output::thousands;
use super::workspace::{Workspace, existing_relations};
use crate::adapter::RelationMap;
use crate::config::Connection;
use crate::docs;
use crate::error::Error;

pub fn run(args: &DocsArgs) -> Result<i32, Error> {
    let ws = Workspace::load(&args.project)?;
    // Without a warehouse yet (a DuckDB file not created by a run), the site
    // still documents the models; the journey map says to run first.
    let has_warehouse = match &ws.target.connection {
        Connection::DuckDb { path } => path.exists(),
        Connection::Postgres { .. } => true,
    };
    let adapter = if has_warehouse {
        Some(ws.connect(1)?)
    } else {
        None
    };
    let existing = match &adapter {
        Some(a) => existing_relations(a.as_ref())?,
        None => RelationMap::new(),
    };
    let compiled = ws.compile(existing.clone(), false, ws.threads(None)?)?;
    let out = match &args.out {
        Some(dir) if dir.is_absolute() => dir.clone(),
        Some(dir) => std::env::current_dir()
            .map_err(|e| Error::io(dir, "resolve", e))?
            .join(dir),
        None => ws.project.target_dir().join("docs"),
    };
    let built = docs::build(&ws.project, &compiled, adapter.as_deref(), &existing, &out)?;
    // Release the warehouse before serving: a DuckDB file stays locked while open.
    drop(adapter);

    println!(
        "jmap docs: {} models and sources, {} files ({}) in {}",
        thousands(built.nodes as i64),
        built.files,
        size(built.bytes),
        display(&built.dir)
    );
    match built.accounts {
        Some((shown, total)) if shown < total => println!(
            "journey map: {} of {} accounts searchable (the furthest along first)",
            thousands(shown as i64),
            thousands(total as i64)
        ),
        Some((shown, _)) => println!("journey map: {} accounts", thousands(shown as i64)),
        None if !has_warehouse => {
            println!("journey map: no warehouse yet; `jmap run` builds the tables it shows")
        }
        None => {}
    }
    for w in &built.warnings {
        eprintln!("warning: {w}");
    }
    if args.serve {
        let listener = docs::serve::bind(args.port)?;
        println!(
            "Serving {} at http://127.0.0.1:{}/ (Ctrl-C to stop)",
            display(&built.dir),
            args.port
        );
        docs::serve::serve(listener, &built.dir)?;
    } else {
        println!("open {}", display(&built.dir.join("index.html")));
    }
    Ok(0)
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.0} KB", (b as f64 / 1024.0).ceil()),
    }
}

/// The path relative to the current directory when it is under it.
fn display(path: &std::path::Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}
