//! `jmap run` behaviour: order, parallel branches, failures, materialisations.

mod common;
use common::{TestProject, stderr, stdout};

fn rows(p: &TestProject, sql: &str) -> Vec<Vec<String>> {
    p.query(sql)
}

#[test]
fn builds_views_tables_and_ephemerals_in_order() {
    let p = TestProject::new("vars:\n  factor: 10\n");
    p.write(
        "models/base.sql",
        "{{ config(materialized='table') }}\nselect 1 as id union all select 2\n",
    );
    p.write("models/eph.sql", "{{ config(materialized='ephemeral') }}\nselect id * {{ var('factor') }} as v from {{ ref('base') }}\n");
    p.write(
        "models/top.sql",
        "{{ config(materialized='view') }}\nselect sum(v) as total from {{ ref('eph') }}\n",
    );
    let a = p.jmap(&["run", "--threads", "2"]).success();
    let out = stdout(&a);
    assert!(out.contains("1/2 OK    table       journey.base"), "{out}");
    assert!(out.contains("2 rows"), "{out}");
    assert!(out.contains("2/2 OK    view        journey.top"), "{out}");
    // (1 + 2) * 10 = 30
    assert_eq!(
        rows(&p, "select total from journey.top"),
        vec![vec!["30".to_owned()]]
    );
    // The ephemeral model is inlined, not built.
    assert!(
        rows(
            &p,
            "select count(*) from information_schema.tables where table_name = 'eph'"
        )[0][0]
            == "0"
    );
    let compiled = p.read("target/compiled/models/top.sql");
    assert!(
        compiled.starts_with("with __jmap_ephemeral__eph as ("),
        "{compiled}"
    );
}

#[test]
fn duckdb_builds_one_model_at_a_time_unless_told_otherwise() {
    // DuckDB spreads each query over every core, so the default is 1 whatever
    // the machine; the flag overrides it.
    let p = TestProject::new("");
    p.write("models/one.sql", "select 1 as id\n");
    let out = stdout(&p.jmap(&["run"]).success());
    assert!(out.contains(", 1 thread\n"), "{out}");
    let out = stdout(&p.jmap(&["run", "--threads", "3"]).success());
    assert!(out.contains(", 3 threads\n"), "{out}");
}

#[test]
fn failure_skips_descendants_and_other_branches_go_on() {
    let p = TestProject::new("");
    p.write(
        "models/bad.sql",
        "{{ config(materialized='table') }}\nselect 1/0 as x from no_such_table\n",
    );
    p.write("models/after_bad.sql", "select * from {{ ref('bad') }}\n");
    p.write(
        "models/good.sql",
        "{{ config(materialized='table') }}\nselect 1 as ok\n",
    );
    p.write("models/after_good.sql", "select * from {{ ref('good') }}\n");
    let a = p.jmap(&["run", "--threads", "1"]).code(1);
    let out = stdout(&a);
    assert!(out.contains("ERROR table       journey.bad"), "{out}");
    assert!(out.contains("SKIP  view        journey.after_bad"), "{out}");
    assert!(out.contains("upstream model `bad` failed"), "{out}");
    assert!(
        out.contains("OK    view        journey.after_good"),
        "{out}"
    );
    assert!(out.contains("2 ok, 1 error, 1 skipped"), "{out}");
    let results: serde_json::Value =
        serde_json::from_str(&p.read("target/run_results.json")).unwrap();
    let statuses: Vec<(String, String)> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("bad".into(), "error".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("after_bad".into(), "skipped".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("after_good".into(), "success".into())),
        "{statuses:?}"
    );
}

#[test]
fn fail_fast_stops_at_first_failure() {
    let p = TestProject::new("");
    p.write("models/a_bad.sql", "select * from no_such_table\n");
    p.write("models/b.sql", "select 1 as x\n");
    p.write("models/c.sql", "select 2 as x\n");
    let a = p.jmap(&["run", "--threads", "1", "--fail-fast"]).code(1);
    let out = stdout(&a);
    assert!(out.contains("ERROR view        journey.a_bad"), "{out}");
    assert!(out.contains("--fail-fast stopped the run"), "{out}");
    assert!(out.contains("0 ok, 1 error, 2 skipped"), "{out}");
}

#[test]
fn failed_table_build_keeps_the_previous_table() {
    let p = TestProject::new("vars:\n  broken: false\n");
    p.write(
        "models/t1.sql",
        "{{ config(materialized='table') }}\nselect * from (values (1), (2), (3)) as v(id)\n{% if var('broken') %}where no_such_column = 1{% endif %}\n",
    );
    p.jmap(&["run"]).success();
    assert_eq!(
        rows(&p, "select count(*) from journey.t1"),
        vec![vec!["3".to_owned()]]
    );
    let a = p.jmap(&["run", "--vars", "{broken: true}"]).code(1);
    assert!(stderr(&a).contains("no_such_column"), "{}", stderr(&a));
    // The old table is still there with its old rows, and no staging leftover.
    assert_eq!(
        rows(&p, "select count(*) from journey.t1"),
        vec![vec!["3".to_owned()]]
    );
    assert_eq!(
        rows(
            &p,
            "select count(*) from information_schema.tables where table_name like '%jmap_new%'"
        ),
        vec![vec!["0".to_owned()]]
    );
}

#[test]
fn failed_incremental_build_keeps_the_previous_rows_and_points_at_the_template_line() {
    // The incremental run's scope and new rows are scratch tables (temporary
    // on DuckDB): a body that fails there names the model's template line,
    // leaves the stored rows as they were and no scratch table behind.
    let p = TestProject::new("vars:\n  broken: false\n");
    p.write(
        "models/inc.sql",
        "{% set changed %}select id from {{ this }} where id > 1{% endset %}\n\
         {{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='id', scope=changed) }}\n\
         select * from (values (1), (2), (3)) as v(id)\n\
         {% if is_incremental() %}where id in ({{ changed }})\n\
         {% if var('broken') %}and no_such_column = 1{% endif %}{% endif %}\n",
    );
    p.jmap(&["run"]).success();
    let a = p.jmap(&["run", "--vars", "{broken: true}"]).code(1);
    let err = stderr(&a);
    assert!(err.contains("no_such_column"), "{err}");
    assert!(err.contains("models/inc.sql:5"), "{err}");
    assert_eq!(
        rows(&p, "select count(*) from journey.inc"),
        vec![vec!["3".to_owned()]]
    );
    assert_eq!(
        rows(
            &p,
            "select count(*) from information_schema.tables \
             where table_name like '%jmap_incr%' or table_name like '%jmap_scope%'"
        ),
        vec![vec!["0".to_owned()]]
    );
    // Mended, the next run replaces the scope's rows (2 and 3) and keeps 1.
    p.jmap(&["run"]).success();
    assert_eq!(
        rows(
            &p,
            "select string_agg(cast(id as varchar), ',' order by id) from journey.inc"
        ),
        vec![vec!["1,2,3".to_owned()]]
    );
}

#[test]
fn incremental_strategies() {
    // A source table whose rows the test changes between runs.
    let p = TestProject::new("vars:\n  batch: 1\n");
    p.write(
        "models/src.sql",
        "{{ config(materialized='table') }}\n\
         {% if var('batch') == 1 %}select 1 as id, 'a' as v union all select 2, 'b'\n\
         {% else %}select 2 as id, 'B' as v union all select 3, 'c'{% endif %}\n",
    );
    for (name, strategy) in [
        ("app", "append"),
        ("mrg", "merge"),
        ("dli", "delete+insert"),
    ] {
        let key = if strategy == "append" {
            String::new()
        } else {
            ", unique_key='id'".to_owned()
        };
        p.write(
            &format!("models/{name}.sql"),
            &format!(
                "{{{{ config(materialized='incremental', incremental_strategy='{strategy}'{key}) }}}}\nselect id, v from {{{{ ref('src') }}}}\n"
            ),
        );
    }
    p.jmap(&["run"]).success();
    p.jmap(&["run", "--vars", "{batch: 2}"]).success();
    let all = |t: &str| rows(&p, &format!("select id, v from journey.{t} order by id, v"));
    let r = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| vec![a.to_string(), b.to_string()])
            .collect::<Vec<_>>()
    };
    // append: 1a 2b + 2B 3c
    assert_eq!(
        all("app"),
        r(&[("1", "a"), ("2", "B"), ("2", "b"), ("3", "c")])
    );
    // merge: 2 updated to B, 3 inserted
    assert_eq!(all("mrg"), r(&[("1", "a"), ("2", "B"), ("3", "c")]));
    assert_eq!(all("dli"), r(&[("1", "a"), ("2", "B"), ("3", "c")]));
    // --full-refresh rebuilds from the current source only.
    p.jmap(&[
        "run",
        "--vars",
        "{batch: 2}",
        "--full-refresh",
        "--select",
        "app",
    ])
    .success();
    assert_eq!(all("app"), r(&[("2", "B"), ("3", "c")]));
}

#[test]
fn delete_insert_with_a_scope_also_deletes_keys_that_lost_every_row() {
    // Rows are (group, item): group g1 loses its only item between the runs,
    // g2 changes, g3 stays. delete+insert on `grp` replaces the groups in the
    // new rows; the scope adds the groups that have none any more.
    let p = TestProject::new("vars:\n  batch: 1\n");
    p.write(
        "models/src.sql",
        "{{ config(materialized='table') }}\n\
         {% if var('batch') == 1 %}select 'g1' as grp, 'a' as item union all select 'g2', 'b' union all select 'g3', 'c' union all select null, 'n'\n\
         {% else %}select 'g2' as grp, 'B' as item union all select 'g3', 'c' union all select null, 'n2'{% endif %}\n",
    );
    let model = |scope: bool| {
        format!(
            "{{% set gone %}}select grp from {{{{ this }}}} where grp not in (select grp from {{{{ ref('src') }}}} where grp is not null){{% endset %}}\n\
             {{{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='grp'{}) }}}}\n\
             select grp, item from {{{{ ref('src') }}}}\n\
             {{% if is_incremental() %}}where item <> 'c'{{% endif %}}\n",
            if scope { ", scope=gone" } else { "" }
        )
    };
    p.write("models/scoped.sql", &model(true));
    p.write("models/unscoped.sql", &model(false));
    p.jmap(&["run"]).success();
    p.jmap(&["run", "--vars", "{batch: 2}"]).success();
    let all = |t: &str| {
        rows(
            &p,
            &format!("select coalesce(grp, '-') || ':' || item from journey.{t} order by 1"),
        )
    };
    let r = |v: &[&str]| v.iter().map(|x| vec![x.to_string()]).collect::<Vec<_>>();
    // A null key is replaced as a key like any other (n by n2).
    assert_eq!(all("scoped"), r(&["-:n2", "g2:B", "g3:c"]));
    // Without the scope g1's row stays: no new row names it.
    assert_eq!(all("unscoped"), r(&["-:n2", "g1:a", "g2:B", "g3:c"]));

    // A scope is for delete+insert only.
    p.write(
        "models/scoped.sql",
        &model(true).replace("delete+insert", "merge"),
    );
    let out = p.jmap(&["run", "--vars", "{batch: 2}", "--select", "scoped"]);
    let err = stdout(&out) + &stderr(&out);
    assert!(
        err.contains("`scope` is for incremental_strategy `delete+insert`, not `merge`"),
        "{err}"
    );
    // ... on a key of one column, which the scope's query selects.
    p.write(
        "models/scoped.sql",
        &model(true).replace("unique_key='grp'", "unique_key=['grp', 'item']"),
    );
    let out = p.jmap(&["run", "--vars", "{batch: 2}", "--select", "scoped"]);
    assert_eq!(out.get_output().status.code(), Some(1));
    let err = stdout(&out) + &stderr(&out);
    assert!(
        err.contains("`scope` needs a unique_key of one column") && err.contains("scoped"),
        "{err}"
    );
}

#[test]
fn an_error_in_a_scope_points_at_the_template_line() {
    // The scope's query is also in the body (as a model filters by it): its
    // error names the line of the model's template it came from.
    let p = TestProject::new("");
    p.write(
        "models/grp.sql",
        "{% set changed %}select grp from {{ this }}\n\
         where no_such_column > 0{% endset %}\n\
         {{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='grp', scope=changed) }}\n\
         select 'g1' as grp\n\
         {% if is_incremental() %}where grp not in ({{ changed }}){% endif %}\n",
    );
    p.jmap(&["run"]).success();
    let out = p.jmap(&["run"]).code(1);
    let err = stderr(&out);
    assert!(err.contains("model `grp` failed"), "{err}");
    assert!(err.contains("models/grp.sql:5"), "{err}");
}

#[test]
fn a_scope_key_replaces_whole_groups_of_a_table_keyed_by_item() {
    // Rows are (group, item), keyed by item. Between the runs g1 loses its
    // only item, g2 loses both of its items for a new one, g3 stays and g4
    // is new. The scope names the groups to replace (scope_key='grp'): g1
    // and g2, whose items a delete by item alone would never reach.
    let p = TestProject::new("vars:\n  batch: 1\n");
    p.write(
        "models/src.sql",
        "{{ config(materialized='table') }}\n\
         {% if var('batch') == 1 %}select 'g1' as grp, 'a' as item union all select 'g2', 'b' union all select 'g2', 'x' union all select 'g3', 'c'\n\
         {% else %}select 'g2' as grp, 'b2' as item union all select 'g3', 'c' union all select 'g4', 'd'{% endif %}\n",
    );
    p.write(
        "models/by_item.sql",
        "{% set changed %}select grp from {{ this }} where item not in (select item from {{ ref('src') }}){% endset %}\n\
         {{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='item', scope=changed, scope_key='grp') }}\n\
         select grp, item from {{ ref('src') }}\n\
         {% if is_incremental() %}where grp in ({{ changed }}) or item not in (select item from {{ this }}){% endif %}\n",
    );
    p.jmap(&["run"]).success();
    let out = p.jmap(&["run", "--vars", "{batch: 2}"]);
    out.success();
    assert_eq!(
        rows(
            &p,
            "select grp || ':' || item from journey.by_item order by 1"
        ),
        [["g2:b2"], ["g3:c"], ["g4:d"]].map(|r| vec![r[0].to_owned()])
    );

    // A scope_key names the column of a scope: alone it is a config error.
    p.write(
        "models/by_item.sql",
        "{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='item', scope_key='grp') }}\n\
         select grp, item from {{ ref('src') }}\n",
    );
    let out = p.jmap(&["run", "--vars", "{batch: 2}", "--select", "by_item"]);
    assert_eq!(out.get_output().status.code(), Some(1));
    let err = stdout(&out) + &stderr(&out);
    assert!(
        err.contains("`scope_key` names the column of a `scope`")
            && err.contains("add config(scope=...)"),
        "{err}"
    );

    // ... of the model's table.
    p.write(
        "models/by_item.sql",
        "{% set changed %}select grp from {{ this }}{% endset %}\n\
         {{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='item', scope=changed, scope_key='group_name') }}\n\
         select grp, item from {{ ref('src') }}\n",
    );
    let out = p.jmap(&["run", "--vars", "{batch: 2}", "--select", "by_item"]);
    assert_eq!(out.get_output().status.code(), Some(1));
    let err = stdout(&out) + &stderr(&out);
    assert!(
        err.contains("`scope_key` names `group_name`, which `journey.by_item` does not have (its columns: grp, item)"),
        "{err}"
    );
}

#[test]
fn is_incremental_sees_the_existing_table() {
    let p = TestProject::new("vars:\n  n: 3\n");
    p.write(
        "models/nums.sql",
        "{{ config(materialized='incremental') }}\n\
         select * from range({{ var('n') }}) as r(i)\n\
         {% if is_incremental() %}where i > (select max(i) from {{ this }}){% endif %}\n",
    );
    p.jmap(&["run"]).success();
    p.jmap(&["run", "--vars", "{n: 5}"]).success();
    // 0,1,2 then 3,4: no duplicates
    assert_eq!(
        rows(&p, "select count(*), count(distinct i) from journey.nums"),
        vec![vec!["5".to_owned(), "5".to_owned()]]
    );
    let compiled = p.read("target/compiled/models/nums.sql");
    assert!(
        compiled.contains("where i > (select max(i) from journey.nums)"),
        "{compiled}"
    );
}

#[test]
fn prefetch_values_are_computed_before_the_body_and_read_as_literals() {
    // The newest id, a text with a quote and an empty max (null) are each
    // computed once and written into the body as literals of their type.
    let p = TestProject::new("vars:\n  n: 3\n");
    p.write(
        "models/nums.sql",
        "{{ config(materialized='incremental') }}\n\
         select i, 'it''s' as note from range({{ var('n') }}) as r(i)\n\
         {% if is_incremental() %}where i > {{ prefetch('select max(i) from ' ~ this, 'bigint') }}\n\
           and note = {{ prefetch('select max(note) from ' ~ this, 'text') }}\n\
           and {{ prefetch('select max(i) from ' ~ this ~ ' where false', 'bigint') }} is null{% endif %}\n",
    );
    p.jmap(&["run"]).success();
    p.jmap(&["run", "--vars", "{n: 5}"]).success();
    assert_eq!(
        rows(
            &p,
            "select count(*), count(distinct i), max(i) from journey.nums"
        ),
        vec![vec!["5".to_owned(), "5".to_owned(), "4".to_owned()]]
    );
    // The compiled text keeps the queries (marked), which run as they are
    // outside an incremental build.
    let compiled = p.read("target/compiled/models/nums.sql");
    assert!(
        compiled.contains("(select max(i) from journey.nums)"),
        "{compiled}"
    );
    // An error in a prefetched query fails the model at its template line.
    p.write(
        "models/nums.sql",
        "{{ config(materialized='incremental') }}\n\
         select i from range(3) as r(i)\n\
         {% if is_incremental() %}where i > {{ prefetch('select max(no_such_column) from ' ~ this, 'bigint') }}{% endif %}\n",
    );
    let out = p.jmap(&["run"]).code(1);
    let err = stderr(&out);
    assert!(
        err.contains("model `nums` failed") && err.contains("no_such_column"),
        "{err}"
    );
    assert!(err.contains("models/nums.sql:3"), "{err}");
}

#[test]
fn selection_runs_only_the_chosen_models() {
    let p = TestProject::new("");
    p.write(
        "models/a.sql",
        "{{ config(tags=['nightly']) }}\nselect 1 as x\n",
    );
    p.write("models/b.sql", "select * from {{ ref('a') }}\n");
    p.write("models/c.sql", "select 3 as x\n");
    let a = p
        .jmap(&["run", "--select", "a+", "--exclude", "c"])
        .success();
    let out = stdout(&a);
    assert!(
        out.contains("journey.a") && out.contains("journey.b") && !out.contains("journey.c "),
        "{out}"
    );
    let a = p.jmap(&["ls", "--select", "tag:nightly"]).success();
    assert_eq!(stdout(&a), "a\n");
}

#[test]
fn custom_schema_and_alias() {
    let p = TestProject::new("");
    p.write(
        "models/m.sql",
        "{{ config(materialized='table', schema='staging', alias='renamed') }}\nselect 1 as x\n",
    );
    p.write("models/n.sql", "select * from {{ ref('m') }}\n");
    p.jmap(&["run"]).success();
    assert_eq!(
        rows(&p, "select x from journey_staging.renamed"),
        vec![vec!["1".to_owned()]]
    );
    assert!(
        p.read("target/compiled/models/n.sql")
            .contains("journey_staging.renamed")
    );
}

#[test]
fn duckdb_lock_file_blocks_a_second_run_and_stale_locks_are_taken_over() {
    let p = TestProject::new("");
    p.write("models/m.sql", "select 1 as a\n");
    std::fs::create_dir_all(p.path().join("target")).unwrap();
    // A live process (this test) holds the lock.
    std::fs::write(
        p.path().join("target/jmap.duckdb.lock"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    let a = p.jmap(&["run"]).code(2);
    assert!(
        stderr(&a).contains("another jmap run is using target `dev`"),
        "{}",
        stderr(&a)
    );
    // A lock left by a process that no longer exists is taken over.
    std::fs::write(p.path().join("target/jmap.duckdb.lock"), "999999999\n").unwrap();
    p.jmap(&["run"]).success();
    assert!(!p.path().join("target/jmap.duckdb.lock").exists());
}

#[test]
fn fixpoint_iterates_in_the_warehouse_until_it_settles() {
    let p = TestProject::new("");
    // v(n+1) = v(n) / 2 + 1 from v(0) = 0 settles at 2: v(n) = 2 - 2^(1-n).
    // jmap runs step 1 alone, then 8 steps per statement, checking the change
    // over each statement: v(49) - v(41) = 2^-40 - 2^-48 = 9.06e-13 <= 1e-12,
    // the first check under the tolerance (v(41) - v(33) = 2.3e-10 is not).
    p.write(
        "models/settle.sql",
        "{{ config(materialized='fixpoint', unique_key='k', fixpoint_value='v') }}\n\
         {% if fixpoint_start() %}\nselect 1 as k, 0.0 as v\n\
         {% else %}\nselect k, v / 2 + 1 as v from {{ this }}\n{% endif %}\n",
    );
    let a = p.jmap(&["run"]).success();
    let out = stdout(&a);
    assert!(out.contains("OK    fixpoint    journey.settle"), "{out}");
    let v: f64 = rows(&p, "select v from journey.settle")[0][0]
        .parse()
        .unwrap();
    assert!((v - 2.0).abs() < 1e-11, "{v}");
    let results: serde_json::Value =
        serde_json::from_str(&p.read("target/run_results.json")).unwrap();
    assert_eq!(
        results["results"][0]["message"],
        "converged in 49 iterations (last change 9.1e-13)"
    );
    // No work tables are left behind.
    assert_eq!(
        rows(
            &p,
            "select count(*) from information_schema.tables where table_name like 'settle__%'"
        ),
        vec![vec!["0".to_owned()]]
    );
    // A step that never settles fails with the figures.
    p.write(
        "models/settle.sql",
        "{{ config(materialized='fixpoint', unique_key='k', fixpoint_value='v', max_iterations=5) }}\n\
         {% if fixpoint_start() %}\nselect 1 as k, 0.0 as v\n{% else %}\nselect k, v + 1 as v from {{ this }}\n{% endif %}\n",
    );
    let a = p.jmap(&["run"]).code(1);
    assert!(
        stderr(&a).contains("did not converge: after 5 iterations"),
        "{}",
        stderr(&a)
    );
}
