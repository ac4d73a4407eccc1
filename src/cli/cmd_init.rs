//! `jmap init <dir>`: a new project that runs as it is, on DuckDB, over a
//! small sample of web events.

use std::path::Path;

use super::args::InitArgs;
use crate::error::{Code, Error};

/// Accounts in the sample data a new project starts with (~15k rows).
const SAMPLE_ACCOUNTS: u64 = 40;

pub fn run(args: &InitArgs) -> Result<i32, Error> {
    let dir = &args.name;
    if dir.join(crate::config::CONFIG_FILE).exists() {
        return Err(Error::new(
            Code::Usage,
            format!("{} already holds a journey.yaml", dir.display()),
        )
        .help("choose a new directory name, or edit the existing project"));
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "journeys".to_owned());
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let files: [(&str, String); 4] = [
        ("journey.yaml", journey_yaml(&name)),
        ("models/daily_channel_touches.sql", EXAMPLE_MODEL.to_owned()),
        (
            "models/daily_channel_touches.yml",
            EXAMPLE_PROPERTIES.to_owned(),
        ),
        (".gitignore", "target/\n".to_owned()),
    ];
    for (rel, contents) in &files {
        write(&dir.join(rel), contents)?;
    }
    // Sample data of every source kind, so the project runs as it is.
    crate::generate::generate(&crate::generate::Options {
        out: dir.join("fixtures"),
        accounts: SAMPLE_ACCOUNTS,
        seed: 42,
        threads: 1,
    })?;
    println!("Created project `{name}` in {}", dir.display());
    println!(
        "Next:\n  cd {}\n  jmap run\n  jmap show daily_channel_touches",
        dir.display()
    );
    Ok(0)
}

fn write(path: &Path, contents: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create", e))?;
    }
    std::fs::write(path, contents).map_err(|e| Error::io(path, "write", e))
}

fn journey_yaml(name: &str) -> String {
    format!(
        r#"# jmap project. `jmap --help` lists the commands; every key here is checked
# and a typo is reported with its line.
name: {name}
target: dev

targets:
  dev:
    engine: duckdb
    path: target/jmap.duckdb   # the warehouse file, created on first run
    schema: journey            # where output tables go
  # prod:
  #   engine: postgres
  #   url: ${{JMAP_PG_URL}}       # secrets come from the environment
  #   schema: journey

journey:
  session_timeout_minutes: 30
  icp:
    rules:
      - {{field: industry, in: [Software, Financial Services], weight: 50}}
      - {{field: employee_count, min: 200, max: 5000, weight: 50}}

# The sample data in fixtures/ (from `jmap generate`). Point these at your own
# tables (`table:` and `schema:`) or files, mapping jmap's standard column
# names (left) to yours (right). Data landed by Segment, RudderStack or
# Fivetran's HubSpot and Salesforce connectors needs no mapping: name a preset,
#   crm:
#     preset: fivetran_hubspot   # or segment, rudderstack, fivetran_salesforce
#     schema: hubspot            # where the connector landed the tables
{sources}"#,
        sources = crate::generate::sources_yaml("fixtures")
    )
}

const EXAMPLE_MODEL: &str = r#"{{ config(materialized='table') }}
-- Your own model, built on the built-in journey package's touchpoints.
select
    cast(occurred_at as date) as day,
    channel,
    count(*) as touches,
    count(distinct anonymous_id) as visitors
from {{ ref('touchpoints') }}
group by 1, 2
"#;

const EXAMPLE_PROPERTIES: &str = r#"models:
  - name: daily_channel_touches
    description: Touches and distinct visitors per day and channel.
    columns:
      - name: day
        description: Calendar day of the touch.
      - name: channel
        description: Marketing channel of the touch.
      - name: touches
        description: Number of touchpoints.
      - name: visitors
        description: Distinct anonymous visitors.
"#;
