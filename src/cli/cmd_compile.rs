//! `jmap compile` and `jmap ls`.

use std::time::Instant;

use comfy_table::Table;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use serde_json::json;

use super::args::{CompileArgs, LsArgs, LsOutput, ResourceType};
use super::workspace::Workspace;
use crate::adapter::RelationMap;
use crate::artifacts;
use crate::error::Error;
use crate::graph::NodeId;

pub fn compile(args: &CompileArgs) -> Result<i32, Error> {
    let clock = Instant::now();
    let ws = Workspace::load(&args.project)?;
    let threads = ws.threads(None)?;
    // is_incremental() depends on what exists; a warehouse that cannot be read
    // (e.g. locked by a running job) compiles as if empty, with a warning.
    let existing = ws.existing_relations_if_any().unwrap_or_else(|e| {
        eprintln!(
            "warning: compiling as if the warehouse were empty: {}",
            e.message
        );
        RelationMap::new()
    });
    let compiled = ws.compile(existing, args.full_refresh, threads)?;
    let selected = ws.select(&compiled, &args.select, false)?;
    let target_dir = ws.project.target_dir();
    artifacts::write_compiled(&target_dir, &compiled)?;
    artifacts::write_manifest(&target_dir, &ws.project, &compiled)?;
    let models = selected
        .iter()
        .filter(|n| matches!(n, NodeId::Model(_)))
        .count();
    println!(
        "Compiled {models} models in {:.2}s -> {}",
        clock.elapsed().as_secs_f64(),
        target_dir.join("compiled").display()
    );
    // The process ends now: freeing tens of thousands of small allocations
    // one by one would only delay the exit.
    std::mem::forget(compiled);
    std::mem::forget(ws);
    Ok(0)
}

pub fn ls(args: &LsArgs) -> Result<i32, Error> {
    let ws = Workspace::load(&args.project)?;
    let threads = ws.threads(None)?;
    // Listing never needs the warehouse.
    let compiled = ws.compile(RelationMap::new(), false, threads)?;
    let nodes: Vec<NodeId> = ws
        .select(&compiled, &args.select, true)?
        .into_iter()
        .filter(|n| {
            matches!(
                (args.resource_type, n),
                (None, _)
                    | (Some(ResourceType::Model), NodeId::Model(_))
                    | (Some(ResourceType::Source), NodeId::Source(..))
            )
        })
        .collect();
    let project = &ws.project;
    let describe = |n: &NodeId| match n {
        NodeId::Model(name) => {
            let m = &compiled.models[name];
            json!({
                "name": name,
                "resource_type": "model",
                "unique_id": m.unique_id(project.name()),
                "package": match m.package {
                    crate::project::Package::Builtin => crate::project::BUILTIN_PACKAGE,
                    crate::project::Package::Project => project.name(),
                },
                "path": m.path.to_string_lossy(),
                "relation": m.relation(),
                "materialized": m.config.materialized.as_str(),
                "tags": m.config.tags,
                "depends_on": compiled.graph.parents(n).iter().map(|p| p.label()).collect::<Vec<_>>(),
            })
        }
        NodeId::Source(g, t) => {
            let s = &project.sources[&(g.clone(), t.clone())];
            json!({
                "name": format!("{g}.{t}"),
                "resource_type": "source",
                "unique_id": s.unique_id(),
                "kind": s.kind,
                // A query is listed by its name: its SQL is in the manifest.
                "relation": match &s.location {
                    crate::project::sources::SourceLocation::Query { .. } => {
                        format!("(query) as {}", crate::dialect::quote(&s.name))
                    }
                    _ => compiled.dialect.source_relation(s, &project.root),
                },
            })
        }
    };
    match args.output {
        LsOutput::Name => {
            for n in &nodes {
                println!("{}", n.label());
            }
        }
        LsOutput::Json => {
            for n in &nodes {
                println!("{}", describe(n));
            }
        }
        LsOutput::Table => {
            let mut table = Table::new();
            table.load_style(UTF8_FULL_CONDENSED);
            table.set_header(vec![
                "name",
                "type",
                "materialized",
                "relation",
                "tags",
                "path",
            ]);
            for n in &nodes {
                let d = describe(n);
                let s = |k: &str| d[k].as_str().unwrap_or("").to_owned();
                let tags = d["tags"]
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .filter_map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                table.add_row(vec![
                    s("name"),
                    s("resource_type"),
                    s("materialized"),
                    s("relation"),
                    tags,
                    s("path"),
                ]);
            }
            println!("{table}");
        }
    }
    Ok(0)
}
