//! CSV rows built straight into bytes: no per-row allocation, so ten million
//! rows cost little more than writing them.

use std::io::Write as _;

use super::time::{self, Format};

/// Rows of one file, for one batch of accounts.
#[derive(Debug, Default)]
pub struct Table {
    pub bytes: Vec<u8>,
    pub rows: u64,
    /// Where the row being written (or the last finished one) starts.
    row_start: usize,
    in_row: bool,
}

fn needs_quotes(s: &str) -> bool {
    s.starts_with(' ')
        || s.ends_with(' ')
        || s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

impl Table {
    fn sep(&mut self) {
        if self.in_row {
            self.bytes.push(b',');
        } else {
            self.row_start = self.bytes.len();
            self.in_row = true;
        }
    }

    /// A text field; the empty string is written as nothing (NULL on load).
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        if needs_quotes(s) {
            self.bytes.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.bytes.push(b'"');
                }
                self.bytes.push(b);
            }
            self.bytes.push(b'"');
        } else {
            self.bytes.extend_from_slice(s.as_bytes());
        }
        self
    }

    pub fn opt(&mut self, s: Option<&str>) -> &mut Self {
        self.text(s.unwrap_or(""))
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self
    }

    /// A quoted empty string: an empty value rather than a missing one.
    pub fn empty_string(&mut self) -> &mut Self {
        self.sep();
        self.bytes.extend_from_slice(b"\"\"");
        self
    }

    pub fn int(&mut self, v: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.bytes, "{v}");
        self
    }

    /// An amount of money from cents: `1234.50`.
    pub fn money(&mut self, cents: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.bytes, "{}.{:02}", cents / 100, cents % 100);
        self
    }

    pub fn ts(&mut self, t: i64, format: Format) -> &mut Self {
        self.sep();
        time::write_timestamp(&mut self.bytes, t, format);
        self
    }

    pub fn opt_ts(&mut self, t: Option<i64>) -> &mut Self {
        match t {
            Some(t) => self.ts(t, Format::Space),
            None => self.null(),
        }
    }

    pub fn date(&mut self, t: i64) -> &mut Self {
        self.sep();
        time::write_date(&mut self.bytes, t);
        self
    }

    pub fn end(&mut self) {
        self.bytes.push(b'\n');
        self.rows += 1;
        self.in_row = false;
    }

    /// Write the last row again, byte for byte (an exact duplicate).
    pub fn repeat_last(&mut self) {
        let (start, end) = (self.row_start, self.bytes.len());
        self.bytes.extend_from_within(start..end);
        self.rows += 1;
        self.row_start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it_and_repeats_rows() {
        let mut t = Table::default();
        t.text("a")
            .text("b, c")
            .text(" pad ")
            .null()
            .empty_string()
            .int(-1);
        t.end();
        t.money(123_450).text("say \"hi\"");
        t.end();
        t.repeat_last();
        assert_eq!(
            String::from_utf8(t.bytes).unwrap(),
            "a,\"b, c\",\" pad \",,\"\",-1\n1234.50,\"say \"\"hi\"\"\"\n1234.50,\"say \"\"hi\"\"\"\n"
        );
        assert_eq!(t.rows, 3);
    }
}
