//! Values an incremental body is filtered by (its window's start, the
//! newest stamp it has written), computed once before the body runs and
//! written into it as literals.
//!
//! A template marks such a value with `prefetch(query, type)`. Left as a
//! scalar subquery, DuckDB joins the table with it after the scan, so a
//! filter like `written_at > (select max(built_at) from ...)` reads every
//! row of the table; against a literal, the scan itself filters and skips
//! the row groups its min/max rule out (0.25 s against 0.6 s for the web
//! events' body at 10M events, with nothing new). The marker is made of SQL
//! comments around the subquery, so an unreplaced marker still runs, as
//! the subquery it was.

use crate::adapter::{Cell, DbError, Session};
#[cfg(test)]
use crate::dialect::prefetch_marker as marker;
use crate::dialect::{PREFETCH_CLOSE as CLOSE, PREFETCH_OPEN as OPEN};

/// One marked value in a body: the whole marked text, its type and its query.
#[derive(Debug, PartialEq)]
struct Marked<'a> {
    text: &'a str,
    sql_type: &'a str,
    query: &'a str,
}

fn marked(sql: &str) -> Vec<Marked<'_>> {
    let mut found: Vec<Marked<'_>> = Vec::new();
    let mut rest = 0;
    while let Some(start) = sql[rest..].find(OPEN).map(|i| rest + i) {
        let after_open = start + OPEN.len();
        let Some(type_end) = sql[after_open..].find("*/").map(|i| after_open + i) else {
            break;
        };
        let Some(end) = sql[type_end..].find(CLOSE).map(|i| type_end + i) else {
            break;
        };
        let query = &sql[type_end + 2..end];
        if query.contains(OPEN) {
            // An outer marker: its inner ones come first, and it is found
            // again once they are literals.
            rest = after_open;
            continue;
        }
        let text = &sql[start..end + CLOSE.len()];
        if !found.iter().any(|m| m.text == text) {
            found.push(Marked {
                text,
                sql_type: sql[after_open..type_end].trim(),
                query,
            });
        }
        rest = end + CLOSE.len();
    }
    found
}

/// The literal standing for `value`, padded to the lines of the text it
/// replaces so that an error still points at the template's line.
fn literal(value: &Cell, sql_type: &str, replaced: &str) -> String {
    let padding = "\n".repeat(replaced.matches('\n').count());
    match value.as_str() {
        Some(text) => format!(
            "cast('{}' as {sql_type}){padding}",
            text.replace('\'', "''")
        ),
        None => format!("cast(null as {sql_type}){padding}"),
    }
}

/// A marked value whose query failed: the engine's error, and the marked
/// text as it stands in `body` (the first of the texts being inlined, its
/// lines where they were: literals keep them), to point at its line.
pub struct Failed {
    pub error: DbError,
    pub marked: String,
    pub body: String,
}

/// Every marked value of each of `sqls` computed once (as text, so that
/// both engines give it back exactly) and written in as a literal; a value
/// whose query holds another is computed once that one is a literal.
pub fn inline(session: &mut dyn Session, sqls: &[&str]) -> Result<Vec<String>, Failed> {
    let mut out: Vec<String> = sqls.iter().map(|s| (*s).to_owned()).collect();
    loop {
        let mut values: Vec<(String, String)> = Vec::new();
        for sql in &out {
            for m in marked(sql) {
                if values.iter().any(|(text, _)| text == m.text) {
                    continue;
                }
                // (the query on the statement's first line: an error's
                // line in it is its line in the marked text)
                let rows = session
                    .query(&format!("select cast({} as text)", m.query))
                    .map_err(|error| Failed {
                        error,
                        marked: m.text.to_owned(),
                        body: out[0].clone(),
                    })?;
                let value = rows
                    .rows
                    .into_iter()
                    .next()
                    .and_then(|r| r.into_iter().next())
                    .unwrap_or(Cell::Null);
                values.push((m.text.to_owned(), literal(&value, m.sql_type, m.text)));
            }
        }
        if values.is_empty() {
            return Ok(out);
        }
        for sql in &mut out {
            for (text, lit) in &values {
                *sql = sql.replace(text, lit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_once_each_with_their_type() {
        let a = marker("select max(t) from x", "timestamp");
        let b = marker("select 1\nfrom y", "bigint");
        let sql = format!("select * from z where t >= {a} and u > {b} or t < {a}");
        let found = marked(&sql);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].sql_type, "timestamp");
        assert_eq!(found[0].query, "(select max(t) from x)");
        assert_eq!(found[1].query, "(select 1\nfrom y)");
    }

    #[test]
    fn a_literal_keeps_the_lines_and_quotes_its_text() {
        let replaced = marker("select 1\nfrom y", "text");
        assert_eq!(
            literal(&Cell::Text("it's".into()), "text", &replaced),
            "cast('it''s' as text)\n"
        );
        assert_eq!(
            literal(&Cell::Null, "timestamp", "x"),
            "cast(null as timestamp)"
        );
    }

    #[test]
    fn an_inner_marker_is_found_before_its_outer_one() {
        let inner = marker("select 1", "bigint");
        let outer = marker(&format!("select {inner} + 1"), "bigint");
        let found = marked(&outer);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].text, inner);
        let once = outer.replace(&inner, "cast('1' as bigint)");
        assert_eq!(marked(&once)[0].query, "(select cast('1' as bigint) + 1)");
    }
}
