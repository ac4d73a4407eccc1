//! Every difference between DuckDB's and PostgreSQL's SQL lives here: quoting,
//! the DDL of each materialisation, and the SQL functions that templates call
//! (`{{ datediff_days('a', 'b') }}`) so one model text runs on both engines.

use std::path::Path;

use minijinja::value::Rest;
use minijinja::{Environment, Error as TemplateError, ErrorKind};

use crate::config::Engine;
use crate::project::sources::{FileFormat, Source, SourceLocation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    DuckDb,
    Postgres,
}

impl From<Engine> for Dialect {
    fn from(engine: Engine) -> Self {
        match engine {
            Engine::Duckdb => Dialect::DuckDb,
            Engine::Postgres => Dialect::Postgres,
        }
    }
}

/// Suffixes of a fixpoint model's previous and next iterations.
pub const FIXPOINT_PREVIOUS_SUFFIX: &str = "__jmap_prev";
pub const FIXPOINT_NEXT_SUFFIX: &str = "__jmap_next";

/// Suffix of the relation a table is built under before it is swapped in.
pub const STAGING_SUFFIX: &str = "__jmap_new";
/// Suffix of the table holding an incremental run's scope (delete+insert).
pub const SCOPE_SUFFIX: &str = "__jmap_scope";

/// The comments around a value the template marked with `prefetch(query,
/// type)`: an incremental build computes it before the body and writes it
/// in as a literal (crate::run::prefetch).
pub const PREFETCH_OPEN: &str = "/*jmap:prefetch ";
pub const PREFETCH_CLOSE: &str = "/*jmap:end*/";

/// The text `prefetch(query, type)` renders: the subquery between the
/// markers, the first naming its type. Unreplaced, it runs as the subquery.
pub fn prefetch_marker(query: &str, sql_type: &str) -> String {
    format!("{PREFETCH_OPEN}{sql_type}*/({query}){PREFETCH_CLOSE}")
}

/// The type of a `hash_key()`: an md5 as a UUID, the same 16 bytes on both
/// engines. Keys are what incremental runs join the large stored tables on
/// (to find the rows a few new ones replace); fixed-width, a key column
/// reads and compares about twice as fast as the 32 characters of its hex
/// text (DuckDB, a 89,000-key join on 6.7M stored keys in a new process:
/// 0.08 s against 0.18 s), and its hash is cheaper to group and join.
pub const KEY_TYPE: &str = "uuid";

/// Words that must be quoted when used as identifiers: the reserved keywords
/// of PostgreSQL 15 (`pg_get_keywords()`, categories R and T) and of DuckDB 2.0
/// (`duckdb_keywords()`, reserved and type_function), sorted for binary search.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "anti",
    "any",
    "array",
    "as",
    "asc",
    "asof",
    "asymmetric",
    "at",
    "authorization",
    "binary",
    "both",
    "by",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "columns",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "describe",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "generated",
    "glob",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lambda",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "map",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "pivot",
    "pivot_longer",
    "pivot_wider",
    "placing",
    "positional",
    "primary",
    "qualify",
    "references",
    "returning",
    "right",
    "select",
    "semi",
    "session_user",
    "show",
    "similar",
    "some",
    "struct",
    "summarize",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "try_cast",
    "tuple",
    "union",
    "unique",
    "unpack",
    "unpivot",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

pub fn quote(ident: &str) -> String {
    let plain = !ident.is_empty()
        && ident
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && ident
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && RESERVED.binary_search(&ident).is_err();
    if plain {
        ident.to_owned()
    } else {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
}

pub fn relation(schema: &str, name: &str) -> String {
    format!("{}.{}", quote(schema), quote(name))
}

/// The names and types of the columns of the one table `filter` picks out of
/// information_schema.columns, in order.
fn columns_where(filter: &str) -> String {
    format!(
        "select column_name, data_type from information_schema.columns \
         where {filter} order by ordinal_position"
    )
}

/// A SQL string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// SQL string literals separated by commas, for an `in (...)` list.
fn literal_list(texts: &[String]) -> String {
    texts
        .iter()
        .map(|t| literal(t))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
        }
    }

    /// The relation a template's `source()` renders to.
    pub fn source_relation(self, source: &Source, project_root: &Path) -> String {
        match (&source.location, self) {
            (SourceLocation::Table { schema, table }, _) => relation(schema, table),
            // A subquery needs a name on Postgres; the source's name reads like
            // the table it stands for. The query may end in a `--` comment.
            (SourceLocation::Query { sql }, _) => format!("(\n{sql}\n) as {}", quote(&source.name)),
            (SourceLocation::File { path, format }, Dialect::DuckDb) => {
                let abs = project_root.join(path);
                let path = literal(&abs.to_string_lossy());
                match format {
                    // Read CSV as text: the models clean and cast, the same way on
                    // both engines (Postgres loads file sources as text columns).
                    // A quoted empty field is an empty string, as in Postgres's COPY.
                    FileFormat::Csv => {
                        format!(
                            "read_csv({path}, header = true, all_varchar = true, allow_quoted_nulls = false)"
                        )
                    }
                    FileFormat::Parquet => format!("read_parquet({path})"),
                }
            }
            // Postgres cannot read files: jmap lands them first (see `load`).
            (SourceLocation::File { .. }, Dialect::Postgres) => {
                crate::load::landed_relation(source)
            }
        }
    }

    // ---- DDL for materialisations. Each returns the statement and, where it
    // embeds the model body, the number of lines that precede the body (so an
    // error's line number maps back to the compiled SQL).

    pub fn create_schema(self, schema: &str) -> String {
        format!("create schema if not exists {}", quote(schema))
    }

    pub fn create_table_as(self, rel: &str, body: &str) -> (String, usize) {
        let stmt = match self {
            Dialect::DuckDb => format!("create or replace table {rel} as\n{body}\n"),
            Dialect::Postgres => format!("create table {rel} as\n{body}\n"),
        };
        (stmt, 1)
    }

    /// A table private to the session (iteration work tables: no logging).
    pub fn create_temp_table_as(self, name: &str, body: &str) -> (String, usize) {
        let stmt = match self {
            Dialect::DuckDb => format!("create or replace temp table {} as\n{body}\n", quote(name)),
            Dialect::Postgres => format!("create temp table {} as\n{body}\n", quote(name)),
        };
        (stmt, 1)
    }

    /// Where an incremental build keeps its scope and new rows, which are
    /// read once or twice and dropped. On DuckDB, a temporary table: it is
    /// never logged, written to the warehouse's file or checkpointed (10M
    /// events, +1%: 13.9 s -> 13.1 s, mean of four alternated runs). On
    /// Postgres, a table of the model's schema: a temporary table there
    /// cannot be scanned in parallel and lives in 8 MB of session buffers
    /// (1M events, +1%: 8.40 s -> 9.62 s, one run each).
    pub fn scratch_relation(self, schema: &str, name: &str) -> String {
        match self {
            Dialect::DuckDb => format!("temp.main.{}", quote(name)),
            Dialect::Postgres => relation(schema, name),
        }
    }

    pub fn create_scratch_table_as(self, schema: &str, name: &str, body: &str) -> (String, usize) {
        match self {
            Dialect::DuckDb => self.create_temp_table_as(name, body),
            Dialect::Postgres => self.create_table_as(&relation(schema, name), body),
        }
    }

    /// The columns of a scratch table, as `list_columns_sql`.
    pub fn list_scratch_columns_sql(self, schema: &str, name: &str) -> String {
        match self {
            Dialect::DuckDb => columns_where(&format!(
                "table_catalog = 'temp' and table_name = {}",
                literal(name)
            )),
            Dialect::Postgres => self.list_columns_sql(schema, name),
        }
    }

    pub fn create_view_as(self, rel: &str, body: &str) -> (String, usize) {
        (format!("create or replace view {rel} as\n{body}\n"), 1)
    }

    pub fn drop_table(self, rel: &str) -> String {
        format!("drop table if exists {rel}")
    }

    pub fn drop_view(self, rel: &str) -> String {
        format!("drop view if exists {rel}")
    }

    pub fn rename(self, rel: &str, kind: RelationKind, new_name: &str) -> String {
        let what = match kind {
            RelationKind::Table => "table",
            RelationKind::View => "view",
        };
        format!("alter {what} {rel} rename to {}", quote(new_name))
    }

    pub fn drop_cascade(self, rel: &str, kind: RelationKind) -> String {
        let what = match kind {
            RelationKind::Table => "table",
            RelationKind::View => "view",
        };
        format!("drop {what} if exists {rel} cascade")
    }

    /// Whether `create or replace view` can change a view's columns. Postgres
    /// cannot (it only appends columns), so views are dropped and recreated there.
    pub fn replaces_views_in_place(self) -> bool {
        self == Dialect::DuckDb
    }

    /// Views that depend on a relation, directly or through other views, with
    /// their definitions, in an order they can be recreated in. Postgres binds
    /// views to the table itself, so replacing a table would drop them (the
    /// classic complaint about dbt); jmap recreates them in the same
    /// transaction. DuckDB binds views by name: nothing to do.
    pub fn dependent_views_sql(self, schema: &str, name: &str) -> Option<String> {
        match self {
            Dialect::DuckDb => None,
            Dialect::Postgres => Some(format!(
                "with recursive deps(oid, depth) as ( \
                   select distinct r.ev_class, 1 from pg_depend d \
                   join pg_rewrite r on r.oid = d.objid \
                   where d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass \
                     and d.refobjid = to_regclass({rel}) and r.ev_class <> d.refobjid \
                 union all \
                   select r.ev_class, deps.depth + 1 from deps \
                   join pg_depend d on d.refobjid = deps.oid and d.classid = 'pg_rewrite'::regclass \
                     and d.refclassid = 'pg_class'::regclass \
                   join pg_rewrite r on r.oid = d.objid \
                   where r.ev_class <> deps.oid and deps.depth < 50 \
                 ) \
                 select n.nspname, c.relname, max(deps.depth) as depth, pg_get_viewdef(c.oid) \
                 from deps join pg_class c on c.oid = deps.oid \
                 join pg_namespace n on n.oid = c.relnamespace \
                 where c.relkind = 'v' \
                 group by n.nspname, c.relname, c.oid \
                 order by depth, n.nspname, c.relname",
                rel = literal(&relation(schema, name))
            )),
        }
    }

    pub fn count_rows(self, rel: &str) -> String {
        format!("select count(*) from {rel}")
    }

    /// One text that changes when any row of `rel` (a table, a file read
    /// or a subquery) changes: the row count and the sum of every row's
    /// hash, so the order of the rows does not count.
    pub fn fingerprint_rows(self, rel: &str) -> String {
        let row_hash = match self {
            Dialect::DuckDb => "hash(jmap_rows)",
            Dialect::Postgres => "hashtextextended(jmap_rows::text, 0)",
        };
        format!(
            "select cast(count(*) as {t}) || ':' || coalesce(cast(sum({row_hash}) as {t}), '') \
             from (select * from {rel}) as jmap_rows",
            t = self.logical_type("text").expect("known type")
        )
    }

    /// The largest change of `values` between two iterations matched on `keys`
    /// (a row present in only one counts its whole value).
    pub fn max_change(self, next: &str, prev: &str, keys: &[String], values: &[String]) -> String {
        let on = keys
            .iter()
            .map(|k| format!("n.{q} = p.{q}", q = quote(k)))
            .collect::<Vec<_>>()
            .join(" and ");
        let diffs = values
            .iter()
            .map(|v| {
                format!(
                    "abs(coalesce(cast(n.{q} as double precision), 0) - coalesce(cast(p.{q} as double precision), 0))",
                    q = quote(v)
                )
            })
            .collect::<Vec<_>>();
        let worst = if diffs.len() == 1 {
            diffs[0].clone()
        } else {
            format!("greatest({})", diffs.join(", "))
        };
        format!(
            "select coalesce(max({worst}), 0) from {next} as n full outer join {prev} as p on {on}"
        )
    }

    pub fn insert_from(self, target: &str, source: &str, columns: &[String]) -> String {
        let cols = columns
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ");
        format!("insert into {target} ({cols}) select {cols} from {source}")
    }

    /// Delete the rows whose `keys` match a row of `source`, a null key
    /// matching a null one. DuckDB hash-joins `is not distinct from`;
    /// Postgres cannot (it ran a nested loop: 87 s for account_journeys
    /// after 1% more events at 1M), so there the rows with every key set
    /// are matched by a plain `in` and only those with a null key by the
    /// null-safe comparison.
    pub fn delete_matching(self, target: &str, source: &str, keys: &[String]) -> Vec<String> {
        let null_safe = keys
            .iter()
            .map(|k| format!("s.{q} is not distinct from t.{q}", q = quote(k)))
            .collect::<Vec<_>>()
            .join(" and ");
        match self {
            Dialect::DuckDb => vec![format!(
                "delete from {target} as t where exists (select 1 from {source} as s where {null_safe})"
            )],
            Dialect::Postgres => {
                let cols = |alias: &str| {
                    keys.iter()
                        .map(|k| format!("{alias}.{}", quote(k)))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let any_null = keys
                    .iter()
                    .map(|k| format!("t.{} is null", quote(k)))
                    .collect::<Vec<_>>()
                    .join(" or ");
                vec![
                    format!(
                        "delete from {target} as t where ({}) in (select {} from {source} as s)",
                        cols("t"),
                        cols("s")
                    ),
                    format!(
                        "delete from {target} as t where ({any_null}) and exists (select 1 from {source} as s where {null_safe})"
                    ),
                ]
            }
        }
    }

    /// Delete the rows whose `key` is among the values of `scope_table`
    /// (one column).
    pub fn delete_in_scope(self, target: &str, key: &str, scope_table: &str) -> String {
        format!(
            "delete from {target} where {q} in (select * from {scope_table})",
            q = quote(key)
        )
    }

    /// Delete the rows whose one-column `key` is among `source`'s keys (a
    /// null key matching a null one, as in delete_matching) or the values of
    /// `scope_table`. On DuckDB in one pass over the target; Postgres plans
    /// an `in` under `or` as a subplan, which it hashes only when it
    /// expects it to fit in work_mem and otherwise re-reads per row, so
    /// there it is two statements, each a plain semi-join.
    pub fn delete_keys_or_scope(
        self,
        target: &str,
        source: &str,
        key: &str,
        scope_table: &str,
    ) -> Vec<String> {
        let q = quote(key);
        let keys = format!("select s.{q} from {source} as s union all select * from {scope_table}");
        let null_key =
            format!("t.{q} is null and exists (select 1 from {source} as s where s.{q} is null)");
        match self {
            Dialect::DuckDb => vec![format!(
                "delete from {target} as t where t.{q} in ({keys}) or ({null_key})"
            )],
            Dialect::Postgres => vec![
                format!("delete from {target} as t where t.{q} in ({keys})"),
                format!("delete from {target} as t where {null_key}"),
            ],
        }
    }

    /// Delete the rows at or after the earliest `time_col` of `source`, per
    /// partition when `partition_by` is given (a null partition matches
    /// nothing). A join with the earliest time per partition rather than a
    /// correlated subquery: Postgres ran that subquery once per row of the
    /// target (250 s for the web events after 1% more events at 1M).
    pub fn delete_from_time(
        self,
        target: &str,
        source: &str,
        time_col: &str,
        partition_by: &[String],
    ) -> String {
        let t = quote(time_col);
        if partition_by.is_empty() {
            return format!(
                "delete from {target} where {t} >= (select min(s.{t}) from {source} as s)"
            );
        }
        let parts: Vec<String> = partition_by.iter().map(|p| quote(p)).collect();
        let group = parts
            .iter()
            .map(|p| format!("s.{p}"))
            .collect::<Vec<_>>()
            .join(", ");
        let on = parts
            .iter()
            .map(|p| format!("t.{p} = f.{p}"))
            .collect::<Vec<_>>()
            .join(" and ");
        format!(
            "delete from {target} as t using (select {group}, min(s.{t}) as jmap_from from {source} as s group by {group}) as f \
             where {on} and t.{t} >= f.jmap_from"
        )
    }

    pub fn merge(self, target: &str, source: &str, keys: &[String], columns: &[String]) -> String {
        let on = keys
            .iter()
            .map(|k| format!("t.{q} = s.{q}", q = quote(k)))
            .collect::<Vec<_>>()
            .join(" and ");
        let set = columns
            .iter()
            .filter(|c| !keys.contains(c))
            .map(|c| format!("{q} = s.{q}", q = quote(c)))
            .collect::<Vec<_>>()
            .join(", ");
        let cols = columns
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ");
        let vals = columns
            .iter()
            .map(|c| format!("s.{}", quote(c)))
            .collect::<Vec<_>>()
            .join(", ");
        let matched = if set.is_empty() {
            String::new()
        } else {
            format!(" when matched then update set {set}")
        };
        format!(
            "merge into {target} as t using {source} as s on {on}{matched} when not matched then insert ({cols}) values ({vals})"
        )
    }

    pub fn add_column(self, target: &str, column: &str, data_type: &str) -> String {
        format!(
            "alter table {target} add column {} {data_type}",
            quote(column)
        )
    }

    /// Text or timestamp to timestamp, null when it does not parse (needs
    /// `setup_statements` on Postgres).
    pub fn try_timestamp(self, expr: &str) -> String {
        match self {
            Dialect::DuckDb => format!("try_cast({expr} as timestamp)"),
            Dialect::Postgres => format!("jmap_try_timestamp(({expr})::text)"),
        }
    }

    /// Relations and their kinds, one query for the whole warehouse.
    pub fn list_relations_sql(self) -> &'static str {
        "select table_schema, table_name, table_type from information_schema.tables \
         where table_schema not in ('information_schema', 'pg_catalog')"
    }

    pub fn list_columns_sql(self, schema: &str, table: &str) -> String {
        columns_where(&format!(
            "table_schema = {} and table_name = {}",
            literal(schema),
            literal(table)
        ))
    }

    /// Every column of the relations in `schemas`: schema, table, column, type.
    pub fn list_schema_columns_sql(self, schemas: &[String]) -> String {
        let list = literal_list(schemas);
        format!(
            "select table_schema, table_name, column_name, data_type from information_schema.columns \
             where table_schema in ({list}) order by table_schema, table_name, ordinal_position"
        )
    }

    /// Seconds since 1970 of a timestamp expression, as a double.
    pub fn epoch_seconds(self, expr: &str) -> String {
        match self {
            Dialect::DuckDb => format!("epoch({expr})"),
            Dialect::Postgres => format!("extract(epoch from {expr})::double precision"),
        }
    }

    /// The comments stored on the relations of `schemas` and on their
    /// columns: schema, relation, column (null for the relation's own
    /// comment), comment. Relations and columns without one are left out.
    pub fn list_comments_sql(self, schemas: &[String]) -> String {
        let list = literal_list(schemas);
        match self {
            Dialect::DuckDb => format!(
                "select schema_name, table_name, null, comment from duckdb_tables() \
                 where database_name = current_database() and schema_name in ({list}) and comment is not null \
                 union all \
                 select schema_name, view_name, null, comment from duckdb_views() \
                 where database_name = current_database() and schema_name in ({list}) and comment is not null \
                 union all \
                 select schema_name, table_name, column_name, comment from duckdb_columns() \
                 where database_name = current_database() and schema_name in ({list}) and comment is not null"
            ),
            // objsubid is the column's number, 0 for the relation itself
            Dialect::Postgres => format!(
                "select n.nspname::text, c.relname::text, a.attname::text, d.description \
                 from pg_description d \
                 join pg_class c on c.oid = d.objoid \
                 join pg_namespace n on n.oid = c.relnamespace \
                 left join pg_attribute a on d.objsubid > 0 and a.attrelid = c.oid and a.attnum = d.objsubid \
                 where d.classoid = 'pg_class'::regclass and n.nspname in ({list})"
            ),
        }
    }

    /// The description a BI tool shows beside a table or view (both engines
    /// spell it alike; Postgres refuses `comment on table` for a view).
    pub fn comment_on_relation(self, rel: &str, kind: RelationKind, text: &str) -> String {
        let what = match kind {
            RelationKind::Table => "table",
            RelationKind::View => "view",
        };
        format!("comment on {what} {rel} is {}", literal(text))
    }

    /// The description of one column of a table or view.
    pub fn comment_on_column(self, rel: &str, column: &str, text: &str) -> String {
        format!(
            "comment on column {rel}.{} is {}",
            quote(column),
            literal(text)
        )
    }

    /// Register the SQL functions templates use. Only the differing ones live
    /// here; anything both engines spell alike is written directly in models.
    pub fn register(self, env: &mut Environment<'static>) {
        let d = self;
        env.add_function("dialect", move || d.name());
        // Seconds between two timestamps, as a double.
        env.add_function("datediff_seconds", move |a: String, b: String| match d {
            Dialect::DuckDb => format!("(epoch({b}) - epoch({a}))"),
            Dialect::Postgres => format!("extract(epoch from ({b}) - ({a}))::double precision"),
        });
        env.add_function("datediff_days", move |a: String, b: String| match d {
            Dialect::DuckDb => format!("((epoch({b}) - epoch({a})) / 86400.0)"),
            Dialect::Postgres => {
                format!("(extract(epoch from ({b}) - ({a}))::double precision / 86400.0)")
            }
        });
        env.add_function("epoch_seconds", move |a: String| match d {
            Dialect::DuckDb => format!("epoch({a})"),
            Dialect::Postgres => format!("extract(epoch from {a})::double precision"),
        });
        // Cast a source column to one of jmap's logical types, null when the
        // value does not parse (dirty data must not fail a run).
        env.add_function(
            "cast_as",
            move |expr: String, ty: String| -> Result<String, TemplateError> {
                Ok(match (ty.as_str(), d) {
                    ("text", Dialect::DuckDb) => format!("cast({expr} as varchar)"),
                    ("text", Dialect::Postgres) => format!("cast({expr} as text)"),
                    (_, Dialect::DuckDb) => format!("try_cast({expr} as {})", d.logical_type(&ty)?),
                    (t, Dialect::Postgres) => {
                        d.logical_type(t)?;
                        format!("jmap_try_{t}(({expr})::text)")
                    }
                })
            },
        );
        // `key` is the type of what hash_key() gives, for a typed null in a
        // union with keys; not a type a source column can be cast to.
        env.add_function("sql_type", move |ty: String| match ty.as_str() {
            "key" => Ok(KEY_TYPE),
            _ => d.logical_type(&ty).map_err(|_| {
                TemplateError::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "unknown type `{ty}` for sql_type(): use text, key, timestamp, date, double, bigint or boolean"
                    ),
                )
            }),
        });
        // A source column's own text when the source stores it as text, and
        // null when it stores a typed value. Filters compare it before any
        // cast (since() in the macros); DuckDB folds the type test at bind
        // time, so a typed column costs nothing, and Postgres's test is one
        // comparison of type oids per row.
        env.add_function("source_text", move |expr: String| match d {
            Dialect::DuckDb => {
                format!("case when typeof({expr}) = 'VARCHAR' then cast({expr} as varchar) end")
            }
            Dialect::Postgres => format!(
                "case when pg_typeof({expr}) in ('text'::regtype, 'character varying'::regtype) then ({expr})::text end"
            ),
        });
        // A timestamp's day as ISO text, `2025-03-01`, whatever the session's
        // DateStyle (a date cast to text follows it on Postgres).
        env.add_function("iso_day", move |expr: String| match d {
            Dialect::DuckDb => format!("strftime({expr}, '%Y-%m-%d')"),
            Dialect::Postgres => format!("to_char({expr}, 'YYYY-MM-DD')"),
        });
        env.add_function("percentile", move |expr: String, p: f64| match d {
            Dialect::DuckDb => format!("quantile_cont({expr}, {p})"),
            Dialect::Postgres => format!("percentile_cont({p}) within group (order by {expr})"),
        });
        // Whether a POSIX regular expression matches anywhere in the text.
        env.add_function("regexp_like", move |s: String, pattern: String| {
            let p = literal(&pattern);
            match d {
                Dialect::DuckDb => format!("regexp_matches({s}, {p})"),
                Dialect::Postgres => format!("({s} ~ {p})"),
            }
        });
        // First capture group of a POSIX regular expression, or null.
        env.add_function("regexp_extract", move |s: String, pattern: String| {
            let p = literal(&pattern);
            match d {
                Dialect::DuckDb => format!("nullif(regexp_extract({s}, {p}, 1), '')"),
                Dialect::Postgres => format!("(regexp_match({s}, {p}))[1]"),
            }
        });
        // An aggregate: `value` on the row that sorts first by `order` (a
        // null value included, as row_number() = 1 would pick it). DuckDB's
        // arg_min skips null values, so its _null variant.
        env.add_function(
            "first_by",
            move |value: String, order: Rest<String>| -> Result<String, TemplateError> {
                if order.is_empty() {
                    return Err(TemplateError::new(
                        ErrorKind::MissingArgument,
                        "first_by() needs the value and at least one column to order by",
                    ));
                }
                Ok(match d {
                    // (a, b) compares as a row; (a) is just a.
                    Dialect::DuckDb => format!("arg_min_null({value}, ({}))", order.join(", ")),
                    Dialect::Postgres => {
                        format!("(array_agg({value} order by {}))[1]", order.join(", "))
                    }
                })
            },
        );
        // An aggregate: the smallest key (KEY_TYPE) of the group. Postgres
        // before 18 has no min() of a uuid; the text of one sorts as its
        // bytes do (in the C collation), as DuckDB orders it.
        env.add_function("min_key", move |value: String| match d {
            Dialect::DuckDb => format!("min({value})"),
            Dialect::Postgres => {
                format!("cast(min(cast({value} as text) collate \"C\") as {KEY_TYPE})")
            }
        });
        // An aggregate: a fingerprint of the set of non-null text values in
        // the group, whatever their order (their count, and the xor and the
        // sum of 60 bits of each one's md5), to tell whether a set changed
        // without sorting it; the same text on both engines.
        env.add_function("set_fingerprint", move |value: String| {
            let bits = match d {
                Dialect::DuckDb => format!("cast(('0x' || substr(md5({value}), 1, 15)) as bigint)"),
                Dialect::Postgres => {
                    format!("('x' || lpad(substr(md5({value}), 1, 15), 16, '0'))::bit(64)::bigint")
                }
            };
            let text = d.text_type();
            format!(
                "(cast(count({value}) as {text}) || ':' || cast(bit_xor({bits}) as {text}) || ':' || cast(sum({bits}) as {text}))"
            )
        });
        env.add_function(
            "hash_key",
            move |parts: Rest<String>| -> Result<String, TemplateError> {
                if parts.is_empty() {
                    return Err(TemplateError::new(
                        ErrorKind::MissingArgument,
                        "hash_key() needs at least one column",
                    ));
                }
                let joined = parts
                    .iter()
                    .map(|p| format!("coalesce(cast({p} as {}), '')", d.text_type()))
                    .collect::<Vec<_>>()
                    .join(", ");
                Ok(format!("cast(md5(concat_ws('|', {joined})) as {KEY_TYPE})"))
            },
        );
    }

    /// The engine's type for a logical type name used in models.
    pub fn logical_type(self, ty: &str) -> Result<&'static str, TemplateError> {
        Ok(match (ty, self) {
            ("text", Dialect::DuckDb) => "varchar",
            ("text", Dialect::Postgres) => "text",
            ("timestamp", _) => "timestamp",
            ("date", _) => "date",
            ("double", Dialect::DuckDb) => "double",
            ("double", Dialect::Postgres) => "double precision",
            ("bigint", _) => "bigint",
            ("boolean", _) => "boolean",
            (other, _) => {
                return Err(TemplateError::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "unknown logical type `{other}` (text, timestamp, date, double, bigint, boolean)"
                    ),
                ));
            }
        })
    }

    fn text_type(self) -> &'static str {
        match self {
            Dialect::DuckDb => "varchar",
            Dialect::Postgres => "text",
        }
    }

    /// Statements run once per run before any model, creating helpers the
    /// template functions above rely on.
    pub fn setup_statements(self) -> Vec<String> {
        match self {
            Dialect::DuckDb => Vec::new(),
            Dialect::Postgres => {
                let f = |name: &str, ty: &str| {
                    format!(
                        "create or replace function {name}(v text) returns {ty} language plpgsql immutable as $$ \
                         begin return v::{ty}; exception when others then return null; end $$"
                    )
                };
                vec![
                    f("jmap_try_timestamp", "timestamp"),
                    f("jmap_try_date", "date"),
                    f("jmap_try_double", "double precision"),
                    f("jmap_try_bigint", "bigint"),
                    f("jmap_try_boolean", "boolean"),
                ]
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    Table,
    View,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("touchpoints"), "touchpoints");
        assert_eq!(quote("Touch"), "\"Touch\"");
        assert_eq!(quote("order"), "\"order\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(relation("journey", "user"), "journey.\"user\"");
        // Reserved on DuckDB only (AT TIME ZONE), and on Postgres only.
        assert_eq!(quote("at"), "\"at\"");
        assert_eq!(quote("current_user"), "\"current_user\"");
        assert!(
            RESERVED.windows(2).all(|w| w[0] < w[1]),
            "sorted, no repeats"
        );
    }

    /// A template rendered with the dialect's functions.
    fn render(d: Dialect, src: &str) -> Result<String, minijinja::Error> {
        let mut env = Environment::new();
        d.register(&mut env);
        env.render_str(src, ())
    }

    #[test]
    fn first_by_orders_by_every_column_and_needs_one() {
        let src = "{{ first_by('person_id', 'occurred_at', 'touchpoint_id') }}";
        assert_eq!(
            render(Dialect::DuckDb, src).unwrap(),
            "arg_min_null(person_id, (occurred_at, touchpoint_id))"
        );
        assert_eq!(
            render(Dialect::Postgres, src).unwrap(),
            "(array_agg(person_id order by occurred_at, touchpoint_id))[1]"
        );
        let err = render(Dialect::DuckDb, "{{ first_by('person_id') }}").unwrap_err();
        assert!(
            err.to_string().contains("at least one column to order by"),
            "{err}"
        );
    }

    #[test]
    fn sql_type_names_key_and_every_type_it_knows() {
        for d in [Dialect::DuckDb, Dialect::Postgres] {
            assert_eq!(render(d, "{{ sql_type('key') }}").unwrap(), "uuid");
        }
        assert_eq!(
            render(Dialect::Postgres, "{{ sql_type('text') }}").unwrap(),
            "text"
        );
        let err = render(Dialect::DuckDb, "{{ sql_type('uuid') }}").unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown type `uuid` for sql_type(): use text, key, timestamp"),
            "{err}"
        );
    }

    #[test]
    fn merge_updates_non_key_columns() {
        let sql = Dialect::DuckDb.merge(
            "s.t",
            "s.t__new",
            &["id".into()],
            &["id".into(), "v".into()],
        );
        assert_eq!(
            sql,
            "merge into s.t as t using s.t__new as s on t.id = s.id when matched then update set v = s.v when not matched then insert (id, v) values (s.id, s.v)"
        );
    }
}
