//! A table whose inputs are unchanged since its last build is kept, not
//! rebuilt; any change to what it reads (a source's rows, a parent's rows,
//! its SQL, its audits) rebuilds it. On DuckDB and Postgres.

mod common;
use common::{PgDb, TestProject, duck_query, stdout};

struct Case {
    project: TestProject,
    pg: Option<PgDb>,
}

impl Case {
    fn new(postgres: bool) -> Case {
        let pg = postgres.then(PgDb::create);
        let target = match &pg {
            Some(db) => format!(
                "target: pg\ntargets:\n  pg:\n    engine: postgres\n    url: {}\n",
                db.url
            ),
            None => String::new(),
        };
        let project = TestProject::new(&format!(
            "{target}sources:\n  raw:\n    schema: raw\n    tables:\n      people: {{}}\n"
        ));
        let case = Case { project, pg };
        case.exec(
            "create schema raw; create table raw.people (id integer, name varchar(20)); \
             insert into raw.people values (1, 'ann'), (2, 'bob')",
        );
        let p = &case.project;
        p.write(
            "models/names.sql",
            "{{ config(materialized='table') }}\nselect id, upper(name) as name from {{ source('raw', 'people') }}\n",
        );
        p.write(
            "models/counted.sql",
            "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('names') }}\n",
        );
        p.write(
            "models/arrivals.sql",
            "{{ config(materialized='incremental', unique_key='id') }}\nselect id from {{ source('raw', 'people') }}\n{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n",
        );
        p.write(
            "models/arrived.sql",
            "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('arrivals') }}\n",
        );
        p.write(
            "models/stamped.sql",
            "{{ config(materialized='table') }}\nselect random() < 2 as always, count(*) as n from {{ ref('names') }}\n",
        );
        p.write(
            "models/after_stamped.sql",
            "{{ config(materialized='table') }}\nselect n from {{ ref('stamped') }}\n",
        );
        p.write(
            "models/opted_out.sql",
            "{{ config(materialized='table', reuse=false) }}\nselect count(*) as n from {{ ref('names') }}\n",
        );
        p.write(
            "models/names.yml",
            "models:\n  - name: names\n    columns:\n      - name: id\n        tests: [unique]\n",
        );
        case
    }

    fn exec(&self, sql: &str) {
        match &self.pg {
            Some(db) => db.exec(sql),
            None => {
                let path = self.project.path().join("target");
                std::fs::create_dir_all(&path).unwrap();
                let conn = duckdb::Connection::open(path.join("jmap.duckdb")).unwrap();
                conn.execute_batch(sql).unwrap();
            }
        }
    }

    fn query(&self, sql: &str) -> Vec<Vec<String>> {
        match &self.pg {
            Some(db) => db.query(sql),
            None => duck_query(&self.project.path().join("target/jmap.duckdb"), sql),
        }
    }

    /// Run; the models reported kept, in order.
    fn run(&self, args: &[&str]) -> Vec<String> {
        let out = stdout(&self.project.jmap(&[&["run"], args].concat()).success());
        let mut kept: Vec<String> = out
            .lines()
            .filter(|l| l.contains(" journey.") && l.contains(" kept "))
            .filter_map(|l| l.split(" journey.").nth(1)?.split_whitespace().next())
            .map(str::to_owned)
            .collect();
        kept.sort();
        // The audit of a kept table is reported with it, as kept.
        assert_eq!(
            out.contains("unique_names_id")
                && out
                    .lines()
                    .any(|l| l.contains("unique_names_id") && l.contains(" kept ")),
            kept.contains(&"names".to_owned()),
            "{out}"
        );
        kept
    }

    fn n(&self, model: &str) -> String {
        self.query(&format!("select n from journey.{model}"))[0][0].clone()
    }
}

fn keeps_what_did_not_change(postgres: bool) {
    let case = Case::new(postgres);
    assert_eq!(case.run(&[]), Vec::<String>::new(), "first run builds all");

    // Nothing changed: every table is kept but the one calling a random
    // function and the one opted out. The first gave the same rows again,
    // so its reader is kept (a table's version is a hash of its rows).
    assert_eq!(
        case.run(&[]),
        ["after_stamped", "arrived", "counted", "names"]
    );

    // A source row changed in place: what reads it is rebuilt (and shows
    // it), the incremental model took no new row, so its reader is kept.
    case.exec("update raw.people set name = 'zed' where id = 1");
    assert_eq!(case.run(&[]), ["after_stamped", "arrived"]);
    assert_eq!(
        case.query("select name from journey.names order by id"),
        [["ZED"], ["BOB"]]
    );

    // A new source row: the incremental model took it, so its reader is
    // rebuilt too (3 arrivals: 2 + 1).
    case.exec("insert into raw.people values (3, 'cy')");
    assert_eq!(case.run(&[]), Vec::<String>::new());
    assert_eq!(case.n("arrived"), "3");
    assert_eq!(case.n("counted"), "3");

    // Its SQL changed: rebuilt, though no data did.
    case.project.write(
        "models/counted.sql",
        "{{ config(materialized='table') }}\nselect count(*) + 10 as n from {{ ref('names') }}\n",
    );
    assert_eq!(case.run(&[]), ["after_stamped", "arrived", "names"]);
    // 3 names + 10
    assert_eq!(case.n("counted"), "13");

    // A new audit on a table: it is rebuilt so that the audit runs; it gave
    // the same rows, so its reader is kept.
    case.project.write(
        "models/names.yml",
        "models:\n  - name: names\n    columns:\n      - name: id\n        tests: [unique, not_null]\n",
    );
    assert_eq!(case.run(&[]), ["after_stamped", "arrived", "counted"]);

    // --full-refresh rebuilds everything.
    assert_eq!(case.run(&["--full-refresh"]), Vec::<String>::new());
    assert_eq!(
        case.run(&[]),
        ["after_stamped", "arrived", "counted", "names"]
    );

    // A table dropped behind jmap's back is built again.
    case.exec("drop table journey.counted");
    assert_eq!(case.run(&[]), ["after_stamped", "arrived", "names"]);
    // rebuilt from the same 3 names: 3 + 10
    assert_eq!(case.n("counted"), "13");
}

#[test]
fn duckdb_keeps_tables_whose_inputs_are_unchanged() {
    keeps_what_did_not_change(false);
}

#[test]
fn postgres_keeps_tables_whose_inputs_are_unchanged() {
    keeps_what_did_not_change(true);
}

#[test]
fn targets_sharing_a_warehouse_keep_their_own_versions() {
    // Two targets in one DuckDB file, in their own schemas: a run of one
    // does not make the other's tables look changed.
    let p = TestProject::new(
        "target: dev\ntargets:\n  dev:\n    engine: duckdb\n    schema: journey\n  other:\n    engine: duckdb\n    schema: other\n",
    );
    p.write(
        "models/numbers.sql",
        "{{ config(materialized='table') }}\nselect 1 as n\n",
    );
    let kept =
        |args: &[&str]| stdout(&p.jmap(&[&["run"], args].concat()).success()).contains(" kept ");
    assert!(!kept(&[]));
    assert!(!kept(&["--target", "other"]));
    assert!(kept(&[]));
    assert!(kept(&["--target", "other"]));
}
