//! Sources declared in journey.yaml, resolved to where their rows live.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::config::{LoadedConfig, yaml};
use crate::error::{Code, Error, Location};
use crate::project::presets::{Presets, group_key_line};

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub group: String,
    pub name: String,
    pub kind: Option<String>,
    pub description: Option<String>,
    pub location: SourceLocation,
    /// Standard column name -> the source's own column.
    pub columns: BTreeMap<String, String>,
    pub filter: Option<String>,
    /// The `connections:` entry the table lives in (None: the warehouse).
    pub connection: Option<String>,
    pub cursor: Option<String>,
    pub primary_key: Option<String>,
    pub loaded_at: Option<String>,
    pub freshness: Option<crate::config::Freshness>,
    /// The preset the entry came from (None: written in journey.yaml).
    pub preset: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SourceLocation {
    Table {
        schema: String,
        table: String,
    },
    /// A CSV or Parquet file, relative to the project root.
    File {
        path: PathBuf,
        format: FileFormat,
    },
    /// A SELECT run in the warehouse (`{schema}` already replaced), read as a
    /// subquery named after the source.
    Query {
        sql: String,
    },
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Csv,
    Parquet,
}

impl Source {
    /// The source's own columns that the check before a run looks for: the
    /// plain columns its mapping names (an unmapped required column is read by
    /// its standard name), plus the cursor and key. Expressions are not parsed;
    /// a wrong column in one is reported when the models run.
    pub fn named_columns(&self) -> Vec<String> {
        let mut cols: Vec<String> = self
            .columns
            .values()
            .filter(|own| is_plain_column(own))
            .cloned()
            .collect();
        if let Some(kind) = self.kind.as_deref().and_then(crate::project::kinds::find) {
            for req in kind.required {
                if !self.columns.contains_key(*req) {
                    cols.push((*req).to_owned());
                }
            }
        }
        cols.extend(self.cursor.iter().cloned());
        cols.extend(self.primary_key.iter().cloned());
        cols.sort();
        cols.dedup();
        cols
    }

    /// The columns to copy when the source is landed: its named columns, or
    /// `None` (every column) when it maps nothing, maps an expression or has a
    /// `where:`, since those may use any column.
    pub fn needed_columns(&self) -> Option<Vec<String>> {
        let any_column = self.columns.is_empty()
            || self.filter.is_some()
            || self
                .columns
                .values()
                .any(|v| !is_plain_column(v) && !is_constant(v));
        (!any_column).then(|| self.named_columns())
    }

    pub fn unique_id(&self) -> String {
        format!("source.{}.{}", self.group, self.name)
    }

    pub fn label(&self) -> String {
        format!("{}.{}", self.group, self.name)
    }
}

pub fn resolve(
    config: &LoadedConfig,
    presets: &Presets,
) -> Result<BTreeMap<(String, String), Source>, Error> {
    let mut out = BTreeMap::new();
    for (group_name, group) in &config.config.sources {
        let schema = group.schema.clone().unwrap_or_else(|| group_name.clone());
        for (table_name, (table, from_preset)) in presets.expand(config, group_name, group)? {
            // A preset's table is not written in journey.yaml: point at the
            // group's `preset:` line, and say which preset it came from.
            let preset = group.preset.clone().filter(|_| from_preset);
            let locate = || {
                let key = match &preset {
                    Some(_) => "preset:".to_owned(),
                    None => format!("{table_name}:"),
                };
                group_key_line(&config.text, group_name, &key)
                    .map(|line| Location::new("journey.yaml", line, None).with_source(&config.text))
            };
            let from = |err: Error| match &preset {
                Some(p) => err.note(format!(
                    "the table comes from preset `{p}` ({})",
                    presets.path.display()
                )),
                None => err,
            };
            check_kind(
                config,
                group_name,
                &table_name,
                &table,
                from_preset,
                &locate,
            )
            .map_err(from)?;
            let location = locate_rows(group_name, &table_name, &table, &schema).map_err(
                |err| match locate() {
                    Some(loc) => from(err.at(loc)),
                    None => from(err),
                },
            )?;
            out.insert(
                (group_name.clone(), table_name.clone()),
                Source {
                    group: group_name.clone(),
                    name: table_name.clone(),
                    kind: table.kind.clone(),
                    description: table
                        .description
                        .clone()
                        .or_else(|| group.description.clone()),
                    location,
                    columns: table.columns.clone(),
                    filter: table.filter.clone(),
                    connection: group.connection.clone(),
                    cursor: table.cursor.clone(),
                    primary_key: table.primary_key.clone(),
                    loaded_at: table.loaded_at.clone(),
                    freshness: table.freshness.clone(),
                    preset,
                },
            );
        }
    }
    Ok(out)
}

/// A mapping value naming one of the source's columns.
fn is_plain_column(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// A mapping value that is an SQL constant ('page', 1, null): it reads no column.
fn is_constant(value: &str) -> bool {
    let v = value.trim();
    let quoted = v.len() >= 2
        && v.starts_with('\'')
        && v.ends_with('\'')
        && !v[1..v.len() - 1].replace("''", "").contains('\'');
    quoted
        || v.parse::<f64>().is_ok()
        || ["null", "true", "false"].contains(&v.to_ascii_lowercase().as_str())
}

/// Where a source's rows are: a table, a file or a query (one of them).
fn locate_rows(
    group: &str,
    name: &str,
    table: &crate::config::SourceTable,
    schema: &str,
) -> Result<SourceLocation, Error> {
    let set: Vec<&str> = [
        ("`table:`", table.table.is_some()),
        ("`path:`", table.path.is_some()),
        ("`query:`", table.query.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(key, _)| *key)
    .collect();
    if set.len() > 1 {
        return Err(Error::new(
            Code::InvalidValue,
            format!("source `{group}.{name}` sets both {}", set.join(" and ")),
        )
        .help("a source is a database table, a file or a query: keep one"));
    }
    if let Some(path) = &table.path {
        let lower = path.to_ascii_lowercase();
        let format = if lower.ends_with(".parquet") {
            FileFormat::Parquet
        } else if lower.ends_with(".csv") || lower.ends_with(".csv.gz") {
            FileFormat::Csv
        } else {
            return Err(Error::new(
                Code::InvalidValue,
                format!("source `{group}.{name}`: `{path}` is neither .csv nor .parquet"),
            )
            .help("point `path:` at a .csv, .csv.gz or .parquet file, or use `table:`"));
        };
        return Ok(SourceLocation::File {
            path: PathBuf::from(path),
            format,
        });
    }
    if let Some(query) = &table.query {
        let sql = query.trim().trim_end_matches(';').trim_end();
        if sql.is_empty() {
            return Err(Error::new(
                Code::InvalidValue,
                format!("source `{group}.{name}`: `query:` is empty"),
            )
            .help("give a SELECT; `{schema}` stands for the group's schema"));
        }
        return Ok(SourceLocation::Query {
            sql: sql.replace("{schema}", &crate::dialect::quote(schema)),
        });
    }
    Ok(SourceLocation::Table {
        schema: schema.to_owned(),
        table: table.table.clone().unwrap_or_else(|| name.to_owned()),
    })
}

/// A source's `kind` must be one jmap knows, and its `columns:` keys must be
/// standard columns of that kind.
fn check_kind(
    config: &LoadedConfig,
    group: &str,
    name: &str,
    table: &crate::config::SourceTable,
    from_preset: bool,
    locate: &dyn Fn() -> Option<Location>,
) -> Result<(), Error> {
    use crate::error::did_you_mean;
    use crate::project::kinds;
    let at = |err: Error, needle: Option<&str>| {
        // A preset's entry is not in journey.yaml: only its group is.
        let loc = needle
            .filter(|_| !from_preset)
            .and_then(|n| yaml::line_of(&config.text, n))
            .map(|line| Location::new("journey.yaml", line, None).with_source(&config.text))
            .or_else(locate);
        match loc {
            Some(l) => err.at(l),
            None => err,
        }
    };
    let Some(kind_name) = &table.kind else {
        if !table.columns.is_empty() {
            return Err(at(
                Error::new(Code::MissingKey, format!("source `{group}.{name}` maps columns but has no `kind:`"))
                    .help("add `kind:` (one of: web_events, ad_clicks, ad_spend, email_events, crm_activities, contacts, accounts, opportunities)"),
                None,
            ));
        }
        return Ok(());
    };
    let Some(kind) = kinds::find(kind_name) else {
        let names: Vec<&str> = kinds::KINDS.iter().map(|k| k.name).collect();
        let err = Error::new(
            Code::InvalidValue,
            format!("source `{group}.{name}`: unknown kind `{kind_name}`"),
        );
        let err = match did_you_mean(kind_name, names.iter().copied()) {
            Some(near) => err.help(format!("did you mean `{near}`?")),
            None => err.help(format!("kinds: {}", names.join(", "))),
        };
        return Err(at(err, Some(&format!("kind: {kind_name}"))));
    };
    for key in table.columns.keys() {
        if !kind.knows(key) {
            let err = Error::new(
                Code::UnknownKey,
                format!("source `{group}.{name}` ({kind_name}): `{key}` is not a standard column"),
            );
            let err = match did_you_mean(key, kind.all_columns()) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help(format!(
                    "{kind_name} columns: {}",
                    kind.all_columns().collect::<Vec<_>>().join(", ")
                )),
            };
            return Err(at(err, Some(&format!("{key}:"))));
        }
    }
    Ok(())
}
