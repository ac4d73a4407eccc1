//! Writing the files: accounts are generated in batches on worker threads
//! and written in account order by this thread, so memory stays flat however
//! many accounts there are and the bytes do not depend on thread timing.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use super::account;
use super::ads;
use super::batch::Batch;
use super::catalog::Catalog;
use super::layout::{AD_SPEND, LAYOUTS};
use super::table::Table;
use super::truth::Tally;
use crate::error::Error;

/// Accounts per batch: big enough to amortise hand-offs, small enough that
/// a few batches in flight stay a few megabytes.
const BATCH: u64 = 32;

struct Files {
    out: Vec<(PathBuf, BufWriter<File>)>,
}

impl Files {
    fn create(dir: &Path) -> Result<Files, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create", e))?;
        let mut out = Vec::new();
        for layout in &LAYOUTS {
            let path = dir.join(layout.file);
            let file = File::create(&path).map_err(|e| Error::io(&path, "create", e))?;
            let mut w = BufWriter::with_capacity(1 << 20, file);
            w.write_all(layout.header().as_bytes())
                .map_err(|e| Error::io(&path, "write", e))?;
            out.push((path, w));
        }
        Ok(Files { out })
    }

    fn write(&mut self, i: usize, t: &Table) -> Result<(), Error> {
        let (path, w) = &mut self.out[i];
        w.write_all(&t.bytes)
            .map_err(|e| Error::io(path, "write", e))
    }

    fn write_batch(&mut self, b: &Batch) -> Result<(), Error> {
        for (i, t) in b.tables.iter().enumerate() {
            self.write(i, t)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Error> {
        for (path, mut w) in self.out {
            w.flush().map_err(|e| Error::io(&path, "write", e))?;
        }
        Ok(())
    }
}

fn build_batch(seed: u64, accounts: u64, batch: u64, cat: &Catalog) -> Batch {
    let mut out = Batch::default();
    let end = ((batch + 1) * BATCH).min(accounts);
    for index in batch * BATCH..end {
        account::build(seed, index, cat, &mut out);
    }
    out.count_rows();
    out
}

pub fn write(
    dir: &Path,
    seed: u64,
    accounts: u64,
    threads: usize,
    cat: &Catalog,
) -> Result<Tally, Error> {
    let mut files = Files::create(dir)?;
    let mut tally = Tally::default();

    let mut spend = Table::default();
    ads::spend(seed, cat, &mut spend, &mut tally.dirt);
    files.write(AD_SPEND, &spend)?;
    tally.rows[AD_SPEND] += spend.rows;
    drop(spend);

    let batches = accounts.div_ceil(BATCH);
    let workers = threads.clamp(1, batches.max(1) as usize);
    let next = AtomicU64::new(0);
    let (tx, rx) = mpsc::sync_channel::<(u64, Batch)>(workers * 2);
    std::thread::scope(|s| -> Result<(), Error> {
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || {
                loop {
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    // A failed send means the writer stopped on an error.
                    if b >= batches || tx.send((b, build_batch(seed, accounts, b, cat))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Batches arrive in any order; write them in account order.
        let mut pending = BTreeMap::new();
        let mut wanted = 0;
        for (b, batch) in rx {
            pending.insert(b, batch);
            while let Some(batch) = pending.remove(&wanted) {
                files.write_batch(&batch)?;
                tally.add(&batch.tally);
                wanted += 1;
            }
        }
        Ok(())
    })?;
    files.finish()?;
    Ok(tally)
}
