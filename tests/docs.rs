//! `jmap docs`: the site in headless Chromium (it loads from file:// with no
//! console error and no network request, every chart is drawn, and its
//! numbers are the tables' numbers, on DuckDB and on Postgres), the lineage of
//! a 5,000-model project, `--serve`, and descriptions written into the
//! warehouse as comments on both engines.
//!
//! These tests need Chromium (Debian's `chromium`; `.ci/run` installs it).
//! They fail rather than skip without it: CI must not pass untested.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{PgDb, TestProject, demo_project, duck_query, jmap_in, repo_root, stderr, stdout};

// ---------------------------------------------------------------- browser

struct Browser {
    bin: PathBuf,
}

impl Browser {
    fn new() -> Browser {
        let bin = std::env::var_os("CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| find_on_path("chromium"))
            .unwrap_or_else(|| {
                panic!(
                    "chromium is not installed: `apt-get install -y chromium` (.ci/run installs it); \
                     the docs tests need a real browser"
                )
            });
        Browser { bin }
    }

    /// Run Chromium headless on `url` with `extra` flags; its stdout.
    fn run(&self, url: &str, extra: &[String]) -> String {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(&self.bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        let mut out = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("chromium did not finish loading {url} in 120s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        reader.join().unwrap()
    }

    /// The DOM after the page has run (virtual time lets shards load).
    fn dom(&self, url: &str) -> String {
        let dom = self.run(
            url,
            &[
                "--virtual-time-budget=5000".to_owned(),
                "--dump-dom".to_owned(),
            ],
        );
        assert!(dom.contains("</html>"), "no DOM from {url}:\n{dom}");
        dom
    }

    /// The DOM as soon as the page has loaded, for real-time measurements.
    fn dom_now(&self, url: &str) -> String {
        self.run(url, &["--dump-dom".to_owned()])
    }

    fn screenshot(&self, url: &str, path: &Path, width: u32, height: u32) {
        let _ = std::fs::remove_file(path);
        self.run(
            url,
            &[
                format!("--screenshot={}", path.display()),
                format!("--window-size={width},{height}"),
                "--virtual-time-budget=5000".to_owned(),
            ],
        );
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 10_000, "screenshot {} is empty", path.display());
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn url(site: &Path, page: &str) -> String {
    format!("file://{}/{page}", site.display())
}

/// What the page recorded as errors (console errors, exceptions, failed
/// loads, requests off the site): must be nothing.
fn page_errors(dom: &str) -> String {
    let start = dom
        .find("<pre id=\"jmap-errors\">")
        .expect("the page has its error log")
        + "<pre id=\"jmap-errors\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    dom[start..end].to_owned()
}

fn assert_clean(dom: &str, page: &str) {
    let errors = page_errors(dom);
    assert!(
        errors.trim().is_empty(),
        "{page} reported errors:\n{errors}"
    );
}

fn count(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

/// The text right after `marker`'s tag closes: `<b data-x="1">text</b>` -> text.
fn text_after(dom: &str, marker: &str) -> String {
    let at = dom
        .find(marker)
        .unwrap_or_else(|| panic!("`{marker}` not in the page"));
    let rest = &dom[at + marker.len()..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    rest[open..open + close].to_owned()
}

fn attr(dom: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let at = dom
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in the page"))
        + key.len();
    dom[at..at + dom[at..].find('"').unwrap()].parse().unwrap()
}

fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// No file of the site points at the network.
fn assert_offline(site: &Path) {
    for entry in walkdir::WalkDir::new(site) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for scheme in ["http://", "https://", "src=\"//", "href=\"//"] {
            assert!(
                !text.contains(scheme),
                "{} refers to `{scheme}`",
                entry.path().display()
            );
        }
    }
}

fn site_size(site: &Path) -> (usize, u64) {
    walkdir::WalkDir::new(site)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .fold((0, 0), |(n, b), e| (n + 1, b + e.metadata().unwrap().len()))
}

fn run_ok(dir: &Path, args: &[&str]) -> String {
    let a = jmap_in(dir, args);
    assert!(
        a.get_output().status.success(),
        "jmap {args:?} failed:\n{}\n{}",
        stdout(&a),
        stderr(&a)
    );
    stdout(&a)
}

// ---------------------------------------------------------------- the demo

#[test]
fn demo_site_loads_offline_draws_every_chart_and_shows_the_tables_numbers() {
    let browser = Browser::new();
    let dir = demo_project();
    let root = dir.path();
    run_ok(root, &["run"]);
    let out = run_ok(root, &["docs"]);
    assert!(out.contains("target/docs"), "{out}");
    let site = root.join("target/docs");
    assert_offline(&site);
    let db = root.join("target/jmap.duckdb");
    let q = |sql: &str| duck_query(&db, sql);

    // The journey map.
    let dom = browser.dom(&url(&site, "index.html"));
    assert_clean(&dom, "index.html");
    let funnel = q(
        "select stage, next_stage, entered, converted, conversion_rate \
                    from journey.stage_funnel order by stage_index",
    );
    assert!(!funnel.is_empty());
    for row in &funnel {
        let (stage, entered, rate) = (
            &row[0],
            row[2].parse::<i64>().unwrap(),
            row[4].parse::<f64>().unwrap(),
        );
        assert_eq!(
            text_after(
                &dom,
                &format!("class=\"funnel-count\" data-stage=\"{stage}\"")
            ),
            thousands(entered),
            "funnel count of {stage}"
        );
        assert_eq!(
            text_after(
                &dom,
                &format!(
                    "class=\"pill rate{}\" data-stage=\"{stage}\"",
                    if rate < 0.4 { " low" } else { "" }
                )
            ),
            format!("{:.1}%", rate * 100.0),
            "conversion rate of {stage}"
        );
    }
    let last = funnel.last().unwrap();
    assert_eq!(
        text_after(
            &dom,
            &format!("class=\"funnel-count\" data-stage=\"{}\"", last[1])
        ),
        thousands(last[3].parse().unwrap())
    );
    let accounts: i64 = q("select count(*) from journey.accounts")[0][0]
        .parse()
        .unwrap();
    assert_eq!(
        text_after(
            &dom,
            "data-kpi=\"0\"><div class=\"label\">Accounts</div><div class=\"value\""
        ),
        thousands(accounts)
    );
    let marketing: i64 =
        q("select count(*) from journey.account_journeys where is_marketing_touch")[0][0]
            .parse()
            .unwrap();
    assert!(
        dom.contains(&format!(
            ">{}</td></tr></tbody></table>",
            thousands(marketing)
        )),
        "the heat map's grand total is the marketing touches of account_journeys ({marketing})"
    );
    for (what, needle, at_least) in [
        ("Sankey bands", "class=\"sankey-link\"", 5),
        ("Sankey nodes", "class=\"sankey-node\"", 5),
        ("heat map cells", "class=\"hm-cell\"", 10),
        ("attribution bars", "class=\"bar\"", 10),
        ("timeline touches", "class=\"tl-touch\"", 5),
        ("stalled accounts", "data-account=\"", 3),
    ] {
        let n = count(&dom, needle);
        assert!(n >= at_least, "{what}: {n} drawn");
    }

    // One account chosen by address: every marketing touch is a dot.
    let dom = browser.dom(&url(&site, "index.html#account=A000194"));
    assert_clean(&dom, "index.html#account=A000194");
    let touches: usize = q("select count(*) from journey.account_journeys \
                            where account_id = 'A000194' and is_marketing_touch")[0][0]
        .parse()
        .unwrap();
    assert_eq!(count(&dom, "class=\"tl-touch\""), touches);

    // The lineage graph, whole and focused.
    let dom = browser.dom(&url(&site, "lineage.html"));
    assert_clean(&dom, "lineage.html");
    let nodes = run_ok(root, &["ls"]).lines().count();
    assert_eq!(attr(&dom, "data-nodes") as usize, nodes);
    assert!(attr(&dom, "data-drawn") >= nodes as f64, "every node drawn");
    let dom = browser.dom(&url(&site, "lineage.html#stage_funnel"));
    assert_clean(&dom, "lineage.html#stage_funnel");
    let lineage = run_ok(root, &["ls", "-s", "+stage_funnel+"])
        .lines()
        .count();
    assert_eq!(attr(&dom, "data-focus-nodes") as usize, lineage);

    // The catalogue: a model's columns, tests and compiled SQL.
    let dom = browser.dom(&url(&site, "models.html"));
    assert_clean(&dom, "models.html");
    assert!(dom.contains("Output models"));
    let dom = browser.dom(&url(&site, "models.html#stage_funnel"));
    assert_clean(&dom, "models.html#stage_funnel");
    for needle in ["conversion_rate", "median_days", "not_null", "Compiled SQL"] {
        assert!(dom.contains(needle), "model page lacks {needle}");
    }
    let sql = &dom[dom.find("id=\"sql\">").expect("an SQL block")..];
    let sql = &sql[..sql.find("</pre>").unwrap()];
    assert!(
        sql.contains("<span class=\"k\">select</span>") && !sql.contains("loading"),
        "compiled SQL loaded from its shard: {sql}"
    );

    // Screenshots, to look at (target/docs-*.png).
    let shots = repo_root().join("target");
    std::fs::create_dir_all(&shots).unwrap();
    browser.screenshot(
        &url(&site, "index.html"),
        &shots.join("docs-journey.png"),
        1400,
        4300,
    );
    browser.screenshot(
        &url(&site, "lineage.html"),
        &shots.join("docs-lineage.png"),
        1400,
        1000,
    );
    browser.screenshot(
        &url(&site, "lineage.html#stage_funnel"),
        &shots.join("docs-lineage-focus.png"),
        1400,
        1000,
    );
    browser.screenshot(
        &url(&site, "models.html"),
        &shots.join("docs-models.png"),
        1400,
        1300,
    );
    browser.screenshot(
        &url(&site, "models.html#stage_funnel"),
        &shots.join("docs-model.png"),
        1400,
        2300,
    );

    // The harness notices a broken page: a missing data file is reported.
    std::fs::remove_file(site.join("data/sql-0.js")).unwrap();
    let dom = browser.dom(&url(&site, "models.html#stage_funnel"));
    assert!(
        page_errors(&dom).contains("sql-0.js"),
        "{}",
        page_errors(&dom)
    );
    let (files, bytes) = site_size(&site);
    eprintln!("demo site: {files} files, {bytes} bytes");
}

#[test]
fn journey_data_is_the_same_read_from_postgres() {
    let pg = PgDb::create();
    let dir = demo_project();
    let root = dir.path();
    run_ok(root, &["run"]);
    run_ok(root, &["docs", "--out", "site-duckdb"]);
    let with_pg = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("jmap")
            .unwrap()
            .current_dir(root)
            .args(args)
            .env("JMAP_PG_URL", &pg.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "jmap {args:?} on postgres failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    with_pg(&["run", "--target", "postgres"]);
    with_pg(&["docs", "--target", "postgres", "--out", "site-pg"]);
    let data = |site: &str| {
        let mut files: Vec<(String, String)> = std::fs::read_dir(root.join(site).join("data"))
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name == "journey.js" || name.starts_with("accounts-")
            })
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let (duck, pg_data) = (data("site-duckdb"), data("site-pg"));
    assert!(duck.len() > 1, "journey data and account shards written");
    assert_eq!(
        duck.iter().map(|f| &f.0).collect::<Vec<_>>(),
        pg_data.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, a), (_, b)) in duck.iter().zip(&pg_data) {
        assert!(a == b, "{name} differs between DuckDB and Postgres");
    }
}

// ---------------------------------------------------------------- 5,000 models

/// A project of `n` models, each reading one to three of the twenty before it
/// (like bench/compile/gen_projects.py: deep as well as wide).
fn many_models(n: usize) -> TestProject {
    let p = TestProject::new("");
    let mut state = 42u64;
    let mut next = |m: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % m
    };
    p.write("models/m0.sql", "select 1 as id\n");
    for i in 1..n {
        let mut parents: Vec<usize> = (0..1 + next(3))
            .map(|_| {
                if next(10) < 7 {
                    i - 1 - next(i.min(20))
                } else {
                    next(i)
                }
            })
            .collect();
        parents.sort();
        parents.dedup();
        let refs: Vec<String> = parents
            .iter()
            .enumerate()
            .map(|(k, j)| {
                if k == 0 {
                    format!("select p0.id from {{{{ ref('m{j}') }}}} as p0")
                } else {
                    format!("join {{{{ ref('m{j}') }}}} as p{k} on p{k}.id = p0.id")
                }
            })
            .collect();
        p.write(
            &format!("models/m{i}.sql"),
            &format!("{}\n", refs.join("\n")),
        );
    }
    p
}

#[test]
fn lineage_of_5000_models_loads_and_focuses_quickly() {
    let browser = Browser::new();
    let p = many_models(5000);
    let out = run_ok(p.path(), &["docs"]);
    assert!(out.contains("5,000 models and sources"), "{out}");
    let site = p.path().join("target/docs");
    assert_offline(&site);
    let (files, bytes) = site_size(&site);

    let started = Instant::now();
    let dom = browser.dom_now(&url(&site, "lineage.html#m2500"));
    let wall = started.elapsed().as_secs_f64();
    assert_clean(&dom, "lineage.html#m2500");
    assert_eq!(attr(&dom, "data-nodes"), 5000.0);
    let (load_ms, focus_ms) = (attr(&dom, "data-load-ms"), attr(&dom, "data-focus-ms"));
    let focused = attr(&dom, "data-focus-nodes");
    eprintln!(
        "5,000 models: site {files} files, {bytes} bytes; lineage page ready after {load_ms:.0} ms \
         (chromium start to exit {wall:.2}s), focus on m2500 ({focused} nodes) {focus_ms:.1} ms"
    );
    assert!(load_ms < 4000.0, "lineage page took {load_ms} ms to draw");
    assert!(focus_ms < 1000.0, "focusing took {focus_ms} ms");
    assert!(focused > 100.0, "m2500 has a large lineage ({focused})");

    for page in ["models.html", "models.html#m4999", "index.html"] {
        let dom = browser.dom(&url(&site, page));
        assert_clean(&dom, page);
    }
    let dom = browser.dom(&url(&site, "index.html"));
    assert!(dom.contains("does not build the journey package"));
    let dom = browser.dom(&url(&site, "lineage.html?levels=2#m2500"));
    assert_clean(&dom, "lineage.html?levels=2#m2500");
    let near = attr(&dom, "data-focus-nodes");
    assert!(
        near > 3.0 && near < focused,
        "two levels around m2500: {near} nodes"
    );
    browser.screenshot(
        &url(&site, "lineage.html?levels=2#m2500"),
        &repo_root().join("target/docs-lineage-5000.png"),
        1400,
        1000,
    );
}

// ---------------------------------------------------------------- --out, --serve

#[test]
fn docs_out_writes_elsewhere_and_serve_answers_on_localhost() {
    let p = TestProject::new("");
    p.write("models/a.sql", "select 1 as id\n");
    p.write("models/b.sql", "select * from {{ ref('a') }}\n");
    let out = run_ok(p.path(), &["docs", "--out", "public/site"]);
    assert!(out.contains("public/site"), "{out}");
    assert!(p.path().join("public/site/index.html").is_file());
    assert!(p.path().join("public/site/data/catalog.js").is_file());
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("jmap"))
        .current_dir(p.path())
        .args(["docs", "--serve", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let get = |path: &str| -> Option<String> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").ok()?;
        let mut body = String::new();
        s.read_to_string(&mut body).ok()?;
        Some(body)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let index = loop {
        if let Some(r) = get("/") {
            break r;
        }
        assert!(Instant::now() < deadline, "--serve never answered");
        std::thread::sleep(Duration::from_millis(100));
    };
    let catalog = get("/data/catalog.js").unwrap();
    let outside = get("/../journey.yaml").unwrap();
    let missing = get("/nope.html").unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(index.starts_with("HTTP/1.1 200"), "{index}");
    assert!(index.contains("text/html") && index.contains("Customer journey map"));
    assert!(catalog.starts_with("HTTP/1.1 200") && catalog.contains("window.JMAP_CATALOG"));
    assert!(outside.starts_with("HTTP/1.1 404"), "{outside}");
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}

// ---------------------------------------------------------------- comments

const COMMENTED_MODELS: &str = "models:
  - name: orders
    description: >
      One row per order (the customer's
      latest state).
    columns:
      - name: id
        description: Key of the order.
      - name: amount
        description: What it's worth.
      - name: not_in_the_table
        description: Documented ahead of the SQL.
  - name: order_ids
    description: The orders' keys, as a view.
    columns:
      - name: id
        description: Key of the order.
  - name: undocumented
";

fn commented_project(pg_url: &str) -> TestProject {
    let p = TestProject::new(&format!(
        "target: dev\ntargets:\n  dev:\n    engine: duckdb\n  pg:\n    engine: postgres\n    url: {pg_url}\n"
    ));
    p.write(
        "models/orders.sql",
        "{{ config(materialized='table') }}\nselect 1 as id, 9.5 as amount\n",
    );
    p.write(
        "models/order_ids.sql",
        "{{ config(materialized='view') }}\nselect id from {{ ref('orders') }}\n",
    );
    p.write(
        "models/undocumented.sql",
        "{{ config(materialized='table') }}\nselect 2 as id\n",
    );
    p.write("models/props.yml", COMMENTED_MODELS);
    p
}

#[test]
fn descriptions_become_table_view_and_column_comments_on_both_engines() {
    let pg = PgDb::create();
    let p = commented_project(&pg.url);
    // `jmap run` writes the comments; twice, because a rebuilt table comes
    // back without them and writing them again must replace, never fail.
    for _ in 0..2 {
        run_ok(p.path(), &["run"]);
        run_ok(p.path(), &["run", "--target", "pg"]);
    }
    let table = "One row per order (the customer's latest state).";

    let db = p.path().join("target/jmap.duckdb");
    let duck = |sql: &str| duck_query(&db, sql);
    assert_eq!(
        duck("select comment from duckdb_tables() where table_name = 'orders'"),
        vec![vec![table.to_owned()]]
    );
    assert_eq!(
        duck("select comment from duckdb_views() where view_name = 'order_ids'"),
        vec![vec!["The orders' keys, as a view.".to_owned()]]
    );
    assert_eq!(
        duck(
            "select column_name, comment from duckdb_columns() \
              where table_name = 'orders' order by column_index"
        ),
        vec![
            vec!["id".to_owned(), "Key of the order.".to_owned()],
            vec!["amount".to_owned(), "What it's worth.".to_owned()],
        ]
    );
    assert_eq!(
        duck(
            "select coalesce(comment, 'none') from duckdb_tables() where table_name = 'undocumented'"
        ),
        vec![vec!["none".to_owned()]]
    );

    let rel = |name: &str| {
        let rows = pg.query(&format!(
            "select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace \
             where c.relname = '{name}' and n.nspname not in ('pg_catalog', 'information_schema')"
        ));
        format!("{}.{name}", rows[0][0])
    };
    let (orders, ids) = (rel("orders"), rel("order_ids"));
    let pg_column_comments = || {
        pg.query(&format!(
            "select col_description('{orders}'::regclass, 1), col_description('{orders}'::regclass, 2), \
                    col_description('{ids}'::regclass, 1)"
        ))
    };
    assert_eq!(
        pg.query(&format!(
            "select obj_description('{orders}'::regclass, 'pg_class')"
        )),
        vec![vec![table.to_owned()]]
    );
    assert_eq!(
        pg.query(&format!(
            "select obj_description('{ids}'::regclass, 'pg_class')"
        )),
        vec![vec!["The orders' keys, as a view.".to_owned()]]
    );
    assert_eq!(
        pg_column_comments(),
        vec![vec![
            "Key of the order.".to_owned(),
            "What it's worth.".to_owned(),
            "Key of the order.".to_owned()
        ]]
    );

    // A run writes only the comments that differ from the stored ones (the
    // table is kept: its SQL did not change). A comment changed behind
    // jmap's back is put back, and an edited description replaces the old.
    let duck_schema =
        &duck("select schema_name from duckdb_tables() where table_name = 'orders'")[0][0];
    duck(&format!(
        "comment on column {duck_schema}.orders.amount is 'stale'"
    ));
    pg.query(&format!("comment on column {orders}.amount is 'stale'"));
    p.write(
        "models/props.yml",
        &COMMENTED_MODELS.replacen("Key of the order.", "The order's key.", 1),
    );
    run_ok(p.path(), &["run"]);
    run_ok(p.path(), &["run", "--target", "pg"]);
    assert_eq!(
        duck(
            "select column_name, comment from duckdb_columns() \
              where table_name in ('orders', 'order_ids') order by table_name desc, column_index"
        ),
        vec![
            vec!["id".to_owned(), "The order's key.".to_owned()],
            vec!["amount".to_owned(), "What it's worth.".to_owned()],
            vec!["id".to_owned(), "Key of the order.".to_owned()],
        ]
    );
    assert_eq!(
        pg_column_comments(),
        vec![vec![
            "The order's key.".to_owned(),
            "What it's worth.".to_owned(),
            "Key of the order.".to_owned()
        ]]
    );
}
