//! The short journey summary printed after a run of the journey package:
//! how many accounts, people and touchpoints, and the funnel.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell as TCell, CellAlignment, Table};

use super::output::thousands;
use crate::adapter::{Adapter, Cell};
use crate::compile::Compiled;

/// The summary, or `None` when the package's outputs are not all there (a
/// project without the package, or a run that failed before them).
pub fn render(adapter: &dyn Adapter, compiled: &Compiled) -> Option<String> {
    let rel = |name: &str| compiled.models.get(name).map(|m| m.relation());
    let (accounts, persons, touchpoints, funnel) = (
        rel("accounts")?,
        rel("persons")?,
        rel("touchpoints")?,
        rel("stage_funnel")?,
    );
    let mut session = adapter.session().ok()?;
    let count = |s: &mut Box<dyn crate::adapter::Session>, sql: String| -> Option<i64> {
        s.query(&sql).ok()?.rows.first()?.first()?.as_i64()
    };
    let n_accounts = count(&mut session, format!("select count(*) from {accounts}"))?;
    let n_matched = count(
        &mut session,
        format!("select count(distinct account_id) from {persons} where account_id is not null"),
    )?;
    let n_people = count(
        &mut session,
        format!("select count(*) from {persons} where email is not null or contact_id is not null"),
    )?;
    let n_touch = count(&mut session, format!("select count(*) from {touchpoints}"))?;
    let n_marketing = count(
        &mut session,
        format!("select count(*) from {touchpoints} where is_marketing_touch"),
    )?;
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
