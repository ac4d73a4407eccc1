//! `--select state:modified`: which models differ from a previous manifest.
//!
//! A model is modified when it is new, when its template text changed, when
//! its resolved configuration changed, or when a macro it calls changed.
//! Nothing else counts — not the target, absolute paths, the run's time or
//! the warehouse's state — so an unchanged project selects nothing (the false
//! positives dbt users complain of come from comparing such things).

use std::collections::BTreeSet;
use std::path::Path;

use crate::compile::Compiled;
use crate::error::{Code, Error};
use crate::project::Project;

pub fn modified(
    project: &Project,
    compiled: &Compiled,
    state_dir: &Path,
) -> Result<BTreeSet<String>, Error> {
    let path = state_dir.join(crate::artifacts::MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::new(
            Code::Usage,
            format!(
                "--state {}: cannot read {}: {e}",
                state_dir.display(),
                path.display()
            ),
        )
        .help("point --state at the target/ directory of a previous run (it holds manifest.json)")
    })?;
    let previous: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::new(
            Code::Usage,
            format!("{} is not a jmap manifest: {e}", path.display()),
        )
    })?;
    let nodes = &previous["nodes"];
    let old_macros = &previous["macros"];
    let new_macros = project.macro_checksums();
    let mut out = BTreeSet::new();
    for m in compiled.models.values() {
        let node = &nodes[m.unique_id(project.name())];
        if node.is_null() {
            out.insert(m.name.clone());
            continue;
        }
        let config = serde_json::to_value(&m.config).expect("serialisable");
        let template_changed = node["checksum"]["checksum"].as_str() != Some(m.checksum.as_str());
        let config_changed = node["config"] != config;
        let macro_changed = project.models[&m.name]
            .macros_used(new_macros.keys())
            .iter()
            .any(|name| old_macros[name].as_str() != new_macros.get(name).map(String::as_str));
        if template_changed || config_changed || macro_changed {
            out.insert(m.name.clone());
        }
    }
    Ok(out)
}
