//! Data tests: the checks declared in properties files (not_null, unique,
//! accepted_values, relationships, expression, unique_combination_of_columns,
//! row_count, recency) and singular tests (SQL files under tests/ returning
//! failing rows). Each test is a query whose rows are the failures.

pub mod execute;
pub mod unit;

use std::path::PathBuf;

use serde::Serialize;

use crate::config::yaml;
use crate::dialect::{literal, quote};
use crate::error::{Code, Error, Location, did_you_mean};
use crate::project::{Project, TestSpec};

pub const TEST_TYPES: &[&str] = &[
    "not_null",
    "unique",
    "accepted_values",
    "relationships",
    "expression",
    "unique_combination_of_columns",
    "row_count",
    "recency",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warn,
}

/// A condition on the number of failing rows, as dbt writes it: `>0`, `>=10`, `!=0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    op: Op,
    value: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Threshold {
    pub const ANY: Threshold = Threshold {
        op: Op::Gt,
        value: 0,
    };

    pub fn parse(text: &str) -> Option<Threshold> {
        let t = text.trim();
        let (op, rest) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("!=", Op::Ne),
            ("==", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ]
        .iter()
        .find_map(|(p, op)| t.strip_prefix(p).map(|r| (*op, r)))?;
        Some(Threshold {
            op,
            value: rest.trim().parse().ok()?,
        })
    }

    pub fn holds(self, n: i64) -> bool {
        match self.op {
            Op::Gt => n > self.value,
            Op::Ge => n >= self.value,
            Op::Lt => n < self.value,
            Op::Le => n <= self.value,
            Op::Eq => n == self.value,
            Op::Ne => n != self.value,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TestKind {
    NotNull,
    Unique,
    AcceptedValues {
        values: Vec<String>,
    },
    Relationships {
        to: String,
        field: String,
    },
    Expression {
        expression: String,
        group_by: Vec<String>,
    },
    UniqueCombination {
        columns: Vec<String>,
    },
    RowCount {
        min: Option<i64>,
        max: Option<i64>,
    },
    Recency {
        field: String,
        hours: f64,
    },
    /// A singular test's compiled SQL (it already names its relations).
    Singular {
        sql: String,
    },
}

#[derive(Debug, Clone)]
pub struct DataTest {
    /// e.g. `not_null_touchpoints_touchpoint_id`.
    pub name: String,
    /// The model the test is about (for a singular test, the last it refs).
    pub model: Option<String>,
    pub column: Option<String>,
    pub kind: TestKind,
    pub severity: Severity,
    pub warn_if: Threshold,
    pub error_if: Threshold,
    /// A predicate restricting the rows tested (`where:`).
    pub filter: Option<String>,
    /// Every model the test reads (it runs once they are all built).
    pub depends_on: Vec<String>,
    pub defined_in: PathBuf,
}

impl DataTest {
    pub fn unique_id(&self, project: &str) -> String {
        format!("test.{project}.{}", self.name)
    }

    /// True for error tests that read only their own model: those audit the
    /// model's staged table before it is published (a relationships test also
    /// reads another model, which may not be built yet: it runs as a node).
    pub fn audits_its_model(&self) -> bool {
        self.severity == Severity::Error
            && self.model.is_some()
            && !matches!(
                self.kind,
                TestKind::Singular { .. } | TestKind::Relationships { .. }
            )
    }

    /// The query returning the failing rows. `relation` is where the model's
    /// rows are (published or staged); `relation_of` resolves other models.
    pub fn failures_sql(
        &self,
        relation: &str,
        relation_of: &dyn Fn(&str) -> Option<String>,
        now: &str,
    ) -> String {
        let from = match &self.filter {
            Some(f) => format!("(select * from {relation} where {f}) as tested"),
            None => format!("{relation} as tested"),
        };
        let col = self.column.as_deref().map(quote).unwrap_or_default();
        match &self.kind {
            TestKind::NotNull => format!("select * from {from} where {col} is null"),
            TestKind::Unique => format!(
                "select {col}, count(*) as copies from {from} where {col} is not null group by {col} having count(*) > 1"
            ),
            TestKind::AcceptedValues { values } => format!(
                "select {col}, count(*) as rows_with_value from {from} where {col} is not null and cast({col} as varchar) not in ({}) group by {col}",
                values
                    .iter()
                    .map(|v| literal(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TestKind::Relationships { to, field } => {
                let parent = relation_of(to).unwrap_or_else(|| to.clone());
                format!(
                    "select tested.{col} from {from} left join {parent} as parent on parent.{f} = tested.{col} \
                     where tested.{col} is not null and parent.{f} is null",
                    f = quote(field)
                )
            }
            TestKind::Expression {
                expression,
                group_by,
            } if group_by.is_empty() => {
                format!("select * from {from} where not ({expression})")
            }
            TestKind::Expression {
                expression,
                group_by,
            } => {
                let cols = group_by
                    .iter()
                    .map(|c| quote(c))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("select {cols} from {from} group by {cols} having not ({expression})")
            }
            TestKind::UniqueCombination { columns } => {
                let cols = columns
                    .iter()
                    .map(|c| quote(c))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "select {cols}, count(*) as copies from {from} group by {cols} having count(*) > 1"
                )
            }
            TestKind::RowCount { min, max } => {
                let mut conds = Vec::new();
                if let Some(min) = min {
                    conds.push(format!("row_count < {min}"));
                }
                if let Some(max) = max {
                    conds.push(format!("row_count > {max}"));
                }
                format!(
                    "select row_count from (select count(*) as row_count from {from}) as counted where {}",
                    conds.join(" or ")
                )
            }
            TestKind::Recency { field, hours } => format!(
                "select latest from (select max({f}) as latest from {from}) as newest \
                 where latest is null or latest < cast({now} as timestamp) - {hours} * interval '1 hour'",
                f = quote(field),
                now = literal(now),
            ),
            TestKind::Singular { sql } => sql.clone(),
        }
    }
}

/// Singular tests that read at least one selected model (all of them when
/// nothing narrower was selected).
pub fn singular(
    compiled: &crate::compile::Compiled,
    selected: &std::collections::BTreeSet<String>,
) -> Vec<DataTest> {
    compiled
        .singular_tests
        .iter()
        .filter(|t| t.refs.is_empty() || t.refs.iter().any(|r| selected.contains(r)))
        .map(|t| DataTest {
            name: t.name.clone(),
            model: t.refs.last().cloned(),
            column: None,
            kind: TestKind::Singular { sql: t.sql.clone() },
            severity: Severity::Error,
            warn_if: Threshold::ANY,
            error_if: Threshold::ANY,
            filter: None,
            depends_on: t.refs.clone(),
            defined_in: t.path.clone(),
        })
        .collect()
}

/// The generic tests declared in every model's properties.
pub fn declared(project: &Project, models: &[String]) -> Result<Vec<DataTest>, Error> {
    let mut tests = Vec::new();
    let mut errors = Vec::new();
    for name in models {
        let Some(model) = project.models.get(name) else {
            continue;
        };
        let file = model
            .properties_path
            .clone()
            .unwrap_or_else(|| model.display_path());
        let props = &model.properties;
        for column in &props.columns {
            for spec in &column.tests {
                match parse(spec, name, Some(&column.name), &file, project) {
                    Ok(t) => tests.push(t),
                    Err(e) => errors.push(e),
                }
            }
        }
        for spec in &props.tests {
            match parse(spec, name, None, &file, project) {
                Ok(t) => tests.push(t),
                Err(e) => errors.push(e),
            }
        }
    }
    // Names must be unique: suffix repeats.
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for t in &mut tests {
        let n = seen.entry(t.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            t.name = format!("{}_{}", t.name, n);
        }
    }
    match Error::combine(errors) {
        Some(e) => Err(e),
        None => Ok(tests),
    }
}

fn parse(
    spec: &TestSpec,
    model: &str,
    column: Option<&str>,
    file: &PathBuf,
    project: &Project,
) -> Result<DataTest, Error> {
    let (kind_name, args) = spec.parts();
    let text = file_text(project, file);
    let locate = |err: Error| match yaml::line_of(&text, &kind_name) {
        Some(line) => err.at(Location::new(file, line, None).with_source(&text)),
        None => err.note(format!("in {}", file.display())),
    };
    let args = match args {
        serde_yaml::Value::Mapping(m) => m,
        serde_yaml::Value::Null => serde_yaml::Mapping::new(),
        _ => {
            return Err(locate(Error::new(
                Code::InvalidValue,
                format!("test `{kind_name}` on `{model}`: its arguments must be a mapping"),
            )));
        }
    };
    // Test configuration may be given flat or under `config:`.
    let mut config = args.clone();
    if let Some(serde_yaml::Value::Mapping(c)) = args.get("config") {
        for (k, v) in c {
            config.insert(k.clone(), v.clone());
        }
    }
    let get_str = |key: &str| config.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let need_column = || {
        column.map(str::to_owned).ok_or_else(|| {
            locate(
                Error::new(
                    Code::InvalidValue,
                    format!("test `{kind_name}` on `{model}` needs a column"),
                )
                .help("declare it under the column's `tests:`"),
            )
        })
    };
    let missing = |arg: &str| {
        locate(Error::new(
            Code::MissingKey,
            format!("test `{kind_name}` on `{model}` needs `{arg}`"),
        ))
    };
    let strings = |key: &str| -> Option<Vec<String>> {
        let seq = config.get(key)?.as_sequence()?;
        Some(
            seq.iter()
                .map(|v| match v {
                    serde_yaml::Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                })
                .collect(),
        )
    };
    let kind = match kind_name.as_str() {
        "not_null" => {
            need_column()?;
            TestKind::NotNull
        }
        "unique" => {
            need_column()?;
            TestKind::Unique
        }
        "accepted_values" => {
            need_column()?;
            TestKind::AcceptedValues {
                values: strings("values").ok_or_else(|| missing("values"))?,
            }
        }
        "relationships" => {
            need_column()?;
            let to = get_str("to").ok_or_else(|| missing("to"))?;
            let to = to
                .trim()
                .strip_prefix("ref(")
                .and_then(|s| s.strip_suffix(')'))
                .map(|s| s.trim_matches(|c| c == '\'' || c == '"').to_owned())
                .unwrap_or(to);
            if !project.models.contains_key(&to) {
                let err = Error::new(
                    Code::UnknownRef,
                    format!("relationships test on `{model}`: no model `{to}`"),
                );
                return Err(locate(
                    match did_you_mean(&to, project.models.keys().map(String::as_str)) {
                        Some(near) => err.help(format!("did you mean `{near}`?")),
                        None => err,
                    },
                ));
            }
            TestKind::Relationships {
                to,
                field: get_str("field").ok_or_else(|| missing("field"))?,
            }
        }
        "expression" => TestKind::Expression {
            expression: get_str("expression").ok_or_else(|| missing("expression"))?,
            group_by: strings("group_by").unwrap_or_default(),
        },
        "unique_combination_of_columns" => TestKind::UniqueCombination {
            columns: strings("combination_of_columns")
                .ok_or_else(|| missing("combination_of_columns"))?,
        },
        "row_count" => {
            let n = |k: &str| config.get(k).and_then(|v| v.as_i64());
            if n("min").is_none() && n("max").is_none() {
                return Err(missing("min or max"));
            }
            TestKind::RowCount {
                min: n("min"),
                max: n("max"),
            }
        }
        "recency" => {
            let field = get_str("field")
                .or_else(|| column.map(str::to_owned))
                .ok_or_else(|| missing("field"))?;
            let interval = get_str("interval")
                .ok_or_else(|| missing("interval (e.g. \"24 hours\", \"7 days\")"))?;
            let hours = parse_interval_hours(&interval).ok_or_else(|| {
                locate(
                    Error::new(
                        Code::InvalidValue,
                        format!("recency test on `{model}`: cannot read interval `{interval}`"),
                    )
                    .help("write a number and a unit: \"90 minutes\", \"24 hours\", \"7 days\""),
                )
            })?;
            TestKind::Recency { field, hours }
        }
        other => {
            let err = Error::new(
                Code::UnknownKey,
                format!("unknown test `{other}` on `{model}`"),
            );
            return Err(locate(
                match did_you_mean(other, TEST_TYPES.iter().copied()) {
                    Some(near) => err.help(format!("did you mean `{near}`?")),
                    None => err.help(format!("tests: {}", TEST_TYPES.join(", "))),
                },
            ));
        }
    };
    let severity = match get_str("severity").as_deref() {
        None | Some("error") => Severity::Error,
        Some("warn") => Severity::Warn,
        Some(other) => {
            return Err(locate(
                Error::new(
                    Code::InvalidValue,
                    format!("test `{kind_name}` on `{model}`: unknown severity `{other}`"),
                )
                .help("severity is error or warn"),
            ));
        }
    };
    let threshold = |key: &str| -> Result<Threshold, Error> {
        match get_str(key) {
            None => Ok(Threshold::ANY),
            Some(t) => Threshold::parse(&t).ok_or_else(|| {
                locate(Error::new(Code::InvalidValue, format!("test `{kind_name}` on `{model}`: cannot read {key} `{t}`"))
                    .help("write a comparison with the number of failing rows: \">0\", \">=10\", \"!=0\""))
            }),
        }
    };
    let mut depends_on = vec![model.to_owned()];
    if let TestKind::Relationships { to, .. } = &kind {
        depends_on.push(to.clone());
    }
    let name = match column {
        Some(c) => format!("{kind_name}_{model}_{c}"),
        None => format!("{kind_name}_{model}"),
    };
    Ok(DataTest {
        name,
        model: Some(model.to_owned()),
        column: column.map(str::to_owned),
        kind,
        severity,
        warn_if: threshold("warn_if")?,
        error_if: threshold("error_if")?,
        filter: get_str("where"),
        depends_on,
        defined_in: file.clone(),
    })
}

fn file_text(project: &Project, file: &PathBuf) -> String {
    let path = project.root.join(file);
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `"90 minutes"`, `"24 hours"`, `"7 days"` -> hours.
pub fn parse_interval_hours(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let n: f64 = parts.next()?.parse().ok()?;
    let unit = parts.next()?.trim_end_matches('s');
    let per = match unit {
        "minute" | "min" => 1.0 / 60.0,
        "hour" | "h" => 1.0,
        "day" | "d" => 24.0,
        "week" => 168.0,
        _ => return None,
    };
    parts.next().is_none().then_some(n * per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        assert!(Threshold::parse(">0").unwrap().holds(1));
        assert!(!Threshold::parse(">0").unwrap().holds(0));
        assert!(Threshold::parse(">= 10").unwrap().holds(10));
        assert!(Threshold::parse("!=0").unwrap().holds(3));
        assert!(Threshold::parse("nonsense").is_none());
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval_hours("7 days"), Some(168.0));
        assert_eq!(parse_interval_hours("90 minutes"), Some(1.5));
        assert_eq!(parse_interval_hours("soon"), None);
    }
}
