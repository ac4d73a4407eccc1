//! journey.yaml: the typed project configuration.

pub mod interpolate;
pub mod journey;
pub mod model;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Code, Error, Location, did_you_mean};
pub use model::{ConfigPatch, Materialized, ModelConfig, OnSchemaChange, Strategy};

pub const CONFIG_FILE: &str = "journey.yaml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub name: String,
    /// The target used when `--target` is not given.
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub targets: BTreeMap<String, TargetConfig>,
    /// Variables for `var()`; `--vars` overrides them.
    #[serde(default)]
    pub vars: BTreeMap<String, serde_json::Value>,
    /// Configuration by model name or path glob (`staging/*`, `*`).
    #[serde(default)]
    pub models: BTreeMap<String, ConfigPatch>,
    #[serde(default)]
    pub sources: BTreeMap<String, SourceGroup>,
    /// Databases that sources are read from when they are not the warehouse.
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionConfig>,
    /// Settings of the built-in journey package.
    #[serde(default)]
    pub journey: journey::JourneyConfig,
    /// Include the built-in journey package (default true).
    #[serde(default = "yes")]
    pub builtin_package: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Duckdb,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Duckdb => "duckdb",
            Engine::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    pub engine: Engine,
    /// DuckDB: the warehouse file, relative to the project (default target/jmap.duckdb).
    #[serde(default)]
    pub path: Option<String>,
    /// Postgres: a connection URL; use `${VAR}` for secrets.
    #[serde(default)]
    pub url: Option<String>,
    /// The schema output tables are written to.
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub threads: Option<usize>,
}

/// A database sources live in, other than the warehouse.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    pub engine: Engine,
    /// A connection URL; use `${VAR}` for secrets.
    pub url: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceGroup {
    #[serde(default)]
    pub description: Option<String>,
    /// Name of an entry of `connections:` holding these tables; without it
    /// they are read from the warehouse itself.
    #[serde(default)]
    pub connection: Option<String>,
    /// Database schema holding the tables (default: the group's name).
    #[serde(default)]
    pub schema: Option<String>,
    /// A landing layout from models/data/source_presets.yml (e.g. `segment`,
    /// `fivetran_hubspot`) supplying the group's tables and mappings.
    #[serde(default)]
    pub preset: Option<String>,
    /// Tables of the preset this group does not have (e.g. `email_events`
    /// when marketing email is not synced).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The group's tables; with a preset, an entry replaces the preset's
    /// entry of that name or adds one.
    #[serde(default)]
    pub tables: BTreeMap<String, SourceTable>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceTable {
    #[serde(default)]
    pub description: Option<String>,
    /// What the table holds (web_events, contacts, ...), for the journey package.
    #[serde(default)]
    pub kind: Option<String>,
    /// The table's name in the database (default: the key).
    #[serde(default)]
    pub table: Option<String>,
    /// A CSV or Parquet file instead of a table (DuckDB reads it in place),
    /// relative to the project.
    #[serde(default)]
    pub path: Option<String>,
    /// A SQL SELECT run in the warehouse instead of a table, for sources that
    /// need a join to map to one kind; `{schema}` stands for the group's schema.
    #[serde(default)]
    pub query: Option<String>,
    /// Standard column name -> the source's own column.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// A SQL predicate keeping only the rows that belong to this source.
    #[serde(default, rename = "where")]
    pub filter: Option<String>,
    /// For tables copied from another database: a column that grows when a
    /// row is added or changed (e.g. `updated_at`), so later loads fetch only
    /// rows at or past the last value seen.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Key replacing older versions of changed rows in incremental loads.
    #[serde(default)]
    pub primary_key: Option<String>,
    /// Column holding when each row was loaded (for `jmap source freshness`).
    #[serde(default)]
    pub loaded_at: Option<String>,
    /// How old the newest `loaded_at` may be.
    #[serde(default)]
    pub freshness: Option<Freshness>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Freshness {
    #[serde(default)]
    pub warn_after: Option<Age>,
    #[serde(default)]
    pub error_after: Option<Age>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Age {
    pub count: u32,
    pub period: Period,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Minute,
    Hour,
    Day,
}

impl Age {
    pub fn seconds(self) -> i64 {
        let unit = match self.period {
            Period::Minute => 60,
            Period::Hour => 3600,
            Period::Day => 86_400,
        };
        i64::from(self.count) * unit
    }
}

/// journey.yaml as read from disk.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub text: String,
    pub config: ProjectConfig,
}

/// A target with `${VAR}`s substituted and defaults applied.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub engine: Engine,
    pub schema: String,
    pub threads: Option<usize>,
    pub connection: Connection,
}

#[derive(Debug, Clone)]
pub enum Connection {
    DuckDb { path: PathBuf },
    Postgres { url: String },
}

impl LoadedConfig {
    pub fn load(project_dir: &Path) -> Result<Self, Error> {
        let path = project_dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::new(
                    Code::Usage,
                    format!("no {CONFIG_FILE} in {}", project_dir.display()),
                )
                .help("run jmap from a project directory, pass --project-dir, or create one with `jmap init <name>`"));
            }
            Err(err) => return Err(Error::io(&path, "read", err)),
        };
        let display = PathBuf::from(CONFIG_FILE);
        let config: ProjectConfig = yaml::parse(&display, &text)?;
        Ok(LoadedConfig { path, text, config })
    }

    fn locate(&self, needle: &str) -> Option<Location> {
        yaml::line_of(&self.text, needle)
            .map(|line| Location::new(CONFIG_FILE, line, None).with_source(&self.text))
    }

    /// Resolve the target named on the command line, else journey.yaml's
    /// `target:`, else `dev`; with no `targets:` at all, a DuckDB `dev`.
    pub fn target(
        &self,
        project_dir: &Path,
        requested: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Target, Error> {
        let cfg = &self.config;
        let name = requested
            .map(str::to_owned)
            .or_else(|| cfg.target.clone())
            .unwrap_or_else(|| "dev".to_owned());
        let default_dev = TargetConfig {
            engine: Engine::Duckdb,
            path: None,
            url: None,
            schema: None,
            threads: None,
        };
        let tc = match cfg.targets.get(&name) {
            Some(tc) => tc,
            None if cfg.targets.is_empty() && name == "dev" => &default_dev,
            None => {
                let names: Vec<&str> = cfg.targets.keys().map(String::as_str).collect();
                let mut err = Error::new(
                    Code::Usage,
                    format!("target `{name}` is not declared in {CONFIG_FILE}"),
                );
                err = match did_you_mean(&name, names.iter().copied()) {
                    Some(near) => err.help(format!("did you mean `{near}`?")),
                    None => err.help(format!(
                        "declared targets: {}",
                        if names.is_empty() {
                            "(none)".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )),
                };
                return Err(err);
            }
        };
        let file = PathBuf::from(CONFIG_FILE);
        let interp = |v: &str| interpolate::interpolate(v, &file, &self.text, env);
        let schema = match &tc.schema {
            Some(s) => interp(s)?,
            None => "journey".to_owned(),
        };
        let connection = match tc.engine {
            Engine::Duckdb => {
                if tc.url.is_some() {
                    return Err(
                        self.target_error(&name, "a duckdb target takes `path:`, not `url:`")
                    );
                }
                let rel = match &tc.path {
                    Some(p) => interp(p)?,
                    None => "target/jmap.duckdb".to_owned(),
                };
                let path = if rel == ":memory:" {
                    PathBuf::from(rel)
                } else {
                    project_dir.join(rel)
                };
                Connection::DuckDb { path }
            }
            Engine::Postgres => {
                let url = tc.url.as_deref().ok_or_else(|| {
                    self.target_error(
                        &name,
                        "a postgres target needs `url:` (e.g. url: ${JMAP_PG_URL})",
                    )
                })?;
                if tc.path.is_some() {
                    return Err(
                        self.target_error(&name, "a postgres target takes `url:`, not `path:`")
                    );
                }
                Connection::Postgres { url: interp(url)? }
            }
        };
        if tc.threads == Some(0) {
            return Err(self.target_error(&name, "`threads` must be at least 1"));
        }
        Ok(Target {
            name,
            engine: tc.engine,
            schema,
            threads: tc.threads,
            connection,
        })
    }

    /// The URL of a named connection, with `${VAR}`s substituted.
    pub fn connection_url(
        &self,
        name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, Error> {
        let Some(conn) = self.config.connections.get(name) else {
            let names: Vec<&str> = self.config.connections.keys().map(String::as_str).collect();
            let err = Error::new(
                Code::UnknownSource,
                format!("connection `{name}` is not declared under `connections:`"),
            );
            let err = match did_you_mean(name, names.iter().copied()) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => {
                    err.help("declare it: connections: {name}: {engine: postgres, url: ${...}}")
                }
            };
            return Err(match self.locate(&format!("connection: {name}")) {
                Some(loc) => err.at(loc),
                None => err,
            });
        };
        if conn.engine != Engine::Postgres {
            return Err(Error::new(
                Code::InvalidValue,
                format!("connection `{name}`: only postgres connections are supported"),
            )
            .help(
                "DuckDB data can be declared as file sources (path:) or read from the warehouse",
            ));
        }
        interpolate::interpolate(&conn.url, Path::new(CONFIG_FILE), &self.text, env)
    }

    fn target_error(&self, name: &str, message: &str) -> Error {
        let mut err = Error::new(Code::InvalidValue, format!("target `{name}`: {message}"));
        if let Some(loc) = self.locate(&format!("{name}:")) {
            err = err.at(loc);
        }
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProjectConfig, Error> {
        yaml::parse(Path::new(CONFIG_FILE), text)
    }

    #[test]
    fn unknown_key_names_line_and_suggests() {
        let err =
            parse("name: demo\ntargets:\n  dev:\n    engine: duckdb\n    thread: 4\n").unwrap_err();
        assert_eq!(err.code, Code::UnknownKey);
        let text = err.to_string();
        assert!(text.contains("journey.yaml:5:5"), "{text}");
        assert!(text.contains("did you mean `threads`?"), "{text}");
    }

    #[test]
    fn wrong_type_names_line() {
        let err = parse("name: demo\ntargets:\n  dev:\n    engine: duckdb\n    threads: four\n")
            .unwrap_err();
        assert_eq!(err.code, Code::InvalidValue);
        assert!(err.to_string().contains("journey.yaml:5"), "{err}");
    }

    #[test]
    fn missing_key_is_reported() {
        let err = parse("targets: {}\n").unwrap_err();
        assert_eq!(err.code, Code::MissingKey);
        assert!(err.to_string().contains("`name`"), "{err}");
    }

    #[test]
    fn unknown_engine_suggests_variant() {
        let err = parse("name: d\ntargets:\n  dev:\n    engine: duck\n").unwrap_err();
        assert!(err.to_string().contains("did you mean `duckdb`?"), "{err}");
    }

    #[test]
    fn malformed_yaml_is_a_syntax_error() {
        let err = parse("name: d\ntargets:\n  dev:\n    engine: duckdb\n   path: x\n").unwrap_err();
        assert_eq!(err.code, Code::YamlSyntax);
        assert!(err.to_string().contains("journey.yaml:5:4"), "{err}");
    }

    #[test]
    fn target_resolution_interpolates_only_the_chosen_target() {
        let text = "name: d\ntargets:\n  dev:\n    engine: duckdb\n  prod:\n    engine: postgres\n    url: ${PROD_URL}\n";
        let loaded = LoadedConfig {
            path: PathBuf::from(CONFIG_FILE),
            text: text.to_owned(),
            config: parse(text).unwrap(),
        };
        let none = |_: &str| None;
        let dev = loaded.target(Path::new("/p"), None, &none).unwrap();
        assert!(
            matches!(dev.connection, Connection::DuckDb { ref path } if path == Path::new("/p/target/jmap.duckdb"))
        );
        let err = loaded
            .target(Path::new("/p"), Some("prod"), &none)
            .unwrap_err();
        assert_eq!(err.code, Code::EnvVar);
        let err = loaded
            .target(Path::new("/p"), Some("prd"), &none)
            .unwrap_err();
        assert!(err.to_string().contains("did you mean `prod`?"), "{err}");
    }
}
