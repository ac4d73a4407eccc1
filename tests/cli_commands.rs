//! The commands as a user runs them: init, debug, compile, ls, show, clean.

mod common;
use common::{TestProject, jmap_in, stderr, stdout};

#[test]
fn init_scaffolds_a_project_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    jmap_in(dir.path(), &["init", "acme"]).success();
    let project = dir.path().join("acme");
    let a = jmap_in(&project, &["run"]).success();
    let out = stdout(&a);
    assert!(out.contains("journey.daily_channel_touches"), "{out}");
    assert!(out.contains("0 error"), "{out}");
    let a = jmap_in(&project, &["show", "daily_channel_touches", "--limit", "3"]).success();
    assert!(stdout(&a).contains("3 rows shown"), "{}", stdout(&a));
    // A second init into the same directory is refused.
    let a = jmap_in(dir.path(), &["init", "acme"]).code(2);
    assert!(stderr(&a).contains("already holds a journey.yaml"));
}

#[test]
fn debug_reports_each_check() {
    let p = TestProject::new("");
    p.write("models/m.sql", "select 1 as a\n");
    let a = p.jmap(&["debug"]).success();
    let out = stdout(&a);
    assert!(
        out.contains("[OK]     journey.yaml: project `t`, 1 models, 0 sources"),
        "{out}"
    );
    assert!(out.contains("[OK]     connection: duckdb"), "{out}");
    assert!(out.contains("All checks passed."), "{out}");

    let p = TestProject::new("");
    p.write("models/m.sql", "select * from {{ ref('nope') }}\n");
    let a = p.jmap(&["debug"]).code(2);
    assert!(
        stdout(&a).contains("[FAILED] models compile"),
        "{}",
        stdout(&a)
    );
}

#[test]
fn compile_writes_sql_and_manifest() {
    let p = TestProject::new("");
    p.write(
        "models/a.sql",
        "{{ config(materialized='table', tags=['x']) }}\nselect 1 as id\n",
    );
    p.write("models/b.sql", "select id from {{ ref('a') }}\n");
    let a = p.jmap(&["compile"]).success();
    assert!(stdout(&a).contains("Compiled 2 models"), "{}", stdout(&a));
    assert_eq!(
        p.read("target/compiled/models/b.sql"),
        "select id from journey.a"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&p.read("target/manifest.json")).unwrap();
    let b = &manifest["nodes"]["model.t.b"];
    assert_eq!(b["depends_on"]["nodes"], serde_json::json!(["model.t.a"]));
    assert_eq!(b["config"]["materialized"], "view");
    assert_eq!(
        manifest["nodes"]["model.t.a"]["config"]["tags"],
        serde_json::json!(["x"])
    );
    assert_eq!(b["checksum"]["checksum"].as_str().unwrap().len(), 64);
    // Compile never creates the warehouse.
    assert!(!p.path().join("target/jmap.duckdb").exists());
}

#[test]
fn ls_outputs() {
    let p = TestProject::new("sources:\n  raw:\n    tables:\n      events: {}\n");
    p.write(
        "models/a.sql",
        "select * from {{ source('raw', 'events') }}\n",
    );
    p.write("models/b.sql", "select * from {{ ref('a') }}\n");
    assert_eq!(
        stdout(&p.jmap(&["ls"]).success()),
        "source:raw.events\na\nb\n"
    );
    assert_eq!(
        stdout(&p.jmap(&["ls", "--resource-type", "model"]).success()),
        "a\nb\n"
    );
    assert_eq!(
        stdout(
            &p.jmap(&["ls", "-s", "source:raw+", "--resource-type", "model"])
                .success()
        ),
        "a\nb\n"
    );
    let json = stdout(&p.jmap(&["ls", "--output", "json", "-s", "b"]).success());
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["relation"], "journey.b");
    assert_eq!(v["depends_on"], serde_json::json!(["a"]));
    let table = stdout(&p.jmap(&["ls", "--output", "table"]).success());
    assert!(
        table.contains("raw.events") && table.contains("journey.b"),
        "{table}"
    );
}

#[test]
fn show_prints_rows_and_explains_unbuilt_models() {
    let p = TestProject::new("");
    p.write(
        "models/nums.sql",
        "{{ config(materialized='table') }}\nselect * from range(20) as r(i)\n",
    );
    let a = p.jmap(&["show", "nums"]).code(2);
    assert!(
        stderr(&a).contains("jmap run --select +nums"),
        "{}",
        stderr(&a)
    );
    p.jmap(&["run"]).success();
    let out = stdout(&p.jmap(&["show", "nums", "--limit", "2"]).success());
    assert!(out.contains("journey.nums (2 rows shown)"), "{out}");
    assert!(out.contains("│ i "), "{out}");
    let a = p.jmap(&["show", "num"]).code(2);
    assert!(stderr(&a).contains("did you mean `nums`?"));
}

#[test]
fn clean_keeps_the_warehouse_unless_all() {
    let p = TestProject::new("");
    p.write(
        "models/m.sql",
        "{{ config(materialized='table') }}\nselect 1 as a\n",
    );
    p.jmap(&["run"]).success();
    assert!(p.path().join("target/compiled").exists());
    p.jmap(&["clean"]).success();
    assert!(!p.path().join("target/compiled").exists());
    assert!(!p.path().join("target/manifest.json").exists());
    assert!(p.path().join("target/jmap.duckdb").exists());
    p.jmap(&["clean", "--all"]).success();
    assert!(!p.path().join("target/jmap.duckdb").exists());
}

#[test]
fn help_is_useful() {
    let p = TestProject::new("");
    let out = stdout(&p.jmap(&["run", "--help"]).success());
    for flag in [
        "--select",
        "--exclude",
        "--threads",
        "--full-refresh",
        "--fail-fast",
        "--target",
        "--vars",
    ] {
        assert!(out.contains(flag), "{flag} missing from:\n{out}");
    }
}
