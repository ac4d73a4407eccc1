//! Data tests, write-audit-publish, unit tests, freshness and CI output.

mod common;
use common::{TestProject, stderr, stdout};

/// A project with one table `t` (ids 1..3, one null name) and its properties.
fn project(tests_yaml: &str) -> TestProject {
    let p = TestProject::new("vars:\n  extra: false\n");
    p.write(
        "models/t.sql",
        "{{ config(materialized='table') }}\n\
         select * from (values (1, 'a', 'x'), (2, 'b', 'y'), (3, null, 'x')) as v(id, name, kind)\n\
         {% if var('extra') %}union all select 3, 'c', 'z'{% endif %}\n",
    );
    p.write(
        "models/child.sql",
        "{{ config(materialized='table') }}\nselect id from {{ ref('t') }}\n",
    );
    p.write("models/t.yml", tests_yaml);
    p
}

#[test]
fn each_test_type_passes_and_fails() {
    // Build without tests first (they would stop `run` from publishing).
    let p = project("models: []\n");
    p.jmap(&["run"]).success();
    p.write(
        "models/t.yml",
        "models:\n  - name: t\n    columns:\n\
         \x20     - name: id\n        tests: [not_null, unique, {accepted_values: {values: [1, 2, 3]}}, {relationships: {to: child, field: id}}]\n\
         \x20     - name: name\n        tests: [not_null]\n\
         \x20     - name: kind\n        tests: [{accepted_values: {values: [x]}}]\n\
         \x20   tests:\n\
         \x20     - expression: {expression: \"id > 0\"}\n\
         \x20     - unique_combination_of_columns: {combination_of_columns: [id, kind]}\n\
         \x20     - row_count: {min: 1, max: 2}\n",
    );
    let a = p.jmap(&["test"]).code(1);
    let out = stdout(&a);
    // name has one null; kind has 'y' (1 distinct failing value); 3 rows > max 2.
    for line in [
        "PASS  test        not_null_t_id",
        "PASS  test        unique_t_id",
        "PASS  test        accepted_values_t_id",
        "PASS  test        relationships_t_id",
        "FAIL  test        not_null_t_name",
        "FAIL  test        accepted_values_t_kind",
        "PASS  test        expression_t",
        "PASS  test        unique_combination_of_columns_t",
        "FAIL  test        row_count_t",
    ] {
        assert!(out.contains(line), "{line} missing:\n{out}");
    }
    assert!(out.contains("6 ok, 3 error"), "{out}");
    let err = stderr(&a);
    assert!(
        err.contains("error[E402]: test `not_null_t_name` on journey.t: 1 failing rows"),
        "{err}"
    );
    assert!(err.contains("first failing rows:"), "{err}");
    assert!(err.contains("defined in models/t.yml"), "{err}");
    // The duplicate id makes unique and the combination fail too.
    p.jmap(&["run", "--vars", "{extra: true}", "--select", "t"])
        .code(1);
}

#[test]
fn warn_and_error_thresholds() {
    let p = project(
        "models:\n  - name: t\n    columns:\n\
         \x20     - name: kind\n        tests:\n\
         \x20         - accepted_values: {values: [x], severity: warn}\n\
         \x20         - expression: {expression: \"kind = 'x'\", warn_if: \">0\", error_if: \">5\"}\n\
         \x20     - name: name\n        tests:\n\
         \x20         - not_null: {config: {error_if: \">=2\"}}\n",
    );
    p.jmap(&["run"]).success();
    // 1 row of kind 'y': under error_if >5 and the warn-only test: warnings,
    // exit 0; one null name is under error_if >=2: a warning.
    let a = p.jmap(&["test"]).success();
    let out = stdout(&a);
    assert!(
        out.contains("WARN  test        accepted_values_t_kind"),
        "{out}"
    );
    assert!(out.contains("WARN  test        expression_t_kind"), "{out}");
    assert!(out.contains("WARN  test        not_null_t_name"), "{out}");
    assert!(out.contains("0 ok, 0 error, 3 warn"), "{out}");
}

#[test]
fn a_failing_audit_keeps_the_old_table_and_skips_descendants() {
    let p =
        project("models:\n  - name: t\n    columns:\n      - name: id\n        tests: [unique]\n");
    p.jmap(&["run"]).success();
    assert_eq!(
        p.query("select count(*) from journey.t"),
        vec![vec!["3".to_owned()]]
    );
    // The new rows repeat id 3: the audit fails before the swap.
    let a = p.jmap(&["run", "--vars", "{extra: true}"]).code(1);
    let out = stdout(&a);
    assert!(out.contains("ERROR table       journey.t"), "{out}");
    assert!(out.contains("FAIL  test        unique_t_id"), "{out}");
    assert!(out.contains("SKIP  table       journey.child"), "{out}");
    let err = stderr(&a);
    assert!(err.contains("not published: a test failed on the new rows: unique_t_id (1 failing rows); the previous table is unchanged"), "{err}");
    assert!(
        err.contains("│ id ┆ copies │") && err.contains("3 ┆      2 │"),
        "the failing row is shown: {err}"
    );
    // The old table is still there, with its old rows.
    assert_eq!(
        p.query("select count(*) from journey.t"),
        vec![vec!["3".to_owned()]]
    );
    // build does the same, and --store-failures keeps the failing rows.
    p.jmap(&["build", "--vars", "{extra: true}", "--store-failures"])
        .code(1);
    assert_eq!(
        p.query("select id, copies from journey_audit.unique_t_id"),
        vec![vec!["3".to_owned(), "2".to_owned()]]
    );
}

#[test]
fn singular_tests_run_in_build_and_test() {
    let p = project("models: []\n");
    p.write(
        "tests/no_big_ids.sql",
        "select * from {{ ref('t') }} where id > {{ var('limit', 2) }}\n",
    );
    let a = p.jmap(&["build"]).code(1);
    assert!(
        stdout(&a).contains("FAIL  test        no_big_ids"),
        "{}",
        stdout(&a)
    );
    let a = p.jmap(&["test", "--vars", "{limit: 10}"]).success();
    assert!(
        stdout(&a).contains("PASS  test        no_big_ids"),
        "{}",
        stdout(&a)
    );
}

#[test]
fn unit_tests_pass_and_print_a_diff() {
    let p = TestProject::new("");
    p.write("models/orders.sql", "select 1 as id, 10.0 as amount\n");
    p.write(
        "models/big_orders.sql",
        "select id, amount * 2 as doubled from {{ ref('orders') }} where amount > {{ var('min', 5) }}\n",
    );
    p.write(
        "models/unit.yml",
        "unit_tests:\n\
         \x20 - name: doubles_big_orders\n    model: big_orders\n    given:\n\
         \x20     - input: ref('orders')\n        rows: [{id: 1, amount: 4.0}, {id: 2, amount: 7.5}]\n\
         \x20   expect:\n      rows: [{id: 2, doubled: 15}]\n\
         \x20 - name: wrong_on_purpose\n    model: big_orders\n    given:\n\
         \x20     - input: ref('orders')\n        format: csv\n        rows: |\n          id,amount\n          1,6\n          2,7\n\
         \x20   expect:\n      rows: [{id: 1, doubled: 12}, {id: 2, doubled: 15}]\n",
    );
    let a = p.jmap(&["test", "--unit"]).code(1);
    let out = stdout(&a);
    assert!(
        out.contains("PASS  unit test   unit_doubles_big_orders"),
        "{out}"
    );
    assert!(
        out.contains("FAIL  unit test   unit_wrong_on_purpose"),
        "{out}"
    );
    let err = stderr(&a);
    // 2 * 7 = 14, not 15: one row missing, one unexpected.
    assert!(err.contains("- expected"), "{err}");
    assert!(err.contains("+ actual"), "{err}");
    assert!(err.contains("- expected ┆ 2  ┆ 15"), "{err}");
    assert!(err.contains("+ actual   ┆ 2  ┆ 14"), "{err}");
    // build runs unit tests first and stops on a failure, building nothing.
    p.jmap(&["build"]).code(1);
    assert!(
        !p.path().join("target/jmap.duckdb").exists()
            || p.query(
                "select count(*) from information_schema.tables where table_name = 'big_orders'"
            )[0][0]
                == "0"
    );
}

#[test]
fn incremental_unit_test_sees_this() {
    let p = TestProject::new("");
    p.write("models/events.sql", "select 1 as id\n");
    p.write(
        "models/new_events.sql",
        "{{ config(materialized='incremental') }}\nselect id from {{ ref('events') }}\n\
         {% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n",
    );
    p.write(
        "models/unit.yml",
        "unit_tests:\n  - name: only_new_ids\n    model: new_events\n    overrides: {is_incremental: true}\n    given:\n\
         \x20     - input: ref('events')\n        rows: [{id: 1}, {id: 2}, {id: 3}]\n\
         \x20     - input: this\n        rows: [{id: 1}, {id: 2}]\n\
         \x20   expect:\n      rows: [{id: 3}]\n",
    );
    p.jmap(&["test", "--unit"]).success();
}

#[test]
fn source_freshness() {
    let p = TestProject::new(
        "sources:\n  raw:\n    tables:\n      events:\n        path: data/events.csv\n        loaded_at: loaded\n\
         \x20       freshness: {warn_after: {count: 1, period: hour}, error_after: {count: 2, period: day}}\n",
    );
    let now = chrono::Utc::now().naive_utc();
    let at = |h: i64| {
        (now - chrono::Duration::hours(h))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    p.write(
        "data/events.csv",
        &format!("id,loaded\n1,{}\n2,{}\n", at(30), at(5)),
    );
    // newest is 5 hours old: past warn_after (1 h), within error_after (2 days).
    let a = p.jmap(&["source", "freshness"]).success();
    assert!(stdout(&a).contains("WARN  freshness"), "{}", stdout(&a));
    p.write("data/events.csv", &format!("id,loaded\n1,{}\n", at(72)));
    let a = p.jmap(&["source", "freshness"]).code(1);
    assert!(
        stderr(&a).contains("source `raw.events` is stale"),
        "{}",
        stderr(&a)
    );
    let report: serde_json::Value = serde_json::from_str(&p.read("target/sources.json")).unwrap();
    assert_eq!(report["sources"][0]["status"], "error");
}

#[test]
fn json_logs_junit_and_github_annotations() {
    let p = project(
        "models:\n  - name: t\n    columns:\n      - name: name\n        tests: [not_null]\n",
    );
    let junit = p.path().join("reports/junit.xml");
    let a = assert_cmd::Command::cargo_bin("jmap")
        .unwrap()
        .current_dir(p.path())
        .args([
            "build",
            "--log-format",
            "json",
            "--junit-xml",
            junit.to_str().unwrap(),
        ])
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .code(1);
    let out = stdout(&a);
    let mut events = Vec::new();
    for line in out.lines() {
        if line.starts_with("::") {
            continue; // GitHub workflow commands
        }
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line} ({e})"));
        events.push(v);
    }
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"run_started"));
    assert_eq!(kinds.last(), Some(&"run_finished"));
    let failed = events
        .iter()
        .find(|e| e["event"] == "node_finished" && e["status"] == "error")
        .unwrap();
    assert_eq!(failed["kind"], "model");
    assert_eq!(failed["name"], "t");
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "error" && e["code"] == "E401")
    );
    // The model failed its audit, and so did the test.
    assert_eq!(events.last().unwrap()["error"], 2);
    // GitHub annotation pointing at the file.
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error file=") && l.contains("title=jmap E402")),
        "{out}"
    );
    // JUnit: a well-formed document with a failure for the model and the test.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert!(cases.len() >= 3, "{xml}");
    let failures = cases
        .iter()
        .filter(|c| c.children().any(|ch| ch.has_tag_name("failure")))
        .count();
    assert_eq!(failures, 2, "{xml}");
    let skipped = cases
        .iter()
        .filter(|c| c.children().any(|ch| ch.has_tag_name("skipped")))
        .count();
    assert_eq!(skipped, 1, "child is skipped: {xml}");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("failures"), Some("2"));
}

#[test]
fn state_modified_selects_exactly_the_edited_model_and_descendants() {
    let p = TestProject::new("");
    p.write("models/a.sql", "select 1 as x\n");
    p.write("models/b.sql", "select * from {{ ref('a') }}\n");
    p.write("models/c.sql", "select * from {{ ref('b') }}\n");
    p.write("models/d.sql", "select 2 as y\n");
    p.write("macros/m.sql", "{% macro two() %}2{% endmacro %}\n");
    p.write("models/e.sql", "select {{ two() }} as z\n");
    p.jmap(&["run"]).success();
    let state = p.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::copy(
        p.path().join("target/manifest.json"),
        state.join("manifest.json"),
    )
    .unwrap();
    let ls = |sel: &str| {
        let a = assert_cmd::Command::cargo_bin("jmap")
            .unwrap()
            .current_dir(p.path())
            .args(["run", "--select", sel, "--state", "state"])
            .assert()
            .success();
        let mut names: Vec<String> = stdout(&a)
            .lines()
            .filter(|l| {
                l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains(" OK ")
            })
            .filter_map(|l| {
                l.split_whitespace()
                    .nth(3)
                    .map(|r| r.trim_start_matches("journey.").to_owned())
            })
            .collect();
        names.sort();
        names
    };
    // Nothing changed: nothing is selected (a second run is not a change).
    assert_eq!(ls("state:modified"), Vec::<String>::new());
    p.write("models/b.sql", "select x, 1 as w from {{ ref('a') }}\n");
    assert_eq!(ls("state:modified"), vec!["b"]);
    assert_eq!(ls("state:modified+"), vec!["b", "c"]);
    // A config change counts; so does a change to a macro a model calls.
    p.write(
        "models/d.sql",
        "{{ config(materialized='table') }}\nselect 2 as y\n",
    );
    p.write("macros/m.sql", "{% macro two() %}1 + 1{% endmacro %}\n");
    assert_eq!(ls("state:modified"), vec!["b", "d", "e"]);
}
