//! Compilation: render every model, resolve final configs, build the DAG and
//! inline ephemeral models. Pure apart from what the caller passes in (the
//! warehouse's existing relations and the environment).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{Materialized, ModelConfig, Target};
use crate::dialect::{Dialect, RelationKind};
use crate::error::{Code, Error, Location};
use crate::graph::{Graph, NodeId};
use crate::project::{Package, Project};
use crate::template::context::ephemeral_cte_name;
use crate::template::{ModelSlot, Origin, Rendered, Renderer, Shared, SourceEntry, TargetInfo};

pub struct CompileOptions {
    /// `--vars`, applied over journey.yaml's `vars:`.
    pub vars: BTreeMap<String, serde_json::Value>,
    pub full_refresh: bool,
    /// Relations in the warehouse now (decides `is_incremental()`).
    pub existing: HashMap<(String, String), RelationKind>,
    pub threads: usize,
    /// Sources read through their copy in the warehouse (see `load`).
    pub landed: std::collections::HashSet<(String, String)>,
    pub env_lookup: crate::template::context::EnvLookup,
}

#[derive(Debug, Clone)]
pub struct CompiledModel {
    pub name: String,
    pub package: Package,
    /// As shown to users (`models/x.sql`, `jmap/models/x.sql`).
    pub path: PathBuf,
    /// Package-relative path (`models/x.sql`).
    pub package_path: PathBuf,
    pub config: ModelConfig,
    pub schema: String,
    pub identifier: String,
    /// The body: a SELECT, with ephemeral parents inlined as CTEs.
    pub sql: String,
    pub origins: Vec<Origin>,
    pub refs: Vec<String>,
    pub sources: Vec<(String, String)>,
    pub checksum: String,
    /// A fixpoint model's first iteration (its step is `sql`).
    pub initial: Option<(String, Vec<Origin>)>,
    /// Whether the body was compiled in incremental mode.
    pub incremental_run: bool,
}

impl CompiledModel {
    pub fn relation(&self) -> String {
        crate::dialect::relation(&self.schema, &self.identifier)
    }

    pub fn unique_id(&self, project: &str) -> String {
        let pkg = match self.package {
            Package::Builtin => crate::project::BUILTIN_PACKAGE,
            Package::Project => project,
        };
        format!("model.{pkg}.{}", self.name)
    }

    /// Map a 1-based line of `sql` to the template line that produced it.
    pub fn origin_of(&self, line: usize) -> Option<&Origin> {
        self.origins.get(line.checked_sub(1)?)
    }
}

pub struct Compiled {
    pub dialect: Dialect,
    /// Template name -> text, to show the line an error points at.
    pub templates: HashMap<String, String>,
    /// What `source()` rendered to, per source.
    pub source_relations: HashMap<(String, String), String>,
    pub target: TargetInfo,
    pub models: BTreeMap<String, CompiledModel>,
    /// Singular tests (SQL files under tests/ returning failing rows).
    pub singular_tests: Vec<CompiledTest>,
    pub graph: Graph,
}

#[derive(Debug, Clone)]
pub struct CompiledTest {
    pub name: String,
    pub path: PathBuf,
    pub sql: String,
    pub refs: Vec<String>,
}

pub fn compile(
    project: &Project,
    target: &Target,
    opts: &CompileOptions,
) -> Result<Compiled, Error> {
    let dialect = Dialect::from(target.engine);
    let renderer = Renderer::new(project, dialect)?;
    let mut vars = project.config.config.vars.clone();
    vars.extend(opts.vars.clone());
    let target_info = TargetInfo {
        name: target.name.clone(),
        engine: target.engine.as_str().to_owned(),
        schema: target.schema.clone(),
        threads: opts.threads,
    };
    let sources: HashMap<(String, String), String> = project
        .sources
        .iter()
        .map(|(k, s)| {
            let rel = if opts.landed.contains(k) {
                crate::load::landed_relation(s)
            } else {
                dialect.source_relation(s, &project.root)
            };
            (k.clone(), rel)
        })
        .collect();

    let source_list: Arc<Vec<SourceEntry>> = Arc::new(
        project
            .sources
            .iter()
            .map(|(key, s)| SourceEntry {
                group: s.group.clone(),
                name: s.name.clone(),
                kind: s.kind.clone(),
                relation: sources[key].clone(),
                columns: s.columns.clone(),
                filter: s.filter.clone(),
            })
            .collect(),
    );
    let enabled: Vec<&crate::project::Model> = project
        .models
        .values()
        .filter(|m| m.base_config.enabled != Some(false))
        .collect();

    let journey = minijinja::Value::from(minijinja::value::Serde(&project.journey));
    let make_shared = |slots: HashMap<String, ModelSlot>| {
        Arc::new(Shared {
            dialect,
            target: target_info.clone(),
            vars: vars.clone(),
            env_lookup: opts.env_lookup.clone(),
            full_refresh: opts.full_refresh,
            project_name: project.name().to_owned(),
            models: slots,
            sources: sources.clone(),
            source_list: source_list.clone(),
            journey: journey.clone(),
            existing: opts.existing.clone(),
        })
    };

    // Pass 1: render with what the properties and journey.yaml say.
    let base_slots: HashMap<String, ModelSlot> = enabled
        .iter()
        .map(|m| {
            let cfg = m.base_config.resolve();
            (m.name.clone(), slot(&target_info.schema, &m.name, &cfg))
        })
        .collect();
    let shared = make_shared(base_slots);
    let mut rendered = render_all(&renderer, &enabled, &shared, opts.threads)?;

    // Final configs now include each template's own config() calls.
    let mut configs: BTreeMap<String, ModelConfig> = BTreeMap::new();
    for m in &enabled {
        let mut patch = m.base_config.clone();
        patch.apply(&rendered[&m.name].config);
        configs.insert(m.name.clone(), patch.resolve());
    }
    let disabled: Vec<String> = configs
        .iter()
        .filter(|(_, c)| !c.enabled)
        .map(|(n, _)| n.clone())
        .collect();
    for name in &disabled {
        configs.remove(name);
        rendered.remove(name);
    }
    let final_slots: HashMap<String, ModelSlot> = configs
        .iter()
        .map(|(name, cfg)| (name.clone(), slot(&target_info.schema, name, cfg)))
        .collect();

    // Pass 2: re-render only the models whose render relied on something that
    // turned out differently (a ref to a model that set its own schema, etc.).
    let shared = make_shared(final_slots);
    let stale: Vec<&crate::project::Model> = enabled
        .iter()
        .copied()
        .filter(|m| {
            rendered
                .get(&m.name)
                .is_some_and(|r| !assumptions_hold(r, &m.name, &shared))
        })
        .collect();
    if !stale.is_empty() {
        for (name, r) in render_all(&renderer, &stale, &shared, opts.threads)? {
            // A config value may embed SQL with refs (a delete+insert
            // `scope`): take it from this render too, whose refs are final.
            let mut patch = project.models[&name].base_config.clone();
            patch.apply(&r.config);
            if let Some(cfg) = configs.get_mut(&name) {
                cfg.scope = patch.resolve().scope;
            }
            rendered.insert(name, r);
        }
    }

    // Refs to disabled models are errors.
    let mut errors = Vec::new();
    for (name, r) in &rendered {
        for parent in &r.refs {
            if disabled.contains(parent) {
                let model = &project.models[name];
                errors.push(
                    Error::new(
                        Code::UnknownRef,
                        format!("model `{name}` refs `{parent}`, which is disabled"),
                    )
                    .at(ref_location(model, parent))
                    .help(format!("enable `{parent}` or remove the ref")),
                );
            }
        }
    }
    if let Some(err) = Error::combine(errors) {
        return Err(err);
    }

    // A fixpoint model renders a second time for its first iteration.
    let mut initials: BTreeMap<String, Rendered> = BTreeMap::new();
    for (name, cfg) in &configs {
        if cfg.materialized == Materialized::Fixpoint {
            let r = renderer.render_as(&project.models[name], shared.clone(), true)?;
            initials.insert(name.clone(), r);
        }
    }

    let mut singular_tests = Vec::new();
    let mut test_errors = Vec::new();
    for t in &project.singular_tests {
        // Rendered like a model (ref, source, var...), never materialised.
        let as_model = crate::project::Model {
            name: t.name.clone(),
            package: Package::Project,
            path: t.path.clone(),
            sql: t.sql.clone(),
            checksum: crate::project::checksum(&t.sql),
            properties: Default::default(),
            properties_path: None,
            base_config: Default::default(),
        };
        match renderer.render(&as_model, shared.clone()) {
            Ok(r) => {
                let (sql, _) = inline_ephemerals(&r, &rendered, &configs);
                singular_tests.push(CompiledTest {
                    name: t.name.clone(),
                    path: t.path.clone(),
                    sql,
                    refs: r.refs.clone(),
                });
            }
            Err(e) => test_errors.push(e),
        }
    }
    if let Some(err) = Error::combine(test_errors) {
        return Err(err);
    }

    let graph = build_graph(project, &rendered)?;

    // Assemble compiled models in dependency order, inlining ephemeral parents.
    let mut models: BTreeMap<String, CompiledModel> = BTreeMap::new();
    for node in graph.topo_order() {
        let NodeId::Model(name) = node else { continue };
        let m = &project.models[&name];
        let r = &rendered[&name];
        let cfg = configs[&name].clone();
        let s = &shared.models[&name];
        let (sql, origins) = inline_ephemerals(r, &rendered, &configs);
        let initial = initials
            .get(&name)
            .map(|i| inline_ephemerals(i, &rendered, &configs));
        // Incremental when the table is there and no full refresh was asked
        // for, whether or not the template calls is_incremental().
        let full_refresh = opts.full_refresh && cfg.full_refresh != Some(false);
        let incremental_run = cfg.materialized == Materialized::Incremental
            && !full_refresh
            && opts.existing.get(&(s.schema.clone(), s.identifier.clone()))
                == Some(&RelationKind::Table);
        models.insert(
            name.clone(),
            CompiledModel {
                name: name.clone(),
                package: m.package,
                path: m.display_path(),
                package_path: m.path.clone(),
                schema: s.schema.clone(),
                identifier: s.identifier.clone(),
                config: cfg,
                sql,
                origins,
                refs: r.refs.clone(),
                sources: r.sources.clone(),
                checksum: m.checksum.clone(),
                initial,
                incremental_run,
            },
        );
    }
    let mut templates: HashMap<String, String> = project
        .models
        .values()
        .map(|m| (m.template_name(), m.sql.clone()))
        .collect();
    templates.extend(
        project
            .macros
            .iter()
            .map(|m| (m.template_name.clone(), m.text.clone())),
    );
    Ok(Compiled {
        dialect,
        singular_tests,
        templates,
        source_relations: sources,
        target: target_info,
        models,
        graph,
    })
}

fn slot(target_schema: &str, name: &str, cfg: &ModelConfig) -> ModelSlot {
    ModelSlot {
        schema: match &cfg.schema {
            Some(s) => format!("{target_schema}_{s}"),
            None => target_schema.to_owned(),
        },
        identifier: cfg.alias.clone().unwrap_or_else(|| name.to_owned()),
        ephemeral: cfg.materialized == Materialized::Ephemeral,
    }
}

fn assumptions_hold(r: &Rendered, model: &str, shared: &Shared) -> bool {
    use crate::template::Assumption::*;
    r.assumptions.iter().all(|a| match a {
        Ref { model: m, rendered } => {
            shared.models.get(m).map(|s| s.rendered(m)).as_ref() == Some(rendered)
        }
        This { rendered } => {
            shared.models.get(model).map(|s| s.rendered(model)).as_ref() == Some(rendered)
        }
        // Decided by the model's own config, which pass 1 already saw in full
        // by the time is_incremental() was called after config().
        IsIncremental { .. } => true,
    })
}

/// Render models on up to `threads` threads; all failures are reported.
fn render_all(
    renderer: &Renderer,
    models: &[&crate::project::Model],
    shared: &Arc<Shared>,
    threads: usize,
) -> Result<BTreeMap<String, Rendered>, Error> {
    let threads = threads.clamp(1, 8).min(models.len().max(1));
    let chunk = models.len().div_ceil(threads).max(1);
    let results: Vec<Vec<(String, Result<Rendered, Error>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = models
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|m| (m.name.clone(), renderer.render(m, shared.clone())))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("render thread panicked"))
            .collect()
    });
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (name, result) in results.into_iter().flatten() {
        match result {
            Ok(r) => {
                out.insert(name, r);
            }
            Err(e) => errors.push(e),
        }
    }
    match Error::combine(errors) {
        Some(err) => Err(err),
        None => Ok(out),
    }
}

fn build_graph(project: &Project, rendered: &BTreeMap<String, Rendered>) -> Result<Graph, Error> {
    let mut nodes: Vec<NodeId> = rendered.keys().map(|n| NodeId::Model(n.clone())).collect();
    nodes.extend(
        project
            .sources
            .keys()
            .map(|(g, t)| NodeId::Source(g.clone(), t.clone())),
    );
    let mut edges = Vec::new();
    for (name, r) in rendered {
        for parent in &r.refs {
            edges.push((NodeId::Model(parent.clone()), NodeId::Model(name.clone())));
        }
        for (g, t) in &r.sources {
            edges.push((
                NodeId::Source(g.clone(), t.clone()),
                NodeId::Model(name.clone()),
            ));
        }
    }
    Graph::build(nodes, edges).map_err(|cycle| {
        let names: Vec<String> = cycle.iter().map(NodeId::label).collect();
        let mut err = Error::new(
            Code::Cycle,
            format!("models form a cycle: {}", names.join(" -> ")),
        );
        for pair in names.windows(2) {
            let model = &project.models[&pair[1]];
            let loc = ref_location(model, &pair[0]);
            err = err.note(format!("{} refs {} at {}", pair[1], pair[0], loc));
        }
        err.help("break the cycle: one of these models must not ref the next")
    })
}

/// Where in `model`'s template the ref to `parent` is written.
fn ref_location(model: &crate::project::Model, parent: &str) -> Location {
    let line = model
        .sql
        .lines()
        .position(|l| {
            l.contains("ref(") && l.contains(&format!("'{parent}'"))
                || l.contains(&format!("\"{parent}\""))
        })
        .map(|i| i + 1)
        .unwrap_or(1);
    Location::new(model.display_path(), line, None).with_source(&model.sql)
}

/// Prepend ephemeral parents (and theirs, parents first) as CTEs, each once.
fn inline_ephemerals(
    r: &Rendered,
    rendered: &BTreeMap<String, Rendered>,
    configs: &BTreeMap<String, ModelConfig>,
) -> (String, Vec<Origin>) {
    let mut needed: Vec<&str> = Vec::new();
    collect_ephemerals(&r.refs, rendered, configs, &mut needed);
    if needed.is_empty() {
        return (r.sql.clone(), r.origins.clone());
    }
    let mut sql = String::from("with ");
    let mut origins = Vec::new();
    for (i, name) in needed.iter().enumerate() {
        let e = &rendered[*name];
        if i > 0 {
            // The previous CTE's closing "),": attributed to its last line.
            sql.push_str(",\n");
            let last = origins.last().cloned().expect("pushed above");
            origins.push(last);
        }
        // "<name> as (" shares the first line of the body's origin.
        sql.push_str(&format!("{} as (\n", ephemeral_cte_name(name)));
        origins.push(e.origins.first().cloned().unwrap_or(Origin {
            file: Arc::from(""),
            line: 1,
        }));
        sql.push_str(&e.sql);
        origins.extend(e.origins.iter().cloned());
        sql.push_str("\n)");
    }
    // The closing ")" line also carries ",\n" or "\n" before the model body.
    origins.push(r.origins.first().cloned().unwrap_or(Origin {
        file: Arc::from(""),
        line: 1,
    }));
    if starts_with_with(&r.sql) {
        // Splice: `with a as (...)` + `, <the model's own CTEs>`.
        sql.push_str(",\n");
        sql.push_str(&strip_with(&r.sql));
    } else {
        sql.push('\n');
        sql.push_str(&r.sql);
    }
    origins.extend(r.origins.iter().cloned());
    (sql, origins)
}

fn collect_ephemerals<'a>(
    refs: &'a [String],
    rendered: &'a BTreeMap<String, Rendered>,
    configs: &BTreeMap<String, ModelConfig>,
    out: &mut Vec<&'a str>,
) {
    for name in refs {
        if configs.get(name).map(|c| c.materialized) != Some(Materialized::Ephemeral) {
            continue;
        }
        let Some(r) = rendered.get(name) else {
            continue;
        };
        collect_ephemerals(&r.refs, rendered, configs, out);
        if !out.contains(&name.as_str()) {
            out.push(name);
        }
    }
}

fn starts_with_with(sql: &str) -> bool {
    let s = skip_comments(sql);
    s.len() >= 5 && s[..4].eq_ignore_ascii_case("with") && s.as_bytes()[4].is_ascii_whitespace()
}

fn strip_with(sql: &str) -> String {
    let lead = sql.len() - skip_comments(sql).len();
    let (head, tail) = sql.split_at(lead);
    // Replace the keyword with spaces so the line count stays the same.
    format!("{head}    {}", &tail[4..])
}

fn skip_comments(mut s: &str) -> &str {
    loop {
        let t = s.trim_start();
        if let Some(rest) = t.strip_prefix("--") {
            s = rest.split_once('\n').map(|x| x.1).unwrap_or("");
        } else if let Some(rest) = t.strip_prefix("/*") {
            s = rest.split_once("*/").map(|x| x.1).unwrap_or("");
        } else {
            return t;
        }
    }
}

/// A render context for rendering one model against tables that are not the
/// project's (unit tests): every model resolves to `slots`, each source to
/// `sources` (or, when absent there, to a name that fails loudly).
pub fn unit_shared(
    project: &Project,
    target: &Target,
    slots: HashMap<String, ModelSlot>,
    sources: HashMap<(String, String), String>,
    vars: BTreeMap<String, serde_json::Value>,
    existing: HashMap<(String, String), RelationKind>,
) -> Arc<Shared> {
    let dialect = Dialect::from(target.engine);
    let mut all_vars = project.config.config.vars.clone();
    all_vars.extend(vars);
    let source_list = project
        .sources
        .iter()
        .map(|(key, s)| SourceEntry {
            group: s.group.clone(),
            name: s.name.clone(),
            kind: s.kind.clone(),
            relation: sources
                .get(key)
                .cloned()
                .unwrap_or_else(|| format!("__not_given__{}__{}", s.group, s.name)),
            columns: s.columns.clone(),
            filter: s.filter.clone(),
        })
        .collect();
    Arc::new(Shared {
        dialect,
        target: TargetInfo {
            name: target.name.clone(),
            engine: target.engine.as_str().to_owned(),
            schema: target.schema.clone(),
            threads: 1,
        },
        vars: all_vars,
        env_lookup: Arc::new(crate::config::interpolate::from_env),
        full_refresh: false,
        project_name: project.name().to_owned(),
        models: slots,
        sources,
        source_list: Arc::new(source_list),
        journey: minijinja::Value::from(minijinja::value::Serde(&project.journey)),
        existing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_leading_with() {
        assert!(starts_with_with(
            "-- c\n  WITH a as (select 1) select * from a"
        ));
        assert!(!starts_with_with("select * from without"));
        assert_eq!(strip_with("with a as (x) select"), "     a as (x) select");
    }
}
