//! How a run reports itself: human lines or JSON events (`--log-format json`,
//! one object per line with stable field names), GitHub Actions annotations
//! when GITHUB_ACTIONS=true, and a JUnit XML file (`--junit-xml`) for CI test
//! panes.

use std::io::Write;
use std::path::Path;

use serde_json::json;

use super::args::LogFormat;
use super::output;
use crate::error::Error;
use crate::run::{NodeKind, NodeResult, Status};

pub struct Reporter {
    json: bool,
    github: bool,
}

impl Reporter {
    pub fn new(format: LogFormat) -> Reporter {
        Reporter {
            json: format == LogFormat::Json,
            github: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
        }
    }

    fn emit(&self, value: serde_json::Value) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{value}");
    }

    /// A line of context (the run's header, a load).
    pub fn info(&self, event: &str, text: &str, fields: serde_json::Value) {
        if self.json {
            let mut v = json!({ "ts": now(), "event": event, "message": text });
            if let (Some(obj), serde_json::Value::Object(extra)) = (v.as_object_mut(), fields) {
                obj.extend(extra);
            }
            self.emit(v);
        } else {
            println!("{text}");
        }
    }

    /// Something the user should know that does not change the run's result.
    pub fn warn(&self, text: &str) {
        if self.json {
            self.emit(json!({ "ts": now(), "event": "warning", "message": text }));
        } else {
            eprintln!("warning: {text}");
        }
    }

    pub fn node(&self, r: &NodeResult, index: usize, total: usize) {
        if self.json {
            self.emit(json!({
                "ts": now(),
                "event": "node_finished",
                "kind": r.kind,
                "name": r.name,
                "status": r.status,
                "relation": r.relation,
                "materialized": r.materialized,
                "rows": r.rows,
                "failures": r.failures,
                "seconds": r.seconds,
                "index": index,
                "total": total,
                "message": r.message,
            }));
        } else {
            println!("{}", output::progress_line(r, index, total));
        }
    }

    /// The end of a run: summary, every problem in full, annotations, counts.
    pub fn finish(&self, command: &str, results: &[NodeResult], elapsed: f64) {
        let count = |s: Status| results.iter().filter(|r| r.status == s).count();
        if self.json {
            for r in results {
                if let Some(err) = &r.error {
                    self.error(err);
                }
            }
            self.emit(json!({
                "ts": now(),
                "event": "run_finished",
                "command": command,
                "success": count(Status::Success),
                "warn": count(Status::Warn),
                "error": count(Status::Error),
                "skipped": count(Status::Skipped),
                "elapsed": elapsed,
            }));
        } else {
            if !results.is_empty() {
                println!("\n{}", output::summary_table(results));
            }
            for r in results {
                if let Some(err) = &r.error {
                    eprintln!("\n{err}");
                }
            }
            println!("\n{}", output::counts_line(results, elapsed));
        }
        if self.github {
            for r in results {
                self.annotate(r);
            }
        }
    }

    /// A fatal error (before or instead of a run).
    pub fn error(&self, err: &Error) {
        if self.json {
            let loc = err.location.as_deref();
            self.emit(json!({
                "ts": now(),
                "event": "error",
                "code": err.code.as_str(),
                "message": err.message,
                "file": loc.map(|l| l.file.to_string_lossy().into_owned()),
                "line": loc.map(|l| l.line),
                "notes": err.notes,
                "help": err.help,
            }));
        } else {
            eprintln!("{err}");
        }
        if self.github
            && !matches!(
                err.code,
                crate::Code::ModelFailed | crate::Code::TestFailed | crate::Code::TestWarned
            )
        {
            println!("{}", annotation("error", err, None));
        }
    }

    fn annotate(&self, r: &NodeResult) {
        let (level, err) = match (&r.status, &r.error) {
            (Status::Error, Some(e)) => ("error", e),
            (Status::Warn, Some(e)) => ("warning", e),
            _ => return,
        };
        println!("{}", annotation(level, err, r.file.as_deref()));
    }
}

/// A GitHub Actions workflow command: `::error file=..,line=..,title=..::message`.
fn annotation(level: &str, err: &Error, file: Option<&Path>) -> String {
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_prop = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    let mut props = Vec::new();
    match err.location.as_deref() {
        Some(loc) => {
            props.push(format!("file={}", escape_prop(&loc.file.to_string_lossy())));
            props.push(format!("line={}", loc.line));
        }
        None => {
            if let Some(f) = file {
                props.push(format!("file={}", escape_prop(&f.to_string_lossy())));
            }
        }
    }
    props.push(format!(
        "title={}",
        escape_prop(&format!("jmap {}", err.code.as_str()))
    ));
    let mut message = err.message.clone();
    if let Some(help) = &err.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    format!("::{level} {}::{}", props.join(","), escape(&message))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// JUnit XML: one testsuite per command, a testcase per model and test.
pub fn write_junit(
    path: &Path,
    command: &str,
    results: &[NodeResult],
    elapsed: f64,
) -> Result<(), Error> {
    let x = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"jmap\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{elapsed:.3}\">\n",
        results.len(),
        count(Status::Error),
        count(Status::Skipped)
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"jmap {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{elapsed:.3}\" timestamp=\"{}\">\n",
        x(command),
        results.len(),
        count(Status::Error),
        count(Status::Skipped),
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S")
    ));
    for r in results {
        let class = match r.kind {
            NodeKind::Model => "model",
            NodeKind::Test => "test",
        };
        let file = r
            .file
            .as_ref()
            .map(|f| format!(" file=\"{}\"", x(&f.to_string_lossy())))
            .unwrap_or_default();
        xml.push_str(&format!(
            "    <testcase classname=\"jmap.{class}\" name=\"{}\" time=\"{:.3}\"{file}>",
            x(&r.name),
            r.seconds
        ));
        match r.status {
            Status::Error => {
                let detail = r
                    .error
                    .as_ref()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| r.message.clone());
                xml.push_str(&format!(
                    "\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    ",
                    x(&r.message),
                    r.error.as_ref().map(|e| e.code.as_str()).unwrap_or("E401"),
                    x(&detail)
                ));
            }
            Status::Skipped => xml.push_str(&format!(
                "\n      <skipped message=\"{}\"/>\n    ",
                x(&r.message)
            )),
            Status::Warn => xml.push_str(&format!(
                "\n      <system-out>{}</system-out>\n    ",
                x(&r.message)
            )),
            Status::Success => {}
        }
        xml.push_str("</testcase>\n");
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create", e))?;
    }
    std::fs::write(path, xml).map_err(|e| Error::io(path, "write", e))
}
