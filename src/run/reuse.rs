//! Keeping a table whose inputs have not changed since it was built.
//!
//! Every model has a *version* that changes when its rows may have changed:
//! - a table (or fixpoint) model is kept as it is, not rebuilt, when the
//!   key of its inputs (its compiled SQL and configuration, its audits, and
//!   the versions of what it reads) equals the one stored at its last
//!   build: the same inputs give the same rows. Its version is a hash of its
//!   rows when it has at most a million, else that key;
//! - an incremental model keeps its version while a run adds, deletes and
//!   re-scopes nothing, and gets a new one when it does;
//! - a view's (or an ephemeral model's) version is the key of its inputs,
//!   computed when a reader needs it;
//! - a source's version is a hash of its rows (count and the sum of each
//!   row's hash), computed at most once per run and only when a table model
//!   reads the source, directly or through views: a scan of a dimension
//!   table costs far less than the rebuild it can save.
//!
//! A model whose SQL calls the clock or a random function gives other rows
//! on each run, so it is always rebuilt, as is one with `reuse=false` (for a
//! model that reads a table not named through `ref()` or `source()`), and
//! every model under `--full-refresh`.
//!
//! The versions are stored in the warehouse (`jmap_state.model_versions`),
//! next to the tables they describe, and written after a build is published:
//! a run that stops between the two leaves an older key, which only makes
//! the next run rebuild.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::adapter::{DbError, Session};
use crate::compile::{Compiled, CompiledModel};
use crate::config::Materialized;
use crate::dialect::{self, Dialect, literal};
use crate::testing::DataTest;

pub const STATE_SCHEMA: &str = "jmap_state";
pub const STATE_TABLE: &str = "model_versions";

/// A table built with at most this many rows is versioned by a hash of its
/// rows (a scan of a few hundred milliseconds at most), a larger one by the
/// key of its inputs.
const HASHED_ROWS: i64 = 1_000_000;

/// Functions whose value differs from run to run: a model calling one is
/// never kept.
const VOLATILE: &[&str] = &[
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "now(",
    "today(",
    "get_current_",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "random(",
    "uuid(",
    "gen_random_uuid",
    "setseed",
];

struct Stored {
    input_key: String,
    version: String,
}

pub struct Versions<'a> {
    compiled: &'a Compiled,
    dialect: Dialect,
    /// Whether tables may be kept at all (not under --full-refresh).
    enabled: bool,
    /// What earlier builds stored, by relation: two projects (or targets)
    /// writing to one warehouse do not share a row, whatever their models'
    /// names.
    stored: HashMap<String, Stored>,
    /// Versions known in this run: `model:<name>` and `source:<a>.<b>`.
    current: Mutex<HashMap<String, String>>,
    /// Unique to this run: an incremental model that changed gets it.
    run_token: String,
}

impl<'a> Versions<'a> {
    /// Create the state table if needed and read what earlier runs stored.
    pub fn load(
        session: &mut dyn Session,
        compiled: &'a Compiled,
        enabled: bool,
    ) -> Result<Versions<'a>, DbError> {
        let d = compiled.dialect;
        let text = d.logical_type("text").expect("known type");
        session.execute(&d.create_schema(STATE_SCHEMA))?;
        session.execute(&format!(
            "create table if not exists {} (relation {text} primary key, model {text}, \
             input_key {text}, version {text}, built_at timestamp)",
            state_relation()
        ))?;
        let rows = session.query(&format!(
            "select relation, input_key, version from {}",
            state_relation()
        ))?;
        let stored = rows
            .rows
            .iter()
            .filter_map(|r| {
                let cell = |i: usize| r.get(i).and_then(|c| c.as_str()).map(str::to_owned);
                Some((
                    cell(0)?,
                    Stored {
                        input_key: cell(1)?,
                        version: cell(2)?,
                    },
                ))
            })
            .collect();
        let run_token = format!(
            "run:{}",
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        Ok(Versions {
            compiled,
            dialect: d,
            enabled,
            stored,
            current: Mutex::new(HashMap::new()),
            run_token,
        })
    }

    /// Whether `m` is a kind of model that can be kept when its inputs are
    /// unchanged (before any key is computed: computing one may scan sources).
    /// Under --full-refresh the key is still computed and stored, so that
    /// the next run can keep what this one built.
    pub fn may_keep(&self, m: &CompiledModel) -> bool {
        matches!(
            m.config.materialized,
            Materialized::Table | Materialized::Fixpoint
        ) && m.config.reuse
            && !is_volatile(m)
    }

    /// The key of `m`'s inputs: its SQL, its configuration, the version of
    /// every model and source it reads, and the definitions of the tests
    /// that audit it (so a kept table has passed the audits of this run).
    pub fn input_key(
        &self,
        session: &mut dyn Session,
        m: &CompiledModel,
        audits: &[&DataTest],
    ) -> Result<String, DbError> {
        let mut parts = vec![
            format!("relation {}", m.relation()),
            format!(
                "config {}",
                serde_json::to_string(&m.config).expect("serialisable")
            ),
            format!("sql {}", m.sql),
        ];
        if let Some((initial, _)) = &m.initial {
            parts.push(format!("initial {initial}"));
        }
        let mut refs = m.refs.clone();
        refs.sort();
        refs.dedup();
        for r in &refs {
            parts.push(format!("ref {r} {}", self.model_version(session, r)?));
        }
        let mut sources = m.sources.clone();
        sources.sort();
        sources.dedup();
        for (group, name) in &sources {
            parts.push(format!(
                "source {group}.{name} {}",
                self.source_version(session, group, name)?
            ));
        }
        for t in audits {
            parts.push(format!("audit {t:?}"));
        }
        Ok(crate::project::checksum(&parts.join("\n")))
    }

    /// Whether the stored build of `m` had these inputs.
    pub fn unchanged(&self, m: &CompiledModel, key: &str) -> bool {
        self.enabled
            && self
                .stored
                .get(&m.relation())
                .is_some_and(|s| s.input_key == key)
    }

    /// Note a table kept as it is: its version stays the stored one.
    pub fn kept(&self, m: &CompiledModel) {
        if let Some(s) = self.stored.get(&m.relation()) {
            self.set(&m.name, s.version.clone());
        }
    }

    /// Record a successful build of `m`: `changed` is false when an
    /// incremental run added, deleted and re-scoped nothing; `rows` is what
    /// the build wrote. `key` is the input key when it was computed (tables
    /// that may be kept).
    pub fn built(
        &self,
        session: &mut dyn Session,
        m: &CompiledModel,
        key: Option<String>,
        changed: bool,
        rows: Option<i64>,
    ) -> Result<(), DbError> {
        let table = match m.config.materialized {
            // A view's version is computed from its inputs when a reader asks.
            Materialized::View | Materialized::Ephemeral => return Ok(()),
            Materialized::Table | Materialized::Fixpoint => true,
            Materialized::Incremental => false,
        };
        let version = match (&key, self.stored.get(&m.relation())) {
            (_, Some(s)) if !table && !changed => {
                self.set(&m.name, s.version.clone());
                return Ok(());
            }
            // A table small enough to hash is versioned by its rows, so that
            // a rebuild giving the same rows (new inputs that do not matter
            // to it, or a clock it calls that moved) leaves its readers kept.
            _ if table && rows.is_some_and(|n| n <= HASHED_ROWS) => {
                let fingerprint = session.query(&self.dialect.fingerprint_rows(&m.relation()))?;
                match fingerprint
                    .rows
                    .first()
                    .and_then(|r| r.first())
                    .and_then(|c| c.as_str())
                {
                    Some(fp) => format!("rows {fp}"),
                    None => format!("{}:{}", self.run_token, m.name),
                }
            }
            (Some(key), _) => key.clone(),
            _ => format!("{}:{}", self.run_token, m.name),
        };
        self.set(&m.name, version.clone());
        crate::adapter::transaction(
            session,
            &[
                format!(
                    "delete from {} where relation = {}",
                    state_relation(),
                    literal(&m.relation())
                ),
                format!(
                    "insert into {} (relation, model, input_key, version, built_at) \
                     values ({}, {}, {}, {}, current_timestamp)",
                    state_relation(),
                    literal(&m.relation()),
                    literal(&m.name),
                    literal(key.as_deref().unwrap_or("")),
                    literal(&version)
                ),
            ],
        )
    }

    fn set(&self, name: &str, version: String) {
        self.current
            .lock()
            .unwrap()
            .insert(format!("model:{name}"), version);
    }

    fn model_version(&self, session: &mut dyn Session, name: &str) -> Result<String, DbError> {
        if let Some(v) = self.current.lock().unwrap().get(&format!("model:{name}")) {
            return Ok(v.clone());
        }
        let Some(m) = self.compiled.models.get(name) else {
            return Ok(format!("{}:unknown:{name}", self.run_token));
        };
        let version = match m.config.materialized {
            // Computed from its own inputs, like a table's key.
            Materialized::View | Materialized::Ephemeral => {
                if is_volatile(m) {
                    format!("{}:{name}", self.run_token)
                } else {
                    self.input_key(session, m, &[])?
                }
            }
            // Not built in this run (not selected, or failed): what the
            // last build stored, else unknown (which matches no key).
            _ => self
                .stored
                .get(&m.relation())
                .map(|s| s.version.clone())
                .unwrap_or_else(|| format!("{}:unknown:{name}", self.run_token)),
        };
        self.current
            .lock()
            .unwrap()
            .insert(format!("model:{name}"), version.clone());
        Ok(version)
    }

    fn source_version(
        &self,
        session: &mut dyn Session,
        group: &str,
        name: &str,
    ) -> Result<String, DbError> {
        let slot = format!("source:{group}.{name}");
        if let Some(v) = self.current.lock().unwrap().get(&slot) {
            return Ok(v.clone());
        }
        let Some(rel) = self
            .compiled
            .source_relations
            .get(&(group.to_owned(), name.to_owned()))
        else {
            return Ok(format!("{}:{slot}", self.run_token));
        };
        let rows = session.query(&self.dialect.fingerprint_rows(rel))?;
        let version = rows
            .rows
            .first()
            .and_then(|r| r.first())
            .and_then(|c| c.as_str())
            .map(|fp| format!("{rel} {fp}"))
            .unwrap_or_else(|| format!("{}:{slot}", self.run_token));
        self.current.lock().unwrap().insert(slot, version.clone());
        Ok(version)
    }
}

fn state_relation() -> String {
    dialect::relation(STATE_SCHEMA, STATE_TABLE)
}

fn is_volatile(m: &CompiledModel) -> bool {
    let sql = m.sql.to_lowercase();
    let initial = m
        .initial
        .as_ref()
        .map(|(s, _)| s.to_lowercase())
        .unwrap_or_default();
    VOLATILE
        .iter()
        .any(|f| sql.contains(f) || initial.contains(f))
}
