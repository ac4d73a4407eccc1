//! Helpers for CLI tests: throwaway projects in temp directories.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub struct TestProject {
    pub dir: tempfile::TempDir,
}

impl TestProject {
    /// A project without the built-in package, with the given journey.yaml body
    /// appended to `name: t`.
    pub fn new(extra_yaml: &str) -> TestProject {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = TestProject { dir };
        p.write(
            "journey.yaml",
            &format!("name: t\nbuiltin_package: false\n{extra_yaml}"),
        );
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, contents: &str) -> &Self {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).unwrap()
    }

    pub fn jmap(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        jmap_in(self.dir.path(), args)
    }

    /// Run a query against the project's DuckDB warehouse via `jmap show`-free
    /// direct access.
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        let conn = duckdb::Connection::open(self.dir.path().join("target/jmap.duckdb")).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let mut rows = stmt.query([]).unwrap();
        let n = rows.as_ref().unwrap().column_count();
        let mut out = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            let mut r = Vec::new();
            for i in 0..n {
                let v: duckdb::types::Value = row.get(i).unwrap();
                r.push(match v {
                    duckdb::types::Value::Null => "NULL".to_owned(),
                    duckdb::types::Value::Text(s) => s,
                    duckdb::types::Value::Int(i) => i.to_string(),
                    duckdb::types::Value::BigInt(i) => i.to_string(),
                    duckdb::types::Value::HugeInt(i) => i.to_string(),
                    duckdb::types::Value::Double(f) => f.to_string(),
                    other => format!("{other:?}"),
                });
            }
            out.push(r);
        }
        out
    }
}

pub fn jmap_in(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("jmap")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env_remove("JMAP_PG_URL")
        .assert()
}

pub fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

pub fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A throwaway PostgreSQL database, dropped when the value goes away. Reads
/// the server from JMAP_TEST_PG_URL (default: the local trust-auth server);
/// a server that does not answer fails the test: CI must not skip these.
pub struct PgDb {
    pub name: String,
    pub url: String,
    admin_url: String,
    rt: tokio::runtime::Runtime,
}

pub fn pg_admin_url() -> String {
    std::env::var("JMAP_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("a URL with a path");
    format!("{}/{db}{query}", &base[..cut])
}

impl PgDb {
    pub fn create() -> PgDb {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "jmap_test_{}_{}_{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let admin_url = pg_admin_url();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&admin_url)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL at {admin_url} does not answer ({e}); start it (see .ci/run)"
                    )
                });
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("create database {name}")))
                .execute(&mut c)
                .await
                .unwrap();
        });
        let url = with_database(&admin_url, &name);
        PgDb {
            name,
            url,
            admin_url,
            rt,
        }
    }

    pub fn exec(&self, sql: &str) {
        self.rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        })
    }

    /// Rows as text, via jmap's own adapter (the same formatting as DuckDB's).
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        let adapter = jmap::adapter::postgres::PostgresAdapter::open(&self.url, 1).unwrap();
        use jmap::adapter::Adapter;
        let mut s = adapter.session().unwrap();
        let rows = s.query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        self.rt.block_on(async move {
            use sqlx::Connection;
            if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "drop database if exists {name} with (force)"
                )))
                .execute(&mut c)
                .await;
            }
        });
    }
}

/// Rows of a DuckDB warehouse as text, via jmap's adapter.
pub fn duck_query(path: &Path, sql: &str) -> Vec<Vec<String>> {
    use jmap::adapter::Adapter;
    let adapter = jmap::adapter::duckdb::DuckDbAdapter::open(path).unwrap();
    let mut s = adapter.session().unwrap();
    let rows = s.query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.rows
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// Copy the repository's demo project (journey.yaml, models, fixtures) to a temp dir.
pub fn demo_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&root).unwrap();
        let top = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        if !matches!(top.as_deref(), Some("models" | "fixtures" | "journey.yaml")) {
            continue;
        }
        let dest = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
    dir
}

/// A project on the built-in journey package over small hand-made CSV
/// sources (columns named as jmap's standard columns), with a DuckDB target
/// `dev` and a Postgres target `pg` in its own database.
pub struct JourneyCase {
    pub project: TestProject,
    pub pg: PgDb,
}

impl JourneyCase {
    /// `sources`: (kind, csv text). `journey`: extra YAML under `journey:`.
    pub fn new(sources: &[(&str, &str)], journey: &str) -> JourneyCase {
        let pg = PgDb::create();
        let dir = tempfile::tempdir().unwrap();
        let project = TestProject { dir };
        let mut yaml = format!(
            "name: case\ntargets:\n  dev:\n    engine: duckdb\n  pg:\n    engine: postgres\n    url: {}\njourney:\n  own_domains: [acme.io]\n{journey}\nsources:\n  src:\n    tables:\n",
            pg.url
        );
        for (kind, csv) in sources {
            let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
            project.write(&format!("data/{kind}.csv"), csv);
            yaml.push_str(&format!("      {kind}:\n        kind: {kind}\n        path: data/{kind}.csv\n        columns:\n"));
            for col in header {
                yaml.push_str(&format!("          {col}: {col}\n"));
            }
        }
        project.write("journey.yaml", &yaml);
        JourneyCase { project, pg }
    }

    /// A project on the built-in package whose sources are tables already in
    /// the warehouse, read in place: `setup` (SQL both engines accept)
    /// creates them in the DuckDB warehouse file and in the Postgres
    /// database. `sources` is the YAML under `sources:`.
    pub fn with_tables(setup: &str, sources: &str) -> JourneyCase {
        let pg = PgDb::create();
        let dir = tempfile::tempdir().unwrap();
        let project = TestProject { dir };
        project.write(
            "journey.yaml",
            &format!(
                "name: case\ntargets:\n  dev:\n    engine: duckdb\n  pg:\n    engine: postgres\n    url: {}\njourney:\n  own_domains: [acme.io]\nsources:\n{sources}",
                pg.url
            ),
        );
        std::fs::create_dir_all(project.path().join("target")).unwrap();
        let duck = duckdb::Connection::open(project.path().join("target/jmap.duckdb")).unwrap();
        duck.execute_batch(setup)
            .unwrap_or_else(|e| panic!("duckdb setup: {e}"));
        drop(duck);
        pg.exec(setup);
        JourneyCase { project, pg }
    }

    /// Build everything on both engines.
    pub fn run(&self) {
        let a = self.project.jmap(&["run"]);
        let out = stdout(&a);
        let err = stderr(&a);
        assert!(
            a.get_output().status.success(),
            "duckdb run failed:\n{out}\n{err}"
        );
        let a = self.project.jmap(&["run", "--target", "pg"]);
        assert!(
            a.get_output().status.success(),
            "postgres run failed:\n{}\n{}",
            stdout(&a),
            stderr(&a)
        );
    }

    /// The same query on both engines; asserts they agree and returns the rows.
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        let duck = duck_query(&self.project.path().join("target/jmap.duckdb"), sql);
        let pg = self.pg.query(sql);
        assert_eq!(duck, pg, "DuckDB and Postgres disagree on: {sql}");
        duck
    }
}

/// Rows written as `a|b|c` strings, for compact expectations.
pub fn rows(v: &[&str]) -> Vec<Vec<String>> {
    v.iter()
        .map(|r| r.split('|').map(str::to_owned).collect())
        .collect()
}
