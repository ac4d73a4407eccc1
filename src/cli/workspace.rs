//! Turning flags into a loaded project, a resolved target and compile options:
//! the steps every command shares.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::args::{ProjectArgs, SelectArgs};
use crate::adapter::{self, Adapter, RelationMap};
use crate::compile::{self, CompileOptions, Compiled};
use crate::config::{Connection, Target, interpolate};
use crate::error::{Code, Error};
use crate::graph::NodeId;
use crate::graph::select::{self, NodeFacts, SelectionContext};
use crate::load;
use crate::project::Project;

pub struct Workspace {
    pub project: Project,
    pub target: Target,
    pub vars: BTreeMap<String, serde_json::Value>,
}

impl Workspace {
    pub fn load(args: &ProjectArgs) -> Result<Workspace, Error> {
        // Absolute, so that file sources compiled into views resolve from
        // anywhere (a BI tool opening the DuckDB file has another cwd).
        let dir = std::fs::canonicalize(&args.project_dir).map_err(|_| {
            Error::usage(format!(
                "--project-dir {}: no such directory",
                args.project_dir.display()
            ))
        })?;
        let project = Project::load(&dir)?;
        let target = project
            .config
            .target(&dir, args.target.as_deref(), &interpolate::from_env)?;
        let vars = parse_vars(args.vars.as_deref())?;
        Ok(Workspace {
            project,
            target,
            vars,
        })
    }

    pub fn threads(&self, flag: Option<usize>) -> Result<usize, Error> {
        if flag == Some(0) {
            return Err(Error::usage("--threads must be at least 1"));
        }
        Ok(flag
            .or(self.target.threads)
            .unwrap_or_else(|| match self.target.connection {
                // DuckDB already spreads each query over every core: two models at
                // once on two cores made the 10M-event demo run 28% slower than one
                // at a time (BENCHMARKS.md, issue 4).
                Connection::DuckDb { .. } => 1,
                // A Postgres backend runs a query on one core (bar parallel scans).
                _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
            }))
    }

    pub fn connect(&self, threads: usize) -> Result<Box<dyn Adapter>, Error> {
        // target/ is jmap's own directory (compiled SQL, artifacts, and the
        // default DuckDB warehouse): create it; any other directory must exist.
        let target_dir = self.project.target_dir();
        std::fs::create_dir_all(&target_dir).map_err(|e| Error::io(&target_dir, "create", e))?;
        adapter::connect(&self.target, threads)
    }

    /// The warehouse's relations, if it can be read without creating it.
    pub fn existing_relations_if_any(&self) -> Result<RelationMap, Error> {
        if let Connection::DuckDb { path } = &self.target.connection
            && !path.exists()
        {
            return Ok(RelationMap::new());
        }
        let adapter = self.connect(1)?;
        existing_relations(adapter.as_ref())
    }

    /// Sources to copy into the warehouse before models can read them.
    pub fn landing_plan(&self) -> Result<Vec<load::Job>, Error> {
        load::plan(&self.project, &self.target, &interpolate::from_env)
    }

    pub fn compile(
        &self,
        existing: RelationMap,
        full_refresh: bool,
        threads: usize,
    ) -> Result<Compiled, Error> {
        let landed = load::landed_set(&self.landing_plan()?);
        let opts = CompileOptions {
            vars: self.vars.clone(),
            full_refresh,
            existing,
            threads,
            landed,
            env_lookup: Arc::new(interpolate::from_env),
        };
        compile::compile(&self.project, &self.target, &opts)
    }

    /// Like `select`, with `state:modified` answered from the manifest in
    /// `state_dir` (a previous run's target/).
    pub fn select_with_state(
        &self,
        compiled: &Compiled,
        args: &SelectArgs,
        state_dir: Option<&std::path::Path>,
    ) -> Result<Vec<NodeId>, Error> {
        let modified = match state_dir {
            Some(dir) => Some(crate::state::modified(&self.project, compiled, dir)?),
            None => None,
        };
        self.select_inner(compiled, args, false, modified.as_ref())
    }

    /// Selected nodes (models and sources) in dependency order. Without
    /// `--select`: every model, plus the sources when `all_by_default`.
    pub fn select(
        &self,
        compiled: &Compiled,
        args: &SelectArgs,
        all_by_default: bool,
    ) -> Result<Vec<NodeId>, Error> {
        self.select_inner(compiled, args, all_by_default, None)
    }

    fn select_inner(
        &self,
        compiled: &Compiled,
        args: &SelectArgs,
        all_by_default: bool,
        modified: Option<&std::collections::BTreeSet<String>>,
    ) -> Result<Vec<NodeId>, Error> {
        let facts: BTreeMap<String, NodeFacts> = compiled
            .models
            .values()
            .map(|m| {
                (
                    m.name.clone(),
                    NodeFacts {
                        tags: m.config.tags.clone(),
                        paths: vec![
                            m.package_path.to_string_lossy().into_owned(),
                            m.path.to_string_lossy().into_owned(),
                        ],
                    },
                )
            })
            .collect();
        let ctx = SelectionContext {
            graph: &compiled.graph,
            models: &facts,
            modified,
        };
        let chosen = select::select(&ctx, &args.select, &args.exclude, all_by_default)?;
        Ok(compiled
            .graph
            .topo_order()
            .into_iter()
            .filter(|n| chosen.contains(n))
            .collect())
    }
}

pub fn existing_relations(adapter: &dyn Adapter) -> Result<RelationMap, Error> {
    let mut session = adapter.session()?;
    adapter::existing_relations(session.as_mut(), adapter.dialect()).map_err(|e| {
        Error::new(
            Code::Query,
            format!("cannot list the warehouse's tables: {}", e.message),
        )
    })
}

fn parse_vars(text: Option<&str>) -> Result<BTreeMap<String, serde_json::Value>, Error> {
    let Some(text) = text else {
        return Ok(BTreeMap::new());
    };
    serde_yaml::from_str::<BTreeMap<String, serde_json::Value>>(text).map_err(|e| {
        Error::usage(format!("--vars is not a YAML/JSON mapping: {e}"))
            .help("example: --vars '{lookback_days: 90, start_date: \"2025-01-01\"}'")
    })
}
