//! Postgres's binary COPY format, decoded into Arrow record batches for
//! DuckDB's appender. Binary spares both ends the text round trip: Postgres
//! does not format numbers and times as text, and DuckDB does not parse them
//! back (which, from a stream, its CSV reader does on a single thread).
//!
//! The format (PostgreSQL docs, "COPY", Binary Format): an 11-byte signature,
//! a 32-bit flags word and a header extension; then per row a 16-bit field
//! count and per field a 32-bit length (-1 for NULL) and the value in the
//! type's binary send form; a field count of -1 ends the data. All integers
//! are big-endian.

use std::sync::Arc;

use duckdb::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use duckdb::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use duckdb::arrow::record_batch::RecordBatch;

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

    fn arrow_type(self) -> DataType {
        match self {
            Wire::Int => DataType::Int64,
            Wire::Float => DataType::Float64,
            Wire::Bool => DataType::Boolean,
            Wire::Date => DataType::Date32,
            Wire::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            Wire::Text => DataType::Utf8,
        }
    }
}

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
/// Postgres counts dates and times from 2000-01-01, Arrow from 1970-01-01.
const EPOCH_DAYS: i32 = 10_957;
const EPOCH_MICROS: i64 = 946_684_800_000_000;

enum Column {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
    Text(StringBuilder),
}

impl Column {
    fn new(wire: Wire, capacity: usize) -> Column {
        match wire {
            Wire::Int => Column::Int(Int64Builder::with_capacity(capacity)),
            Wire::Float => Column::Float(Float64Builder::with_capacity(capacity)),
            Wire::Bool => Column::Bool(BooleanBuilder::with_capacity(capacity)),
            Wire::Date => Column::Date(Date32Builder::with_capacity(capacity)),
            Wire::Timestamp => {
                Column::Timestamp(TimestampMicrosecondBuilder::with_capacity(capacity))
            }
            Wire::Text => Column::Text(StringBuilder::with_capacity(capacity, capacity * 16)),
        }
    }

    fn append_null(&mut self) {
        match self {
            Column::Int(b) => b.append_null(),
            Column::Float(b) => b.append_null(),
            Column::Bool(b) => b.append_null(),
            Column::Date(b) => b.append_null(),
            Column::Timestamp(b) => b.append_null(),
            Column::Text(b) => b.append_null(),
        }
    }

    fn append(&mut self, v: &[u8]) -> Result<(), String> {
        let size = |n: usize| {
            if v.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "a field of {} bytes where {n} were expected",
                    v.len()
                ))
            }
        };
        match self {
            Column::Int(b) => {
                size(8)?;
                b.append_value(i64::from_be_bytes(v.try_into().unwrap()));
            }
            Column::Float(b) => {
                size(8)?;
                b.append_value(f64::from_be_bytes(v.try_into().unwrap()));
            }
            Column::Bool(b) => {
                size(1)?;
                b.append_value(v[0] != 0);
            }
            Column::Date(b) => {
                size(4)?;
                // ±infinity are i32::MAX/MIN on both sides.
                let days = i32::from_be_bytes(v.try_into().unwrap());
                match days {
                    i32::MAX | i32::MIN => b.append_value(days),
                    d => b.append_option(d.checked_add(EPOCH_DAYS)),
                }
            }
            Column::Timestamp(b) => {
                size(8)?;
                let micros = i64::from_be_bytes(v.try_into().unwrap());
                match micros {
                    i64::MAX | i64::MIN => b.append_value(micros),
                    m => b.append_option(m.checked_add(EPOCH_MICROS)),
                }
            }
            Column::Text(b) => {
                let s =
                    std::str::from_utf8(v).map_err(|e| format!("text that is not UTF-8: {e}"))?;
                b.append_value(s);
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Int(b) => Arc::new(b.finish()),
            Column::Float(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::Date(b) => Arc::new(b.finish()),
            Column::Timestamp(b) => Arc::new(b.finish()),
            Column::Text(b) => Arc::new(b.finish()),
        }
    }
}

/// Decodes the COPY stream chunk by chunk (chunks need not align with rows)
/// into record batches of at most `batch_rows` rows.
pub struct Decoder {
    schema: SchemaRef,
    columns: Vec<Column>,
    batch_rows: usize,
    rows: usize,
    /// Bytes of an incomplete row (or header) carried to the next chunk.
    carry: Vec<u8>,
    header_done: bool,
    ended: bool,
    /// Reused per row: (offset, length) of each field, length -1 for NULL.
    fields: Vec<(usize, i32)>,
}

impl Decoder {
    pub fn new(names: &[String], wires: &[Wire], batch_rows: usize) -> Decoder {
        let fields: Vec<Field> = names
            .iter()
            .zip(wires)
            .map(|(n, w)| Field::new(n, w.arrow_type(), true))
            .collect();
        Decoder {
            schema: Arc::new(Schema::new(fields)),
            columns: wires.iter().map(|w| Column::new(*w, batch_rows)).collect(),
            batch_rows,
            rows: 0,
            carry: Vec::new(),
            header_done: false,
            ended: false,
            fields: Vec::with_capacity(wires.len()),
        }
    }

    /// Decode `chunk`; each full batch goes to `emit`, which returns false
    /// when its receiver went away. Ok(false): decoding stopped for that.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        emit: &mut dyn FnMut(RecordBatch) -> bool,
    ) -> Result<bool, String> {
        let mut data = std::mem::take(&mut self.carry);
        let input = if data.is_empty() {
            chunk
        } else {
            data.extend_from_slice(chunk);
            &data
        };
        let (used, go_on) = self.decode(input, emit)?;
        self.carry = input[used..].to_vec();
        Ok(go_on)
    }

    /// The last, partial batch; an error when the stream stopped mid-row or
    /// before its end marker.
    pub fn finish(mut self) -> Result<Option<RecordBatch>, String> {
        if !self.ended || !self.carry.is_empty() {
            return Err("the COPY stream ended before its end marker".to_owned());
        }
        Ok(if self.rows > 0 {
            Some(self.batch()?)
        } else {
            None
        })
    }

    fn batch(&mut self) -> Result<RecordBatch, String> {
        self.rows = 0;
        let arrays = self.columns.iter_mut().map(Column::finish).collect();
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())
    }

    /// Decode whole rows of `data`: how many bytes they took, and false when
    /// `emit` refused a batch.
    fn decode(
        &mut self,
        data: &[u8],
        emit: &mut dyn FnMut(RecordBatch) -> bool,
    ) -> Result<(usize, bool), String> {
        let mut at = 0;
        if !self.header_done {
            if data.len() < SIGNATURE.len() + 8 {
                return Ok((0, true));
            }
            if &data[..SIGNATURE.len()] != SIGNATURE {
                return Err("the COPY stream is not in binary format".to_owned());
            }
            let ext = be_i32(&data[SIGNATURE.len() + 4..]) as usize;
            at = SIGNATURE.len() + 8 + ext;
            if data.len() < at {
                return Ok((0, true));
            }
            self.header_done = true;
        }
        while !self.ended && data.len() >= at + 2 {
            let count = i16::from_be_bytes([data[at], data[at + 1]]);
            if count == -1 {
                self.ended = true;
                at += 2;
                break;
            }
            if count as usize != self.columns.len() {
                return Err(format!(
                    "a row of {count} fields where {} were expected",
                    self.columns.len()
                ));
            }
            // Find every field first: the row may continue in the next chunk.
            let mut p = at + 2;
            self.fields.clear();
            let mut complete = true;
            for _ in 0..count {
                if data.len() < p + 4 {
                    complete = false;
                    break;
                }
                let len = be_i32(&data[p..]);
                p += 4;
                let take = len.max(0) as usize;
                if data.len() < p + take {
                    complete = false;
                    break;
                }
                self.fields.push((p, len));
                p += take;
            }
            if !complete {
                break;
            }
            for (column, &(offset, len)) in self.columns.iter_mut().zip(&self.fields) {
                if len < 0 {
                    column.append_null();
                } else {
                    column.append(&data[offset..offset + len as usize])?;
                }
            }
            at = p;
            self.rows += 1;
            if self.rows == self.batch_rows {
                let batch = self.batch()?;
                if !emit(batch) {
                    return Ok((p, false));
                }
            }
        }
        Ok((at, true))
    }
}

fn be_i32(b: &[u8]) -> i32 {
    i32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use duckdb::arrow::array::{Array, AsArray};
    use duckdb::arrow::datatypes::{Date32Type, Int64Type, TimestampMicrosecondType};

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

    fn decoder(batch_rows: usize) -> Decoder {
        let names = ["id", "at", "name", "day"].map(String::from);
        let wires = [Wire::Int, Wire::Timestamp, Wire::Text, Wire::Date];
        Decoder::new(&names, &wires, batch_rows)
    }

    #[test]
    fn decodes_rows_split_across_chunks_at_every_byte() {
        let s = stream();
        for cut in 0..s.len() {
            let mut d = decoder(100);
            let mut batches = Vec::new();
            let mut emit = |b: RecordBatch| {
                batches.push(b);
                true
            };
            assert!(d.feed(&s[..cut], &mut emit).unwrap());
            assert!(d.feed(&s[cut..], &mut emit).unwrap());
            let b = d.finish().unwrap().expect("a batch");
            assert_eq!(b.num_rows(), 2, "cut at {cut}");
            let ids = b.column(0).as_primitive::<Int64Type>();
            assert_eq!((ids.value(0), ids.value(1)), (7, -1));
            // 946,684,800 s (1970 -> 2000) + 86,401 s.
            let at = b.column(1).as_primitive::<TimestampMicrosecondType>();
            assert_eq!(at.value(0), 946_771_201_000_000);
            assert!(at.is_null(1));
            assert_eq!(b.column(2).as_string::<i32>().value(0), "héllo");
            assert!(b.column(2).is_null(1));
            // 10,957 days (1970 -> 2000) + 1.
            assert_eq!(b.column(3).as_primitive::<Date32Type>().value(0), 10_958);
        }
    }

    #[test]
    fn full_batches_are_emitted_as_they_fill() {
        let mut d = decoder(1);
        let mut sizes = Vec::new();
        let going = d
            .feed(&stream(), &mut |b: RecordBatch| {
                sizes.push(b.num_rows());
                true
            })
            .unwrap();
        assert!(going);
        assert_eq!(sizes, [1, 1]);
        assert!(d.finish().unwrap().is_none());
        // A receiver that goes away stops the decoding at its batch.
        let mut d = decoder(1);
        assert!(!d.feed(&stream(), &mut |_| false).unwrap());
    }

    #[test]
    fn a_stream_cut_short_or_not_binary_is_an_error() {
        let s = stream();
        let mut d = decoder(100);
        assert!(d.feed(&s[..s.len() - 2], &mut |_| true).unwrap());
        assert!(d.finish().unwrap_err().contains("end marker"));
        let mut d = decoder(100);
        let err = d
            .feed(b"id,name\n1,a\n2,b\n3,c\n", &mut |_| true)
            .unwrap_err();
        assert!(err.contains("binary"), "{err}");
    }
}
