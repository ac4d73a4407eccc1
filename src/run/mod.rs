//! Running the selected models: in dependency order, each as soon as its
//! parents are done, on `threads` workers. A failure skips the failed model's
//! descendants; independent branches go on unless `fail_fast`.

pub mod materialize;
pub mod prefetch;
pub mod reuse;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::adapter::{Adapter, RelationMap, Session};
use crate::compile::{Compiled, CompiledModel};
use crate::config::Materialized;
use crate::dialect::RelationKind;
use crate::error::{Code, Error, Location};
use crate::testing::DataTest;
use crate::testing::execute::Verdict;
use materialize::{Audit, BuildError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Success,
    /// A test whose failures are below its error threshold but above its warning one.
    Warn,
    Error,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Model,
    Test,
}

impl NodeResult {
    pub fn label(&self) -> &'static str {
        match (self.kind, self.status) {
            (NodeKind::Model, Status::Success) => "OK",
            (NodeKind::Test, Status::Success) => "PASS",
            (_, Status::Warn) => "WARN",
            (NodeKind::Model, Status::Error) => "ERROR",
            (NodeKind::Test, Status::Error) => "FAIL",
            (_, Status::Skipped) => "SKIP",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NodeResult {
    pub kind: NodeKind,
    pub name: String,
    /// The model's relation, or for a test the model it tests.
    pub relation: String,
    /// The materialisation, or `test`.
    pub materialized: String,
    pub status: Status,
    pub rows: Option<i64>,
    /// For tests: failing rows.
    pub failures: Option<i64>,
    pub seconds: f64,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub completed_at: chrono::DateTime<chrono::Utc>,
    /// "created table", or why it failed or was skipped.
    pub message: String,
    pub error: Option<Error>,
    /// Where the problem is, for CI annotations (template or properties file).
    pub file: Option<std::path::PathBuf>,
}

pub struct RunOptions {
    pub threads: usize,
    pub fail_fast: bool,
    /// Keep tables whose inputs are unchanged (not under --full-refresh).
    pub reuse: bool,
    /// Keep failing rows in this schema.
    pub store_failures: Option<String>,
}

/// What a run does: models to build (their error tests audit the staged
/// table before it is published) and tests to run as nodes of their own.
pub struct Plan<'a> {
    pub models: BTreeSet<String>,
    pub tests: Vec<&'a DataTest>,
    /// Error-severity tests of each model, run before it is published.
    pub audits: HashMap<String, Vec<&'a DataTest>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Job {
    Model(usize),
    Test(usize),
}

/// Run `plan` and report each result through `report` as it completes
/// (with its 1-based index and the total). Results come back in that order.
pub fn run(
    adapter: &dyn Adapter,
    compiled: &Compiled,
    plan: &Plan<'_>,
    existing: &RelationMap,
    opts: &RunOptions,
    report: &mut dyn FnMut(&NodeResult, usize, usize),
) -> Result<Vec<NodeResult>, Error> {
    let model_order: Vec<String> = compiled
        .graph
        .topo_order()
        .into_iter()
        .filter_map(|n| n.model_name().map(str::to_owned))
        .filter(|n| plan.models.contains(n))
        .filter(|n| compiled.models[n].config.materialized != Materialized::Ephemeral)
        .collect();
    let model_index: HashMap<&str, usize> = model_order
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let to_run: HashSet<&str> = model_order.iter().map(String::as_str).collect();

    // Jobs in order: models (dependency order), then tests; a test waits for
    // the models it reads that are part of this run.
    let mut jobs: Vec<Job> = (0..model_order.len()).map(Job::Model).collect();
    jobs.extend((0..plan.tests.len()).map(Job::Test));
    let mut parents: HashMap<Job, Vec<Job>> = HashMap::new();
    for (i, name) in model_order.iter().enumerate() {
        let ps = effective_parents(compiled, name, &to_run);
        parents.insert(
            Job::Model(i),
            ps.iter().map(|p| Job::Model(model_index[p])).collect(),
        );
    }
    for (i, t) in plan.tests.iter().enumerate() {
        let mut ps: Vec<Job> = Vec::new();
        for dep in &t.depends_on {
            if let Some(&m) = model_index.get(dep.as_str()) {
                ps.push(Job::Model(m));
            } else if compiled
                .models
                .get(dep)
                .is_some_and(|m| m.config.materialized == Materialized::Ephemeral)
            {
                ps.extend(
                    effective_parents(compiled, dep, &to_run)
                        .iter()
                        .map(|p| Job::Model(model_index[p])),
                );
            }
        }
        ps.sort();
        ps.dedup();
        parents.insert(Job::Test(i), ps);
    }
    let mut children: HashMap<Job, Vec<Job>> = HashMap::new();
    for (child, ps) in &parents {
        for p in ps {
            children.entry(*p).or_default().push(*child);
        }
    }
    let total = jobs.len()
        + plan
            .audits
            .iter()
            .filter(|(m, _)| to_run.contains(m.as_str()))
            .map(|(_, t)| t.len())
            .sum::<usize>();
    if jobs.is_empty() {
        return Ok(Vec::new());
    }

    prepare_warehouse(adapter, compiled, &model_order)?;
    let versions = reuse::Versions::load(adapter.session()?.as_mut(), compiled, opts.reuse)
        .map_err(|e| {
            Error::new(
                Code::Query,
                format!("reading the model versions failed: {}", e.message),
            )
            .note(format!(
                "they are kept in {}.{}",
                reuse::STATE_SCHEMA,
                reuse::STATE_TABLE
            ))
        })?;
    let versions = &versions;

    let threads = opts.threads.clamp(1, jobs.len());
    let mut sessions = Vec::with_capacity(threads);
    for _ in 0..threads {
        sessions.push(adapter.session()?);
    }

    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::channel::<(Job, Vec<NodeResult>)>();
    let dialect = compiled.dialect;
    let relation_of = |name: &str| compiled.models.get(name).map(|m| m.relation());

    std::thread::scope(|scope| {
        for mut session in sessions {
            let job_rx = job_rx.clone();
            let done_tx = done_tx.clone();
            let model_order = &model_order;
            let relation_of = &relation_of;
            scope.spawn(move || {
                loop {
                    let next = job_rx.lock().unwrap().recv();
                    let Ok(job) = next else { break };
                    let results = match job {
                        Job::Model(i) => {
                            let m = &compiled.models[&model_order[i]];
                            let audits = plan.audits.get(&m.name).map(Vec::as_slice).unwrap_or(&[]);
                            build_model(
                                session.as_mut(),
                                compiled,
                                m,
                                existing,
                                audits,
                                relation_of,
                                opts,
                                versions,
                            )
                        }
                        Job::Test(i) => vec![run_test_node(
                            session.as_mut(),
                            dialect,
                            compiled,
                            plan.tests[i],
                            relation_of,
                            opts,
                        )],
                    };
                    if done_tx.send((job, results)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);

        let position: HashMap<Job, usize> = jobs.iter().enumerate().map(|(i, j)| (*j, i)).collect();
        let mut waiting: HashMap<Job, usize> =
            jobs.iter().map(|j| (*j, parents[j].len())).collect();
        let mut ready: BTreeSet<usize> = jobs
            .iter()
            .filter(|j| waiting[j] == 0)
            .map(|j| position[j])
            .collect();
        let mut results = Vec::with_capacity(total);
        let mut finished: HashSet<Job> = HashSet::new();
        let mut in_flight = 0usize;
        let mut stop = false;
        let mut emit = |r: NodeResult, results: &mut Vec<NodeResult>| {
            report(&r, results.len() + 1, total.max(results.len() + 1));
            results.push(r);
        };
        let job_name = |j: Job| match j {
            Job::Model(i) => model_order[i].clone(),
            Job::Test(i) => plan.tests[i].name.clone(),
        };
        let skip = |j: Job, why: &str| match j {
            Job::Model(i) => skipped_model(compiled, &model_order[i], why),
            Job::Test(i) => skipped_test(plan.tests[i], why),
        };

        loop {
            while !stop && in_flight < threads {
                let Some(i) = ready.pop_first() else { break };
                job_tx.send(jobs[i]).expect("workers alive");
                in_flight += 1;
            }
            if in_flight == 0 {
                break;
            }
            let (job, batch) = done_rx.recv().expect("a worker result");
            in_flight -= 1;
            finished.insert(job);
            // A failed model, or a failed test, stops what depends on it.
            let failed = batch.iter().any(|r| r.status == Status::Error);
            for r in batch {
                emit(r, &mut results);
            }
            if failed {
                if opts.fail_fast {
                    stop = true;
                }
                let roots: Vec<Job> = match job {
                    Job::Model(_) => vec![job],
                    Job::Test(_) => parents[&job].clone(),
                };
                let mut doomed: BTreeSet<usize> = BTreeSet::new();
                let mut stack = roots;
                while let Some(n) = stack.pop() {
                    for c in children.get(&n).into_iter().flatten() {
                        if doomed.insert(position[c]) {
                            stack.push(*c);
                        }
                    }
                }
                let cause = job_name(job);
                for i in doomed {
                    let c = jobs[i];
                    if finished.insert(c) {
                        ready.remove(&i);
                        let what = if matches!(job, Job::Model(_)) {
                            "upstream model"
                        } else {
                            "test"
                        };
                        emit(skip(c, &format!("{what} `{cause}` failed")), &mut results);
                    }
                }
            } else {
                for c in children.get(&job).into_iter().flatten() {
                    let w = waiting.get_mut(c).unwrap();
                    *w -= 1;
                    if *w == 0 && !finished.contains(c) {
                        ready.insert(position[c]);
                    }
                }
            }
        }
        drop(job_tx);
        for j in &jobs {
            if !finished.contains(j) {
                emit(
                    skip(*j, "not run: --fail-fast stopped the run"),
                    &mut results,
                );
            }
        }
        Ok(results)
    })
}

/// The message of a table kept because its inputs are unchanged, and of
/// each of its audits (run on the same rows when it was built).
pub const KEPT: &str = "kept: inputs unchanged since its last build";
pub const KEPT_AUDIT: &str = "kept: passed when the table was built";

/// Whether a result is of a table kept as it was, or of one of its audits.
pub fn is_kept(r: &NodeResult) -> bool {
    r.message == KEPT || r.message == KEPT_AUDIT
}

/// Build one model, auditing the staged table with its error tests; the
/// model's result comes first, then one result per audit test.
#[allow(clippy::too_many_arguments)]
fn build_model(
    session: &mut dyn Session,
    compiled: &Compiled,
    m: &CompiledModel,
    existing: &RelationMap,
    audits: &[&DataTest],
    relation_of: &dyn Fn(&str) -> Option<String>,
    opts: &RunOptions,
    versions: &reuse::Versions<'_>,
) -> Vec<NodeResult> {
    let kind = existing
        .get(&(m.schema.clone(), m.identifier.clone()))
        .copied();
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    // A failure to compute the key (a source that cannot be read) leaves
    // the model to be built, which reports the cause where it belongs.
    let key = versions
        .may_keep(m)
        .then(|| versions.input_key(session, m, audits).ok())
        .flatten();
    if let Some(key) = &key
        && kind == Some(RelationKind::Table)
        && versions.unchanged(m, key)
    {
        versions.kept(m);
        let mut out = vec![model_result(m, Status::Success, KEPT)];
        // The key covers the audits' definitions: these passed on these rows.
        out.extend(audits.iter().map(|t| NodeResult {
            relation: m.relation(),
            failures: Some(0),
            ..test_result(t, Status::Success, KEPT_AUDIT)
        }));
        return out;
    }
    let mut audit_results: Vec<NodeResult> = Vec::new();
    let mut audit_fn = |s: &mut dyn Session, staged: &str| -> Result<(), BuildError> {
        let mut failed = Vec::new();
        for t in audits {
            let r = run_test_on(
                s,
                compiled.dialect,
                t,
                staged,
                relation_of,
                opts,
                &m.relation(),
            );
            if r.status == Status::Error {
                failed.push(r.clone());
            }
            audit_results.push(r);
        }
        if failed.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = failed
            .iter()
            .map(|r| format!("{} ({} failing rows)", r.name, r.failures.unwrap_or(0)))
            .collect();
        Err(BuildError {
            error: crate::adapter::DbError {
                message: format!(
                    "not published: {} failed on the new rows: {}; the previous table is unchanged",
                    if failed.len() == 1 { "a test" } else { "tests" },
                    names.join(", ")
                ),
                line: None,
            },
            body_offset: None,
            in_initial: false,
            details: failed
                .iter()
                .filter_map(|r| r.error.as_ref().map(|e| e.notes.join("\n")))
                .collect(),
        })
    };
    let outcome = materialize::build(
        session,
        compiled.dialect,
        m,
        kind,
        &mut audit_fn as Audit<'_>,
    );
    if let Ok(built) = &outcome {
        // Not recording a version only costs the next run a rebuild.
        let _ = versions.built(session, m, key, built.changed, built.rows);
    }
    let seconds = clock.elapsed().as_secs_f64();
    let mut out = vec![match outcome {
        Ok(built) => NodeResult {
            kind: NodeKind::Model,
            name: m.name.clone(),
            relation: m.relation(),
            materialized: m.config.materialized.as_str().to_owned(),
            status: Status::Success,
            rows: built.rows,
            failures: None,
            seconds,
            started_at,
            completed_at: chrono::Utc::now(),
            message: built.action,
            error: None,
            file: Some(m.path.clone()),
        },
        Err(e) => {
            let error = model_error(compiled, m, &e);
            NodeResult {
                kind: NodeKind::Model,
                name: m.name.clone(),
                relation: m.relation(),
                materialized: m.config.materialized.as_str().to_owned(),
                status: Status::Error,
                rows: None,
                failures: None,
                seconds,
                started_at,
                completed_at: chrono::Utc::now(),
                message: error.message.clone(),
                file: error
                    .location
                    .as_ref()
                    .map(|l| l.file.clone())
                    .or(Some(m.path.clone())),
                error: Some(error),
            }
        }
    }];
    out.extend(audit_results);
    out
}

fn run_test_node(
    session: &mut dyn Session,
    d: crate::dialect::Dialect,
    compiled: &Compiled,
    t: &DataTest,
    relation_of: &dyn Fn(&str) -> Option<String>,
    opts: &RunOptions,
) -> NodeResult {
    let relation = t
        .model
        .as_deref()
        .and_then(|m| compiled.models.get(m))
        .map(|m| m.relation())
        .unwrap_or_default();
    run_test_on(session, d, t, &relation, relation_of, opts, &relation)
}

/// Run a test with the model's rows at `relation` (published or staged);
/// `shown` is the relation named in reports.
fn run_test_on(
    session: &mut dyn Session,
    d: crate::dialect::Dialect,
    t: &DataTest,
    relation: &str,
    relation_of: &dyn Fn(&str) -> Option<String>,
    opts: &RunOptions,
    shown: &str,
) -> NodeResult {
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    let outcome = crate::testing::execute::run(
        session,
        d,
        t,
        relation,
        relation_of,
        opts.store_failures.as_deref(),
    );
    let seconds = clock.elapsed().as_secs_f64();
    let mut r = NodeResult {
        kind: NodeKind::Test,
        name: t.name.clone(),
        relation: shown.to_owned(),
        materialized: "test".into(),
        status: Status::Success,
        rows: None,
        failures: None,
        seconds,
        started_at,
        completed_at: chrono::Utc::now(),
        message: "pass".into(),
        error: None,
        file: Some(t.defined_in.clone()),
    };
    match outcome {
        Ok(o) => {
            r.failures = Some(o.failures);
            let (status, word) = match o.verdict {
                Verdict::Pass => (Status::Success, "pass"),
                Verdict::Warn => (Status::Warn, "warn"),
                Verdict::Fail => (Status::Error, "fail"),
            };
            r.status = status;
            r.message = if o.failures == 0 {
                word.to_owned()
            } else {
                format!("{word}: {} failing rows", o.failures)
            };
            if status != Status::Success {
                let mut err = Error::new(
                    if status == Status::Error {
                        Code::TestFailed
                    } else {
                        Code::TestWarned
                    },
                    format!("test `{}` on {shown}: {} failing rows", t.name, o.failures),
                )
                .note(format!("defined in {}", t.defined_in.display()));
                if !o.sample.rows.is_empty() {
                    err = err.note(format!(
                        "first failing rows:\n{}",
                        crate::cli::output::rows_table(&o.sample)
                    ));
                }
                if let Some(schema) = &opts.store_failures {
                    err = err.note(format!(
                        "all failing rows: {}",
                        crate::dialect::relation(schema, &t.name)
                    ));
                }
                r.error = Some(err);
            }
        }
        Err(e) => {
            r.status = Status::Error;
            r.message = format!("the test query failed: {}", e.message);
            r.error = Some(
                Error::new(
                    Code::TestFailed,
                    format!("test `{}` could not run: {}", t.name, e.message),
                )
                .note(format!("defined in {}", t.defined_in.display()))
                .help(
                    "check the test's arguments (column names, expression) in the properties file",
                ),
            );
        }
    }
    r
}

fn skipped_model(compiled: &Compiled, name: &str, why: &str) -> NodeResult {
    model_result(&compiled.models[name], Status::Skipped, why)
}

fn skipped_test(t: &DataTest, why: &str) -> NodeResult {
    test_result(t, Status::Skipped, why)
}

/// The result of a model that was not built (skipped, or kept as it was).
fn model_result(m: &CompiledModel, status: Status, message: &str) -> NodeResult {
    let now = chrono::Utc::now();
    NodeResult {
        kind: NodeKind::Model,
        name: m.name.clone(),
        relation: m.relation(),
        materialized: m.config.materialized.as_str().to_owned(),
        status,
        rows: None,
        failures: None,
        seconds: 0.0,
        started_at: now,
        completed_at: now,
        message: message.to_owned(),
        error: None,
        file: Some(m.path.clone()),
    }
}

/// The result of a test that did not run (skipped, or kept with its table).
fn test_result(t: &DataTest, status: Status, message: &str) -> NodeResult {
    let now = chrono::Utc::now();
    NodeResult {
        kind: NodeKind::Test,
        name: t.name.clone(),
        relation: t.model.clone().unwrap_or_default(),
        materialized: "test".into(),
        status,
        rows: None,
        failures: None,
        seconds: 0.0,
        started_at: now,
        completed_at: now,
        message: message.to_owned(),
        error: None,
        file: Some(t.defined_in.clone()),
    }
}

/// A model's parents among the models to run, looking through ephemeral
/// models (which are inlined, not run).
fn effective_parents<'a>(
    compiled: &'a Compiled,
    name: &str,
    to_run: &HashSet<&'a str>,
) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut stack: Vec<&str> = compiled.models[name]
        .refs
        .iter()
        .map(String::as_str)
        .collect();
    let mut seen = HashSet::new();
    while let Some(p) = stack.pop() {
        if !seen.insert(p) {
            continue;
        }
        let Some((key, pm)) = compiled.models.get_key_value(p) else {
            continue;
        };
        if pm.config.materialized == Materialized::Ephemeral {
            stack.extend(pm.refs.iter().map(String::as_str));
        } else if to_run.contains(key.as_str()) {
            out.push(key.as_str());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Create the schemas the run writes to and any helper functions.
fn prepare_warehouse(
    adapter: &dyn Adapter,
    compiled: &Compiled,
    order: &[String],
) -> Result<(), Error> {
    let d = compiled.dialect;
    let mut session = adapter.session()?;
    let schemas: BTreeSet<&str> = order
        .iter()
        .map(|n| compiled.models[n].schema.as_str())
        .collect();
    let mut statements: Vec<String> = schemas.iter().map(|s| d.create_schema(s)).collect();
    statements.extend(d.setup_statements());
    for stmt in statements {
        session.execute(&stmt).map_err(|e| {
            Error::new(
                Code::Query,
                format!("preparing the warehouse failed: {}", e.message),
            )
            .note(format!("statement: {stmt}"))
        })?;
    }
    Ok(())
}

/// Turn a database error into one that names the model, the template line and
/// the compiled SQL line.
pub fn model_error(compiled: &Compiled, m: &CompiledModel, e: &BuildError) -> Error {
    let mut lines = e.error.message.lines().filter(|l| !l.trim().is_empty());
    let headline = lines.next().unwrap_or("failed").to_owned();
    let mut err = Error::new(
        Code::ModelFailed,
        format!("model `{}` failed: {headline}", m.name),
    );
    let compiled_path = Path::new("target/compiled").join(&m.path);
    let body_line = match (e.error.line, e.body_offset) {
        (Some(line), Some(offset)) if line > offset => Some(line - offset),
        _ => None,
    };
    let origin_of = |line: usize| match (&m.initial, e.in_initial) {
        (Some((_, origins)), true) => origins.get(line.checked_sub(1)?),
        _ => m.origin_of(line),
    };
    match body_line.and_then(|l| origin_of(l).map(|o| (l, o))) {
        Some((line, origin)) => {
            let text = compiled
                .templates
                .get(origin.file.as_ref())
                .map(String::as_str)
                .unwrap_or("");
            err = err
                .at(
                    Location::new(origin.file.as_ref(), origin.line as usize, None)
                        .with_source(text),
                )
                .note(format!("compiled SQL: {}:{line}", compiled_path.display()));
        }
        None => {
            err = err
                .note(format!("model template: {}", m.path.display()))
                .note(format!("compiled SQL: {}", compiled_path.display()));
        }
    }
    for extra in lines.filter(|l| !l.starts_with("LINE ") && !l.trim_start().starts_with('^')) {
        err = err.note(extra.trim().to_owned());
    }
    for detail in &e.details {
        err = err.note(detail.clone());
    }
    if m.incremental_run && names_a_missing_column(&e.error.message) {
        // An incremental run reads the tables earlier versions of the model
        // and of its incremental parents built (theirs are not rebuilt
        // either); after an upgrade that added a column to one of them, that
        // table lacks the column until it is rebuilt once.
        let stale = stale_tables(compiled, m);
        err = err.help(format!(
            "this incremental run reads {} as earlier runs built {}; if their columns changed since (an upgrade), rebuild them and what reads them once: jmap run --full-refresh --select {}",
            stale
                .iter()
                .map(|s| format!("`{}`", s.relation()))
                .collect::<Vec<_>>()
                .join(", "),
            if stale.len() == 1 { "it" } else { "them" },
            stale
                .iter()
                .map(|s| format!("{}+", s.name))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    err
}

/// The model and its parents that an incremental run reads as earlier runs
/// left them: itself and its incremental parents with a stored table.
fn stale_tables<'a>(compiled: &'a Compiled, m: &'a CompiledModel) -> Vec<&'a CompiledModel> {
    let parents = m
        .refs
        .iter()
        .filter_map(|r| compiled.models.get(r))
        .filter(|p| p.config.materialized == Materialized::Incremental && p.incremental_run);
    std::iter::once(m).chain(parents).collect()
}

/// DuckDB's and Postgres's messages for a name that is not there. (DuckDB
/// reports a qualified column its table lacks as a missing table when the
/// outer query has a column of that name: it tries the name there too.)
fn names_a_missing_column(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("not found") || m.contains("does not exist") || m.contains("does not have a column")
}

#[cfg(test)]
mod tests {
    use super::names_a_missing_column;

    #[test]
    fn missing_columns_are_recognised_on_both_engines() {
        assert!(names_a_missing_column(
            r#"Binder Error: Table "t" does not have a column named "seen""#
        ));
        assert!(names_a_missing_column(
            r#"Binder Error: Referenced column "seen" not found in FROM clause!"#
        ));
        assert!(names_a_missing_column("column t.seen does not exist"));
        assert!(names_a_missing_column(
            r#"Binder Error: Referenced table "this_run" not found!"#
        ));
        assert!(!names_a_missing_column("division by zero"));
        assert!(!names_a_missing_column(
            "Conversion Error: Could not convert string 'x' to INT32"
        ));
    }
}
