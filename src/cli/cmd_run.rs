//! `jmap run`, `jmap build` and `jmap test`: compile, load the sources the
//! selection reads, then execute a plan of models and tests.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use serde_json::json;

use super::args::{CiArgs, RunArgs, TestArgs};
use super::report::{self, Reporter};
use super::workspace::{Workspace, existing_relations};
use crate::adapter::Adapter;
use crate::artifacts;
use crate::compile::Compiled;
use crate::error::Error;
use crate::graph::NodeId;
use crate::load;
use crate::lock;
use crate::run::{self, Plan, RunOptions, Status};
use crate::testing::{self, DataTest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Models only; their error tests audit each table before it is published.
    Run,
    /// Unit tests first, then models and all their tests in dependency order.
    Build,
    /// Tests of the selected models against the published tables.
    Test,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Run => "run",
            Mode::Build => "build",
            Mode::Test => "test",
        }
    }
}

pub fn run(args: &RunArgs, mode: Mode) -> Result<i32, Error> {
    let reporter = Reporter::new(args.project.log_format);
    execute(
        &Settings {
            project: &args.project,
            select: &args.select,
            threads: args.threads,
            full_refresh: args.full_refresh,
            fail_fast: args.fail_fast,
            wait: args.wait,
            ci: &args.ci,
        },
        mode,
        &reporter,
    )
}

pub fn test(args: &TestArgs) -> Result<i32, Error> {
    let reporter = Reporter::new(args.project.log_format);
    if args.unit {
        return super::cmd_unit::run(args, &reporter);
    }
    execute(
        &Settings {
            project: &args.project,
            select: &args.select,
            threads: args.threads,
            full_refresh: false,
            fail_fast: args.fail_fast,
            wait: false,
            ci: &args.ci,
        },
        Mode::Test,
        &reporter,
    )
}

struct Settings<'a> {
    project: &'a super::args::ProjectArgs,
    select: &'a super::args::SelectArgs,
    threads: Option<usize>,
    full_refresh: bool,
    fail_fast: bool,
    wait: bool,
    ci: &'a CiArgs,
}

fn execute(s: &Settings<'_>, mode: Mode, reporter: &Reporter) -> Result<i32, Error> {
    let clock = Instant::now();
    let ws = Workspace::load(s.project)?;
    let threads = ws.threads(s.threads)?;
    let _file_lock = lock::lock_file(&ws.target, s.wait)?;
    let adapter = ws.connect(threads)?;
    let _advisory_lock = lock::lock_advisory(&ws.target, adapter.as_ref(), s.wait)?;
    let existing = existing_relations(adapter.as_ref())?;
    let compiled = ws.compile(existing.clone(), s.full_refresh, threads)?;
    let target_dir = ws.project.target_dir();
    artifacts::write_compiled(&target_dir, &compiled)?;
    artifacts::write_manifest(&target_dir, &ws.project, &compiled)?;

    let selected: BTreeSet<String> = ws
        .select_with_state(&compiled, s.select, s.ci.state.as_deref())?
        .into_iter()
        .filter_map(|n| match n {
            NodeId::Model(m) => Some(m),
            NodeId::Source(..) => None,
        })
        .collect();

    let models: Vec<String> = selected.iter().cloned().collect();
    let mut tests = testing::declared(&ws.project, &models)?;
    tests.extend(testing::singular(&compiled, &selected));

    let mut unit_results = Vec::new();
    if mode == Mode::Build {
        unit_results = super::cmd_unit::run_unit_tests(&ws, &compiled, &selected, reporter)?;
        if unit_results.iter().any(|r| r.status == Status::Error) {
            reporter.finish(mode.name(), &unit_results, clock.elapsed().as_secs_f64());
            if let Some(path) = &s.ci.junit_xml {
                report::write_junit(
                    path,
                    mode.name(),
                    &unit_results,
                    clock.elapsed().as_secs_f64(),
                )?;
            }
            return Ok(1);
        }
    }

    let plan = plan(mode, &compiled, &selected, &tests);
    reporter.info(
        "run_started",
        &format!(
            "jmap {}: target `{}` ({}), {} models, {} tests, {threads} {}",
            mode.name(),
            ws.target.name,
            adapter.describe(),
            plan.models.len(),
            plan.tests.len() + plan.audits.values().map(Vec::len).sum::<usize>(),
            if threads == 1 { "thread" } else { "threads" }
        ),
        json!({ "command": mode.name(), "target": ws.target.name, "models": plan.models.len(), "threads": threads }),
    );
    if mode != Mode::Test {
        land_and_check(&ws, adapter.as_ref(), &compiled, &selected, reporter)?;
    }

    let opts = RunOptions {
        threads,
        fail_fast: s.fail_fast,
        reuse: !s.full_refresh,
        store_failures: s
            .ci
            .store_failures
            .then(|| format!("{}_audit", ws.target.schema)),
    };
    let mut results = unit_results;
    let offset = results.len();
    results.extend(run::run(
        adapter.as_ref(),
        &compiled,
        &plan,
        &existing,
        &opts,
        &mut |r, i, n| reporter.node(r, offset + i, offset + n),
    )?);
    if mode != Mode::Test {
        // Tables are rebuilt without comments, so descriptions go back on
        // after every run; a failure here costs the BI tool its docs, not
        // the run its result.
        let commented = adapter.session().and_then(|mut session| {
            crate::docs::apply_comments(
                session.as_mut(),
                adapter.dialect(),
                &compiled,
                &ws.project,
                &selected,
            )
        });
        if let Err(e) = commented {
            reporter.warn(&format!(
                "descriptions not written as comments: {}",
                e.message
            ));
        }
    }
    let elapsed = clock.elapsed().as_secs_f64();
    artifacts::write_run_results(
        &target_dir,
        &ws.project,
        &compiled,
        mode.name(),
        &results,
        elapsed,
    )?;
    if let Some(path) = &s.ci.junit_xml {
        report::write_junit(path, mode.name(), &results, elapsed)?;
    }
    let all_ok = results
        .iter()
        .all(|r| r.status == Status::Success || r.status == Status::Warn);
    if all_ok
        && mode != Mode::Test
        && s.project.log_format == super::args::LogFormat::Text
        && let Some(summary) = super::journey_summary::render(adapter.as_ref(), &compiled)
    {
        println!("{summary}");
    }
    reporter.finish(mode.name(), &results, elapsed);
    Ok(if results.iter().any(|r| r.status == Status::Error) {
        1
    } else {
        0
    })
}

/// Which models to build and which tests run where: in `run` and `build`,
/// tests that only read their own model audit its staged table (write-audit-
/// publish); in `build` the others run as nodes after their models; in
/// `test` every test runs against the published tables.
fn plan<'a>(
    mode: Mode,
    compiled: &Compiled,
    selected: &BTreeSet<String>,
    tests: &'a [DataTest],
) -> Plan<'a> {
    let mut audits: HashMap<String, Vec<&DataTest>> = HashMap::new();
    let mut nodes = Vec::new();
    for t in tests {
        let auditable = t.audits_its_model()
            && t.model.as_ref().is_some_and(|m| {
                compiled.models.get(m).is_some_and(|cm| {
                    !matches!(
                        cm.config.materialized,
                        crate::config::Materialized::View | crate::config::Materialized::Ephemeral
                    )
                })
            });
        match mode {
            Mode::Test => nodes.push(t),
            Mode::Run | Mode::Build if auditable => {
                audits
                    .entry(t.model.clone().unwrap_or_default())
                    .or_default()
                    .push(t);
            }
            Mode::Build => nodes.push(t),
            Mode::Run => {}
        }
    }
    Plan {
        models: if mode == Mode::Test {
            BTreeSet::new()
        } else {
            selected.clone()
        },
        tests: nodes,
        audits,
    }
}

/// Land the sources the selection reads that live elsewhere, then check that
/// every source it reads exists with its mapped columns, before anything runs.
fn land_and_check(
    ws: &Workspace,
    adapter: &dyn Adapter,
    compiled: &Compiled,
    selected: &BTreeSet<String>,
    reporter: &Reporter,
) -> Result<(), Error> {
    let needed: BTreeSet<(String, String)> = compiled
        .models
        .values()
        .filter(|m| {
            selected.contains(&m.name)
                || m.config.materialized == crate::config::Materialized::Ephemeral
        })
        .flat_map(|m| m.sources.iter().cloned())
        .collect();
    let jobs: Vec<load::Job> = ws
        .landing_plan()?
        .into_iter()
        .filter(|j| needed.contains(&(j.source.group.clone(), j.source.name.clone())))
        .collect();
    load::load(adapter, &ws.target, &jobs, &mut |l| {
        reporter.info(
            "source_loaded",
            &super::cmd_load::line(l),
            json!({ "source": l.source, "relation": l.relation, "mode": l.mode.label(), "rows": l.rows, "seconds": l.seconds }),
        )
    })?;
    let landed = load::landed_set(&jobs);
    let mut session = adapter.session()?;
    for key in &needed {
        load::check::check_source(
            session.as_mut(),
            compiled.dialect,
            &ws.project.config,
            &ws.project.sources[key],
            &compiled.source_relations[key],
            landed.contains(key),
        )?;
    }
    Ok(())
}
