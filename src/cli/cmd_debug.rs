//! `jmap debug`: check each layer and say what is wrong and how to fix it.

use super::args::ProjectArgs;
use super::workspace::Workspace;
use crate::adapter::RelationMap;
use crate::error::Error;

pub fn run(args: &ProjectArgs) -> Result<i32, Error> {
    let mut ok = true;
    let mut check = |what: &str, result: Result<String, Error>| match result {
        Ok(detail) => println!("  [OK]     {what}: {detail}"),
        Err(err) => {
            ok = false;
            println!("  [FAILED] {what}\n{}", indent(&err.to_string()));
        }
    };
    println!("jmap {} debug", env!("CARGO_PKG_VERSION"));
    let ws = match Workspace::load(args) {
        Ok(ws) => {
            check(
                "journey.yaml",
                Ok(format!(
                    "project `{}`, {} models, {} sources",
                    ws.project.name(),
                    ws.project.models.len(),
                    ws.project.sources.len()
                )),
            );
            ws
        }
        Err(err) => {
            check("journey.yaml", Err(err));
            return Ok(2);
        }
    };
    check(
        "target",
        Ok(format!(
            "`{}` (engine {}, schema {})",
            ws.target.name,
            ws.target.engine.as_str(),
            ws.target.schema
        )),
    );
    let threads = ws.threads(None).unwrap_or(1);
    let compiled = ws.compile(RelationMap::new(), false, threads);
    check(
        "models compile",
        compiled
            .as_ref()
            .map(|c| format!("{} models, no cycles", c.models.len()))
            .map_err(Clone::clone),
    );
    let connection = ws.connect(1).and_then(|adapter| {
        let mut session = adapter.session()?;
        session
            .query("select 1")
            .map_err(|e| Error::new(crate::error::Code::Connection, e.message))?;
        Ok(adapter.describe())
    });
    check("connection", connection);
    if ok {
        println!("All checks passed.");
        Ok(0)
    } else {
        Ok(2)
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("           {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
