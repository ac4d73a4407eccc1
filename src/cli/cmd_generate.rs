//! `jmap generate`: write the synthetic B2B dataset (see `crate::generate`)
//! as CSV files plus truth.json.

use std::time::Instant;

use super::args::GenerateArgs;
use crate::error::Error;
use crate::generate::{self, Options};

pub fn run(args: &GenerateArgs) -> Result<i32, Error> {
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let truth = generate::generate(&Options {
        out: args.out.clone(),
        accounts: args.accounts,
        seed: args.seed,
        threads,
    })?;
    let dir = args.out.display();
    println!(
        "Wrote {} rows for {} accounts (seed {}) to {dir}/ in {:.1}s",
        truth.rows_total,
        truth.accounts.total,
        args.seed,
        started.elapsed().as_secs_f64()
    );
    let width = generate::files().map(str::len).max().unwrap_or(0);
    for file in generate::files() {
        let rows = truth.rows[file.trim_end_matches(".csv")];
        println!("  {file:<width$}  {rows:>10}");
    }
    let won = &truth.won_journeys.as_generated;
    println!(
        "{} won, {} lost, {} open opportunities; won journeys average {:.1} touches, {:.1} channels, {:.0} days",
        truth.opportunities.won,
        truth.opportunities.lost,
        truth.opportunities.open,
        won.avg_touches,
        won.avg_channels,
        won.avg_days
    );
    println!(
        "Ground truth (what a correct journey map finds): {dir}/{}",
        generate::TRUTH_FILE
    );
    println!(
        "\nDeclare the files in journey.yaml (paths relative to the project):\n\n{}",
        generate::sources_yaml(&args.out.to_string_lossy())
    );
    Ok(0)
}
