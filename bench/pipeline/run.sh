#!/usr/bin/env bash
# Full pipeline benchmark (issue 4): `jmap run` of the built-in journey package on
# data written by `jmap generate`, cold (no target/), on DuckDB at about 1M and 10M
# events and on PostgreSQL at about 1M; then an incremental run after 1% more events.
# Run from anywhere:
#
#   bench/pipeline/run.sh                      # 3,000 and 30,000 accounts; PG at 3,000
#   SIZES=3000 PG_SIZES= bench/pipeline/run.sh
#
# Environment:
#   JMAP      the jmap binary (default: $CARGO_TARGET_DIR or ~/.cache/jmap-target,
#             release/jmap); it is copied first and the copy is measured
#   SIZES     account counts for DuckDB (default "3000 30000": ~1.04M and ~10.4M rows)
#   PG_SIZES  account counts for PostgreSQL (default "3000")
#   RUNS      cold full runs per size on DuckDB, the median is reported (default 1)
#   MAX_WAIT  seconds to wait for a quiet machine before measuring anyway (default 1800)
#   SPLIT     how the 1% is held back (split_tail.py): `global` (default), the events
#             after one cut-off time over all event files, or `per-file`, the newest
#             1% of each event file (its cut-off time differs per source)
#   SOURCES   where the sources are: `csv` (default), the generated files read by path
#             (each run parses them again), or `tables`, the files landed as tables of
#             schema raw in the DuckDB warehouse before each case, outside the timing
#             (land_tables.py; the incremental case inserts the held-back rows into
#             them), as a loader leaves them. PostgreSQL always reads the files.
#   LAND_ORDER with SOURCES=tables, the order the event files' rows are landed in:
#             `file` (default), as `jmap generate` writes them (one account after
#             another), or `time`, by event time, as a loader that appends events as
#             they arrive leaves them (land_tables.py --by-time)
#   MAX_TRIES attempts of a measurement that overlapped a compiler or another jmap (5)
#   QUIET_FOR seconds without a compiler, cargo, other jmap or Postgres query before
#             each measurement (default 30)
#   PGURL     server (default postgres://postgres@127.0.0.1:5432); the database
#             jmap_bench_pipe is created there and dropped at the end (KEEP_DB=1 keeps it)
#
# Per size, on DuckDB:
#   full         cold `jmap run` on all the generated data (the headline figure)
#   first        cold `jmap run` with the latest 1% of the events (web, ad clicks,
#                email, CRM activities) held back (split_tail.py, see SPLIT)
#   incremental  the held-back rows appended to their files, then `jmap run` again
#   noop         `jmap run` once more with nothing new
# and on PostgreSQL the same `full` case with `--target pg` (jmap loads the CSV files
# into the database first; the LOAD lines give the load time), then its own `first`,
# `incremental` and `noop` cases as on DuckDB (the files appended to; no table
# comparison).
#
# Generated data is kept in bench/work/pipeline/data/accounts-N (reused: `jmap
# generate` is deterministic for a seed); runs go to bench/work/pipeline/run-<time>/
# (both git-ignored). results.md there has the tables (report.py).
# The machine is shared with builds: each measurement waits for QUIET_FOR seconds
# without a compiler, cargo, another jmap or another Postgres query, is repeated if a
# compiler or another jmap ran during it (a 1-second monitor), and records the 1-minute
# load average just before it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
REPO="$(dirname "$BENCH")"
BASE="$BENCH/work/pipeline"
JMAP="${JMAP:-${CARGO_TARGET_DIR:-$HOME/.cache/jmap-target}/release/jmap}"
SIZES="${SIZES-3000 30000}"
PG_SIZES="${PG_SIZES-3000}"
RUNS="${RUNS:-1}"
SPLIT="${SPLIT:-global}"
SOURCES="${SOURCES:-csv}"
LAND_ORDER="${LAND_ORDER:-file}"
case "$LAND_ORDER" in file | time) ;; *) echo "LAND_ORDER is file or time, not $LAND_ORDER" >&2; exit 2 ;; esac
case "$SOURCES" in csv | tables) ;; *) echo "SOURCES is csv or tables, not $SOURCES" >&2; exit 2 ;; esac
split_flag=()
[ "$SPLIT" = per-file ] && split_flag=(--per-file)
MAX_TRIES="${MAX_TRIES:-5}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
DB=jmap_bench_pipe
SEED=42

[ -x "$JMAP" ] || { echo "jmap binary not found at $JMAP (cargo build --release)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (apt-get install -y time)" >&2; exit 2; }
[ -z "$PG_SIZES" ] || command -v psql >/dev/null || { echo "psql is needed" >&2; exit 2; }

WORK="$BASE/run-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$WORK" "$BASE/data"
ln -sfn "$(basename "$WORK")" "$BASE/latest"
RESULTS="$WORK/results.tsv"
MACHINE="$WORK/machine.txt"

# Measure a snapshot: the shared target dir may be rebuilt while this runs. The copy
# is named bench-jmap so that the gate below can tell other jmap processes from it.
JMAP_SRC="$JMAP"
cp "$JMAP_SRC" "$WORK/bench-jmap"
JMAP="$WORK/bench-jmap"

# DuckDB for Python (compare.py only) from bench/.venv, installed there if missing.
VENV="$BENCH/.venv"
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet duckdb
fi
PY="$VENV/bin/python"

psql_() { psql -X -q -v ON_ERROR_STOP=1 "$PGURL/$1" "${@:2}"; }

# ---- quiet-machine gate -----------------------------------------------------------------
# Other people's processes (compilers, cargo test, other jmap runs, Postgres backends
# of other databases) are measured by the CPU time they use (foreign_cpu.py). Each
# measurement starts after QUIET_FOR seconds in which they used under 1 CPU second;
# one during which they used more than 1 s + 2% of its wall time is repeated, up to
# MAX_TRIES times (the last attempt is kept and flagged).
FOREIGN_CPU="$BENCH/pipeline/foreign_cpu.py"
MAX_WAIT="${MAX_WAIT:-1800}"
QUIET_FOR="${QUIET_FOR:-30}"
WAITED=0
wait_quiet() {
    WAITED=$(python3 "$FOREIGN_CPU" gate --mine $$ --db "$DB" --quiet-for "$QUIET_FOR" --max-wait "$MAX_WAIT")
}
MONITOR=""
monitor_start() { # monitor_start FILE
    python3 "$FOREIGN_CPU" watch --mine $$ --db "$DB" "$1" &
    MONITOR=$!
}
FOREIGN=0
FOREIGN_TOP=""
monitor_stop() { # monitor_stop FILE WALL_S: sets FOREIGN (CPU s), FOREIGN_TOP, OVER (0/1)
    kill "$MONITOR" 2>/dev/null || true
    wait "$MONITOR" 2>/dev/null || true
    IFS=$'\t' read -r FOREIGN FOREIGN_TOP < "$1"
    OVER=$(awk -v f="$FOREIGN" -v w="$2" 'BEGIN {print (f > 1 + 0.02 * w) ? 1 : 0}')
}
OVER=0
load1() { cut -d' ' -f1 /proc/loadavg; }

# ---- machine and versions ----------------------------------------------------------------
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "nproc: $(nproc)"
    echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "filesystem of bench/work: $(df -T "$WORK" | awk 'NR==2 {print $2}') ($(findmnt -no OPTIONS -T "$WORK" 2>/dev/null || echo '?'))"
    echo "jmap: $("$JMAP" --version); repository HEAD at start: $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src models Cargo.toml Cargo.lock || echo ' (+ uncommitted changes in src/models)')"
    echo "jmap binary: $JMAP_SRC (modified $(date -u -r "$JMAP_SRC" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$JMAP" | cut -c1-12)), run from a copy"
    echo "jmap's DuckDB: libduckdb-sys $(awk '/^name = "libduckdb-sys"/ {getline; print $3}' "$REPO/Cargo.lock" | tr -d '"') (bundled)"
    [ -z "$PG_SIZES" ] || echo "postgres: $(psql_ postgres -Atc 'show server_version'), shared_buffers $(psql_ postgres -Atc 'show shared_buffers'), work_mem $(psql_ postgres -Atc 'show work_mem')"
    echo "incremental split: $SPLIT"
    echo "DuckDB sources: $SOURCES$([ "$SOURCES" = tables ] && echo ", landed in $LAND_ORDER order")"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$MACHINE"
cat "$MACHINE"

# ---- data ----------------------------------------------------------------------------------
EVENT_FILES="web_events ad_clicks email_events crm_activities"
gen_data() { # gen_data N -> $BASE/data/accounts-N with sources.yaml and counts.tsv
    local n=$1 d="$BASE/data/accounts-$1"
    local stamp
    # The generator's sources, not the binary, decide the data (it is deterministic
    # for a seed): a binary built from other model changes reuses it.
    stamp="generator $(cat "$REPO"/src/generate/*.rs | sha256sum | cut -c1-12) seed $SEED"
    if [ -f "$d/.complete" ] && [ "$(cat "$d/.complete")" = "$stamp" ]; then
        return
    fi
    rm -rf "$d"
    mkdir -p "$d"
    echo "== generating $n accounts"
    "$JMAP" generate --out "$d/files" --accounts "$n" --seed "$SEED" > "$d/generate.log"
    # The sources: block it prints, with the paths made relative to a project whose
    # data/ holds the files.
    sed -n '/^sources:/,$p' "$d/generate.log" | sed "s#path: .*/\\([a-z_]*\\.csv\\)#path: data/\\1#" > "$d/sources.yaml"
    # rows per file
    sed -n 's/^  \([a-z_]*\)\.csv  *\([0-9]*\)$/\1\t\2/p' "$d/generate.log" > "$d/counts.tsv"
    echo "$stamp" > "$d/.complete"
}

project() { # project DIR N [ENGINE]: journey.yaml with the generated sources, data/ linked
    local dir=$1 n=$2 engine=${3:-duckdb} d="$BASE/data/accounts-$2"
    mkdir -p "$dir"
    {
        echo "name: pipeline_bench"
        echo "target: dev"
        echo "targets:"
        echo "  dev: {engine: duckdb, path: target/jmap.duckdb, schema: journey}"
        echo "  pg: {engine: postgres, url: \"$PGURL/$DB\", schema: journey}"
        if [ "$SOURCES" = tables ] && [ "$engine" = duckdb ]; then
            # each group reads schema raw; a file data/x.csv is the table raw.x
            sed -e 's#^  [a-z_]*:$#&\n    schema: raw#' -e 's#path: data/\([a-z_]*\)\.csv#table: \1#' "$d/sources.yaml"
        else
            cat "$d/sources.yaml"
        fi
    } > "$dir/journey.yaml"
}

# `land DIR FILES_DIR [--append]`: in the tables mode, the CSV files of FILES_DIR
# into (or, with --append, appended to) schema raw of DIR's warehouse, before the timing.
land() {
    [ "$SOURCES" = tables ] || return 0
    local dir=$1 files=$2
    shift 2
    mkdir -p "$dir/target"
    local order=()
    [ "$LAND_ORDER" = time ] && order=(--by-time "${EVENT_FILES// /,}")
    "$PY" "$HERE/land_tables.py" "${order[@]}" "$@" "$dir/target/jmap.duckdb" "$files" > "$dir/land.log"
}

# `split_events SPLITDIR`: the latest 1% of $D's event files held back (SPLIT).
split_events() {
    local dir=$1 b
    mkdir -p "$dir/base" "$dir/held_back"
    local srcs=()
    for b in $EVENT_FILES; do srcs+=("$D/files/$b.csv"); done
    python3 "$HERE/split_tail.py" "${split_flag[@]}" "$dir/base" "$dir/held_back" "${srcs[@]}" > "$dir/split.txt"
}

# `base_project DIR N ENGINE SPLITDIR`: a fresh project whose event files are the
# split's base and whose other files are $D's.
base_project() {
    local dir=$1 n=$2 engine=$3 split=$4 f b
    rm -rf "$dir"
    project "$dir" "$n" "$engine"
    mkdir -p "$dir/data"
    cp "$split/split.txt" "$dir/split.txt"
    for f in "$D"/files/*.csv; do
        b=$(basename "$f" .csv)
        if [[ " $EVENT_FILES " == *" $b "* ]]; then
            cp "$split/base/$b.csv" "$dir/data/$b.csv"
        else
            ln -s "$f" "$dir/data/$b.csv"
        fi
    done
}

# `append_held_back DIR SPLITDIR`: the held-back rows appended to DIR's event files.
append_held_back() {
    local b
    for b in $EVENT_FILES; do
        cat "$2/held_back/$b.csv" >> "$1/data/$b.csv"
    done
}

printf 'accounts\tengine\tcase\trun\twall_s\tpeak_rss_kb\tcpu_s\tload1\twaited_s\tforeign_cpu_s\tattempt\toverlapped\tforeign_top\tdir\n' > "$RESULTS"
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RESULTS"; }

# `measure ACCOUNTS ENGINE CASE RUN DIR ATTEMPT [jmap run args]`: a timed `jmap run` in
# DIR; sets FOREIGN, OVER (see the gate above).
measure() {
    local n=$1 engine=$2 case=$3 run=$4 dir=$5 attempt=$6
    shift 6
    wait_quiet
    local l
    l=$(load1)
    local rc=0
    monitor_start "$dir/foreign-$case.txt"
    /usr/bin/time -f "%e %M %U %S" -o "$dir/time-$case.txt" \
        "$JMAP" run --project-dir "$dir" "$@" > "$dir/run-$case.log" 2> "$dir/run-$case.err" || rc=$?
    local wall rss u s
    read -r wall rss u s < "$dir/time-$case.txt" || true
    monitor_stop "$dir/foreign-$case.txt" "${wall:-0}"
    if [ "$rc" != 0 ]; then
        echo "jmap run failed (exit $rc): $JMAP run --project-dir $dir $*" >&2
        tail -30 "$dir/run-$case.log" "$dir/run-$case.err" >&2
        exit 1
    fi
    cp "$dir/target/run_results.json" "$dir/run_results-$case.json"
    record "$n" "$engine" "$case" "$run" "$wall" "$rss" "$(awk "BEGIN {printf \"%.2f\", $u + $s}")" "$l" "$WAITED" "$FOREIGN" "$attempt" "$OVER" "$FOREIGN_TOP" "$dir"
    echo "   $engine $case (run $run, attempt $attempt): ${wall}s, peak RSS $((rss / 1024)) MB (load $l, others used ${FOREIGN} CPU s$([ -z "$FOREIGN_TOP" ] || echo ": $FOREIGN_TOP"))$([ "$OVER" = 0 ] || echo " OVERLAPPED")"
}

for N in $SIZES; do
    gen_data "$N"
    D="$BASE/data/accounts-$N"
    echo "== DuckDB, $N accounts ($(awk '{s += $2} END {print s}' "$D/counts.tsv") rows)"
    for run in $(seq 1 "$RUNS"); do
        for attempt in $(seq 1 "$MAX_TRIES"); do
            P="$WORK/duckdb-$N/full-$run"
            rm -rf "$P"
            project "$P" "$N"
            ln -s "$D/files" "$P/data"
            land "$P" "$D/files"
            measure "$N" duckdb full "$run" "$P" "$attempt"
            [ "$OVER" = 0 ] && break
        done
        # keep the last warehouse (for the row-count comparison below), not the others
        [ "$run" = "$RUNS" ] || rm -rf "$P/target/jmap.duckdb"
    done

    # Incremental: hold back the latest 1% of the events, run cold, append them, run.
    SPLITDIR="$WORK/duckdb-$N/split"
    split_events "$SPLITDIR"
    for attempt in $(seq 1 "$MAX_TRIES"); do
        P="$WORK/duckdb-$N/incremental"
        base_project "$P" "$N" duckdb "$SPLITDIR"
        land "$P" "$P/data"
        overlapped=0
        measure "$N" duckdb first 1 "$P" "$attempt"
        overlapped=$((overlapped + OVER))
        append_held_back "$P" "$SPLITDIR"
        land "$P" "$SPLITDIR/held_back" --append
        measure "$N" duckdb incremental 1 "$P" "$attempt"
        overlapped=$((overlapped + OVER))
        measure "$N" duckdb noop 1 "$P" "$attempt"
        overlapped=$((overlapped + OVER))
        [ "$overlapped" = 0 ] && break
    done
    # Same data: the incremental warehouse must hold what the full run built.
    "$PY" "$HERE/compare.py" "$WORK/duckdb-$N/full-$RUNS/target/jmap.duckdb" "$P/target/jmap.duckdb" \
        > "$P/compare.txt" 2>&1 || echo "   (compare.py failed, see $P/compare.txt)"
    sed 's/^/   /' "$P/compare.txt"
done

if [ -n "$PG_SIZES" ]; then
    for N in $PG_SIZES; do
        gen_data "$N"
        D="$BASE/data/accounts-$N"
        echo "== PostgreSQL, $N accounts"
        for attempt in $(seq 1 "$MAX_TRIES"); do
            psql_ postgres -c "drop database if exists $DB" -c "create database $DB"
            P="$WORK/postgres-$N/full-1"
            rm -rf "$P"
            project "$P" "$N" postgres
            ln -s "$D/files" "$P/data"
            measure "$N" postgres full 1 "$P" "$attempt" --target pg
            psql_ "$DB" -Atc "select pg_size_pretty(pg_database_size('$DB'))" > "$P/db_size.txt"
            [ "$OVER" = 0 ] && break
        done
        # Incremental on Postgres as on DuckDB: the latest 1% held back, a cold run,
        # the rest appended to the files (jmap loads them again), a run, a run with
        # nothing new.
        SPLITDIR="$WORK/postgres-$N/split"
        split_events "$SPLITDIR"
        for attempt in $(seq 1 "$MAX_TRIES"); do
            psql_ postgres -c "drop database if exists $DB" -c "create database $DB"
            P="$WORK/postgres-$N/incremental"
            base_project "$P" "$N" postgres "$SPLITDIR"
            overlapped=0
            measure "$N" postgres first 1 "$P" "$attempt" --target pg
            overlapped=$((overlapped + OVER))
            append_held_back "$P" "$SPLITDIR"
            measure "$N" postgres incremental 1 "$P" "$attempt" --target pg
            overlapped=$((overlapped + OVER))
            measure "$N" postgres noop 1 "$P" "$attempt" --target pg
            overlapped=$((overlapped + OVER))
            [ "$overlapped" = 0 ] && break
        done
        if [ "${KEEP_DB:-0}" != 1 ]; then
            psql_ postgres -c "drop database $DB"
        fi
    done
fi

for N in $SIZES $PG_SIZES; do cp "$BASE/data/accounts-$N/counts.tsv" "$WORK/counts-$N.tsv"; done
python3 "$HERE/report.py" "$WORK" > "$WORK/results.md"
cat "$WORK/results.md"
