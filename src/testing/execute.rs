//! Running data tests against the warehouse.

use super::{DataTest, Severity};
use crate::adapter::{self, DbError, Rows, Session};
use crate::dialect::{Dialect, relation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub failures: i64,
    /// The first failing rows, for the report.
    pub sample: Rows,
}

/// Rows of failures shown in reports.
pub const SAMPLE_ROWS: usize = 5;

/// Run `test` with the model's rows at `model_relation`. With `store_in`,
/// failing rows are kept in that schema as a table named after the test.
pub fn run(
    session: &mut dyn Session,
    d: Dialect,
    test: &DataTest,
    model_relation: &str,
    relation_of: &dyn Fn(&str) -> Option<String>,
    store_in: Option<&str>,
) -> Result<Outcome, DbError> {
    let now = chrono::Utc::now()
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let sql = test.failures_sql(model_relation, relation_of, &now);
    let failures = adapter::scalar_i64(
        session,
        &format!("select count(*) from (\n{sql}\n) as failures"),
    )?;
    let verdict = match test.severity {
        Severity::Error if test.error_if.holds(failures) => Verdict::Fail,
        _ if test.warn_if.holds(failures) => Verdict::Warn,
        _ => Verdict::Pass,
    };
    let sample = if failures > 0 {
        session.query(&format!(
            "select * from (\n{sql}\n) as failures limit {SAMPLE_ROWS}"
        ))?
    } else {
        Rows::default()
    };
    if let Some(schema) = store_in {
        let table = relation(schema, &test.name);
        session.execute(&d.create_schema(schema))?;
        session.execute(&d.drop_table(&table))?;
        if failures > 0 {
            session.execute(&d.create_table_as(&table, &sql).0)?;
        }
    }
    Ok(Outcome {
        verdict,
        failures,
        sample,
    })
}
