//! `jmap show <model>`: the first rows of a model, as a table.

use super::args::ShowArgs;
use super::output;
use super::workspace::{Workspace, existing_relations};
use crate::config::Materialized;
use crate::error::{Code, Error, did_you_mean};

pub fn run(args: &ShowArgs) -> Result<i32, Error> {
    let ws = Workspace::load(&args.project)?;
    let adapter = ws.connect(1)?;
    let existing = existing_relations(adapter.as_ref())?;
    let compiled = ws.compile(existing.clone(), false, ws.threads(None)?)?;
    if args.model == "attribution" && !compiled.models.contains_key("attribution") {
        return show_attribution(
            &ws,
            adapter.as_ref(),
            &compiled,
            &existing,
            args.stage.as_deref(),
        );
    }
    let Some(m) = compiled.models.get(&args.model) else {
        let err = Error::new(Code::Usage, format!("no model named `{}`", args.model));
        return Err(
            match did_you_mean(&args.model, compiled.models.keys().map(String::as_str)) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help("`jmap ls` lists the models"),
            },
        );
    };
    let from = if m.config.materialized == Materialized::Ephemeral {
        // Not stored anywhere: evaluate its SQL directly.
        format!("(\n{}\n) as ephemeral", m.sql)
    } else {
        if !existing.contains_key(&(m.schema.clone(), m.identifier.clone())) {
            return Err(Error::new(
                Code::Usage,
                format!(
                    "`{}` has not been built on target `{}`",
                    m.name, ws.target.name
                ),
            )
            .help(format!("build it first: jmap run --select +{}", m.name)));
        }
        m.relation()
    };
    let sql = format!("select * from {from} limit {}", args.limit);
    let mut session = adapter.session()?;
    let rows = session.query(&sql).map_err(|e| {
        Error::new(
            Code::Query,
            format!("reading `{}` failed: {}", m.name, e.message),
        )
    })?;
    println!("{} ({} rows shown)", m.relation(), rows.rows.len());
    println!("{}", output::rows_table(&rows));
    Ok(0)
}

/// Channels down, attribution models across: the conversions each model
/// credits to each channel, for one conversion type.
fn show_attribution(
    ws: &Workspace,
    adapter: &dyn crate::adapter::Adapter,
    compiled: &crate::compile::Compiled,
    existing: &crate::adapter::RelationMap,
    stage: Option<&str>,
) -> Result<i32, Error> {
    let Some(m) = compiled.models.get("attribution_by_channel") else {
        return Err(Error::new(
            Code::Usage,
            "this project has no attribution_by_channel model",
        )
        .help("attribution comes with the built-in journey package (builtin_package: true)"));
    };
    if !existing.contains_key(&(m.schema.clone(), m.identifier.clone())) {
        return Err(Error::new(
            Code::Usage,
            format!(
                "attribution has not been built on target `{}`",
                ws.target.name
            ),
        )
        .help("build it first: jmap run --select +attribution_by_channel"));
    }
    let journey = &ws.project.journey.config;
    let stages: Vec<&str> = journey
        .conversions
        .iter()
        .map(|c| c.stage.as_str())
        .collect();
    let stage = match stage {
        Some(s) if stages.contains(&s) => s.to_owned(),
        Some(s) => {
            let err = Error::new(Code::Usage, format!("`{s}` is not a conversion type"));
            return Err(match did_you_mean(s, stages.iter().copied()) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help(format!("conversion types: {}", stages.join(", "))),
            });
        }
        None => stages.last().map(|s| s.to_string()).unwrap_or_default(),
    };
    let sql = format!(
        "select channel, model, conversions from {} where conversion_stage = {}",
        m.relation(),
        crate::dialect::literal(&stage)
    );
    let mut session = adapter.session()?;
    let rows = session.query(&sql).map_err(|e| {
        Error::new(
            Code::Query,
            format!("reading attribution failed: {}", e.message),
        )
    })?;
    let models: Vec<&String> = journey.attribution.models.iter().collect();
    let mut by_channel: std::collections::BTreeMap<String, std::collections::HashMap<String, f64>> =
        Default::default();
    for r in &rows.rows {
        let (Some(channel), Some(model), Some(value)) =
            (r[0].as_str(), r[1].as_str(), r[2].as_f64())
        else {
            continue;
        };
        by_channel
            .entry(channel.to_owned())
            .or_default()
            .insert(model.to_owned(), value);
    }
    let mut pivot = crate::adapter::Rows {
        columns: std::iter::once("channel".to_owned())
            .chain(models.iter().map(|m| m.to_string()))
            .collect(),
        rows: Vec::new(),
    };
    for (channel, values) in &by_channel {
        let mut row = vec![crate::adapter::Cell::Text(channel.clone())];
        for model in &models {
            let v = values.get(model.as_str()).copied().unwrap_or(0.0);
            row.push(crate::adapter::Cell::Text(format!("{v:.1}")));
        }
        pivot.rows.push(row);
    }
    println!(
        "Conversions credited per channel, `{stage}` conversions ({} channels)",
        pivot.rows.len()
    );
    println!("{}", output::rows_table(&pivot));
    Ok(0)
}
