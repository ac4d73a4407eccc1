//! The rows and counts one batch of accounts produced, handed from a
//! generating thread to the writer.

use super::table::Table;
use super::truth::Tally;

#[derive(Debug, Default)]
pub struct Batch {
    /// One table per file, in the order of layout::LAYOUTS.
    pub tables: [Table; 8],
    pub tally: Tally,
}

impl Batch {
    /// Move the row counts into the tally (once, when the batch is done).
    pub fn count_rows(&mut self) {
        for (n, t) in self.tally.rows.iter_mut().zip(&self.tables) {
            *n += t.rows;
        }
    }
}
