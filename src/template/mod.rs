//! Rendering model templates with minijinja.
//!
//! One `Renderer` holds every model and macro template of a project. Rendering
//! a model records what it referenced and a map from each output line back to
//! the template line that produced it, so database errors can point at the
//! line the user wrote.

pub mod context;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use minijinja::value::Value;
use minijinja::{Environment, OutputSpan, OutputSpanKind, UndefinedBehavior};

use crate::config::ConfigPatch;
use crate::dialect::Dialect;
use crate::error::{Code, Error, Location};
use crate::project::{Model, Project};
pub use context::{Assumption, ModelSlot, Shared, SourceEntry, TargetInfo};
use context::{RenderCtx, RenderState, ThisValue};

/// The template line that produced a line of compiled SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: Arc<str>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Rendered {
    pub sql: String,
    /// One entry per line of `sql`.
    pub origins: Vec<Origin>,
    pub refs: Vec<String>,
    pub sources: Vec<(String, String)>,
    /// What the template's own `config()` calls set.
    pub config: ConfigPatch,
    pub assumptions: Vec<Assumption>,
}

pub struct Renderer {
    env: Environment<'static>,
    /// Template name -> original text, for showing the offending line.
    texts: HashMap<String, String>,
}

impl Renderer {
    pub fn new(project: &Project, dialect: Dialect) -> Result<Renderer, Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_function("ref", context::ref_fn);
        env.add_function("source", context::source_fn);
        env.add_function("config", context::config_fn);
        env.add_function("is_incremental", context::is_incremental_fn);
        env.add_function("var", context::var_fn);
        env.add_function("env_var", context::env_var_fn);
        env.add_function("sources_of_kind", context::sources_of_kind_fn);
        env.add_function("fixpoint_start", context::fixpoint_start_fn);
        env.add_function("prefetch", context::prefetch_fn);
        // Globals rather than render variables, so imported macros see them.
        env.add_global("this", Value::from_object(ThisValue));
        env.add_global("journey", Value::from_object(context::SharedView::Journey));
        env.add_global("target", Value::from_object(context::SharedView::Target));
        dialect.register(&mut env);

        let mut texts = HashMap::new();
        let mut errors = Vec::new();
        // Built-in macros first so that a project macro of the same name wins.
        let mut prelude = String::new();
        let mut macros: Vec<_> = project.macros.iter().collect();
        macros.sort_by_key(|m| !m.template_name.starts_with(crate::project::BUILTIN_PACKAGE));
        for m in macros {
            if let Err(e) = env.add_template_owned(m.template_name.clone(), m.text.clone()) {
                errors.push(template_error(&e, &texts, &m.template_name, &m.text, None));
                continue;
            }
            texts.insert(m.template_name.clone(), m.text.clone());
            if !m.macros.is_empty() {
                // Kept on one line so that model line numbers do not move.
                prelude.push_str(&format!(
                    "{{% from {:?} import {} %}}",
                    m.template_name,
                    m.macros.join(", ")
                ));
            }
        }
        for model in project.models.values() {
            let name = model.template_name();
            let source = format!("{prelude}{}", model.sql);
            if let Err(e) = env.add_template_owned(name.clone(), source) {
                errors.push(template_error(&e, &texts, &name, &model.sql, None));
            }
            texts.insert(name, model.sql.clone());
        }
        for test in &project.singular_tests {
            let name = test.path.to_string_lossy().into_owned();
            if let Err(e) = env.add_template_owned(name.clone(), format!("{prelude}{}", test.sql)) {
                errors.push(template_error(&e, &texts, &name, &test.sql, None));
            }
            texts.insert(name, test.sql.clone());
        }
        if let Some(err) = Error::combine(errors) {
            return Err(err);
        }
        Ok(Renderer { env, texts })
    }

    pub fn render(&self, model: &Model, shared: Arc<Shared>) -> Result<Rendered, Error> {
        self.render_as(model, shared, false)
    }

    /// Render; `fixpoint_start` selects a fixpoint model's first iteration.
    pub fn render_as(
        &self,
        model: &Model,
        shared: Arc<Shared>,
        fixpoint_start: bool,
    ) -> Result<Rendered, Error> {
        let name = model.template_name();
        let ctx = Arc::new(RenderCtx {
            model: model.name.clone(),
            fixpoint_start,
            base_config: model.base_config.clone(),
            shared: shared.clone(),
            state: Mutex::new(RenderState::default()),
        });
        let tmpl = self
            .env
            .get_template(&name)
            .map_err(|e| template_error(&e, &self.texts, &name, &model.sql, None))?;
        let root = minijinja::context! {
            model => minijinja::context! { name => model.name.clone() },
        };
        let result = context::with_installed(ctx.clone(), || tmpl.render_with_spans(root));
        let state = std::mem::take(&mut *ctx.state.lock().unwrap());
        match result {
            Ok((out, spans)) => {
                let mut origins = line_origins(&out, &spans);
                let sql = trim_body(&out);
                origins.truncate(sql.lines().count().max(1));
                Ok(Rendered {
                    sql,
                    origins,
                    refs: state.refs,
                    sources: state.sources,
                    config: state.config,
                    assumptions: state.assumptions,
                })
            }
            Err(e) => Err(template_error(
                &e,
                &self.texts,
                &name,
                &model.sql,
                state.failure,
            )),
        }
    }
}

/// Drop trailing whitespace and semicolons: the body is embedded in DDL.
fn trim_body(out: &str) -> String {
    out.trim_end_matches(|c: char| c.is_whitespace() || c == ';')
        .to_owned()
}

/// For each line of `out`, the template file and line it came from.
fn line_origins(out: &str, spans: &[OutputSpan]) -> Vec<Origin> {
    let mut names: HashMap<String, Arc<str>> = HashMap::new();
    let mut intern = |n: &str| -> Arc<str> {
        names
            .entry(n.to_owned())
            .or_insert_with(|| Arc::from(n))
            .clone()
    };
    let mut origins = Vec::new();
    let mut last = Origin {
        file: Arc::from(""),
        line: 1,
    };
    let mut span_idx = 0;
    let mut line_start = 0usize;
    loop {
        while span_idx < spans.len() && spans[span_idx].output_range().end <= line_start {
            span_idx += 1;
        }
        if let Some(span) = spans.get(span_idx) {
            let range = span.output_range();
            let pos = line_start.max(range.start);
            let line = match span.kind() {
                OutputSpanKind::Raw => span.line() + out[range.start..pos].matches('\n').count(),
                _ => span.line(),
            };
            last = Origin {
                file: intern(span.name()),
                line: line as u32,
            };
        }
        origins.push(last.clone());
        match out[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => break,
        }
    }
    origins
}

/// A located error for a template problem. `failure` is the structured error
/// one of our functions raised, if any.
fn template_error(
    e: &minijinja::Error,
    texts: &HashMap<String, String>,
    name: &str,
    text: &str,
    failure: Option<Error>,
) -> Error {
    let mut inner: &minijinja::Error = e;
    // The innermost error with a location is the one to show (e.g. inside a macro).
    while let Some(src) =
        std::error::Error::source(inner).and_then(|s| s.downcast_ref::<minijinja::Error>())
    {
        if src.line().is_none() {
            break;
        }
        inner = src;
    }
    let err_name = inner.name().unwrap_or(name);
    let err_text = if err_name == name {
        text
    } else {
        texts.get(err_name).map(String::as_str).unwrap_or("")
    };
    let mut err = failure.unwrap_or_else(|| {
        let detail = inner
            .detail()
            .map(str::to_owned)
            .unwrap_or_else(|| inner.kind().to_string());
        let mut err = Error::new(
            Code::Template,
            format!("template error in `{err_name}`: {detail}"),
        );
        if matches!(inner.kind(), minijinja::ErrorKind::UndefinedError) {
            err = err.help("an undefined name: check the spelling, or test it with `is defined`");
        } else if matches!(inner.kind(), minijinja::ErrorKind::SyntaxError) {
            err = err.help("check that every {{ has a matching }} and every {% block %} is closed");
        }
        err
    });
    if let Some(line) = inner.line() {
        err = err.at(Location::new(err_name, line, None).with_source(err_text));
    } else {
        err = err.note(format!("in {err_name}"));
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_follow_raw_and_expression_spans() {
        let env = Environment::new();
        let src = "select\n  {{ a }} as x,\n  2\nfrom t";
        let tmpl = env.template_from_named_str("m.sql", src).unwrap();
        let (out, spans) = tmpl
            .render_with_spans(minijinja::context! { a => "1\n+ 1" })
            .unwrap();
        let lines: Vec<u32> = line_origins(&out, &spans).iter().map(|o| o.line).collect();
        // output: "select", "  1", "+ 1 as x,", "  2", "from t"
        assert_eq!(out.lines().count(), 5);
        assert_eq!(lines, vec![1, 2, 2, 3, 4]);
    }
}
