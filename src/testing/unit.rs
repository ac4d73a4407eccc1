//! Unit tests of models: rows given for each `ref`, `source` (and `this`, for
//! an incremental run), the model run on them in isolation, and its output
//! compared with the expected rows. Declared in properties files:
//!
//! ```yaml
//! unit_tests:
//!   - name: a_31_minute_gap_starts_a_session
//!     model: int_sessions
//!     given:
//!       - input: ref('int_web_events')
//!         rows: [{device_id: d1, session_id: s1, ...}]
//!     expect:
//!       rows: [{session_id: s1, page_views: 2}]
//! ```
//!
//! Rows are a list of mappings, or CSV text with `format: csv`, or a CSV file
//! with `fixture: path`. Only the expected columns are compared, as a
//! multiset; numbers compare to 1e-9.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::adapter::{Cell, Rows, Session};
use crate::config::yaml;
use crate::dialect::{Dialect, literal, quote, relation};
use crate::error::{Code, Error, Location, did_you_mean};
use crate::project::Project;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitTest {
    pub name: String,
    pub model: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub given: Vec<Given>,
    pub expect: Rowset,
    #[serde(default)]
    pub overrides: Overrides,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Given {
    /// `ref('model')`, `source('group', 'table')` or `this`.
    pub input: String,
    #[serde(default)]
    pub rows: Option<serde_yaml::Value>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub fixture: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rowset {
    #[serde(default)]
    pub rows: Option<serde_yaml::Value>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub fixture: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    #[serde(default)]
    pub vars: BTreeMap<String, serde_json::Value>,
    /// Run the model as an incremental run on top of the `this` rows.
    #[serde(default)]
    pub is_incremental: bool,
}

/// A unit test with the file that declares it.
#[derive(Debug, Clone)]
pub struct Declared {
    pub file: PathBuf,
    pub test: UnitTest,
}

/// Every unit test of the project, checked against its models.
pub fn declared(project: &Project) -> Result<Vec<Declared>, Error> {
    let mut out = Vec::new();
    for (file, value) in &project.unit_tests {
        let text = std::fs::read_to_string(project.root.join(file)).unwrap_or_default();
        let test: UnitTest = serde_yaml::from_value(value.clone()).map_err(|e| {
            let name = value.get("name").and_then(|n| n.as_str()).unwrap_or("?");
            let mut err = yaml::translate(file, &text, &e);
            err.message = format!("unit test `{name}`: {}", err.message);
            if err.location.is_none()
                && let Some(line) = yaml::line_of(&text, &format!("name: {name}"))
            {
                err = err.at(Location::new(file, line, None).with_source(&text));
            }
            err
        })?;
        if !project.models.contains_key(&test.model) {
            let err = Error::new(
                Code::UnknownRef,
                format!("unit test `{}`: no model `{}`", test.name, test.model),
            );
            let err = match did_you_mean(&test.model, project.models.keys().map(String::as_str)) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err,
            };
            let err = match yaml::line_of(&text, &format!("model: {}", test.model)) {
                Some(line) => err.at(Location::new(file, line, None).with_source(&text)),
                None => err,
            };
            return Err(err);
        }
        out.push(Declared {
            file: file.clone(),
            test,
        });
    }
    Ok(out)
}

/// A value given or expected.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

#[derive(Debug, Clone, Default)]
struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

fn yaml_value(v: &serde_yaml::Value) -> Value {
    match v {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(*b),
        serde_yaml::Value::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0))),
        serde_yaml::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(
            serde_yaml::to_string(other)
                .unwrap_or_default()
                .trim()
                .to_owned(),
        ),
    }
}

/// A CSV field: numbers and booleans are typed, an empty field is null.
fn csv_value(s: &str) -> Value {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("null") {
        Value::Null
    } else if let Ok(i) = t.parse::<i64>() {
        Value::Int(i)
    } else if let Ok(f) = t.parse::<f64>() {
        Value::Float(f)
    } else if t == "true" || t == "false" {
        Value::Bool(t == "true")
    } else {
        Value::Text(t.trim_matches('"').to_owned())
    }
}

fn parse_csv(text: &str) -> Table {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let columns: Vec<String> = lines
        .next()
        .map(|h| h.split(',').map(|c| c.trim().to_owned()).collect())
        .unwrap_or_default();
    let rows = lines
        .map(|l| l.split(',').map(csv_value).collect())
        .collect();
    Table { columns, rows }
}

fn load(rowset: &Rowset, root: &Path, what: &str) -> Result<Table, Error> {
    let bad = |why: String| Error::new(Code::InvalidValue, format!("{what}: {why}"));
    if let Some(path) = &rowset.fixture {
        let text = std::fs::read_to_string(root.join(path))
            .map_err(|e| bad(format!("cannot read fixture {path}: {e}")))?;
        return Ok(parse_csv(&text));
    }
    match (&rowset.rows, rowset.format.as_deref()) {
        (Some(serde_yaml::Value::String(text)), Some("csv")) => Ok(parse_csv(text)),
        (Some(serde_yaml::Value::Sequence(items)), None | Some("dict")) => {
            let mut columns: Vec<String> = Vec::new();
            for item in items {
                let map = item.as_mapping().ok_or_else(|| bad("each row must be a mapping of column: value".into()))?;
                for k in map.keys().filter_map(|k| k.as_str()) {
                    if !columns.iter().any(|c| c == k) {
                        columns.push(k.to_owned());
                    }
                }
            }
            let rows = items
                .iter()
                .map(|item| {
                    let map = item.as_mapping().expect("checked above");
                    columns
                        .iter()
                        .map(|c| map.get(c.as_str()).map(yaml_value).unwrap_or(Value::Null))
                        .collect()
                })
                .collect();
            Ok(Table { columns, rows })
        }
        (None, _) => Err(bad("no rows: give `rows:` (a list of mappings, or CSV text with `format: csv`) or `fixture:`".into())),
        _ => Err(bad("`rows:` must be a list of mappings, or CSV text with `format: csv`".into())),
    }
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() >= 16
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b' ' || b[10] == b'T')
        && b[13] == b':'
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars().filter(char::is_ascii_digit).count() == 8
}

/// The logical type of a column: its first non-null value's.
fn column_type(table: &Table, col: usize) -> &'static str {
    for row in &table.rows {
        match &row[col] {
            Value::Null => continue,
            Value::Int(_) => return "bigint",
            Value::Float(_) => return "double",
            Value::Bool(_) => return "boolean",
            Value::Text(s) if looks_like_timestamp(s) => return "timestamp",
            Value::Text(s) if looks_like_date(s) => return "date",
            Value::Text(_) => return "text",
        }
    }
    "text"
}

fn create_sql(d: Dialect, rel: &str, table: &Table) -> Result<String, Error> {
    let types: Vec<&str> = (0..table.columns.len())
        .map(|i| column_type(table, i))
        .collect();
    let ty = |t: &str| d.logical_type(t).unwrap_or("text");
    let literal_of = |v: &Value, t: &str| -> String {
        let inner = match v {
            Value::Null => "null".to_owned(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format!("{f:?}"),
            Value::Bool(b) => b.to_string(),
            Value::Text(s) => {
                literal(&s.replacen('T', " ", if looks_like_timestamp(s) { 1 } else { 0 }))
            }
        };
        format!("cast({inner} as {})", ty(t))
    };
    let cols = table
        .columns
        .iter()
        .map(|c| quote(c))
        .collect::<Vec<_>>()
        .join(", ");
    if table.rows.is_empty() {
        let nulls = types
            .iter()
            .zip(&table.columns)
            .map(|(t, c)| format!("cast(null as {}) as {}", ty(t), quote(c)))
            .collect::<Vec<_>>()
            .join(", ");
        return Ok(format!("create table {rel} as select {nulls} where 1 = 0"));
    }
    let values: Vec<String> = table
        .rows
        .iter()
        .map(|r| {
            format!(
                "({})",
                r.iter()
                    .zip(&types)
                    .map(|(v, t)| literal_of(v, t))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    Ok(format!(
        "create table {rel} as select * from (values {}) as given({cols})",
        values.join(", ")
    ))
}

/// Canonical text of a value for comparison: integral numbers without a
/// fraction, other numbers to 9 decimals, timestamps with a space.
fn canonical_f64(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{:.9}", x);
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn canonical_expected(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => canonical_f64(*f),
        Value::Bool(b) => b.to_string(),
        Value::Text(s) if looks_like_timestamp(s) => s.replacen('T', " ", 1),
        Value::Text(s) => s.clone(),
    }
}

fn canonical_actual(c: &Cell) -> String {
    match c {
        Cell::Null => "NULL".into(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => canonical_f64(*f),
        Cell::Bool(b) => b.to_string(),
        Cell::Text(s) => s.clone(),
    }
}

pub struct Outcome {
    pub passed: bool,
    /// Expected rows missing and actual rows not expected, as a table.
    pub diff: Option<Rows>,
    pub actual_rows: usize,
}

/// Where the unit test's inputs live: a schema private to this run.
pub struct Sandbox<'a> {
    pub session: &'a mut dyn Session,
    pub dialect: Dialect,
    pub schema: String,
}

/// Parse "ref('x')", "source('g', 't')" or "this".
fn parse_input(input: &str) -> Option<(&'static str, Vec<String>)> {
    let t = input.trim();
    if t == "this" {
        return Some(("this", Vec::new()));
    }
    let (kind, rest) = if let Some(r) = t.strip_prefix("ref(") {
        ("ref", r)
    } else if let Some(r) = t.strip_prefix("source(") {
        ("source", r)
    } else {
        return None;
    };
    let args: Vec<String> = rest
        .strip_suffix(')')?
        .split(',')
        .map(|a| a.trim().trim_matches(|c| c == '\'' || c == '"').to_owned())
        .collect();
    Some((kind, args))
}

/// Run one unit test in the sandbox.
pub fn run(
    sandbox: &mut Sandbox<'_>,
    renderer: &crate::template::Renderer,
    project: &Project,
    target: &crate::config::Target,
    declared: &Declared,
) -> Result<Outcome, Error> {
    let test = &declared.test;
    let what = |s: &str| {
        format!(
            "unit test `{}` ({}): {s}",
            test.name,
            declared.file.display()
        )
    };
    let d = sandbox.dialect;
    let schema = sandbox.schema.clone();
    let model = &project.models[&test.model];
    let cfg = model.base_config.resolve();

    // Every model resolves to a table of the sandbox; given inputs are created there.
    let mut slots = HashMap::new();
    for name in project.models.keys() {
        slots.insert(
            name.clone(),
            crate::template::ModelSlot {
                schema: schema.clone(),
                identifier: format!("ref__{name}"),
                ephemeral: false,
            },
        );
    }
    let mut sources = HashMap::new();
    let mut given_refs = Vec::new();
    let mut given_sources = Vec::new();
    let mut this_table = None;
    for g in &test.given {
        let (kind, args) = parse_input(&g.input).ok_or_else(|| {
            Error::new(
                Code::InvalidValue,
                what(&format!("cannot read input `{}`", g.input)),
            )
            .help("inputs are ref('model'), source('group', 'table') or this")
        })?;
        let rows = load(
            &Rowset {
                rows: g.rows.clone(),
                format: g.format.clone(),
                fixture: g.fixture.clone(),
            },
            &project.root,
            &what(&g.input),
        )?;
        let rel = match (kind, args.as_slice()) {
            ("ref", [name]) => {
                given_refs.push(name.clone());
                relation(&schema, &format!("ref__{name}"))
            }
            ("source", [group, table]) => {
                given_sources.push((group.clone(), table.clone()));
                let rel = relation(&schema, &format!("source__{group}__{table}"));
                sources.insert((group.clone(), table.clone()), rel.clone());
                rel
            }
            ("this", _) => {
                this_table = Some(rows.clone());
                continue;
            }
            _ => {
                return Err(Error::new(
                    Code::InvalidValue,
                    what(&format!("cannot read input `{}`", g.input)),
                )
                .help("inputs are ref('model'), source('group', 'table') or this"));
            }
        };
        sandbox
            .session
            .execute(&d.drop_table(&rel))
            .map_err(|e| Error::new(Code::Query, e.message))?;
        let sql = create_sql(d, &rel, &rows)?;
        sandbox.session.execute(&sql).map_err(|e| {
            Error::new(
                Code::Query,
                what(&format!(
                    "creating the input `{}` failed: {}",
                    g.input, e.message
                )),
            )
        })?;
    }
    // `this`: the model's own table, for incremental runs.
    let mut sandbox_target = target.clone();
    sandbox_target.schema = schema.clone();
    let this_schema = match &cfg.schema {
        Some(custom) => format!("{schema}_{custom}"),
        None => schema.clone(),
    };
    let this_name = cfg.alias.clone().unwrap_or_else(|| model.name.clone());
    let this_rel = relation(&this_schema, &this_name);
    let mut existing = HashMap::new();
    if test.overrides.is_incremental {
        let rows = this_table.clone().ok_or_else(|| {
            Error::new(
                Code::MissingKey,
                what("is_incremental is set, so give the model's existing rows as `input: this`"),
            )
        })?;
        sandbox
            .session
            .execute(&d.create_schema(&this_schema))
            .map_err(|e| Error::new(Code::Query, e.message))?;
        sandbox
            .session
            .execute(&d.drop_table(&this_rel))
            .map_err(|e| Error::new(Code::Query, e.message))?;
        sandbox
            .session
            .execute(&create_sql(d, &this_rel, &rows)?)
            .map_err(|e| {
                Error::new(
                    Code::Query,
                    what(&format!("creating `this` failed: {}", e.message)),
                )
            })?;
        existing.insert(
            (this_schema.clone(), this_name.clone()),
            crate::dialect::RelationKind::Table,
        );
    }
    let shared = crate::compile::unit_shared(
        project,
        &sandbox_target,
        slots,
        sources,
        test.overrides.vars.clone(),
        existing,
    );
    let rendered = renderer.render(model, shared)?;
    for r in &rendered.refs {
        if !given_refs.contains(r) {
            return Err(Error::new(
                Code::MissingKey,
                what(&format!(
                    "model `{}` reads ref('{r}'), which is not given",
                    test.model
                )),
            )
            .help(format!(
                "add `- input: ref('{r}')` with rows under `given:`"
            )));
        }
    }
    for (g, t) in &rendered.sources {
        if !given_sources.contains(&(g.clone(), t.clone())) {
            return Err(Error::new(
                Code::MissingKey,
                what(&format!(
                    "model `{}` reads source('{g}', '{t}'), which is not given",
                    test.model
                )),
            )
            .help(format!(
                "add `- input: source('{g}', '{t}')` with rows under `given:`"
            )));
        }
    }
    let actual = sandbox
        .session
        .query(&format!("select * from (\n{}\n) as actual", rendered.sql))
        .map_err(|e| {
            Error::new(
                Code::UnitTestFailed,
                what(&format!(
                    "the model failed on the given rows: {}",
                    e.message
                )),
            )
            .note(format!(
                "model template: {}",
                model.display_path().display()
            ))
        })?;
    let expected = load(&test.expect, &project.root, &what("expect"))?;
    let mut positions = Vec::new();
    for c in &expected.columns {
        match actual.columns.iter().position(|a| a == c) {
            Some(i) => positions.push(i),
            None if actual.rows.is_empty() && actual.columns.is_empty() => {
                positions.push(usize::MAX)
            }
            None => {
                return Err(Error::new(
                    Code::UnitTestFailed,
                    what(&format!("the model has no column `{c}`")),
                )
                .help(format!("its columns: {}", actual.columns.join(", "))));
            }
        }
    }
    let mut want: Vec<Vec<String>> = expected
        .rows
        .iter()
        .map(|r| r.iter().map(canonical_expected).collect())
        .collect();
    let mut got: Vec<Vec<String>> = actual
        .rows
        .iter()
        .map(|r| {
            positions
                .iter()
                .map(|&i| r.get(i).map(canonical_actual).unwrap_or_default())
                .collect()
        })
        .collect();
    want.sort();
    got.sort();
    let (missing, unexpected) = multiset_diff(&want, &got);
    let passed = missing.is_empty() && unexpected.is_empty();
    let diff = (!passed).then(|| {
        let mut columns = vec!["".to_owned()];
        columns.extend(expected.columns.iter().cloned());
        let mut rows = Vec::new();
        for (sign, set) in [("- expected", &missing), ("+ actual", &unexpected)] {
            for r in set {
                let mut row = vec![Cell::Text(sign.to_owned())];
                row.extend(r.iter().map(|v| Cell::Text(v.clone())));
                rows.push(row);
            }
        }
        Rows { columns, rows }
    });
    Ok(Outcome {
        passed,
        diff,
        actual_rows: actual.rows.len(),
    })
}

/// Rows of `want` not matched in `got`, and of `got` not matched in `want`
/// (both sorted); numbers match to 1e-9.
fn multiset_diff(
    want: &[Vec<String>],
    got: &[Vec<String>],
) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let same = |a: &[String], b: &[String]| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x == y
                    || matches!((x.parse::<f64>(), y.parse::<f64>()), (Ok(p), Ok(q)) if (p - q).abs() <= 1e-9 * p.abs().max(1.0))
            })
    };
    let mut used = vec![false; got.len()];
    let mut missing = Vec::new();
    for w in want {
        match (0..got.len()).find(|&i| !used[i] && same(w, &got[i])) {
            Some(i) => used[i] = true,
            None => missing.push(w.clone()),
        }
    }
    let unexpected = got
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(g, _)| g.clone())
        .collect();
    (missing, unexpected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inputs() {
        assert_eq!(parse_input("ref('a')"), Some(("ref", vec!["a".to_owned()])));
        assert_eq!(
            parse_input("source('g', \"t\")"),
            Some(("source", vec!["g".to_owned(), "t".to_owned()]))
        );
        assert_eq!(parse_input("this"), Some(("this", vec![])));
        assert_eq!(parse_input("model"), None);
    }

    #[test]
    fn diff_is_a_multiset_difference() {
        let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (missing, unexpected) = multiset_diff(
            &[r(&["1", "a"]), r(&["1", "a"]), r(&["2", "b"])],
            &[r(&["1", "a"]), r(&["2.0000000001", "b"]), r(&["3", "c"])],
        );
        assert_eq!(missing, vec![r(&["1", "a"])]);
        assert_eq!(unexpected, vec![r(&["3", "c"])]);
    }
}
