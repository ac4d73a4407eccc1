//! The per-model render context behind `ref()`, `source()`, `config()`, `this`
//! and friends.
//!
//! Each render installs its context in a thread-local, so the functions work the
//! same when called from an imported macro (which does not see the caller's
//! template variables).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use minijinja::value::{Object, Value};

use crate::config::{ConfigPatch, Materialized, model::CONFIG_KEYS};
use crate::dialect::{self, Dialect, RelationKind};
use crate::error::{Code, Error, did_you_mean};

/// Target facts visible to templates as `target`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetInfo {
    pub name: String,
    pub engine: String,
    pub schema: String,
    pub threads: usize,
}

/// What a `ref()` to a model resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSlot {
    pub schema: String,
    pub identifier: String,
    pub ephemeral: bool,
}

impl ModelSlot {
    pub fn rendered(&self, name: &str) -> String {
        if self.ephemeral {
            ephemeral_cte_name(name)
        } else if self.schema.is_empty() {
            // A session-local (temporary) relation.
            dialect::quote(&self.identifier)
        } else {
            dialect::relation(&self.schema, &self.identifier)
        }
    }
}

pub fn ephemeral_cte_name(model: &str) -> String {
    format!("__jmap_ephemeral__{model}")
}

/// Reads an environment variable (injected so tests need not touch the process's).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Facts shared by every model's render in one compilation pass.
pub struct Shared {
    pub dialect: Dialect,
    pub target: TargetInfo,
    pub vars: BTreeMap<String, serde_json::Value>,
    pub env_lookup: EnvLookup,
    pub full_refresh: bool,
    pub project_name: String,
    /// Every enabled model, as currently believed.
    pub models: HashMap<String, ModelSlot>,
    /// Rendered relation per source.
    pub sources: HashMap<(String, String), String>,
    /// Declared sources with their kind and column mapping, in name order.
    pub source_list: Arc<Vec<SourceEntry>>,
    /// `journey` as templates see it, built once per pass.
    pub journey: Value,
    /// Relations that exist in the warehouse now.
    pub existing: HashMap<(String, String), RelationKind>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Schema a model lands in: a custom `schema` is appended to the target's
    /// (`journey` + `staging` = `journey_staging`), as dbt does, so dev and prod
    /// targets never share a schema.
    pub fn schema_for(&self, custom: Option<&str>) -> String {
        match custom {
            Some(s) => format!("{}_{}", self.target.schema, s),
            None => self.target.schema.clone(),
        }
    }
}

/// What `sources_of_kind()` hands a template about one source.
#[derive(Debug, Clone)]
pub struct SourceEntry {
    pub group: String,
    pub name: String,
    pub kind: Option<String>,
    pub relation: String,
    pub columns: BTreeMap<String, String>,
    pub filter: Option<String>,
}

/// A value a render depended on; if the final answer differs, the model is
/// rendered again.
#[derive(Debug, Clone, PartialEq)]
pub enum Assumption {
    Ref { model: String, rendered: String },
    This { rendered: String },
    IsIncremental { value: bool },
}

#[derive(Debug, Default)]
pub struct RenderState {
    pub refs: Vec<String>,
    pub sources: Vec<(String, String)>,
    pub config: ConfigPatch,
    pub assumptions: Vec<Assumption>,
    /// A structured error raised by one of our functions; preferred over the
    /// template engine's wrapper when reporting.
    pub failure: Option<Error>,
}

#[derive(Debug)]
pub struct RenderCtx {
    pub model: String,
    /// Rendering a fixpoint model's first iteration.
    pub fixpoint_start: bool,
    pub base_config: ConfigPatch,
    pub shared: Arc<Shared>,
    pub state: Mutex<RenderState>,
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<RenderCtx>>> = const { RefCell::new(None) };
}

/// Run `f` with `ctx` installed as the current render context.
pub fn with_installed<T>(ctx: Arc<RenderCtx>, f: impl FnOnce() -> T) -> T {
    CURRENT.with(|c| *c.borrow_mut() = Some(ctx));
    let out = f();
    CURRENT.with(|c| *c.borrow_mut() = None);
    out
}

fn current() -> Result<Arc<RenderCtx>, minijinja::Error> {
    CURRENT.with(|c| c.borrow().clone()).ok_or_else(|| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            "jmap functions can only be used while rendering a model",
        )
    })
}

impl RenderCtx {
    pub fn effective_config(&self) -> ConfigPatch {
        let mut cfg = self.base_config.clone();
        cfg.apply(&self.state.lock().unwrap().config);
        cfg
    }

    fn this_slot(&self) -> ModelSlot {
        let cfg = self.effective_config();
        let identifier = cfg.alias.clone().unwrap_or_else(|| self.model.clone());
        if cfg.materialized == Some(Materialized::Fixpoint) {
            // A fixpoint step reads the previous iteration: a temporary table
            // of the session running the iterations, not the published table.
            return ModelSlot {
                schema: String::new(),
                identifier: format!("{identifier}{}", crate::dialect::FIXPOINT_PREVIOUS_SUFFIX),
                ephemeral: false,
            };
        }
        ModelSlot {
            schema: self.shared.schema_for(cfg.schema.as_deref()),
            identifier,
            ephemeral: false,
        }
    }

    fn fail(&self, err: Error) -> minijinja::Error {
        let message = err.message.clone();
        self.state.lock().unwrap().failure.get_or_insert(err);
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message)
    }

    fn assume(&self, a: Assumption) {
        let mut st = self.state.lock().unwrap();
        if !st.assumptions.contains(&a) {
            st.assumptions.push(a);
        }
    }
}

/// A relation as templates see it: renders as `schema.name`, and exposes
/// `.schema`, `.name` and `.identifier`.
#[derive(Debug)]
pub struct RelationValue {
    pub schema: String,
    pub identifier: String,
    pub rendered: String,
}

impl Object for RelationValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "schema" => Some(Value::from(self.schema.clone())),
            "name" | "identifier" => Some(Value::from(self.identifier.clone())),
            _ => None,
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rendered)
    }
}

/// `this`: the current model's relation, computed when used so that a
/// `config(schema=...)` earlier in the template is taken into account.
#[derive(Debug)]
pub struct ThisValue;

impl Object for ThisValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let ctx = current().ok()?;
        let slot = ctx.this_slot();
        ctx.assume(Assumption::This {
            rendered: slot.rendered(&ctx.model),
        });
        match key.as_str()? {
            "schema" => Some(Value::from(slot.schema)),
            "name" | "identifier" => Some(Value::from(slot.identifier)),
            _ => None,
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = current().map_err(|_| fmt::Error)?;
        let rendered = ctx.this_slot().rendered(&ctx.model);
        ctx.assume(Assumption::This {
            rendered: rendered.clone(),
        });
        f.write_str(&rendered)
    }
}

/// `journey` and `target`: globals (so imported macros see them too) that
/// read the model being rendered.
#[derive(Debug)]
pub enum SharedView {
    Journey,
    Target,
}

impl Object for SharedView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let ctx = current().ok()?;
        let base = match **self {
            SharedView::Journey => ctx.shared.journey.clone(),
            SharedView::Target => Value::from(minijinja::value::Serde(&ctx.shared.target)),
        };
        base.get_item(key).ok().filter(|v| !v.is_undefined())
    }
}

pub fn ref_fn(args: minijinja::value::Rest<String>) -> Result<Value, minijinja::Error> {
    let ctx = current()?;
    let name = match args.as_slice() {
        [name] => name.clone(),
        [package, name] => {
            let known = [
                crate::project::BUILTIN_PACKAGE,
                ctx.shared.project_name.as_str(),
            ];
            if !known.contains(&package.as_str()) {
                return Err(ctx.fail(
                    Error::new(
                        Code::UnknownRef,
                        format!("ref('{package}', '{name}'): no package `{package}`"),
                    )
                    .help(format!("packages here: {}", known.join(", "))),
                ));
            }
            name.clone()
        }
        _ => {
            return Err(ctx.fail(Error::new(
                Code::Template,
                "ref() takes a model name, or a package and a model name",
            )));
        }
    };
    if name == ctx.model {
        return Err(ctx.fail(
            Error::new(Code::Cycle, format!("model `{name}` refs itself")).help(
                "to read the model's own table (e.g. in an incremental model), use {{ this }}",
            ),
        ));
    }
    let Some(slot) = ctx.shared.models.get(&name) else {
        let mut err = Error::new(
            Code::UnknownRef,
            format!("ref('{name}'): no model named `{name}`"),
        );
        err = match did_you_mean(&name, ctx.shared.models.keys().map(String::as_str)) {
            Some(near) => err.help(format!("did you mean ref('{near}')?")),
            None => err.help("check the name, or add models/<name>.sql"),
        };
        return Err(ctx.fail(err));
    };
    let rendered = slot.rendered(&name);
    {
        let mut st = ctx.state.lock().unwrap();
        if !st.refs.contains(&name) {
            st.refs.push(name.clone());
        }
    }
    ctx.assume(Assumption::Ref {
        model: name.clone(),
        rendered: rendered.clone(),
    });
    Ok(Value::from_object(RelationValue {
        schema: slot.schema.clone(),
        identifier: slot.identifier.clone(),
        rendered,
    }))
}

pub fn source_fn(group: String, table: String) -> Result<Value, minijinja::Error> {
    let ctx = current()?;
    let key = (group.clone(), table.clone());
    let Some(rendered) = ctx.shared.sources.get(&key) else {
        let labels: Vec<String> = ctx
            .shared
            .sources
            .keys()
            .map(|(g, t)| format!("{g}.{t}"))
            .collect();
        let wanted = format!("{group}.{table}");
        let mut err = Error::new(
            Code::UnknownSource,
            format!("source('{group}', '{table}'): not declared in journey.yaml"),
        );
        err = match did_you_mean(&wanted, labels.iter().map(String::as_str)) {
            Some(near) => {
                let (g, t) = near.split_once('.').unwrap_or((&near, ""));
                err.help(format!("did you mean source('{g}', '{t}')?"))
            }
            None => err.help(format!(
                "declare it under `sources: {group}: tables: {table}:` in journey.yaml"
            )),
        };
        return Err(ctx.fail(err));
    };
    {
        let mut st = ctx.state.lock().unwrap();
        if !st.sources.contains(&key) {
            st.sources.push(key);
        }
    }
    Ok(Value::from_object(RelationValue {
        schema: group,
        identifier: table,
        rendered: rendered.clone(),
    }))
}

pub fn config_fn(kwargs: minijinja::value::Kwargs) -> Result<String, minijinja::Error> {
    let ctx = current()?;
    let mut map = serde_json::Map::new();
    for key in kwargs.args().map(str::to_owned).collect::<Vec<_>>() {
        let value: Value = kwargs.get(&key)?;
        let json = serde_json::to_value(&value).map_err(|e| {
            ctx.fail(Error::new(
                Code::InvalidValue,
                format!("config({key}=...): {e}"),
            ))
        })?;
        map.insert(key, json);
    }
    let patch: ConfigPatch = match serde_json::from_value(serde_json::Value::Object(map)) {
        Ok(p) => p,
        Err(e) => {
            let msg = e.to_string();
            let mut err = Error::new(Code::InvalidValue, format!("config(): {msg}"));
            if let Some(word) = msg.split('`').nth(1) {
                if msg.starts_with("unknown field") {
                    err = Error::new(Code::UnknownKey, format!("config(): unknown key `{word}`"));
                    if let Some(near) = did_you_mean(word, CONFIG_KEYS.iter().copied()) {
                        err = err.help(format!("did you mean `{near}`?"));
                    } else {
                        err = err.help(format!("config() accepts: {}", CONFIG_KEYS.join(", ")));
                    }
                } else if msg.starts_with("unknown variant") {
                    err = err.help("materialized: view|table|incremental|ephemeral; incremental_strategy: append|merge|delete+insert");
                }
            }
            return Err(ctx.fail(err));
        }
    };
    ctx.state.lock().unwrap().config.apply(&patch);
    Ok(String::new())
}

pub fn is_incremental_fn() -> Result<bool, minijinja::Error> {
    let ctx = current()?;
    let cfg = ctx.effective_config().resolve();
    let slot = ctx.this_slot();
    let full_refresh = ctx.shared.full_refresh && cfg.full_refresh != Some(false);
    let exists_as_table =
        ctx.shared.existing.get(&(slot.schema, slot.identifier)) == Some(&RelationKind::Table);
    let value = cfg.materialized == Materialized::Incremental && exists_as_table && !full_refresh;
    ctx.assume(Assumption::IsIncremental { value });
    Ok(value)
}

/// `prefetch(query, type)`: a scalar subquery that an incremental build
/// computes once before its body and writes in as a literal of `type`
/// (crate::run::prefetch), so that the engine can filter by it in its scans.
pub fn prefetch_fn(query: String, sql_type: String) -> String {
    crate::dialect::prefetch_marker(&query, &sql_type)
}

/// `fixpoint_start()`: true while rendering a fixpoint model's first iteration.
pub fn fixpoint_start_fn() -> Result<bool, minijinja::Error> {
    Ok(current()?.fixpoint_start)
}

pub fn var_fn(name: String, default: Option<Value>) -> Result<Value, minijinja::Error> {
    let ctx = current()?;
    match (ctx.shared.vars.get(&name), default) {
        (Some(v), _) => Ok(Value::from(minijinja::value::Serde(v))),
        (None, Some(d)) => Ok(d),
        (None, None) => {
            let mut err = Error::new(Code::InvalidValue, format!("var('{name}') is not defined"));
            err = match did_you_mean(&name, ctx.shared.vars.keys().map(String::as_str)) {
                Some(near) => err.help(format!("did you mean var('{near}')?")),
                None => err.help(format!(
                    "set it under `vars:` in journey.yaml, pass --vars '{{{name}: ...}}', or give a default: var('{name}', ...)"
                )),
            };
            Err(ctx.fail(err))
        }
    }
}

pub fn env_var_fn(name: String, default: Option<Value>) -> Result<Value, minijinja::Error> {
    let ctx = current()?;
    match ((ctx.shared.env_lookup)(&name), default) {
        (Some(v), _) => Ok(Value::from(v)),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(ctx.fail(
            Error::new(
                Code::EnvVar,
                format!("env_var('{name}'): environment variable is not set"),
            )
            .help(format!(
                "export {name}=... or give a default: env_var('{name}', ...)"
            )),
        )),
    }
}

/// `sources_of_kind('web_events')`: every declared source of that kind, as
/// objects with `.name`, `.relation`, `.filter`, `.has('col')` and
/// `.col('standard_name')` (the mapped column, or `null` when an optional
/// column is not mapped). Records a dependency on each.
pub fn sources_of_kind_fn(kind: String) -> Result<Value, minijinja::Error> {
    let ctx = current()?;
    let Some(k) = crate::project::kinds::find(&kind) else {
        let names = crate::project::kinds::KINDS.iter().map(|k| k.name);
        let mut err = Error::new(
            Code::InvalidValue,
            format!("sources_of_kind('{kind}'): unknown kind"),
        );
        if let Some(near) = did_you_mean(&kind, names) {
            err = err.help(format!("did you mean '{near}'?"));
        }
        return Err(ctx.fail(err));
    };
    let mut out = Vec::new();
    for s in ctx
        .shared
        .source_list
        .iter()
        .filter(|s| s.kind.as_deref() == Some(&kind))
    {
        {
            let mut st = ctx.state.lock().unwrap();
            let key = (s.group.clone(), s.name.clone());
            if !st.sources.contains(&key) {
                st.sources.push(key);
            }
        }
        out.push(Value::from_object(SourceValue {
            entry: s.clone(),
            kind: k,
        }));
    }
    Ok(Value::from(out))
}

#[derive(Debug)]
pub struct SourceValue {
    entry: SourceEntry,
    kind: &'static crate::project::kinds::Kind,
}

impl SourceValue {
    fn column(&self, name: &str) -> Result<String, minijinja::Error> {
        if !self.kind.knows(name) {
            return Err(minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("`{name}` is not a standard column of {}", self.kind.name),
            ));
        }
        Ok(match self.entry.columns.get(name) {
            Some(expr) if is_identifier(expr) => dialect::quote(expr),
            Some(expr) => format!("({expr})"),
            None if self.kind.required.contains(&name) => dialect::quote(name),
            None => "null".to_owned(),
        })
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

impl Object for SourceValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "name" => Some(Value::from(format!(
                "{}.{}",
                self.entry.group, self.entry.name
            ))),
            "relation" => Some(Value::from(self.entry.relation.clone())),
            "filter" => Some(
                self.entry
                    .filter
                    .clone()
                    .map(Value::from)
                    .unwrap_or(Value::from(())),
            ),
            "kind" => Some(Value::from(self.kind.name)),
            _ => None,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut minijinja::State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, minijinja::Error> {
        let (name,): (String,) = minijinja::value::from_args(args)?;
        match method {
            "col" => self.column(&name).map(Value::from),
            "has" => Ok(Value::from(
                self.entry.columns.contains_key(&name)
                    || self.kind.required.contains(&name.as_str()),
            )),
            _ => Err(minijinja::Error::from(minijinja::ErrorKind::UnknownMethod)),
        }
    }
}
