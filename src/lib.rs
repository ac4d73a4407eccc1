//! jmap: customer journey maps built inside your warehouse.
//!
//! The modules follow the data: `config` (journey.yaml) → `project` (files,
//! models, sources) → `template` (minijinja rendering) → `compile` (configs,
//! DAG, ephemerals) → `graph` (order, selection) → `adapter` (DuckDB,
//! PostgreSQL) → `run` (scheduling, materialisations) → `artifacts`.

pub mod adapter;
pub mod artifacts;
pub mod cli;
pub mod compile;
pub mod config;
pub mod dialect;
pub mod docs;
pub mod error;
pub mod generate;
pub mod graph;
pub mod load;
pub mod lock;
pub mod project;
pub mod run;
pub mod state;
pub mod template;
pub mod testing;

pub use error::{Code, Error, Result};
