//! The short journey summary printed after a run of the journey package:
//! how many accounts, people and touchpoints, and the funnel.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell as TCell, CellAlignment, Table};

use super::output::thousands;
use crate::adapter::{Adapter, Cell};
use crate::compile::Compiled;
use crate::project::files::Package;

/// The summary, or `None` when the package's outputs are not all there (a
/// project without the package, or a run that failed before them).
pub fn render(adapter: &dyn Adapter, compiled: &Compiled) -> Option<String> {
    let rel = |name: &str| compiled.models.get(name).map(|m| m.relation());
    let (accounts, persons, mut touchpoints, funnel) = (
        rel("accounts")?,
        rel("persons")?,
        rel("touchpoints")?,
        rel("stage_funnel")?,
    );
    // The built-in touchpoints view has a row for each row of the stored
    // int_touches: count that table (0.02 s at 10M events) rather than the
    // view's joins over every event (1.0 s), unless the project replaced
    // either model.
    let builtin = |name: &str| {
        compiled
            .models
            .get(name)
            .is_some_and(|m| m.package == Package::Builtin)
    };
    if builtin("touchpoints") && builtin("int_touches") {
        touchpoints = rel("int_touches")?;
    }
    let mut session = adapter.session().ok()?;
    // One query per relation, both figures of a relation from one scan.
    let counts = |s: &mut Box<dyn crate::adapter::Session>, sql: String| -> Option<Vec<i64>> {
        let rows = s.query(&sql).ok()?.rows;
        rows.first()?.iter().map(Cell::as_i64).collect()
    };
    let n_accounts = counts(&mut session, format!("select count(*) from {accounts}"))?[0];
    let people = counts(
        &mut session,
        format!(
            "select count(distinct account_id), \
             count(case when email is not null or contact_id is not null then 1 end) from {persons}"
        ),
    )?;
    let (n_matched, n_people) = (people[0], people[1]);
    let touches = counts(
        &mut session,
        format!(
            "select count(*), count(case when is_marketing_touch then 1 end) from {touchpoints}"
        ),
    )?;
    let (n_touch, n_marketing) = (touches[0], touches[1]);
    let stages = session
        .query(&format!(
            "select stage, next_stage, entered, converted, conversion_rate, median_days from {funnel} order by stage_index"
        ))
        .ok()?;

    let mut totals = Table::new();
    totals.load_style(UTF8_FULL_CONDENSED);
    totals.set_header(vec!["journey", "count"]);
    for (label, n) in [
        ("accounts", n_accounts),
        ("accounts with known people", n_matched),
        ("known people (email or CRM contact)", n_people),
        ("touchpoints", n_touch),
        ("marketing touches (visits, ads, emails, CRM)", n_marketing),
    ] {
        totals.add_row(vec![
            TCell::new(label),
            TCell::new(thousands(n)).set_alignment(CellAlignment::Right),
        ]);
    }

    let mut funnel_table = Table::new();
    funnel_table.load_style(UTF8_FULL_CONDENSED);
    funnel_table.set_header(vec![
        "stage",
        "next stage",
        "entered",
        "converted",
        "rate",
        "median days",
    ]);
    for row in &stages.rows {
        let text = |i: usize| row.get(i).map(Cell::to_string).unwrap_or_default();
        let rate = row
            .get(4)
            .and_then(Cell::as_f64)
            .map(|r| format!("{:.1}%", r * 100.0))
            .unwrap_or_default();
        let days = row
            .get(5)
            .and_then(Cell::as_f64)
            .map(|d| format!("{d:.0}"))
            .unwrap_or_default();
        funnel_table.add_row(vec![
            TCell::new(text(0)),
            TCell::new(text(1)),
            TCell::new(text(2)).set_alignment(CellAlignment::Right),
            TCell::new(text(3)).set_alignment(CellAlignment::Right),
            TCell::new(rate).set_alignment(CellAlignment::Right),
            TCell::new(days).set_alignment(CellAlignment::Right),
        ]);
    }
    Some(format!("\nJourney summary\n{totals}\n{funnel_table}"))
}
