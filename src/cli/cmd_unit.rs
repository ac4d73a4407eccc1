//! Unit tests from the command line: `jmap test --unit`, and the first step
//! of `jmap build`. They run in an in-memory DuckDB (DuckDB targets) or a
//! throwaway schema of the target database (Postgres), never touching the
//! warehouse's tables.

use std::collections::BTreeSet;
use std::time::Instant;

use super::args::TestArgs;
use super::report::{self, Reporter};
use super::workspace::Workspace;
use crate::adapter::{Adapter, duckdb::DuckDbAdapter};
use crate::compile::Compiled;
use crate::config::Engine;
use crate::dialect::Dialect;
use crate::error::{Code, Error};
use crate::run::{NodeKind, NodeResult, Status};
use crate::testing::unit::{self, Sandbox};

pub fn run(args: &TestArgs, reporter: &Reporter) -> Result<i32, Error> {
    let clock = Instant::now();
    let ws = Workspace::load(&args.project)?;
    let compiled = ws.compile(Default::default(), false, 1)?;
    let selected: BTreeSet<String> = ws
        .select(&compiled, &args.select, false)?
        .into_iter()
        .filter_map(|n| n.model_name().map(str::to_owned))
        .collect();
    let results = run_unit_tests(&ws, &compiled, &selected, reporter)?;
    let elapsed = clock.elapsed().as_secs_f64();
    if let Some(path) = &args.ci.junit_xml {
        report::write_junit(path, "test --unit", &results, elapsed)?;
    }
    reporter.finish("test --unit", &results, elapsed);
    Ok(if results.iter().any(|r| r.status == Status::Error) {
        1
    } else {
        0
    })
}

/// Run the unit tests of the selected models, reporting each.
pub fn run_unit_tests(
    ws: &Workspace,
    compiled: &Compiled,
    selected: &BTreeSet<String>,
    reporter: &Reporter,
) -> Result<Vec<NodeResult>, Error> {
    let tests: Vec<_> = unit::declared(&ws.project)?
        .into_iter()
        .filter(|t| selected.contains(&t.test.model))
        .collect();
    if tests.is_empty() {
        return Ok(Vec::new());
    }
    let dialect = compiled.dialect;
    let renderer = crate::template::Renderer::new(&ws.project, dialect)?;
    // The sandbox: an in-memory DuckDB, or a schema of the Postgres target
    // that is dropped afterwards.
    let adapter: Box<dyn Adapter> = match ws.target.engine {
        Engine::Duckdb => Box::new(DuckDbAdapter::open(std::path::Path::new(":memory:"))?),
        Engine::Postgres => ws.connect(1)?,
    };
    let mut session = adapter.session()?;
    let schema = format!("jmap_unit_{}", std::process::id());
    let prepare: Vec<String> = std::iter::once(dialect.create_schema(&schema))
        .chain(dialect.setup_statements())
        .collect();
    for stmt in &prepare {
        session.execute(stmt).map_err(|e| {
            Error::new(
                Code::Query,
                format!("preparing the unit-test sandbox failed: {e}"),
            )
        })?;
    }
    let mut results = Vec::new();
    let total = tests.len();
    for (i, declared) in tests.iter().enumerate() {
        let started_at = chrono::Utc::now();
        let clock = Instant::now();
        let outcome = {
            let mut sandbox = Sandbox {
                session: session.as_mut(),
                dialect,
                schema: schema.clone(),
            };
            unit::run(&mut sandbox, &renderer, &ws.project, &ws.target, declared)
        };
        let test = &declared.test;
        let mut r = NodeResult {
            kind: NodeKind::Test,
            name: format!("unit_{}", test.name),
            relation: test.model.clone(),
            materialized: "unit test".into(),
            status: Status::Success,
            rows: None,
            failures: None,
            seconds: clock.elapsed().as_secs_f64(),
            started_at,
            completed_at: chrono::Utc::now(),
            message: "pass".into(),
            error: None,
            file: Some(declared.file.clone()),
        };
        match outcome {
            Ok(o) if o.passed => r.message = format!("pass ({} rows)", o.actual_rows),
            Ok(o) => {
                let diff = o.diff.unwrap_or_default();
                r.status = Status::Error;
                r.failures = Some(diff.rows.len() as i64);
                r.message = format!("{} rows differ from the expectation", diff.rows.len());
                r.error = Some(
                    Error::new(
                        Code::UnitTestFailed,
                        format!(
                            "unit test `{}` of `{}`: the output differs from the expected rows",
                            test.name, test.model
                        ),
                    )
                    .note(format!("defined in {}", declared.file.display()))
                    .note(format!(
                        "rows (- expected but missing, + produced but not expected):\n{}",
                        super::output::rows_table(&diff)
                    )),
                );
            }
            Err(e) => {
                r.status = Status::Error;
                r.message = e.message.clone();
                r.error = Some(e);
            }
        }
        reporter.node(&r, i + 1, total);
        results.push(r);
    }
    if dialect == Dialect::Postgres {
        let _ = session.execute(&format!(
            "drop schema if exists {} cascade",
            crate::dialect::quote(&schema)
        ));
        let _ = session.execute(&format!(
            "drop schema if exists {} cascade",
            crate::dialect::quote(&format!("{schema}_staging"))
        ));
    }
    Ok(results)
}
