//! The model catalogue: every model and source with its description,
//! columns, tests, config and place in the graph, plus the lineage layout.
//! Compiled SQL is kept apart, in shards the page loads when a model is
//! opened, so that a project of thousands of models opens quickly.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{Value, json};

use super::layout;
use crate::compile::Compiled;
use crate::graph::NodeId;
use crate::project::{Project, TestSpec};

/// Models per compiled-SQL shard.
pub const SQL_SHARD_SIZE: usize = 100;

#[derive(Debug, Serialize)]
pub struct Catalog {
    pub project: String,
    pub target: String,
    pub engine: String,
    pub jmap_version: &'static str,
    pub generated_at: String,
    pub nodes: Vec<Node>,
    /// (parent, child) positions in `nodes`, flattened: p0, c0, p1, c1, ...
    pub edges: Vec<usize>,
    /// Column of each node in the lineage graph.
    pub layer: Vec<u32>,
    /// Row of each node, in node heights.
    pub row: Vec<f64>,
    pub sql_shards: usize,
    /// Node positions per SQL shard.
    pub sql_shard_size: usize,
}

#[derive(Debug, Serialize)]
pub struct Node {
    /// `name` for a model, `source:group.table` for a source (as in selectors).
    pub id: String,
    pub name: String,
    /// model or source
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Materialisation of a model; the source's kind (web_events...).
    pub materialized: String,
    pub package: String,
    pub path: String,
    pub relation: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub columns: Vec<Column>,
    /// Model-level tests, as written.
    pub tests: Vec<String>,
    /// Config values that are set (defaults and empty lists left out).
    pub config: BTreeMap<String, Value>,
    /// Whether the relation is in the warehouse.
    pub built: bool,
    /// A source: where its rows are, and its standard -> own column mapping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Value>,
}

#[derive(Debug, Serialize)]
pub struct Column {
    pub name: String,
    pub data_type: Option<String>,
    pub description: Option<String>,
    pub tests: Vec<String>,
    /// In the warehouse but not in the properties.
    pub undocumented: bool,
}

/// The catalogue and the SQL shards (shard k: the models at node positions
/// k*SQL_SHARD_SIZE..).
pub fn build(
    project: &Project,
    compiled: &Compiled,
    built: &dyn Fn(&str) -> bool,
    warehouse_columns: &HashMap<String, Vec<(String, String)>>,
) -> (Catalog, Vec<BTreeMap<String, String>>) {
    let ids: Vec<NodeId> = compiled.graph.topo_order();
    let position: HashMap<&NodeId, usize> = ids.iter().enumerate().map(|(i, n)| (n, i)).collect();
    let mut edges = Vec::new();
    let mut pairs = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for parent in compiled.graph.parents(id) {
            if let Some(&p) = position.get(parent) {
                pairs.push((p, i));
                edges.extend([p, i]);
            }
        }
    }
    let drawn = layout::layout(ids.len(), &pairs);

    let mut nodes = Vec::with_capacity(ids.len());
    let mut shards: Vec<BTreeMap<String, String>> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let node = match id {
            NodeId::Model(name) => {
                let shard = i / SQL_SHARD_SIZE;
                while shards.len() <= shard {
                    shards.push(BTreeMap::new());
                }
                if let Some(m) = compiled.models.get(name) {
                    shards[shard].insert(name.clone(), m.sql.clone());
                }
                model_node(
                    project,
                    compiled,
                    name,
                    built(name),
                    warehouse_columns.get(name),
                )
            }
            NodeId::Source(group, table) => source_node(project, compiled, group, table),
        };
        nodes.push(node);
    }
    let catalog = Catalog {
        project: project.name().to_owned(),
        target: compiled.target.name.clone(),
        engine: compiled.target.engine.clone(),
        jmap_version: env!("CARGO_PKG_VERSION"),
        generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        nodes,
        edges,
        layer: drawn.layer,
        row: drawn
            .y
            .iter()
            .map(|y| (y * 100.0).round() / 100.0)
            .collect(),
        sql_shards: shards.len(),
        sql_shard_size: SQL_SHARD_SIZE,
    };
    (catalog, shards)
}

fn model_node(
    project: &Project,
    compiled: &Compiled,
    name: &str,
    built: bool,
    warehouse: Option<&Vec<(String, String)>>,
) -> Node {
    let m = &compiled.models[name];
    let props = project.models.get(name).map(|pm| &pm.properties);
    let mut columns: Vec<Column> = props
        .map(|p| {
            p.columns
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    data_type: warehouse
                        .and_then(|cols| {
                            cols.iter()
                                .find(|(n, _)| n.eq_ignore_ascii_case(&c.name))
                                .map(|(_, t)| t.clone())
                        })
                        .or_else(|| c.data_type.clone()),
                    description: c.description.as_ref().map(|d| d.trim().to_owned()),
                    tests: c.tests.iter().map(test_label).collect(),
                    undocumented: false,
                })
                .collect()
        })
        .unwrap_or_default();
    for (col, ty) in warehouse.into_iter().flatten() {
        if !columns.iter().any(|c| c.name.eq_ignore_ascii_case(col)) {
            columns.push(Column {
                name: col.clone(),
                data_type: Some(ty.clone()),
                description: None,
                tests: Vec::new(),
                undocumented: true,
            });
        }
    }
    Node {
        id: name.to_owned(),
        name: name.to_owned(),
        kind: "model",
        materialized: m.config.materialized.as_str().to_owned(),
        package: match m.package {
            crate::project::Package::Builtin => crate::project::BUILTIN_PACKAGE.to_owned(),
            crate::project::Package::Project => project.name().to_owned(),
        },
        path: m.path.to_string_lossy().into_owned(),
        relation: m.relation(),
        description: props
            .and_then(|p| p.description.as_ref())
            .map(|d| d.trim().to_owned()),
        tags: m.config.tags.clone(),
        columns,
        tests: props
            .map(|p| p.tests.iter().map(test_label).collect())
            .unwrap_or_default(),
        config: set_config(&m.config),
        built,
        source: None,
    }
}

fn source_node(project: &Project, compiled: &Compiled, group: &str, table: &str) -> Node {
    let key = (group.to_owned(), table.to_owned());
    let s = &project.sources[&key];
    let location = serde_json::to_value(&s.location).unwrap_or(Value::Null);
    Node {
        id: NodeId::Source(group.to_owned(), table.to_owned()).label(),
        name: s.label(),
        kind: "source",
        materialized: s.kind.clone().unwrap_or_else(|| "source".to_owned()),
        package: project.name().to_owned(),
        path: "journey.yaml".to_owned(),
        relation: compiled
            .source_relations
            .get(&key)
            .cloned()
            .unwrap_or_default(),
        description: s.description.as_ref().map(|d| d.trim().to_owned()),
        tags: Vec::new(),
        columns: s
            .columns
            .iter()
            .map(|(standard, own)| Column {
                name: standard.clone(),
                data_type: None,
                description: Some(format!("from `{own}`")),
                tests: Vec::new(),
                undocumented: false,
            })
            .collect(),
        tests: Vec::new(),
        config: BTreeMap::new(),
        built: true,
        source: Some(json!({
            "location": location,
            "filter": s.filter,
            "preset": s.preset,
            "connection": s.connection,
        })),
    }
}

/// The config as a table of the values that say something: no nulls, no
/// empty lists, and the iteration settings only for fixpoint models.
fn set_config(config: &crate::config::ModelConfig) -> BTreeMap<String, Value> {
    let Ok(Value::Object(map)) = serde_json::to_value(config) else {
        return BTreeMap::new();
    };
    let fixpoint = config.materialized == crate::config::Materialized::Fixpoint;
    let incremental = config.materialized == crate::config::Materialized::Incremental;
    map.into_iter()
        .filter(|(k, v)| match v {
            Value::Null => false,
            Value::Array(a) => !a.is_empty(),
            _ => match k.as_str() {
                "tolerance" | "max_iterations" => fixpoint,
                "incremental_strategy" | "on_schema_change" => incremental,
                "enabled" => v != &Value::Bool(true),
                _ => true,
            },
        })
        .collect()
}

/// A test as a short line: `unique`, `relationships(to: persons, field: person_id)`.
pub fn test_label(t: &TestSpec) -> String {
    let (name, args) = t.parts();
    match serde_json::to_value(&args).unwrap_or(Value::Null) {
        Value::Null => name,
        // One argument: its value says it (`expression(converted <= entered)`).
        Value::Object(map) if map.len() == 1 => {
            format!("{name}({})", map.values().map(compact).collect::<String>())
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}: {}", compact(v)))
                .collect();
            format!("{name}({})", parts.join(", "))
        }
        other => format!("{name}({})", compact(&other)),
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", compact(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}
