//! `jmap load`: land sources in the warehouse (what `jmap run` does first).

use std::time::Instant;

use super::args::LoadArgs;
use super::output::thousands;
use super::workspace::Workspace;
use crate::error::{Code, Error, did_you_mean};
use crate::load::{self, Job, Loaded};
use crate::lock;

pub fn run(args: &LoadArgs) -> Result<i32, Error> {
    let clock = Instant::now();
    let ws = Workspace::load(&args.project)?;
    let jobs = select(ws.landing_plan()?, &args.select)?;
    if jobs.is_empty() {
        println!(
            "Nothing to load: every source is read in place on target `{}`",
            ws.target.name
        );
        return Ok(0);
    }
    let _file_lock = lock::lock_file(&ws.target, args.wait)?;
    let adapter = ws.connect(1)?;
    let _advisory_lock = lock::lock_advisory(&ws.target, adapter.as_ref(), args.wait)?;
    println!(
        "jmap load: target `{}` ({}), {} sources",
        ws.target.name,
        adapter.describe(),
        jobs.len()
    );
    let loaded = load::load(adapter.as_ref(), &ws.target, &jobs, &mut |l| {
        println!("{}", line(l))
    })?;
    let rows: u64 = loaded.iter().map(|l| l.rows).sum();
    println!(
        "Loaded {} sources ({} rows) in {:.2}s",
        loaded.len(),
        thousands(rows as i64),
        clock.elapsed().as_secs_f64()
    );
    Ok(0)
}

pub fn line(l: &Loaded) -> String {
    format!(
        "  LOAD  {:<11} {:<44}{:>14} {:>7.2}s",
        l.mode.label(),
        l.relation,
        format!("{} rows", thousands(l.rows as i64)),
        l.seconds
    )
}

/// Keep the jobs named by `--select` (group or group.table).
fn select(jobs: Vec<Job>, wanted: &[String]) -> Result<Vec<Job>, Error> {
    if wanted.is_empty() {
        return Ok(jobs);
    }
    for w in wanted {
        if !jobs
            .iter()
            .any(|j| j.source.group == *w || j.source.label() == *w)
        {
            let labels: Vec<String> = jobs.iter().map(|j| j.source.label()).collect();
            let err = Error::new(Code::Selector, format!("no landed source matches `{w}`"));
            return Err(match did_you_mean(w, labels.iter().map(String::as_str)) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help(format!(
                    "sources loaded on this target: {}",
                    labels.join(", ")
                )),
            });
        }
    }
    Ok(jobs
        .into_iter()
        .filter(|j| {
            wanted
                .iter()
                .any(|w| j.source.group == *w || j.source.label() == *w)
        })
        .collect())
}
