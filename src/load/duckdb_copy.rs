//! Postgres binary COPY data into DuckDB: a [`ChunkWriter`] decodes the
//! stream into DuckDB data chunks on the thread that reads the connection,
//! and a table function hands them to `insert into <staged> select * from
//! <function>()` on DuckDB's thread.
//!
//! Why not DuckDB's appender: it copies every value into its own buffer
//! before the table's, and an Arrow batch in front of it added another copy.
//! Here each field is decoded straight into a chunk's vectors, and the table
//! function passes those vectors on by reference. Decoding on the reading
//! thread leaves DuckDB's thread to compress and write (the longer of the
//! two), and the bounded queue between them keeps memory flat whatever the
//! table's size.

use std::error::Error as StdError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::ffi;
use duckdb::vtab::{BindInfo, InitInfo, TableFunctionInfo, VTab};

use super::pg_binary::{Decoder, Sink, Value, Wire};

/// A filled data chunk on its way to DuckDB's thread.
pub struct Chunk(DataChunkHandle);

// Safety: a data chunk is plain memory owned by this handle; it is filled on
// one thread and then only read (referenced) on another, never shared.
unsafe impl Send for Chunk {}

/// The stream one table function reads: its columns and the queue of chunks.
pub struct Feed {
    names: Vec<String>,
    wires: Vec<Wire>,
    /// Taken by the scan when it starts; the loader takes it back (and drops
    /// it, which stops the reader) when the insert ends before that.
    chunks: Mutex<Option<Receiver<Chunk>>>,
}

impl Feed {
    pub fn new(names: Vec<String>, wires: Vec<Wire>, chunks: Receiver<Chunk>) -> Arc<Feed> {
        Arc::new(Feed {
            names,
            wires,
            chunks: Mutex::new(Some(chunks)),
        })
    }

    pub fn columns(&self) -> usize {
        self.names.len()
    }

    /// Drop the queue if no scan took it: the reader then stops.
    pub fn close(&self) {
        self.chunks.lock().unwrap().take();
    }
}

/// Register a table function named `name` reading `feed` on `conn`.
pub fn register(conn: &duckdb::Connection, name: &str, feed: &Arc<Feed>) -> duckdb::Result<()> {
    conn.register_table_function_with_extra_info::<CopyScan, Arc<Feed>>(name, feed)
}

/// A unique function name per load in this process: functions stay
/// registered with the database instance once registered.
pub fn function_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "jmap_pg_copy_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn logical_type(wire: Wire) -> LogicalTypeHandle {
    LogicalTypeHandle::from(match wire {
        Wire::Int => LogicalTypeId::Bigint,
        Wire::Float => LogicalTypeId::Double,
        Wire::Bool => LogicalTypeId::Boolean,
        Wire::Date => LogicalTypeId::Date,
        Wire::Timestamp => LogicalTypeId::Timestamp,
        Wire::Text => LogicalTypeId::Varchar,
    })
}

/// Decodes COPY data, pushed in pieces of any size, into full chunks.
pub struct ChunkWriter {
    wires: Vec<Wire>,
    decoder: Decoder,
    /// Bytes pushed and not yet decoded (after a decode, less than a row).
    pending: Vec<u8>,
    /// Decode once this many bytes wait: a row per call would cost more
    /// than the row (Postgres sends a message per row).
    batch_bytes: usize,
    building: Option<Building>,
}

struct Building {
    chunk: DataChunkHandle,
    sink: ChunkSink,
    rows: usize,
}

impl Building {
    fn new(wires: &[Wire]) -> Building {
        let types: Vec<LogicalTypeHandle> = wires.iter().map(|w| logical_type(*w)).collect();
        let chunk = DataChunkHandle::new(&types);
        let sink = ChunkSink::new(&chunk);
        Building {
            chunk,
            sink,
            rows: 0,
        }
    }

    fn finish(self) -> Chunk {
        self.chunk.set_len(self.rows);
        Chunk(self.chunk)
    }
}

impl ChunkWriter {
    pub fn new(wires: &[Wire], batch_bytes: usize) -> ChunkWriter {
        ChunkWriter {
            wires: wires.to_vec(),
            decoder: Decoder::new(wires),
            pending: Vec::with_capacity(batch_bytes * 2),
            batch_bytes,
            building: None,
        }
    }

    /// Take `bytes`; each chunk that fills goes to `emit`, which returns
    /// false when its receiver went away. Ok(false): stopped for that.
    pub fn push(
        &mut self,
        bytes: &[u8],
        emit: &mut dyn FnMut(Chunk) -> bool,
    ) -> Result<bool, String> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() < self.batch_bytes {
            return Ok(true);
        }
        self.decode(emit)
    }

    /// Decode what is left, the last chunk partial; an error when the
    /// stream stopped mid-row or before its end marker.
    pub fn finish(mut self, emit: &mut dyn FnMut(Chunk) -> bool) -> Result<bool, String> {
        if !self.decode(emit)? {
            return Ok(false);
        }
        if !self.decoder.ended() || !self.pending.is_empty() {
            return Err("the COPY stream ended before its end marker".to_owned());
        }
        Ok(match self.building.take() {
            Some(b) if b.rows > 0 => emit(b.finish()),
            _ => true,
        })
    }

    fn decode(&mut self, emit: &mut dyn FnMut(Chunk) -> bool) -> Result<bool, String> {
        // Safety: a constant of the library, callable at any time.
        let capacity = unsafe { ffi::duckdb_vector_size() } as usize;
        let mut at = 0;
        loop {
            let b = self
                .building
                .get_or_insert_with(|| Building::new(&self.wires));
            b.sink.first_row = b.rows;
            let (used, n) =
                self.decoder
                    .read(&self.pending[at..], capacity - b.rows, &mut b.sink)?;
            at += used;
            b.rows += n;
            if b.rows < capacity {
                break;
            }
            let full = self.building.take().expect("a chunk is being built");
            if !emit(full.finish()) {
                return Ok(false);
            }
        }
        // Keep only the undecoded tail (less than a row).
        self.pending.drain(..at);
        Ok(true)
    }
}

/// Writes decoded fields into a chunk's vectors, through DuckDB's C API
/// directly: the data and validity of each vector are looked up once per
/// chunk rather than once per value.
struct ChunkSink {
    vectors: Vec<Column>,
    /// The chunk row of this `read` call's row 0.
    first_row: usize,
}

struct Column {
    vector: ffi::duckdb_vector,
    data: *mut u8,
    /// One bit per row, 1 = valid; made writable (all valid) up front.
    validity: *mut u64,
}

impl ChunkSink {
    fn new(chunk: &DataChunkHandle) -> ChunkSink {
        let vectors = (0..chunk.num_columns())
            .map(|i| {
                // Safety: `chunk` is a live chunk; its vectors and their
                // buffers live as long as it, and this sink goes with it.
                unsafe {
                    let vector = ffi::duckdb_data_chunk_get_vector(chunk.get_ptr(), i as u64);
                    ffi::duckdb_vector_ensure_validity_writable(vector);
                    Column {
                        vector,
                        data: ffi::duckdb_vector_get_data(vector).cast(),
                        validity: ffi::duckdb_vector_get_validity(vector),
                    }
                }
            })
            .collect();
        ChunkSink {
            vectors,
            first_row: 0,
        }
    }
}

impl Sink for ChunkSink {
    fn put(&mut self, row: usize, column: usize, value: Value<'_>) {
        let row = self.first_row + row;
        let c = &self.vectors[column];
        // Safety: each vector was created for the column's wire type (see
        // `logical_type`), and the decoder never passes more rows than the
        // chunk's capacity. Text is valid UTF-8: the decoder checked it.
        unsafe {
            match value {
                Value::Null => *c.validity.add(row / 64) &= !(1u64 << (row % 64)),
                Value::Int(i) | Value::Timestamp(i) => *c.data.cast::<i64>().add(row) = i,
                Value::Float(f) => *c.data.cast::<f64>().add(row) = f,
                Value::Bool(b) => *c.data.cast::<bool>().add(row) = b,
                Value::Date(d) => *c.data.cast::<i32>().add(row) = d,
                Value::Text(s) => ffi::duckdb_unsafe_vector_assign_string_element_len(
                    c.vector,
                    row as u64,
                    s.as_ptr().cast(),
                    s.len() as u64,
                ),
            }
        }
    }
}

/// The table function: each call passes on the next chunk of the queue.
pub struct CopyScan;

pub struct Scan {
    chunks: Mutex<Option<Receiver<Chunk>>>,
}

fn feed_of(ptr: *const Arc<Feed>) -> Result<Arc<Feed>, Box<dyn StdError>> {
    // Safety: DuckDB hands back the extra info registered in `register`,
    // which lives as long as the function's catalog entry.
    unsafe { ptr.as_ref() }
        .cloned()
        .ok_or_else(|| "the COPY stream of this function is gone".into())
}

impl VTab for CopyScan {
    type BindData = ();
    type InitData = Scan;

    fn bind(bind: &BindInfo) -> Result<(), Box<dyn StdError>> {
        let feed = feed_of(bind.get_extra_info::<Arc<Feed>>())?;
        for (name, wire) in feed.names.iter().zip(&feed.wires) {
            bind.add_result_column(name, logical_type(*wire));
        }
        Ok(())
    }

    fn init(init: &InitInfo) -> Result<Scan, Box<dyn StdError>> {
        let feed = feed_of(init.get_extra_info::<Arc<Feed>>())?;
        // One reader of one stream: chunks come in stream order.
        init.set_max_threads(1);
        let chunks = feed.chunks.lock().unwrap().take();
        if chunks.is_none() {
            return Err("the COPY stream of this function was already read".into());
        }
        Ok(Scan {
            chunks: Mutex::new(chunks),
        })
    }

    fn func(
        info: &TableFunctionInfo<Self>,
        output: &mut DataChunkHandle,
    ) -> Result<(), Box<dyn StdError>> {
        let mut chunks = info.get_init_data().chunks.lock().unwrap();
        // A closed queue ends the scan: after the last chunk, or when the
        // reader failed (the loader reports its error, not this short scan).
        let Some(Chunk(chunk)) = chunks.as_ref().and_then(|rx| rx.recv().ok()) else {
            chunks.take();
            output.set_len(0);
            return Ok(());
        };
        for i in 0..output.num_columns() {
            // Safety: both chunks have the columns and types of `bind`; the
            // output shares the vectors' buffers, which outlive `chunk`.
            unsafe {
                ffi::duckdb_vector_reference_vector(
                    ffi::duckdb_data_chunk_get_vector(output.get_ptr(), i as u64),
                    ffi::duckdb_data_chunk_get_vector(chunk.get_ptr(), i as u64),
                );
            }
        }
        output.set_len(chunk.len());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary COPY stream of `n` rows (int8 id, text name); every 5th name NULL.
    fn stream(n: i64) -> Vec<u8> {
        let mut s = b"PGCOPY\n\xff\r\n\0".to_vec();
        s.extend(0i32.to_be_bytes());
        s.extend(0i32.to_be_bytes());
        for id in 0..n {
            s.extend(2i16.to_be_bytes());
            s.extend(8i32.to_be_bytes());
            s.extend(id.to_be_bytes());
            if id % 5 == 0 {
                s.extend((-1i32).to_be_bytes());
            } else {
                let name = format!("name-{id}-{}", "x".repeat((id % 40) as usize));
                s.extend((name.len() as i32).to_be_bytes());
                s.extend(name.as_bytes());
            }
        }
        s.extend((-1i16).to_be_bytes());
        s
    }

    #[test]
    fn pieces_of_any_size_become_full_chunks_in_order() {
        let data = stream(5_000);
        // Pieces of 1 to 997 bytes, as the network might cut them, and a
        // decoding batch smaller than a chunk's worth of rows.
        let mut writer = ChunkWriter::new(&[Wire::Int, Wire::Text], 4_096);
        let mut chunks = Vec::new();
        let (mut at, mut size) = (0, 1);
        while at < data.len() {
            let end = (at + size).min(data.len());
            assert!(
                writer
                    .push(&data[at..end], &mut |c| {
                        chunks.push(c);
                        true
                    })
                    .unwrap()
            );
            (at, size) = (end, size * 7 % 997 + 1);
        }
        assert!(
            writer
                .finish(&mut |c| {
                    chunks.push(c);
                    true
                })
                .unwrap()
        );
        // 5,000 rows = 2,048 + 2,048 + 904.
        let sizes: Vec<usize> = chunks.iter().map(|c| c.0.len()).collect();
        assert_eq!(sizes, [2_048, 2_048, 904]);
        let mut next = 0i64;
        for Chunk(chunk) in &chunks {
            let ids = chunk.flat_vector(0);
            let names = chunk.flat_vector(1);
            // Safety: column 0 is BIGINT and has `len` rows.
            let values = unsafe { ids.as_slice_with_len::<i64>(chunk.len()) };
            for (row, id) in values.iter().enumerate() {
                assert_eq!(*id, next);
                assert_eq!(names.row_is_null(row as u64), next % 5 == 0, "row {next}");
                next += 1;
            }
        }
        assert_eq!(next, 5_000);
    }

    #[test]
    fn a_stream_without_its_end_marker_is_an_error() {
        let data = stream(10);
        let mut writer = ChunkWriter::new(&[Wire::Int, Wire::Text], 64);
        assert!(writer.push(&data[..data.len() - 2], &mut |_| true).unwrap());
        let err = writer.finish(&mut |_| true).unwrap_err();
        assert!(err.contains("end marker"), "{err}");
    }

    #[test]
    fn a_closed_queue_stops_the_writer() {
        let mut writer = ChunkWriter::new(&[Wire::Int, Wire::Text], 64);
        assert!(!writer.push(&stream(3_000), &mut |_| false).unwrap());
    }
}
