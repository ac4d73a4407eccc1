//! Model configuration: what `config(...)`, a properties file's `config:` and
//! journey.yaml's `models:` block can set, and how they combine.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Materialized {
    #[default]
    View,
    Table,
    Incremental,
    Ephemeral,
    /// Iterated in the warehouse until it stops changing: the template gives
    /// the first iteration (`fixpoint_start()` true) and the step, which reads
    /// the previous iteration as `{{ this }}`.
    Fixpoint,
}

impl Materialized {
    pub fn as_str(self) -> &'static str {
        match self {
            Materialized::View => "view",
            Materialized::Table => "table",
            Materialized::Incremental => "incremental",
            Materialized::Ephemeral => "ephemeral",
            Materialized::Fixpoint => "fixpoint",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Strategy {
    #[serde(rename = "append")]
    Append,
    #[default]
    #[serde(rename = "merge")]
    Merge,
    #[serde(rename = "delete+insert")]
    DeleteInsert,
    /// Replace every row at or after the earliest `time_column` value of the
    /// new rows (SQLMesh's incremental-by-time-range): right for derived rows
    /// that a late event can merge, split or remove, such as sessions.
    #[serde(rename = "time_range")]
    TimeRange,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Append => "append",
            Strategy::Merge => "merge",
            Strategy::DeleteInsert => "delete+insert",
            Strategy::TimeRange => "time_range",
        }
    }
}

/// What happens when an incremental run's columns differ from the table's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnSchemaChange {
    /// Insert only the columns the table has.
    #[default]
    Ignore,
    /// Stop with an error naming the differing columns.
    Fail,
    /// Add new columns to the table, then insert.
    AppendNewColumns,
}

/// `unique_key` may be one column or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A partial configuration. Later layers override earlier ones key by key;
/// tags accumulate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub materialized: Option<Materialized>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_key: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental_strategy: Option<Strategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_schema_change: Option<OnSchemaChange>,
    /// The column `time_range` incremental models are replaced by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_column: Option<String>,
    /// Fixpoint: the columns compared between iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixpoint_value: Option<OneOrMany>,
    /// Fixpoint: stop when no compared value changes by more than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Fixpoint: fail when not converged after this many iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u32>,
    /// With `time_range`: replace from each partition's own earliest time
    /// (e.g. per device) instead of from the earliest time overall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<OneOrMany>,
    /// With `delete+insert`: a query of more key values to replace, besides
    /// those of the new rows, so that a key whose rows are all gone (an
    /// account whose touches moved to another) is deleted too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// With `scope`: the column of the table whose values the scope's query
    /// selects, when it is not the unique_key (rebuild whole accounts of a
    /// table keyed by touch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_refresh: Option<bool>,
    /// `false`: rebuild the table on every run, even when its inputs are
    /// unchanged (for a model reading a table not named through `ref()` or
    /// `source()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse: Option<bool>,
}

/// The keys `config()` accepts, for "did you mean" suggestions.
pub const CONFIG_KEYS: &[&str] = &[
    "materialized",
    "unique_key",
    "incremental_strategy",
    "on_schema_change",
    "time_column",
    "partition_by",
    "scope",
    "scope_key",
    "fixpoint_value",
    "tolerance",
    "max_iterations",
    "tags",
    "schema",
    "alias",
    "enabled",
    "full_refresh",
    "reuse",
];

impl ConfigPatch {
    pub fn apply(&mut self, later: &ConfigPatch) {
        macro_rules! take {
            ($($field:ident),*) => {$(
                if later.$field.is_some() {
                    self.$field = later.$field.clone();
                }
            )*};
        }
        take!(
            materialized,
            unique_key,
            incremental_strategy,
            on_schema_change,
            time_column,
            partition_by,
            scope,
            scope_key,
            fixpoint_value,
            tolerance,
            max_iterations,
            schema,
            alias,
            enabled,
            full_refresh,
            reuse
        );
        if let Some(tags) = &later.tags {
            let mine = self.tags.get_or_insert_with(Vec::new);
            for tag in tags {
                if !mine.contains(tag) {
                    mine.push(tag.clone());
                }
            }
        }
    }

    pub fn resolve(&self) -> ModelConfig {
        ModelConfig {
            materialized: self.materialized.unwrap_or_default(),
            unique_key: self
                .unique_key
                .as_ref()
                .map(OneOrMany::to_vec)
                .unwrap_or_default(),
            incremental_strategy: self.incremental_strategy.unwrap_or_else(|| {
                if self.unique_key.is_some() {
                    Strategy::Merge
                } else {
                    Strategy::Append
                }
            }),
            on_schema_change: self.on_schema_change.unwrap_or_default(),
            time_column: self.time_column.clone(),
            partition_by: self
                .partition_by
                .as_ref()
                .map(OneOrMany::to_vec)
                .unwrap_or_default(),
            scope: self.scope.clone(),
            scope_key: self.scope_key.clone(),
            fixpoint_value: self
                .fixpoint_value
                .as_ref()
                .map(OneOrMany::to_vec)
                .unwrap_or_default(),
            tolerance: self.tolerance.unwrap_or(1e-12),
            max_iterations: self.max_iterations.unwrap_or(10_000),
            tags: self.tags.clone().unwrap_or_default(),
            schema: self.schema.clone(),
            alias: self.alias.clone(),
            enabled: self.enabled.unwrap_or(true),
            full_refresh: self.full_refresh,
            reuse: self.reuse.unwrap_or(true),
        }
    }
}

/// A model's effective configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelConfig {
    pub materialized: Materialized,
    pub unique_key: Vec<String>,
    pub incremental_strategy: Strategy,
    pub on_schema_change: OnSchemaChange,
    pub time_column: Option<String>,
    pub partition_by: Vec<String>,
    /// `delete+insert`: the key values to replace besides the new rows'.
    pub scope: Option<String>,
    /// The column the scope's values are of (default: the unique_key).
    pub scope_key: Option<String>,
    pub fixpoint_value: Vec<String>,
    pub tolerance: f64,
    pub max_iterations: u32,
    pub tags: Vec<String>,
    pub schema: Option<String>,
    pub alias: Option<String>,
    pub enabled: bool,
    /// `Some(false)` keeps an incremental model incremental under `--full-refresh`.
    pub full_refresh: Option<bool>,
    /// Whether a table whose inputs are unchanged is kept (run/reuse.rs).
    /// Written only when off, so manifests of models that keep the default
    /// read as before.
    #[serde(skip_serializing_if = "is_true")]
    pub reuse: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_layers_override_and_tags_accumulate() {
        let mut base = ConfigPatch {
            materialized: Some(Materialized::Table),
            tags: Some(vec!["a".into()]),
            ..Default::default()
        };
        base.apply(&ConfigPatch {
            materialized: Some(Materialized::Incremental),
            unique_key: Some(OneOrMany::One("id".into())),
            tags: Some(vec!["b".into(), "a".into()]),
            ..Default::default()
        });
        let cfg = base.resolve();
        assert_eq!(cfg.materialized, Materialized::Incremental);
        assert_eq!(cfg.unique_key, vec!["id".to_owned()]);
        assert_eq!(cfg.incremental_strategy, Strategy::Merge);
        assert_eq!(cfg.tags, vec!["a".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn incremental_without_key_appends() {
        let cfg = ConfigPatch {
            materialized: Some(Materialized::Incremental),
            ..Default::default()
        }
        .resolve();
        assert_eq!(cfg.incremental_strategy, Strategy::Append);
    }
}
