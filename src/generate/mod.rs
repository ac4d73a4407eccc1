//! `jmap generate`: a realistic, deterministic B2B dataset of every source
//! kind, for the demo, the tests and benchmarks.
//!
//! Each account is simulated on its own seeded random stream: firmographics
//! and fit (`firm`), a plan of its journey (`plan`), its people (`people`),
//! then episode by episode the rows that journey leaves in each system
//! (`web`, `ads`, `mail`, `crm`), plus traffic that is nobody's journey
//! (`visitors`). Known dirt is mixed in at counted rates (`dirt`), and what
//! was generated is written to truth.json (`truth`) so tests and people can
//! check a journey map built from the files against it.

mod account;
mod ads;
mod batch;
mod catalog;
mod channel;
mod crm;
mod dirt;
mod firm;
mod layout;
mod mail;
mod names;
mod people;
mod plan;
mod rng;
mod site;
mod table;
#[cfg(test)]
mod tests;
mod time;
mod truth;
mod visitors;
mod web;
mod writer;

use std::path::PathBuf;

use crate::error::{Code, Error};
pub use layout::sources_yaml;
pub use truth::Truth;

pub const TRUTH_FILE: &str = "truth.json";

#[derive(Debug, Clone)]
pub struct Options {
    pub out: PathBuf,
    pub accounts: u64,
    pub seed: u64,
    /// Generating threads (the output is the same for any number).
    pub threads: usize,
}

/// The files written, in the order they are declared.
pub fn files() -> impl Iterator<Item = &'static str> {
    layout::LAYOUTS.iter().map(|l| l.file)
}

/// Write the CSV files and truth.json into `opts.out`.
pub fn generate(opts: &Options) -> Result<Truth, Error> {
    if opts.accounts == 0 {
        return Err(Error::new(Code::Usage, "--accounts must be at least 1")
            .help("300 accounts (the default) make about 100k rows"));
    }
    let seed = opts.seed;
    let cat = catalog::Catalog::build(seed, opts.accounts, |i| account::engaged(seed, i));
    let tally = writer::write(&opts.out, seed, opts.accounts, opts.threads, &cat)?;
    let kiosk_accounts = cat
        .kiosk_accounts
        .iter()
        .map(|i| format!("A{i:06}"))
        .collect();
    let truth = Truth::new(seed, &tally, &cat.kiosk_device, kiosk_accounts);
    let path = opts.out.join(TRUTH_FILE);
    let text = serde_json::to_string_pretty(&truth)
        .map_err(|e| Error::new(Code::Io, format!("cannot encode {}: {e}", path.display())))?;
    std::fs::write(&path, text + "\n").map_err(|e| Error::io(&path, "write", e))?;
    Ok(truth)
}
