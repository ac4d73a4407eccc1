//! Every bad input gets a located message and the right exit code.

mod common;
use common::{TestProject, stderr};

#[test]
fn malformed_yaml_names_file_and_line() {
    let p = TestProject::new("targets:\n  dev:\n    engine: duckdb\n   path: x\n");
    let a = p.jmap(&["run"]).code(2);
    let err = stderr(&a);
    assert!(err.contains("error[E101]: malformed YAML"), "{err}");
    assert!(err.contains("journey.yaml:6:4"), "{err}");
}

#[test]
fn unknown_key_suggests_the_near_one() {
    let p = TestProject::new("targets:\n  dev:\n    engine: duckdb\n    thread: 4\n");
    let a = p.jmap(&["compile"]).code(2);
    let err = stderr(&a);
    assert!(err.contains("unknown field `thread`"), "{err}");
    assert!(err.contains("journey.yaml:6:5"), "{err}");
    assert!(err.contains("did you mean `threads`?"), "{err}");
}

#[test]
fn unknown_ref_names_template_line_and_suggests() {
    let p = TestProject::new("");
    p.write("models/orders.sql", "select 1 as id\n");
    p.write(
        "models/report.sql",
        "-- report\nselect *\nfrom {{ ref('ordres') }}\n",
    );
    let a = p.jmap(&["compile"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains("error[E202]: ref('ordres'): no model named `ordres`"),
        "{err}"
    );
    assert!(err.contains("models/report.sql:3"), "{err}");
    assert!(err.contains("did you mean ref('orders')?"), "{err}");
}

#[test]
fn cycle_is_printed() {
    let p = TestProject::new("");
    p.write("models/a.sql", "select * from {{ ref('c') }}\n");
    p.write("models/b.sql", "select * from {{ ref('a') }}\n");
    p.write("models/c.sql", "select * from {{ ref('b') }}\n");
    let a = p.jmap(&["run"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains("error[E204]: models form a cycle: a -> b -> c -> a"),
        "{err}"
    );
    assert!(err.contains("b refs a at models/b.sql:1"), "{err}");
}

#[test]
fn template_syntax_error_names_line() {
    let p = TestProject::new("");
    p.write("models/m.sql", "select 1\n{% if true %}\nfrom x\n");
    let a = p.jmap(&["compile"]).code(2);
    let err = stderr(&a);
    assert!(err.contains("error[E201]"), "{err}");
    assert!(err.contains("models/m.sql:"), "{err}");
}

#[test]
fn undefined_variable_names_line() {
    let p = TestProject::new("");
    p.write("models/m.sql", "select 1 as a,\n  {{ nope }} as b\n");
    let a = p.jmap(&["compile"]).code(2);
    let err = stderr(&a);
    assert!(err.contains("models/m.sql:2"), "{err}");
    assert!(err.contains("undefined"), "{err}");
}

#[test]
fn sql_error_points_at_template_line_and_compiled_line() {
    let p = TestProject::new("");
    p.write("models/base.sql", "select 1 as id\n");
    // The template's line 4 becomes compiled line 4 too, but the ref renders to
    // a relation: the message must name both files.
    p.write(
        "models/broken.sql",
        "{{ config(materialized='table') }}\nselect\n    id,\n    no_such_column\nfrom {{ ref('base') }}\n",
    );
    let a = p.jmap(&["run"]).code(1);
    let err = stderr(&a);
    assert!(err.contains("error[E401]: model `broken` failed"), "{err}");
    assert!(err.contains("no_such_column"), "{err}");
    assert!(err.contains("--> models/broken.sql:4"), "{err}");
    assert!(
        err.contains("compiled SQL: target/compiled/models/broken.sql:4"),
        "{err}"
    );
}

#[test]
fn missing_warehouse_directory_is_a_config_error() {
    let p = TestProject::new("targets:\n  dev:\n    engine: duckdb\n    path: nowhere/wh.duckdb\n");
    p.write("models/m.sql", "select 1 as a\n");
    let a = p.jmap(&["run"]).code(2);
    let err = stderr(&a);
    assert!(err.contains("the warehouse directory"), "{err}");
    assert!(err.contains("mkdir -p"), "{err}");
}

#[test]
fn unknown_target_suggests() {
    let p = TestProject::new("targets:\n  prod:\n    engine: duckdb\n");
    let a = p.jmap(&["run", "--target", "prd"]).code(2);
    assert!(
        stderr(&a).contains("did you mean `prod`?"),
        "{}",
        stderr(&a)
    );
}

#[test]
fn missing_env_var_in_chosen_target() {
    let p = TestProject::new(
        "targets:\n  dev:\n    engine: duckdb\n  prod:\n    engine: postgres\n    url: ${JMAP_TEST_UNSET_VAR}\n",
    );
    p.write("models/m.sql", "select 1 as a\n");
    p.jmap(&["compile"]).success();
    let a = p.jmap(&["run", "--target", "prod"]).code(2);
    let err = stderr(&a);
    assert!(err.contains("JMAP_TEST_UNSET_VAR"), "{err}");
    assert!(err.contains("journey.yaml:8"), "{err}");
}

#[test]
fn bad_config_call_suggests_key() {
    let p = TestProject::new("");
    p.write(
        "models/m.sql",
        "{{ config(materialised='table') }}\nselect 1 as a\n",
    );
    let a = p.jmap(&["compile"]).code(2);
    let err = stderr(&a);
    assert!(err.contains("did you mean `materialized`?"), "{err}");
    assert!(err.contains("models/m.sql:1"), "{err}");
}

#[test]
fn unknown_selector_suggests() {
    let p = TestProject::new("");
    p.write("models/orders.sql", "select 1 as a\n");
    let a = p.jmap(&["run", "--select", "ordrs"]).code(2);
    assert!(
        stderr(&a).contains("did you mean `orders`?"),
        "{}",
        stderr(&a)
    );
}

#[test]
fn not_a_project_directory() {
    let dir = tempfile::tempdir().unwrap();
    let a = common::jmap_in(dir.path(), &["run"]).code(2);
    assert!(stderr(&a).contains("no journey.yaml"), "{}", stderr(&a));
}

#[test]
fn bad_flags_exit_2() {
    let p = TestProject::new("");
    p.jmap(&["run", "--threads", "zero"]).code(2);
    p.jmap(&["frobnicate"]).code(2);
}

#[test]
fn an_incremental_model_whose_table_lacks_a_new_column_says_to_rebuild_it() {
    let p = TestProject::new("");
    p.write(
        "models/visits.sql",
        "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id\n",
    );
    p.jmap(&["run"]).success();
    // The model gains a column and reads it from its existing table.
    p.write(
        "models/visits.sql",
        "{{ config(materialized='incremental', unique_key='id') }}\n\
         select 1 as id, 2 as seen\n\
         {% if is_incremental() %}where 2 > (select coalesce(max(t.seen), 0) from {{ this }} as t){% endif %}\n",
    );
    let a = p.jmap(&["run"]).code(1);
    let err = stderr(&a);
    assert!(err.contains("model `visits` failed"), "{err}");
    assert!(err.contains("models/visits.sql:3"), "{err}");
    assert!(
        err.contains(
            "rebuild them and what reads them once: jmap run --full-refresh --select visits+"
        ),
        "{err}"
    );
    p.jmap(&["run", "--full-refresh", "--select", "visits+"])
        .success();
    p.jmap(&["run"]).success();
}

#[test]
fn a_model_reading_a_new_column_of_an_incremental_parent_says_to_rebuild_both() {
    let p = TestProject::new("");
    let child = "{{ config(materialized='incremental', unique_key='id') }}\n\
                 select id{% if var('seen', false) %}, seen{% endif %} from {{ ref('visits') }}\n";
    p.write(
        "models/visits.sql",
        "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id\n",
    );
    p.write("models/counts.sql", child);
    p.jmap(&["run"]).success();
    // visits gains a column, which its stored table does not get (an
    // incremental run keeps the table's columns); counts now reads it.
    p.write(
        "models/visits.sql",
        "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id, 2 as seen\n",
    );
    let a = p.jmap(&["run", "--vars", "{seen: true}"]).code(1);
    let err = stderr(&a);
    assert!(err.contains("model `counts` failed"), "{err}");
    assert!(
        err.contains("reads `journey.counts`, `journey.visits` as earlier runs built them")
            && err.contains("jmap run --full-refresh --select counts+ visits+"),
        "{err}"
    );
    p.jmap(&[
        "run",
        "--vars",
        "{seen: true}",
        "--full-refresh",
        "--select",
        "counts+",
        "visits+",
    ])
    .success();
    p.jmap(&["run", "--vars", "{seen: true}"]).success();
}
