//! What jmap prints: one progress line per node and the end-of-run summary.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell as TCell, CellAlignment, Table};

use crate::adapter::Rows;
use crate::run::{NodeKind, NodeResult, Status};

pub fn progress_line(r: &NodeResult, index: usize, total: usize) -> String {
    let width = total.to_string().len();
    let amount = match r.kind {
        _ if crate::run::is_kept(r) => Some("kept".to_owned()),
        NodeKind::Model => r.rows.map(|n| format!("{} rows", thousands(n))),
        NodeKind::Test => r
            .failures
            .filter(|n| *n > 0)
            .map(|n| format!("{} failing", thousands(n))),
    }
    .unwrap_or_default();
    let detail = match r.status {
        Status::Skipped => format!("  ({})", r.message),
        _ => format!("{amount:>14} {:>7.2}s", r.seconds),
    };
    let what = match r.kind {
        NodeKind::Model => r.relation.clone(),
        NodeKind::Test => r.name.clone(),
    };
    format!(
        "{index:>width$}/{total} {:<5} {:<11} {:<44}{detail}",
        r.label(),
        r.materialized,
        what
    )
}

pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

pub fn summary_table(results: &[NodeResult]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header(vec!["node", "type", "status", "rows / failing", "seconds"]);
    for r in results {
        let amount = match r.kind {
            NodeKind::Model => r.rows,
            NodeKind::Test => r.failures,
        };
        table.add_row(vec![
            TCell::new(&r.name),
            TCell::new(&r.materialized),
            TCell::new(r.label()),
            TCell::new(if crate::run::is_kept(r) {
                "kept".to_owned()
            } else {
                amount.map(thousands).unwrap_or_default()
            })
            .set_alignment(CellAlignment::Right),
            TCell::new(format!("{:.2}", r.seconds)).set_alignment(CellAlignment::Right),
        ]);
    }
    table
}

pub fn counts_line(results: &[NodeResult], elapsed: f64) -> String {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let warn = count(Status::Warn);
    let warn = if warn > 0 {
        format!(", {warn} warn")
    } else {
        String::new()
    };
    let kept = results
        .iter()
        .filter(|r| r.kind == NodeKind::Model && crate::run::is_kept(r))
        .count();
    let kept = if kept > 0 {
        format!("; {kept} kept (inputs unchanged)")
    } else {
        String::new()
    };
    format!(
        "Done in {elapsed:.2}s: {} ok, {} error{warn}, {} skipped{kept}",
        count(Status::Success),
        count(Status::Error),
        count(Status::Skipped)
    )
}

pub fn rows_table(rows: &Rows) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header(rows.columns.clone());
    for row in &rows.rows {
        table.add_row(row.iter().map(|c| {
            let cell = TCell::new(c.to_string());
            match c {
                crate::adapter::Cell::Int(_) | crate::adapter::Cell::Float(_) => {
                    cell.set_alignment(CellAlignment::Right)
                }
                _ => cell,
            }
        }));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
    }
}
