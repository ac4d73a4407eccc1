//! `jmap docs`: a static site that needs no BI tool and no network. It shows
//! the model graph (every model and source with its description, columns,
//! tests, config and compiled SQL, and an interactive lineage graph) and the
//! customer journey map read from the output tables of the last run (stage
//! funnel, channel paths to conversion, channel × stage heat map, attribution
//! across models, one account's timeline, stalled accounts).
//!
//! Rust reads and shapes the data and lays the graph out; the pages are
//! hand-written HTML/CSS/JS in `assets/`, embedded at build time, drawing
//! their charts as SVG (and the lineage graph on a canvas) themselves.

pub mod accounts;
pub mod catalog;
pub mod comments;
mod data;
pub mod journey;
pub mod layout;
pub mod serve;
pub mod site;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::adapter::{Adapter, RelationMap};
use crate::compile::Compiled;
use crate::error::Error;
use crate::project::Project;
pub use comments::apply_comments;
use data::{Section, Warehouse};

/// What `jmap docs` wrote.
#[derive(Debug)]
pub struct Built {
    pub dir: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub nodes: usize,
    /// Accounts searchable on the journey map, when it has data.
    pub accounts: Option<(usize, usize)>,
    /// Parts of the journey map that could not be drawn, and why.
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
struct JourneyData {
    /// Whether the project builds the journey package's outputs at all.
    package: bool,
    /// Whether a warehouse was there to read.
    warehouse: bool,
    stages: Vec<String>,
    stall_days: u32,
    kpis: Section<journey::Kpis>,
    funnel: Section<Vec<journey::FunnelStep>>,
    paths: Section<Vec<journey::PathFlows>>,
    heatmap: Section<journey::Heatmap>,
    attribution: Section<journey::Attribution>,
    accounts: Section<accounts::Accounts>,
}

/// Write the site into `out`. `warehouse`: the target's warehouse, `None`
/// when there is none yet (the journey map then says to run first).
pub fn build(
    project: &Project,
    compiled: &Compiled,
    warehouse: Option<&dyn Adapter>,
    existing: &RelationMap,
    out: &Path,
) -> Result<Built, Error> {
    let journey_cfg = &project.journey;
    let mut journey_data = JourneyData {
        package: compiled.models.contains_key("stage_funnel"),
        warehouse: warehouse.is_some(),
        stages: journey_cfg.config.stages.clone(),
        stall_days: journey_cfg.config.stall_days,
        kpis: Section::Missing(Vec::new()),
        funnel: Section::Missing(Vec::new()),
        paths: Section::Missing(Vec::new()),
        heatmap: Section::Missing(Vec::new()),
        attribution: Section::Missing(Vec::new()),
        accounts: Section::Missing(Vec::new()),
    };
    let mut account_shards = Vec::new();
    let mut columns = Default::default();
    let mut warnings = Vec::new();
    if let Some(adapter) = warehouse {
        let mut wh = Warehouse::open(adapter, compiled, existing)?;
        columns = wh.model_columns().unwrap_or_else(|e| {
            warnings.push(e.message);
            Default::default()
        });
        journey_data.kpis = journey::kpis(&mut wh, journey_cfg);
        journey_data.funnel = journey::funnel(&mut wh);
        journey_data.paths = journey::paths(&mut wh, journey_cfg);
        journey_data.heatmap = journey::heatmap(&mut wh, journey_cfg);
        journey_data.attribution = journey::attribution(&mut wh, journey_cfg);
        let (a, shards) = accounts::read(&mut wh, journey_cfg);
        journey_data.accounts = a;
        account_shards = shards;
    }
    if journey_data.package && warehouse.is_some() {
        let d = &journey_data;
        warnings.extend(
            [
                d.kpis.problem("headline figures"),
                d.funnel.problem("stage funnel"),
                d.paths.problem("paths to conversion"),
                d.heatmap.problem("channel x stage heat map"),
                d.attribution.problem("attribution"),
                d.accounts.problem("accounts"),
            ]
            .into_iter()
            .flatten(),
        );
    }

    let built = |name: &str| {
        compiled
            .models
            .get(name)
            .is_some_and(|m| existing.contains_key(&(m.schema.clone(), m.identifier.clone())))
    };
    let (catalog, sql_shards) = catalog::build(project, compiled, &built, &columns);

    let meta = serde_json::json!({
        "project": catalog.project,
        "target": catalog.target,
        "engine": catalog.engine,
        "generated_at": catalog.generated_at,
        "jmap_version": catalog.jmap_version,
    });
    let mut writer = site::SiteWriter::create(out)?;
    writer.assets()?;
    writer.global("meta", "JMAP_META", &meta)?;
    writer.global("catalog", "JMAP_CATALOG", &catalog)?;
    writer.global("journey", "JMAP_JOURNEY", &journey_data)?;
    for (k, shard) in sql_shards.iter().enumerate() {
        writer.shard("sql", k, shard)?;
    }
    for (k, shard) in account_shards.iter().enumerate() {
        writer.shard("accounts", k, shard)?;
    }
    Ok(Built {
        dir: out.to_path_buf(),
        files: writer.written.files,
        bytes: writer.written.bytes,
        nodes: catalog.nodes.len(),
        accounts: journey_data
            .accounts
            .ready()
            .map(|a| (a.index.len(), a.total)),
        warnings,
    })
}
