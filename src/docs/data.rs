//! Reading jmap's output tables for the site: through the adapter's session,
//! at the relations the compiled project says they live in (schema, alias),
//! never at hard-coded names.

use serde::Serialize;

use crate::adapter::{Adapter, Cell, RelationMap, Rows, Session};
use crate::compile::Compiled;
use crate::config::Materialized;
use crate::dialect::Dialect;
use crate::error::{Code, Error};

pub struct Warehouse<'a> {
    session: Box<dyn Session>,
    pub dialect: Dialect,
    compiled: &'a Compiled,
    existing: &'a RelationMap,
}

impl<'a> Warehouse<'a> {
    pub fn open(
        adapter: &dyn Adapter,
        compiled: &'a Compiled,
        existing: &'a RelationMap,
    ) -> Result<Warehouse<'a>, Error> {
        Ok(Warehouse {
            session: adapter.session()?,
            dialect: adapter.dialect(),
            compiled,
            existing,
        })
    }

    /// Where a model's rows are, when it is built (`None`: no such model, an
    /// ephemeral one, or not built on this target yet).
    pub fn relation(&self, model: &str) -> Option<String> {
        let m = self.compiled.models.get(model)?;
        if m.config.materialized == Materialized::Ephemeral {
            return None;
        }
        self.existing
            .contains_key(&(m.schema.clone(), m.identifier.clone()))
            .then(|| m.relation())
    }

    /// The relations of `models`, or the names of those that are not built.
    pub fn relations<const N: usize>(&self, models: [&str; N]) -> Result<[String; N], Vec<String>> {
        let found: Vec<Option<String>> = models.iter().map(|m| self.relation(m)).collect();
        let missing: Vec<String> = models
            .iter()
            .zip(&found)
            .filter(|(_, r)| r.is_none())
            .map(|(m, _)| m.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        Ok(std::array::from_fn(|i| {
            found[i].clone().unwrap_or_default()
        }))
    }

    /// Run a query; `what` names it in the error.
    pub fn query(&mut self, what: &str, sql: &str) -> Result<Rows, Error> {
        self.session.query(sql).map_err(|e| {
            Error::new(
                Code::Query,
                format!("reading {what} for the docs failed: {}", e.message),
            )
        })
    }

    pub fn epoch(&self, expr: &str) -> String {
        self.dialect.epoch_seconds(expr)
    }

    /// Columns and their types of every built model, keyed by model name.
    pub fn model_columns(
        &mut self,
    ) -> Result<std::collections::HashMap<String, Vec<(String, String)>>, Error> {
        let built: Vec<(&String, &str, &str)> = self
            .compiled
            .models
            .values()
            .filter(|m| self.relation(&m.name).is_some())
            .map(|m| (&m.name, m.schema.as_str(), m.identifier.as_str()))
            .collect();
        let mut schemas: Vec<String> = built.iter().map(|(_, s, _)| s.to_string()).collect();
        schemas.sort();
        schemas.dedup();
        let mut out = std::collections::HashMap::new();
        if schemas.is_empty() {
            return Ok(out);
        }
        let rows = self.query(
            "the warehouse's columns",
            &self.dialect.list_schema_columns_sql(&schemas),
        )?;
        let mut by_relation: std::collections::HashMap<(String, String), Vec<(String, String)>> =
            Default::default();
        for r in &rows.rows {
            let (Some(schema), Some(table), Some(column)) = (text(r, 0), text(r, 1), text(r, 2))
            else {
                continue;
            };
            by_relation
                .entry((schema, table))
                .or_default()
                .push((column, text(r, 3).unwrap_or_default()));
        }
        for (name, schema, identifier) in built {
            if let Some(cols) = by_relation.remove(&(schema.to_owned(), identifier.to_owned())) {
                out.insert(name.clone(), cols);
            }
        }
        Ok(out)
    }
}

/// One part of the journey map: its data, or why it is not there (shown on
/// the page in its place, so one missing table never hides the others).
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section<T> {
    Ready(T),
    /// The models it reads that are not built.
    Missing(Vec<String>),
    Failed(String),
}

impl<T> Section<T> {
    pub fn from_result(r: Result<T, Error>) -> Section<T> {
        match r {
            Ok(v) => Section::Ready(v),
            Err(e) => Section::Failed(e.message),
        }
    }

    pub fn ready(&self) -> Option<&T> {
        match self {
            Section::Ready(v) => Some(v),
            _ => None,
        }
    }

    /// A warning line for the terminal, when the section is not ready.
    pub fn problem(&self, name: &str) -> Option<String> {
        match self {
            Section::Ready(_) => None,
            Section::Missing(models) => {
                Some(format!("{name}: not built yet ({})", models.join(", ")))
            }
            Section::Failed(message) => Some(format!("{name}: {message}")),
        }
    }
}

pub fn text(row: &[Cell], i: usize) -> Option<String> {
    match row.get(i)? {
        Cell::Null => None,
        Cell::Text(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

pub fn int(row: &[Cell], i: usize) -> Option<i64> {
    row.get(i)?.as_i64()
}

pub fn float(row: &[Cell], i: usize) -> Option<f64> {
    row.get(i)?.as_f64()
}

pub fn boolean(row: &[Cell], i: usize) -> bool {
    match row.get(i) {
        Some(Cell::Bool(b)) => *b,
        Some(Cell::Text(s)) => matches!(s.as_str(), "true" | "t"),
        Some(Cell::Int(i)) => *i != 0,
        _ => false,
    }
}

/// Round to `digits` decimals, so the data files carry no float noise.
pub fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}
