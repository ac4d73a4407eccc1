//! Postgres's binary COPY format, decoded field by field into a [`Sink`] (the
//! vectors of a DuckDB data chunk when loading). Binary spares both ends the
//! text round trip: Postgres does not format numbers and times as text, and
//! DuckDB does not parse them back (which, from a stream, its CSV reader does
//! on a single thread).
//!
//! The format (PostgreSQL docs, "COPY", Binary Format): an 11-byte signature,
//! a 32-bit flags word and a header extension; then per row a 16-bit field
//! count and per field a 32-bit length (-1 for NULL) and the value in the
//! type's binary send form; a field count of -1 ends the data. All integers
//! are big-endian.

/// How a column travels: the COPY's select list casts every source type to
/// one of these, so the decoder knows a handful of send forms only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    Int,
    Float,
    Bool,
    Date,
    Timestamp,
    Text,
}

impl Wire {
    /// The wire form of a Postgres type as `format_type` prints it.
    pub fn of(pg_type: &str) -> Wire {
        match pg_type.split('(').next().unwrap_or(pg_type).trim() {
            "smallint" | "integer" | "bigint" => Wire::Int,
            "real" | "double precision" | "numeric" => Wire::Float,
            "boolean" => Wire::Bool,
            "date" => Wire::Date,
            "timestamp without time zone" | "timestamp with time zone" => Wire::Timestamp,
            _ => Wire::Text,
        }
    }

    /// The column's type in the DuckDB warehouse.
    pub fn duckdb_type(self) -> &'static str {
        match self {
            Wire::Int => "BIGINT",
            Wire::Float => "DOUBLE",
            Wire::Bool => "BOOLEAN",
            Wire::Date => "DATE",
            Wire::Timestamp => "TIMESTAMP",
            Wire::Text => "VARCHAR",
        }
    }

    /// What the COPY selects for a column of `pg_type` (quoted name `q`):
    /// times with a zone arrive as UTC wall-clock times.
    pub fn send(self, q: &str, pg_type: &str) -> String {
        match self {
            Wire::Int => format!("{q}::int8"),
            Wire::Float => format!("{q}::float8"),
            Wire::Bool | Wire::Date => q.to_owned(),
            Wire::Timestamp if pg_type.starts_with("timestamp with") => {
                format!("({q} at time zone 'UTC')")
            }
            Wire::Timestamp => format!("{q}::timestamp"),
            Wire::Text => format!("{q}::text"),
        }
    }
}

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
/// Postgres counts dates and times from 2000-01-01, DuckDB from 1970-01-01.
const EPOCH_DAYS: i32 = 10_957;
const EPOCH_MICROS: i64 = 946_684_800_000_000;

/// One decoded field, in DuckDB's representation: days and microseconds since
/// 1970-01-01 (±infinity kept as i32/i64 MAX and MIN, as both sides write it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(i32),
    Timestamp(i64),
    Text(&'a str),
}

impl Wire {
    /// The field `v` (its bytes in the type's binary send form) as a value.
    fn decode(self, v: &[u8]) -> Result<Value<'_>, String> {
        let fixed = |n: usize| -> Result<(), String> {
            if v.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "a field of {} bytes where {n} were expected",
                    v.len()
                ))
            }
        };
        Ok(match self {
            Wire::Int => {
                fixed(8)?;
                Value::Int(i64::from_be_bytes(v.try_into().unwrap()))
            }
            Wire::Float => {
                fixed(8)?;
                Value::Float(f64::from_be_bytes(v.try_into().unwrap()))
            }
            Wire::Bool => {
                fixed(1)?;
                Value::Bool(v[0] != 0)
            }
            Wire::Date => {
                fixed(4)?;
                match i32::from_be_bytes(v.try_into().unwrap()) {
                    d @ (i32::MAX | i32::MIN) => Value::Date(d),
                    d => d.checked_add(EPOCH_DAYS).map_or(Value::Null, Value::Date),
                }
            }
            Wire::Timestamp => {
                fixed(8)?;
                match i64::from_be_bytes(v.try_into().unwrap()) {
                    m @ (i64::MAX | i64::MIN) => Value::Timestamp(m),
                    m => m
                        .checked_add(EPOCH_MICROS)
                        .map_or(Value::Null, Value::Timestamp),
                }
            }
            Wire::Text => Value::Text(
                std::str::from_utf8(v).map_err(|e| format!("text that is not UTF-8: {e}"))?,
            ),
        })
    }
}

/// Where decoded rows go: field `column` of the `row`-th row of this call.
pub trait Sink {
    fn put(&mut self, row: usize, column: usize, value: Value<'_>);
}

/// Decodes the COPY stream: the header once, then whole rows. The caller
/// keeps the bytes of a row that a buffer cut short and offers them again
/// with what follows.
pub struct Decoder {
    wires: Vec<Wire>,
    header_done: bool,
    ended: bool,
    /// Reused per row: (offset, length) of each field, length -1 for NULL.
    fields: Vec<(usize, i32)>,
}

impl Decoder {
    pub fn new(wires: &[Wire]) -> Decoder {
        Decoder {
            wires: wires.to_vec(),
            header_done: false,
            ended: false,
            fields: Vec::with_capacity(wires.len()),
        }
    }

    /// Whether the end marker has been read.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Decode whole rows of `data`, at most `max_rows`, into `sink`: the bytes
    /// they took and how many rows.
    pub fn read(
        &mut self,
        data: &[u8],
        max_rows: usize,
        sink: &mut dyn Sink,
    ) -> Result<(usize, usize), String> {
        let mut at = 0;
        if !self.header_done {
            if data.len() < SIGNATURE.len() + 8 {
                return Ok((0, 0));
            }
            if &data[..SIGNATURE.len()] != SIGNATURE {
                return Err("the COPY stream is not in binary format".to_owned());
            }
            let ext = be_i32(&data[SIGNATURE.len() + 4..]) as usize;
            at = SIGNATURE.len() + 8 + ext;
            if data.len() < at {
                return Ok((0, 0));
            }
            self.header_done = true;
        }
        let mut rows = 0;
        while rows < max_rows && !self.ended && data.len() >= at + 2 {
            let count = i16::from_be_bytes([data[at], data[at + 1]]);
            if count == -1 {
                self.ended = true;
                at += 2;
                break;
            }
            if count as usize != self.wires.len() {
                return Err(format!(
                    "a row of {count} fields where {} were expected",
                    self.wires.len()
                ));
            }
            // Find every field first: the row may continue in the next buffer.
            let mut p = at + 2;
            self.fields.clear();
            for _ in 0..count {
                if data.len() < p + 4 {
                    return Ok((at, rows));
                }
                let len = be_i32(&data[p..]);
                p += 4;
                let take = len.max(0) as usize;
                if data.len() < p + take {
                    return Ok((at, rows));
                }
                self.fields.push((p, len));
                p += take;
            }
            for (column, (&(offset, len), wire)) in self.fields.iter().zip(&self.wires).enumerate()
            {
                let value = if len < 0 {
                    Value::Null
                } else {
                    wire.decode(&data[offset..offset + len as usize])?
                };
                sink.put(rows, column, value);
            }
            at = p;
            rows += 1;
        }
        Ok((at, rows))
    }
}

fn be_i32(b: &[u8]) -> i32 {
    i32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(out: &mut Vec<u8>, v: Option<&[u8]>) {
        match v {
            Some(v) => {
                out.extend((v.len() as i32).to_be_bytes());
                out.extend(v);
            }
            None => out.extend((-1i32).to_be_bytes()),
        }
    }

    /// Two rows of (int8, timestamp, text, date), as Postgres sends them.
    fn stream() -> Vec<u8> {
        let mut s = SIGNATURE.to_vec();
        s.extend(0i32.to_be_bytes());
        s.extend(0i32.to_be_bytes());
        // 2000-01-02 00:00:01 UTC = 86,401 s after the Postgres epoch.
        for (id, micros, text, days) in [
            (7i64, Some(86_401_000_000i64), Some("héllo"), Some(1i32)),
            (-1, None, None, None),
        ] {
            s.extend(4i16.to_be_bytes());
            field(&mut s, Some(&id.to_be_bytes()));
            field(
                &mut s,
                micros.map(i64::to_be_bytes).as_ref().map(|b| &b[..]),
            );
            field(&mut s, text.map(str::as_bytes));
            field(&mut s, days.map(i32::to_be_bytes).as_ref().map(|b| &b[..]));
        }
        s.extend((-1i16).to_be_bytes());
        s
    }

    /// Collects rows as the debug form of their values.
    #[derive(Default)]
    struct Rows(Vec<Vec<String>>);

    impl Sink for Rows {
        fn put(&mut self, _row: usize, column: usize, value: Value<'_>) {
            if column == 0 {
                self.0.push(Vec::new());
            }
            self.0.last_mut().unwrap().push(format!("{value:?}"));
        }
    }

    fn decoder() -> Decoder {
        Decoder::new(&[Wire::Int, Wire::Timestamp, Wire::Text, Wire::Date])
    }

    /// Feed `parts` as a caller does: the unread tail of one buffer goes in
    /// front of the next.
    fn decode_in_parts(parts: &[&[u8]], max_rows: usize) -> (Decoder, Rows) {
        let (mut d, mut rows, mut pending) = (decoder(), Rows::default(), Vec::new());
        for part in parts {
            pending.extend_from_slice(part);
            loop {
                let (used, n) = d.read(&pending, max_rows, &mut rows).unwrap();
                pending.drain(..used);
                if n == 0 {
                    break;
                }
            }
        }
        assert!(pending.is_empty() || !d.ended());
        (d, rows)
    }

    #[test]
    fn decodes_rows_split_at_every_byte() {
        let s = stream();
        for cut in 0..s.len() {
            let (d, rows) = decode_in_parts(&[&s[..cut], &s[cut..]], 100);
            assert!(d.ended(), "cut at {cut}");
            // 946,684,800 s (1970 -> 2000) + 86,401 s = 946,771,201 s;
            // 10,957 days (1970 -> 2000) + 1 = 10,958.
            assert_eq!(
                rows.0,
                [
                    [
                        "Int(7)",
                        "Timestamp(946771201000000)",
                        "Text(\"héllo\")",
                        "Date(10958)"
                    ],
                    ["Int(-1)", "Null", "Null", "Null"],
                ],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn stops_at_max_rows_and_resumes() {
        let s = stream();
        let mut d = decoder();
        let mut rows = Rows::default();
        let (used, n) = d.read(&s, 1, &mut rows).unwrap();
        assert_eq!(n, 1);
        let (rest, n) = d.read(&s[used..], 1, &mut rows).unwrap();
        assert_eq!(n, 1);
        assert!(!d.ended());
        // The end marker takes a call of its own, with no row.
        assert_eq!(d.read(&s[used + rest..], 1, &mut rows).unwrap(), (2, 0));
        assert!(d.ended());
        assert_eq!(rows.0.len(), 2);
    }

    #[test]
    fn a_stream_cut_short_or_not_binary_is_noticed() {
        let s = stream();
        let (d, rows) = decode_in_parts(&[&s[..s.len() - 2]], 100);
        assert!(!d.ended(), "no end marker seen");
        assert_eq!(rows.0.len(), 2);
        let err = decoder()
            .read(b"id,name\n1,a\n2,b\n3,c\n", 100, &mut Rows::default())
            .unwrap_err();
        assert!(err.contains("binary"), "{err}");
    }

    #[test]
    fn a_field_of_the_wrong_size_is_an_error() {
        let mut s = SIGNATURE.to_vec();
        s.extend(0i32.to_be_bytes());
        s.extend(0i32.to_be_bytes());
        s.extend(4i16.to_be_bytes());
        field(&mut s, Some(&7i32.to_be_bytes()));
        for _ in 0..3 {
            field(&mut s, None);
        }
        let err = decoder().read(&s, 100, &mut Rows::default()).unwrap_err();
        assert!(err.contains("4 bytes where 8"), "{err}");
    }
}
