//! Files jmap leaves in `target/`: compiled SQL, manifest.json and
//! run_results.json. Their field names are a contract for CI tooling.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use crate::compile::Compiled;
use crate::error::Error;
use crate::project::Project;
use crate::run::NodeResult;

pub const MANIFEST: &str = "manifest.json";
pub const RUN_RESULTS: &str = "run_results.json";

fn write(path: &Path, contents: &[u8]) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create", e))?;
    }
    std::fs::write(path, contents).map_err(|e| Error::io(path, "write", e))
}

/// Write `target/compiled/<template path>` for every compiled model.
pub fn write_compiled(target_dir: &Path, compiled: &Compiled) -> Result<(), Error> {
    // Directories first, each once; then the files on two threads (thousands
    // of small writes are system-call bound).
    let root = target_dir.join("compiled");
    let dirs: std::collections::BTreeSet<std::path::PathBuf> = compiled
        .models
        .values()
        .filter_map(|m| root.join(&m.path).parent().map(Path::to_path_buf))
        .collect();
    for dir in &dirs {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create", e))?;
    }
    let models: Vec<&crate::compile::CompiledModel> = compiled.models.values().collect();
    let half = models.len().div_ceil(2).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = models
            .chunks(half)
            .map(|part| {
                let root = &root;
                scope.spawn(move || -> Result<(), Error> {
                    for m in part {
                        let path = root.join(&m.path);
                        // Unchanged files are left alone: stable mtimes, fewer writes.
                        if std::fs::read(&path).is_ok_and(|old| old == m.sql.as_bytes()) {
                            continue;
                        }
                        std::fs::write(&path, m.sql.as_bytes())
                            .map_err(|e| Error::io(&path, "write", e))?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("writer thread"))
    })
}

#[derive(Serialize)]
struct ManifestNode<'a> {
    unique_id: String,
    resource_type: &'static str,
    name: &'a str,
    package: &'a str,
    original_file_path: String,
    compiled_path: String,
    relation: String,
    schema: &'a str,
    alias: &'a str,
    config: &'a crate::config::ModelConfig,
    depends_on: BTreeMap<&'static str, Vec<String>>,
    checksum: BTreeMap<&'static str, &'a str>,
    description: Option<&'a str>,
    /// Macros the template calls (their checksums are under `macros`).
    macros: Vec<String>,
    columns: BTreeMap<&'a str, serde_json::Value>,
    tests: Vec<serde_json::Value>,
}

pub fn manifest_json(project: &Project, compiled: &Compiled) -> serde_json::Value {
    let project_name = project.name();
    let macro_checksums = project.macro_checksums();
    let mut nodes = BTreeMap::new();
    for m in compiled.models.values() {
        let pm = &project.models[&m.name];
        let uid = m.unique_id(project_name);
        let depends_models: Vec<String> = m
            .refs
            .iter()
            .filter_map(|r| compiled.models.get(r))
            .map(|p| p.unique_id(project_name))
            .collect();
        let depends_sources: Vec<String> = m
            .sources
            .iter()
            .map(|(g, t)| format!("source.{g}.{t}"))
            .collect();
        let columns = pm
            .properties
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    json!({ "description": c.description, "data_type": c.data_type, "tests": c.tests }),
                )
            })
            .collect();
        let package = match m.package {
            crate::project::Package::Builtin => crate::project::BUILTIN_PACKAGE,
            crate::project::Package::Project => project_name,
        };
        let node = ManifestNode {
            unique_id: uid.clone(),
            resource_type: "model",
            name: &m.name,
            package,
            original_file_path: m.path.to_string_lossy().into_owned(),
            compiled_path: Path::new("target/compiled")
                .join(&m.path)
                .to_string_lossy()
                .into_owned(),
            relation: m.relation(),
            schema: &m.schema,
            alias: &m.identifier,
            config: &m.config,
            depends_on: BTreeMap::from([("nodes", [depends_sources, depends_models].concat())]),
            checksum: BTreeMap::from([("name", "sha256"), ("checksum", m.checksum.as_str())]),
            description: pm.properties.description.as_deref(),
            macros: pm.macros_used(macro_checksums.keys()),
            columns,
            tests: pm.properties.tests.iter().map(|t| json!(t)).collect(),
        };
        nodes.insert(uid, serde_json::to_value(node).expect("serialisable"));
    }
    let sources: BTreeMap<String, serde_json::Value> = project
        .sources
        .values()
        .map(|s| (s.unique_id(), json!(s)))
        .collect();
    json!({
        "metadata": {
            "jmap_version": env!("CARGO_PKG_VERSION"),
            "project": project_name,
            "generated_at": chrono::Utc::now().to_rfc3339(),
            "target": compiled.target.name,
            "engine": compiled.target.engine,
        },
        "nodes": nodes,
        "sources": sources,
        "macros": macro_checksums,
    })
}

pub fn write_manifest(
    target_dir: &Path,
    project: &Project,
    compiled: &Compiled,
) -> Result<(), Error> {
    let value = manifest_json(project, compiled);
    // Compact: a 5,000-model manifest is several MB and tools parse it anyway.
    let text = serde_json::to_vec(&value).expect("serialisable");
    write(&target_dir.join(MANIFEST), &text)
}

pub fn write_run_results(
    target_dir: &Path,
    project: &Project,
    compiled: &Compiled,
    command: &str,
    results: &[NodeResult],
    elapsed: f64,
) -> Result<(), Error> {
    let rows: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let uid = compiled
                .models
                .get(&r.name)
                .map(|m| m.unique_id(project.name()))
                .unwrap_or_else(|| r.name.clone());
            json!({
                "unique_id": uid,
                "name": r.name,
                "relation": r.relation,
                "kind": r.kind,
                "materialized": r.materialized,
                "failures": r.failures,
                "status": r.status,
                "rows_affected": r.rows,
                "execution_time": r.seconds,
                "timing": [{
                    "name": "execute",
                    "started_at": r.started_at.to_rfc3339(),
                    "completed_at": r.completed_at.to_rfc3339(),
                }],
                "message": r.message,
            })
        })
        .collect();
    let value = json!({
        "metadata": {
            "jmap_version": env!("CARGO_PKG_VERSION"),
            "generated_at": chrono::Utc::now().to_rfc3339(),
            "command": command,
            "target": compiled.target.name,
        },
        "elapsed_time": elapsed,
        "results": rows,
    });
    write(
        &target_dir.join(RUN_RESULTS),
        &serde_json::to_vec_pretty(&value).expect("serialisable"),
    )
}
