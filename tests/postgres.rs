//! PostgreSQL as warehouse and as source, against the real server (each test
//! in its own database).

mod common;
use common::{PgDb, TestProject, duck_query, jmap_in, rows, stderr, stdout};

fn jmap_pg(dir: &std::path::Path, url: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    assert_cmd::Command::cargo_bin("jmap")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env("JMAP_PG_URL", url)
        .assert()
}

/// Every row of `rel`, canonical text, sorted (collations differ by engine).
fn sorted(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.sort();
    rows
}

/// Equal, except that numbers may differ in the last digits (the engines
/// compute time differences and averages in different orders).
fn same_row(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x == y
                || match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => (x - y).abs() <= 1e-6 * x.abs().max(1.0),
                    _ => false,
                }
        })
}

#[test]
fn demo_project_gives_the_same_rows_on_both_engines() {
    let dir = common::demo_project();
    let db = PgDb::create();
    let d = jmap_in(dir.path(), &["run"]).success();
    let a = jmap_pg(dir.path(), &db.url, &["run", "--target", "postgres"]).success();
    assert!(stdout(&a).contains("LOAD  full"), "{}", stdout(&a));
    // The summary after each run counts what the touchpoints view holds
    // (it reads the stored int_touches, which has a row for each).
    let touches = &duck_query(
        &dir.path().join("target/jmap.duckdb"),
        "select count(*), count(case when is_marketing_touch then 1 end) from journey.touchpoints",
    )[0];
    let grouped = |n: &str| {
        let digits: Vec<char> = n.chars().collect();
        let mut out = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(*c);
        }
        out
    };
    for (run, label, n) in [
        (&d, "touchpoints ", &touches[0]),
        (&d, "marketing touches", &touches[1]),
        (&a, "touchpoints ", &touches[0]),
        (&a, "marketing touches", &touches[1]),
    ] {
        let out = stdout(run);
        assert!(
            out.lines()
                .any(|l| l.contains(label) && l.contains(&format!(" {} ", grouped(n)))),
            "summary without {label} {n}:\n{out}"
        );
    }
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("target/manifest.json")).unwrap(),
    )
    .unwrap();
    let duck = dir.path().join("target/jmap.duckdb");
    let mut compared = 0;
    for node in manifest["nodes"].as_object().unwrap().values() {
        if node["config"]["materialized"] == "ephemeral" {
            continue;
        }
        let rel = node["relation"].as_str().unwrap();
        // Every column but the stamps of when jmap wrote a row (each engine's
        // own clock).
        let (schema, table) = rel.split_once('.').unwrap();
        let cols: Vec<String> = duck_query(
            &duck,
            &format!(
                "select column_name from information_schema.columns \
                 where table_schema = '{schema}' and table_name = '{table}' \
                 and column_name not in ('written_at', 'built_at', 'changed_at', 'resolved_at') order by ordinal_position"
            ),
        )
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
        let select = format!("select {} from {rel}", cols.join(", "));
        let d = sorted(duck_query(&duck, &select));
        let p = sorted(db.query(&select));
        assert_eq!(d.len(), p.len(), "{rel}: row counts differ");
        // The demo's web events carry identity on the events themselves: it
        // has no identify calls (tests/presets.rs covers them on both engines).
        if rel == "journey_staging.int_identifies" {
            continue;
        }
        assert!(
            !d.is_empty(),
            "{rel} is empty: the comparison would prove nothing"
        );
        for (dr, pr) in d.iter().zip(&p) {
            assert!(
                same_row(dr, pr),
                "{rel}: rows differ\nduckdb:   {dr:?}\npostgres: {pr:?}"
            );
        }
        compared += 1;
    }
    assert!(compared >= 3, "compared {compared} relations");
    // Every key a model makes is a hash_key(), a uuid on both engines. A
    // text null in a union with keys would make DuckDB widen the column to
    // text without a word (and fail on Postgres), losing the fixed-width key.
    let keys = "select table_name || '.' || column_name, lower(data_type) from information_schema.columns \
         where table_schema in ('journey', 'journey_staging') \
         and column_name in ('touchpoint_id', 'person_id', 'session_id', 'path_id', 'event_key', 'click_key', 'email_touch_key', 'activity_key') \
         order by 1";
    let duck_keys = duck_query(&duck, keys);
    assert!(duck_keys.len() >= 30, "{duck_keys:?}");
    let not_uuid: Vec<_> = duck_keys.iter().filter(|r| r[1] != "uuid").collect();
    assert!(not_uuid.is_empty(), "keys that are not uuids: {not_uuid:?}");
    assert_eq!(db.query(keys), duck_keys);
}

#[test]
fn postgres_materialisations_and_dependent_views() {
    let db = PgDb::create();
    let p = TestProject::new(
        "target: pg\ntargets:\n  pg:\n    engine: postgres\n    url: ${JMAP_PG_URL}\n    schema: w\nvars:\n  n: 3\n",
    );
    p.write("models/base.sql", "{{ config(materialized='table') }}\nselect g as id, 'v' || g as v from generate_series(1, {{ var('n') }}) g\n");
    p.write("models/inc.sql", "{{ config(materialized='incremental', unique_key='id') }}\nselect id, v from {{ ref('base') }}\n");
    p.write("models/app.sql", "{{ config(materialized='incremental') }}\nselect id from {{ ref('base') }}\n{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n");
    p.write(
        "models/vw.sql",
        "select count(*) as n from {{ ref('base') }}\n",
    );
    jmap_pg(p.path(), &db.url, &["run"]).success();
    // A dashboard's own view on top of a jmap table.
    db.exec("create view public.dashboard as select count(*) as n from w.base");
    jmap_pg(p.path(), &db.url, &["run", "--vars", "{n: 5}"]).success();
    // 1..5 after the second run; the user's view and jmap's view both survived.
    assert_eq!(
        db.query("select n from public.dashboard"),
        vec![vec!["5".to_owned()]]
    );
    assert_eq!(db.query("select n from w.vw"), vec![vec!["5".to_owned()]]);
    assert_eq!(
        db.query("select count(*), max(v) from w.inc"),
        vec![vec!["5".to_owned(), "v5".to_owned()]]
    );
    assert_eq!(
        db.query("select count(*) from w.app"),
        vec![vec!["5".to_owned()]]
    );
    // A failing rebuild leaves the table and the views on it as they were.
    p.write(
        "models/base.sql",
        "{{ config(materialized='table') }}\nselect no_such_column from generate_series(1, 2) g\n",
    );
    let a = jmap_pg(p.path(), &db.url, &["run", "--select", "base"]).code(1);
    let err = stderr(&a);
    assert!(
        err.contains("no_such_column") && err.contains("--> models/base.sql:2"),
        "{err}"
    );
    assert_eq!(
        db.query("select n from public.dashboard"),
        vec![vec!["5".to_owned()]]
    );
}

fn source_project(source_url: &str, extra: &str) -> TestProject {
    let p = TestProject::new(&format!(
        "connections:\n  app:\n    engine: postgres\n    url: {source_url}\nsources:\n  crm:\n    connection: app\n    schema: public\n    tables:\n      contacts:\n        kind: contacts\n        columns:\n          contact_id: id\n          email: email\n{extra}"
    ));
    p.write("models/people.sql", "{{ config(materialized='table') }}\nselect id, email from {{ source('crm', 'contacts') }}\n");
    p
}

#[test]
fn incremental_load_from_postgres_into_duckdb() {
    let src = PgDb::create();
    src.exec(
        "create table contacts (id int primary key, email text, updated_at timestamptz, secret text);
         insert into contacts values (1, 'a@x.com', '2025-01-01 10:00:00+00', 's'), (2, 'b@x.com', '2025-01-02 10:00:00+00', 's'), (3, null, '2025-01-03 10:00:00+00', 's')",
    );
    let p = source_project(
        &src.url,
        "        cursor: updated_at\n        primary_key: id\n",
    );
    let a = p.jmap(&["run"]).success();
    assert!(
        stdout(&a).contains(
            "LOAD  full        jmap_sources.crm__contacts                          3 rows"
        ),
        "{}",
        stdout(&a)
    );
    let wh = p.path().join("target/jmap.duckdb");
    // Only the mapped columns, the cursor and the key were copied.
    let cols = duck_query(
        &wh,
        "select column_name from information_schema.columns where table_name = 'crm__contacts' order by ordinal_position",
    );
    assert_eq!(
        cols,
        vec![
            vec!["id".to_owned()],
            vec!["email".to_owned()],
            vec!["updated_at".to_owned()]
        ]
    );
    // Insert one, update one, re-run: only those two come over.
    src.exec(
        "insert into contacts values (4, 'd@x.com', '2025-01-04 10:00:00+00', 's');
         update contacts set email = 'B@X.COM', updated_at = '2025-01-05 10:00:00+00' where id = 2",
    );
    let a = p.jmap(&["load"]).success();
    // rows >= the last high-water mark (01-03): 3 (seen again), 4 and 2 (updated)
    assert!(
        stdout(&a)
            .contains("incremental jmap_sources.crm__contacts                          3 rows"),
        "{}",
        stdout(&a)
    );
    assert_eq!(
        duck_query(
            &wh,
            "select id, email, updated_at from jmap_sources.crm__contacts order by id"
        ),
        vec![
            vec![
                "1".to_owned(),
                "a@x.com".to_owned(),
                "2025-01-01 10:00:00".to_owned()
            ],
            vec![
                "2".to_owned(),
                "B@X.COM".to_owned(),
                "2025-01-05 10:00:00".to_owned()
            ],
            vec![
                "3".to_owned(),
                "NULL".to_owned(),
                "2025-01-03 10:00:00".to_owned()
            ],
            vec![
                "4".to_owned(),
                "d@x.com".to_owned(),
                "2025-01-04 10:00:00".to_owned()
            ],
        ]
    );
    assert_eq!(
        duck_query(&wh, "select high_water from jmap_sources._jmap_loads"),
        vec![vec!["2025-01-05 10:00:00".to_owned()]]
    );
    // Nothing new: nothing fetched.
    let a = p.jmap(&["load"]).success();
    assert!(
        stdout(&a)
            .contains("incremental jmap_sources.crm__contacts                          1 rows"),
        "{}",
        stdout(&a)
    );
}

#[test]
fn interrupted_load_keeps_the_previous_copy() {
    let src = PgDb::create();
    src.exec(
        "create table contacts_data (id int, email text);
         insert into contacts_data select g, 'p' || g || '@x.com' from generate_series(1, 1000) g;
         create table switch (broken boolean); insert into switch values (false);
         create view contacts as select id, case when id >= 90000 then (1 / (id - 90000))::text else email end as email
           from (select * from contacts_data union all select g, 'q' || g || '@x.com' from generate_series(1000, 100000) g where (select broken from switch)) t",
    );
    let p = source_project(&src.url, "");
    p.jmap(&["load"]).success();
    let wh = p.path().join("target/jmap.duckdb");
    assert_eq!(
        duck_query(&wh, "select count(*) from jmap_sources.crm__contacts"),
        vec![vec!["1000".to_owned()]]
    );
    // The source now fails part-way through the stream (row 90,000).
    src.exec("update switch set broken = true");
    let a = p.jmap(&["load"]).code(2);
    let err = stderr(&a);
    assert!(err.contains("division by zero"), "{err}");
    // It broke mid-stream, after rows had arrived, not before the first.
    assert!(err.contains("failed after"), "{err}");
    assert!(
        err.contains("the previous copy of this source is intact"),
        "{err}"
    );
    assert_eq!(
        duck_query(&wh, "select count(*) from jmap_sources.crm__contacts"),
        vec![vec!["1000".to_owned()]]
    );
    assert_eq!(
        duck_query(
            &wh,
            "select count(*) from information_schema.tables where table_name like '%jmap_new%'"
        ),
        vec![vec!["0".to_owned()]]
    );
}

#[test]
fn missing_source_table_and_column_are_named() {
    let src = PgDb::create();
    src.exec("create table contacts (id int, mail text)");
    let p = source_project(&src.url, "");
    let a = p.jmap(&["load"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains("source `crm.contacts`: table public.contacts has no column `email`"),
        "{err}"
    );
    assert!(err.contains("did you mean `mail`?"), "{err}");
    src.exec("drop table contacts");
    let a = p.jmap(&["run"]).code(2);
    assert!(
        stderr(&a).contains("table public.contacts does not exist"),
        "{}",
        stderr(&a)
    );
}

#[test]
fn permission_denied_is_explained() {
    let src = PgDb::create();
    let role = format!("{}_reader", src.name);
    src.exec(&format!(
        "create table contacts (id int, email text); create role {role} login; revoke all on contacts from public"
    ));
    let url = common::with_database(&src.url, &src.name).replace("postgres@", &format!("{role}@"));
    let p = source_project(&url, "");
    let a = p.jmap(&["load"]).code(2);
    let err = stderr(&a);
    src.exec(&format!("drop owned by {role}; drop role {role}"));
    assert!(err.contains("permission denied"), "{err}");
    assert!(err.contains("grant the user SELECT"), "{err}");
}

#[test]
fn connection_errors_exit_2_with_a_fix() {
    let p = TestProject::new("targets:\n  pg:\n    engine: postgres\n    url: ${JMAP_PG_URL}\n");
    p.write("models/m.sql", "select 1 as a\n");
    let a = jmap_pg(
        p.path(),
        "postgres://postgres:s3cret@127.0.0.1:1/x",
        &["run", "--target", "pg"],
    )
    .code(2);
    let err = stderr(&a);
    assert!(
        err.contains("cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:1/x"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
    let missing = common::with_database(&common::pg_admin_url(), "jmap_no_such_database");
    let a = jmap_pg(p.path(), &missing, &["run", "--target", "pg"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains("does not exist") && err.contains("createdb"),
        "{err}"
    );
    assert!(
        !p.path().join("target/run_results.json").exists(),
        "nothing is written on a connection error"
    );
}

#[test]
fn credentials_never_appear_in_output_or_artifacts() {
    let db = PgDb::create();
    // Trust auth ignores the password, so the run succeeds with it in the URL.
    let url = db.url.replace("postgres@", "postgres:hunter2@");
    let p = TestProject::new(
        "target: pg\ntargets:\n  pg:\n    engine: postgres\n    url: ${JMAP_PG_URL}\n",
    );
    p.write(
        "models/m.sql",
        "{{ config(materialized='table') }}\nselect 1 as a\n",
    );
    let run = jmap_pg(p.path(), &url, &["run"]).success();
    let debug = jmap_pg(p.path(), &url, &["debug"]).success();
    for text in [
        stdout(&run),
        stderr(&run),
        stdout(&debug),
        p.read("target/manifest.json"),
        p.read("target/run_results.json"),
    ] {
        assert!(!text.contains("hunter2"), "password leaked: {text}");
    }
    assert!(
        stdout(&debug).contains("postgres:***@"),
        "{}",
        stdout(&debug)
    );
}

#[test]
fn one_run_at_a_time_per_target() {
    let db = PgDb::create();
    let p = TestProject::new(
        "target: pg\ntargets:\n  pg:\n    engine: postgres\n    url: ${JMAP_PG_URL}\n    schema: journey\n",
    );
    p.write("models/m.sql", "select 1 as a\n");
    // Another "run" holds the target's advisory lock.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let holder = rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::raw_sql("select pg_advisory_lock(hashtext('jmap:journey'))")
            .execute(&mut c)
            .await
            .unwrap();
        c
    });
    let a = jmap_pg(p.path(), &db.url, &["run"]).code(2);
    assert!(
        stderr(&a).contains("another jmap run is using target `pg`"),
        "{}",
        stderr(&a)
    );
    assert!(stderr(&a).contains("--wait"), "{}", stderr(&a));
    rt.block_on(async {
        use sqlx::Connection;
        holder.close().await.unwrap();
    });
    jmap_pg(p.path(), &db.url, &["run"]).success();
}

#[test]
fn every_column_type_arrives_intact_in_duckdb() {
    let src = PgDb::create();
    src.exec(
        "create table contacts (id int primary key, email text, small smallint, big bigint,
            price numeric(10, 2), ratio real, flag boolean, day date, at timestamp,
            at_tz timestamptz, doc jsonb, uid uuid);
         insert into contacts values
           (1, 'a \"quoted\", comma
and newline é', -3, 9007199254740993, 12.34, 0.5, true, '1999-12-31',
            '1969-07-20 20:17:40.5', '2025-01-01 10:00:00+02', '{\"k\": [1, 2]}',
            'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
           (2, '', null, null, null, null, false, 'infinity', null, null, null, null)",
    );
    // `where:` may use any column, so every column is loaded.
    let p = source_project(&src.url, "        where: \"id > 0\"\n");
    p.jmap(&["load"]).success();
    let rows = duck_query(
        &p.path().join("target/jmap.duckdb"),
        "select id, email, small, big, price, ratio, flag, cast(day as varchar), \"at\", at_tz, doc, uid, typeof(big), typeof(at_tz) \
         from jmap_sources.crm__contacts order by id",
    );
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(
        rows,
        vec![
            row(&[
                "1",
                "a \"quoted\", comma\nand newline é",
                "-3",
                "9007199254740993",
                "12.34",
                "0.5",
                "true",
                "1999-12-31",
                "1969-07-20 20:17:40.5",
                // 10:00 at +02 is 08:00 UTC.
                "2025-01-01 08:00:00",
                "{\"k\": [1, 2]}",
                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                "BIGINT",
                "TIMESTAMP",
            ]),
            row(&[
                "2",
                "",
                "NULL",
                "NULL",
                "NULL",
                "NULL",
                "false",
                "infinity",
                "NULL",
                "NULL",
                "NULL",
                "NULL",
                "BIGINT",
                "TIMESTAMP",
            ]),
        ]
    );
}

#[test]
fn a_table_of_many_buffers_arrives_whole_and_in_order() {
    // 60,000 rows of 20-200 byte texts and nulls: about 7 MB of COPY data,
    // so rows are cut across many of the loader's buffers and DuckDB's
    // 2,048-row chunks.
    let src = PgDb::create();
    src.exec(
        "create table contacts as
         select g as id,
                case when g % 7 = 0 then null else repeat(chr(97 + g % 26), 20 + g % 181) || g end as email,
                timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second' as updated_at
         from generate_series(1, 60000) g",
    );
    let p = source_project(&src.url, "");
    p.jmap(&["load"]).success();
    // The same digest of every (id, email) in id order on both sides.
    let digest = "select count(*), count(email), sum(id), sum(length(email)), \
                  md5(string_agg(id || ':' || coalesce(email, '-'), ',' order by id))";
    let loaded = duck_query(
        &p.path().join("target/jmap.duckdb"),
        &format!("{digest} from jmap_sources.crm__contacts"),
    );
    let original = src.query(&format!("{digest} from contacts"));
    assert_eq!(loaded, original);
    // 60,000 rows, of which every 7th has no email: 60,000 - floor(60,000 / 7)
    // = 60,000 - 8,571 = 51,429 emails; sum(id) = 60,000 * 60,001 / 2.
    assert_eq!(loaded[0][..3], ["60000", "51429", "1800030000"]);
}

/// A project of one table model, `body` its select, run on DuckDB (schema
/// journey) and on a new Postgres database (schema w).
fn one_model_on_both_engines(name: &str, body: &str) -> (PgDb, TestProject) {
    let db = PgDb::create();
    let p = TestProject::new(
        "targets:\n  dev:\n    engine: duckdb\n  pg:\n    engine: postgres\n    url: ${JMAP_PG_URL}\n    schema: w\n",
    );
    p.write(
        &format!("models/{name}.sql"),
        &format!("{{{{ config(materialized='table') }}}}\n{body}"),
    );
    p.jmap(&["run"]).success();
    jmap_pg(p.path(), &db.url, &["run", "--target", "pg"]).success();
    (db, p)
}

#[test]
fn set_fingerprint_ignores_order_and_nulls_and_tells_sets_apart() {
    // {a, b} in either order, {a, c}, {a}, and {a} with a null; the same
    // fingerprints on both engines.
    let (db, p) = one_model_on_both_engines(
        "fp",
        "select g, {{ set_fingerprint('v') }} as fp\n\
         from (values ('s1', 'a'), ('s1', 'b'), ('s2', 'b'), ('s2', 'a'), ('s3', 'a'), ('s3', 'c'), ('s4', 'a'), ('s5', 'a'), ('s5', null)) as t(g, v)\n\
         group by g\n",
    );
    let same = "select a.g, b.g, cast(a.fp = b.fp as varchar) from {fp} as a join {fp} as b on a.g < b.g order by 1, 2";
    let expected: Vec<Vec<String>> = [
        ("s1", "s2", "true"),
        ("s1", "s3", "false"),
        ("s1", "s4", "false"),
        ("s1", "s5", "false"),
        ("s2", "s3", "false"),
        ("s2", "s4", "false"),
        ("s2", "s5", "false"),
        ("s3", "s4", "false"),
        ("s3", "s5", "false"),
        ("s4", "s5", "true"),
    ]
    .iter()
    .map(|(a, b, c)| vec![a.to_string(), b.to_string(), c.to_string()])
    .collect();
    assert_eq!(p.query(&same.replace("{fp}", "journey.fp")), expected);
    assert_eq!(db.query(&same.replace("{fp}", "w.fp")), expected);
    let all = "select g, fp from {fp} order by g";
    assert_eq!(
        p.query(&all.replace("{fp}", "journey.fp")),
        db.query(&all.replace("{fp}", "w.fp"))
    );
}

/// A hash_key() is the md5 of its parts (joined by `|`, a null as '') as a
/// UUID, the same value and type on both engines; min_key() picks the same
/// smallest key on both (Postgres before 18 has no min() of a uuid).
#[test]
fn hash_keys_are_the_same_uuids_and_min_key_the_same_smallest_on_both_engines() {
    let (db, p) = one_model_on_both_engines(
        "keys",
        "select g, {{ min_key(hash_key('v')) }} as smallest, count(*) as n\n\
         from (values ('a', 'x'), ('a', 'y'), ('a', 'z'), ('b', 'x'), ('b', null)) as t(g, v)\n\
         group by g\n",
    );
    // md5('x') = 9dd4e461..., md5('y') = 41529076..., md5('z') = fbade9e3...,
    // md5('') = d41d8cd9...: a's smallest is y's, b's is x's (9 < d).
    let expected = rows(&[
        "a|41529076-9594-460e-2e48-5922904f345d|3",
        "b|9dd4e461-268c-8034-f5c8-564e155c67a6|2",
    ]);
    let all = "select g, cast(smallest as varchar), cast(n as varchar) from {t} order by g";
    assert_eq!(p.query(&all.replace("{t}", "journey.keys")), expected);
    assert_eq!(db.query(&all.replace("{t}", "w.keys")), expected);
    let ty = "select lower(data_type) from information_schema.columns where table_name = 'keys' and column_name = 'smallest'";
    assert_eq!(p.query(ty), rows(&["uuid"]));
    assert_eq!(db.query(ty), rows(&["uuid"]));
}

/// The incremental strategies replace the same rows on both engines: by a
/// key of two columns with nulls in it (a null matches a null), by one key
/// with a scope, and by time per partition. Postgres runs its own spelling
/// of each delete (plain joins where DuckDB's null-safe ones would be
/// nested loops there), so both are checked against the rows worked out here.
#[test]
fn incremental_deletes_replace_the_same_rows_on_both_engines() {
    let db = PgDb::create();
    let p = TestProject::new(&format!(
        "target: dev\ntargets:\n  dev:\n    engine: duckdb\n  pg:\n    engine: postgres\n    url: {}\n    schema: w\nvars:\n  batch: 1\n",
        db.url
    ));
    // Batch 1, then batch 2 as the incremental bodies' new rows.
    p.write(
        "models/pairs.sql",
        "{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['grp', 'sub']) }}\n\
         {% if var('batch') == 1 %}\
         select 'g1' as grp, 'x' as sub, 1 as val union all select 'g2', null, 1 union all select null, 'y', 1 union all select null, null, 1\n\
         {% else %}\
         select 'g2' as grp, cast(null as varchar) as sub, 2 as val union all select null, 'y', 2 union all select null, null, 2 union all select 'g4', 'z', 2\n\
         {% endif %}",
    );
    p.write(
        "models/groups.sql",
        "{% set gone %}select grp from {{ this }} where grp = 'g1'{% endset %}\n\
         {{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='grp', scope=gone) }}\n\
         {% if var('batch') == 1 %}\
         select 'g1' as grp, 'a' as item union all select 'g2', 'b' union all select 'g3', 'c' union all select null, 'n'\n\
         {% else %}\
         select 'g2' as grp, 'B' as item union all select null, 'n2'\n\
         {% endif %}",
    );
    p.write(
        "models/timed.sql",
        "{{ config(materialized='incremental', incremental_strategy='time_range', time_column='t', partition_by='dev') }}\n\
         {% if var('batch') == 1 %}\
         select 'd1' as dev, 1 as t, 'a' as v union all select 'd1', 2, 'b' union all select 'd2', 1, 'a' union all select 'd2', 5, 'b'\n\
         {% else %}\
         select 'd1' as dev, 2 as t, 'B' as v union all select 'd1', 3, 'c'\n\
         {% endif %}",
    );
    for target in ["dev", "pg"] {
        p.jmap(&["run", "--target", target]).success();
        p.jmap(&["run", "--target", target, "--vars", "{batch: 2}"])
            .success();
    }
    let queries = [
        "select coalesce(grp, '-') || ':' || coalesce(sub, '-') || ':' || cast(val as varchar) from {s}.pairs",
        "select coalesce(grp, '-') || ':' || item from {s}.groups",
        "select dev || ':' || cast(t as varchar) || ':' || v from {s}.timed",
    ];
    let expected = [
        // (g1, x) has no new row and stays; (g2, null), (null, y) and
        // (null, null) are replaced by their batch-2 rows, not doubled.
        vec!["-:-:2", "-:y:2", "g1:x:1", "g2:-:2", "g4:z:2"],
        // g2 and the null group are replaced, g1 goes with the scope, g3
        // has no new row and stays.
        vec!["-:n2", "g2:B", "g3:c"],
        // d1 is replaced from its earliest new time (2) on; d2 untouched.
        vec!["d1:1:a", "d1:2:B", "d1:3:c", "d2:1:a", "d2:5:b"],
    ];
    for (sql, want) in queries.iter().zip(expected) {
        let want: Vec<Vec<String>> = want.iter().map(|s| vec![(*s).to_owned()]).collect();
        // sorted here: the engines' collations order '-' differently
        let duck = sorted(p.query(&sql.replace("{s}", "journey")));
        let pg = sorted(db.query(&sql.replace("{s}", "w")));
        assert_eq!(duck, want, "DuckDB: {sql}");
        assert_eq!(pg, want, "Postgres: {sql}");
    }
}

/// jmap's Postgres sessions run with the JIT and merge joins off (the JIT's
/// compile time dwarfed small incremental statements, and merge joins sorted
/// thousands of rows for the handful expected), unless the URL sets them.
#[test]
fn postgres_sessions_run_without_jit_or_merge_joins_unless_the_url_sets_them() {
    let db = PgDb::create();
    let p = TestProject::new(
        "target: pg\ntargets:\n  pg:\n    engine: postgres\n    url: ${JMAP_PG_URL}\n    schema: w\n",
    );
    p.write(
        "models/setting.sql",
        "{{ config(materialized='table', reuse=false) }}\n\
         select current_setting('jit') as jit, current_setting('enable_mergejoin') as mergejoin\n",
    );
    let settings = |url: &str| {
        jmap_pg(p.path(), url, &["run"]).success();
        db.query("select jit || ' ' || mergejoin from w.setting")[0][0].clone()
    };
    assert_eq!(settings(&db.url), "off off");
    let sep = if db.url.contains('?') { '&' } else { '?' };
    // A name elsewhere in the URL is not a setting: still off.
    assert_eq!(
        settings(&format!(
            "{}{sep}application_name=jitney_enable_mergejoin",
            db.url
        )),
        "off off"
    );
    // Each setting the URL's options give is kept; the other stays off.
    assert_eq!(
        settings(&format!("{}{sep}options=-c%20jit%3Don", db.url)),
        "on off"
    );
    assert_eq!(
        settings(&format!(
            "{}{sep}options=-c%20enable_mergejoin%3Don",
            db.url
        )),
        "off on"
    );
}

/// A CSV source loaded into a Postgres warehouse: a file that only grew has
/// only its new lines appended; a file changed before its end, or whose last
/// load did not end a line, loads whole. Each time the table holds exactly
/// the file's rows, duplicates included.
#[test]
fn csv_files_that_only_grew_load_only_their_new_lines() {
    let db = PgDb::create();
    let p = TestProject::new(
        "target: pg\ntargets:\n  pg:\n    engine: postgres\n    url: ${JMAP_PG_URL}\n    schema: w\nsources:\n  crm:\n    tables:\n      contacts:\n        kind: contacts\n        path: data/contacts.csv\n        columns:\n          contact_id: id\n          email: email\n",
    );
    let load = |want: &str| {
        let out = stdout(&jmap_pg(p.path(), &db.url, &["load"]).success());
        assert!(
            out.lines().any(|l| l.contains("jmap_sources.crm__contacts")
                && l.split_whitespace().nth(1) == Some(want.split(' ').next().unwrap())
                && l.contains(&format!(" {} rows", want.split(' ').nth(1).unwrap()))),
            "want {want}:\n{out}"
        );
    };
    let landed = || sorted(db.query("select id, email from jmap_sources.crm__contacts"));
    let file_rows = |text: &str| {
        sorted(
            text.lines()
                .skip(1)
                .map(|l| l.split(',').map(str::to_owned).collect())
                .collect(),
        )
    };
    // Write the file, load it, and find exactly its rows in the table.
    let step = |text: &str, want: &str| {
        p.write("data/contacts.csv", text);
        load(want);
        assert_eq!(landed(), file_rows(text));
    };
    let mut text = String::from("id,email\n1,a@x.io\n2,b@x.io\n");
    step(&text, "full 2");
    load("unchanged 0");
    // Two lines appended, one a duplicate of a loaded line: both kept, as a
    // full load of the file would keep them.
    text.push_str("3,c@x.io\n2,b@x.io\n");
    step(&text, "appended 2");
    assert_eq!(landed().len(), 4);
    // A line changed before the end: the whole file again (4 rows, not 1).
    text = text.replacen("1,a@x.io", "1,z@x.io", 1);
    step(&text, "full 4");
    // A last line without its newline is a row (appended), but the bytes
    // loaded then do not end a line: the next load is whole, so that the
    // line completed later is not split into two rows.
    text.push_str("5,e@x.io");
    step(&text, "appended 1");
    text.push_str("\n6,f@x.io\n");
    step(&text, "full 6");
    // And appended to once more: only the new line.
    text.push_str("7,g@x.io\n");
    step(&text, "appended 1");
}
