#!/usr/bin/env bash
# Extract-load benchmark (issue 3): `jmap load` of a web-events-shaped Postgres table
# into the DuckDB warehouse, next to the physical limit measured in the same run
# (Postgres's own COPY (SELECT ...) TO STDOUT into /dev/null, with psql) and a CSV
# round trip (psql COPY to a file, then DuckDB's read_csv from Python). Run from
# anywhere:
#
#   bench/load/run.sh                          # 1M and 10M rows, 3 runs each
#   SIZES="1000000" RUNS=5 bench/load/run.sh
#
# Environment:
#   JMAP    the jmap binary (default: $CARGO_TARGET_DIR or ~/.cache/jmap-target,
#           release/jmap); it is copied first and the copy is measured
#   SIZES   row counts (default "1000000 10000000")
#   RUNS    runs per measurement, the median is reported (default 3)
#   MAX_WAIT  seconds to wait for a quiet machine before measuring anyway (default 1800)
#   MAX_TRIES attempts of a measurement that overlapped a compiler or another jmap (5)
#   QUIET_FOR seconds without a compiler, cargo, other jmap or Postgres query before
#             each measurement (default 30)
#   PGURL   server (default postgres://postgres@127.0.0.1:5432); the database
#           jmap_bench_el is created there and dropped at the end (KEEP_DB=1 keeps it)
#
# Needs psql, GNU time and Python 3. DuckDB for Python comes from bench/.venv
# (created with `pip install duckdb` if missing). Everything else goes to
# bench/work/load/run-<time>/ (git-ignored); results.md there has the tables.
#
# The machine is shared with builds: each measurement waits for QUIET_FOR seconds
# without a compiler, cargo, another jmap or another Postgres query, is repeated if a
# compiler or another jmap ran during it (a 1-second monitor), and records the 1-minute
# load average just before it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
REPO="$(dirname "$BENCH")"
BASE="$BENCH/work/load"
VENV="$BENCH/.venv"
JMAP="${JMAP:-${CARGO_TARGET_DIR:-$HOME/.cache/jmap-target}/release/jmap}"
SIZES="${SIZES:-1000000 10000000}"
RUNS="${RUNS:-3}"
MAX_TRIES="${MAX_TRIES:-5}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
DB=jmap_bench_el

[ -x "$JMAP" ] || { echo "jmap binary not found at $JMAP (cargo build --release)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (apt-get install -y time)" >&2; exit 2; }
command -v psql >/dev/null || { echo "psql is needed" >&2; exit 2; }
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet duckdb
fi
PY="$VENV/bin/python"

WORK="$BASE/run-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$WORK"
ln -sfn "$(basename "$WORK")" "$BASE/latest"
RESULTS="$WORK/results.tsv"
MACHINE="$WORK/machine.txt"

# Measure a snapshot: the shared target dir may be rebuilt while this runs. The copy
# is named bench-jmap so that the gate below can tell other jmap processes from it.
JMAP_SRC="$JMAP"
cp "$JMAP_SRC" "$WORK/bench-jmap"
JMAP="$WORK/bench-jmap"

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
psql_() { "${PSQL[@]}" "$PGURL/$1" "${@:2}"; }

# The settings jmap's source session uses (src/load/pg_source.rs SESSION_SETUP).
export PGOPTIONS="-c datestyle=ISO,YMD -c timezone=UTC -c extra_float_digits=3"

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

# `timed FILE cmd...`: run cmd under GNU time; FILE gets "wall_s peak_rss_kb cpu_s"
# (cpu_s = user + system time of the command and its children: not the Postgres
# server's backend).
timed() {
    local out="$1"
    shift
    /usr/bin/time -f "%e %M %U %S" -o "$out" "$@"
    local w m u s
    read -r w m u s < "$out"
    echo "$w $m $(awk "BEGIN {printf \"%.2f\", $u + $s}")" > "$out"
}

# ---- machine and versions ----------------------------------------------------------------
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "nproc: $(nproc)"
    echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "filesystem of bench/work: $(df -T "$WORK" | awk 'NR==2 {print $2}') ($(findmnt -no OPTIONS -T "$WORK" 2>/dev/null || echo '?'))"
    echo "jmap: $("$JMAP" --version); repository HEAD at start: $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' (+ uncommitted changes in src)')"
    echo "jmap binary: $JMAP_SRC (modified $(date -u -r "$JMAP_SRC" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$JMAP" | cut -c1-12)), run from a copy"
    echo "jmap's DuckDB: libduckdb-sys $(awk '/^name = "libduckdb-sys"/ {getline; print $3}' "$REPO/Cargo.lock" | tr -d '"') (bundled)"
    echo "postgres: $(psql_ postgres -Atc 'show server_version'), shared_buffers $(psql_ postgres -Atc 'show shared_buffers'); psql $(psql --version | awk '{print $3}')"
    echo "python duckdb: $("$PY" -c 'import duckdb; print(duckdb.__version__)'), $("$PY" --version)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$MACHINE"
cat "$MACHINE"

# ---- the source table ----------------------------------------------------------------------
# A web-events table of N rows, deterministic (hashint8 of the row number): 25 events
# per visitor, 3 s apart plus jitter, 30% with a user_id, 20% with an email, 30% with a
# referrer, 20% with UTM parameters. About 100 bytes per row as CSV.
echo "== creating database $DB"
psql_ postgres -c "drop database if exists $DB" -c "create database $DB"
for N in $SIZES; do
    echo "== generating s$N.web_events ($N rows)"
    psql_ "$DB" -v n="$N" -v schema="s$N" <<'SQL'
create schema :"schema";
create table :"schema".web_events (
  id bigint primary key,
  occurred_at timestamptz not null,
  anonymous_id text not null,
  user_id text,
  email text,
  event_type text not null,
  url text,
  referrer text,
  utm_source text,
  utm_medium text,
  utm_campaign text
);
insert into :"schema".web_events
select
  i,
  timestamptz '2024-01-01 00:00:00+00' + i * interval '3 seconds' + (h & 1023) * interval '1 second',
  substr(md5((i / 25)::text), 1, 16),
  case when h % 10 < 3 then 'u' || (i / 25) % 200000 end,
  case when h % 10 < 2 then 'user' || (i / 25) % 200000 || '@co' || (i / 25) % 5000 || '.com' end,
  (array['page', 'page', 'page', 'track', 'identify'])[1 + (h >> 4) % 5],
  'https://lumora.io' || (array['/', '/pricing', '/blog/attribution', '/demo', '/docs/start', '/features'])[1 + (h >> 8) % 6],
  case when (h >> 12) % 10 < 3 then (array['https://www.google.com/', 'https://www.linkedin.com/', 'https://t.co/'])[1 + (h >> 16) % 3] end,
  case when (h >> 20) % 10 < 2 then (array['google', 'linkedin', 'newsletter'])[1 + (h >> 24) % 3] end,
  case when (h >> 20) % 10 < 2 then (array['cpc', 'paid_social', 'email'])[1 + (h >> 24) % 3] end,
  case when (h >> 20) % 10 < 2 then 'spring24-' || (h >> 28) % 8 end
from (select i, abs(hashint8(i)) as h from generate_series(1, :n) as g(i)) s;
vacuum (freeze, analyze) :"schema".web_events;
SQL
done

new_project() { # new_project DIR SCHEMA
    mkdir -p "$1"
    cat > "$1/journey.yaml" <<EOF
name: load_bench
builtin_package: false
connections:
  app: {engine: postgres, url: "$PGURL/$DB"}
sources:
  app:
    connection: app
    schema: $2
    tables:
      web_events: {}
EOF
}

printf 'rows\tmethod\trun\twall_s\tpeak_rss_kb\tcpu_s\tload1\tcsv_bytes\twaited_s\tforeign_cpu_s\tattempt\toverlapped\tforeign_top\n' > "$RESULTS"
# record ROWS METHOD RUN WALL RSS CPU LOAD1 (+ the current measurement's context)
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "$BYTES" "$WAITED" "$FOREIGN" "$ATTEMPT" "$OVER" "$FOREIGN_TOP" >> "$RESULTS"; }

# The four measurements, each for N rows and run number $run; each sets FOREIGN, OVER.
ATTEMPT=1
m_raw() { # (a) the physical limit: Postgres's COPY (as CSV) into /dev/null
    wait_quiet; l=$(load1)
    monitor_start "$D/foreign"
    timed "$D/t" "${PSQL[@]}" "$PGURL/$DB" -c "$CSV_SQL" > /dev/null
    read -r wall rss cpu < "$D/t"
    monitor_stop "$D/foreign" "$wall"
    record "$N" raw_copy "$run" "$wall" "$rss" "$cpu" "$l"
    echo "   run $run raw COPY > /dev/null: ${wall}s (load $l)$(overlap)"
}
m_jmap() { # (b) jmap load, full, into a fresh project
    local P="$D/jmap-$run"
    rm -rf "$P"
    new_project "$P" "s$N"
    wait_quiet; l=$(load1)
    monitor_start "$D/foreign"
    timed "$D/t" "$JMAP" load --project-dir "$P" > "$P/load.log"
    read -r wall rss cpu < "$D/t"
    monitor_stop "$D/foreign" "$wall"
    got=$(sed -n 's/^Loaded 1 sources (\([0-9,]*\) rows).*/\1/p' "$P/load.log" | tr -d ,)
    [ "$got" = "$N" ] || { echo "jmap load landed '$got' rows, expected $N:" >&2; cat "$P/load.log" >&2; exit 1; }
    record "$N" jmap_load "$run" "$wall" "$rss" "$cpu" "$l"
    echo "   run $run jmap load: ${wall}s, peak RSS ${rss} kB (load $l)$(overlap)"
    rm -rf "$P/target"
}
CSV=""
m_csv() { # (c) CSV round trip: psql COPY to a file, then DuckDB read_csv into a new database
    CSV="$D/web_events.csv"
    rm -f "$CSV" "$D/roundtrip.duckdb"
    wait_quiet; l=$(load1)
    monitor_start "$D/foreign"
    timed "$D/t" "${PSQL[@]}" "$PGURL/$DB" -c "$CSV_SQL" > "$CSV"
    read -r wall1 rss1 cpu1 < "$D/t"
    timed "$D/t" "$PY" "$HERE/csv_ingest.py" "$CSV" "$D/roundtrip.duckdb" > "$D/ingest.out"
    read -r wall2 rss2 cpu2 < "$D/t"
    monitor_stop "$D/foreign" "$(awk "BEGIN {print $wall1 + $wall2}")"
    [ "$(cat "$D/ingest.out")" = "$N" ] || { echo "read_csv loaded $(cat "$D/ingest.out") rows, expected $N" >&2; exit 1; }
    record "$N" csv_copy_to_file "$run" "$wall1" "$rss1" "$cpu1" "$l"
    record "$N" csv_duckdb_read "$run" "$wall2" "$rss2" "$cpu2" "$l"
    record "$N" csv_round_trip "$run" "$(awk "BEGIN {printf \"%.2f\", $wall1 + $wall2}")" "$rss2" "$(awk "BEGIN {printf \"%.2f\", $cpu1 + $cpu2}")" "$l"
    echo "   run $run CSV round trip: ${wall1}s + ${wall2}s, DuckDB peak RSS ${rss2} kB (load $l)$(overlap)"
    rm -f "$D/roundtrip.duckdb"
}
m_raw_bin() { # (d) the same limit for what jmap asks for: its own binary COPY into /dev/null
    wait_quiet; l=$(load1)
    monitor_start "$D/foreign"
    timed "$D/t" "${PSQL[@]}" "$PGURL/$DB" -c "$COPY_SQL" > /dev/null
    read -r wall rss cpu < "$D/t"
    monitor_stop "$D/foreign" "$wall"
    record "$N" raw_copy_binary "$run" "$wall" "$rss" "$cpu" "$l"
    echo "   run $run raw binary COPY > /dev/null: ${wall}s (load $l)$(overlap)"
}
overlap() { [ "$OVER" = 0 ] || echo ", OVERLAPPED: others used ${FOREIGN} CPU s ($FOREIGN_TOP)"; }
tries() { # tries FUNCTION: repeat while it overlapped a compiler or another jmap
    for ATTEMPT in $(seq 1 "$MAX_TRIES"); do
        "$1"
        [ "$OVER" = 0 ] && break
    done
    return 0
}

for N in $SIZES; do
    D="$WORK/$N"
    mkdir -p "$D"
    # Warm-up (not measured): one jmap load, during which the COPY statement jmap sends
    # is read from pg_stat_activity. The raw and CSV measurements use that exact text.
    echo "== $N rows: warm-up jmap load, capturing its COPY statement"
    new_project "$D/warmup" "s$N"
    : > "$D/copy.sql"
    (
        for _ in $(seq 1 3000); do
            q=$(psql_ postgres -Atc "select query from pg_stat_activity where datname = '$DB' \
                and query ilike 'copy (select%' and pid <> pg_backend_pid() limit 1")
            if [ -n "$q" ]; then printf '%s\n' "$q" > "$D/copy.sql"; break; fi
            sleep 0.01
        done
    ) &
    POLL=$!
    "$JMAP" load --project-dir "$D/warmup" > "$D/warmup.log"
    kill "$POLL" 2>/dev/null || true
    wait "$POLL" 2>/dev/null || true
    if [ -s "$D/copy.sql" ]; then
        COPY_SOURCE="captured from pg_stat_activity during jmap load"
    else
        COPY_SOURCE="reproduced (capture failed)"
        echo "copy (select \"id\" as \"id\", (\"occurred_at\" at time zone 'UTC') as \"occurred_at\", \"anonymous_id\"::text as \"anonymous_id\", \"user_id\"::text as \"user_id\", \"email\"::text as \"email\", \"event_type\"::text as \"event_type\", \"url\"::text as \"url\", \"referrer\"::text as \"referrer\", \"utm_source\"::text as \"utm_source\", \"utm_medium\"::text as \"utm_medium\", \"utm_campaign\"::text as \"utm_campaign\" from \"s$N\".\"web_events\") to stdout (format binary)" > "$D/copy.sql"
    fi
    COPY_SQL="$(cat "$D/copy.sql")"
    # jmap streams binary; the raw limit and the round trip use the same select as CSV.
    CSV_SQL="${COPY_SQL/(format binary)/(format csv)}"
    echo "   COPY statement ($COPY_SOURCE): $COPY_SQL"
    echo "$COPY_SOURCE" > "$D/copy_source.txt"
    BYTES=$(psql_ "$DB" -c "$CSV_SQL" | wc -c)
    echo "   CSV size: $BYTES bytes ($(( BYTES / N )) bytes/row)"

    for run in $(seq 1 "$RUNS"); do
        tries m_raw
        tries m_jmap
        tries m_csv
        tries m_raw_bin
        rm -f "$CSV"
    done
done

if [ "${KEEP_DB:-0}" != 1 ]; then
    psql_ postgres -c "drop database $DB"
fi

# ---- tables ----------------------------------------------------------------------------------
"$PY" - "$RESULTS" "$WORK" > "$WORK/results.md" <<'PY'
import csv, statistics, sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
# a measurement that overlapped a compiler or another jmap was repeated: keep the last
last = {}
for r in rows:
    last[(int(r["rows"]), r["method"], r["run"])] = r
by = defaultdict(list)
for (n, m, _), r in last.items():
    by[(n, m)].append(r)
sizes = sorted({k[0] for k in by})

def med(n, m, f):
    return statistics.median(float(r[f]) for r in by[(n, m)])

def fmt_n(n):
    return f"{n:,}"

names = {
    "raw_copy": "Postgres COPY (csv) → /dev/null (limit)",
    "raw_copy_binary": "Postgres COPY (binary, jmap's statement) → /dev/null",
    "jmap_load": "`jmap load` (full)",
    "csv_round_trip": "CSV round trip (total)",
    "csv_copy_to_file": "… psql COPY → file",
    "csv_duckdb_read": "… DuckDB read_csv → table",
}
print("| rows | method | wall (median) | rows/s | MB/s | % of raw COPY rate | peak RSS (median / max) | client CPU (user+sys, median) | 1-min load avg | others' CPU s |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---|---|")
for n in sizes:
    raw = med(n, "raw_copy", "wall_s")
    for m in ["raw_copy", "raw_copy_binary", "jmap_load", "csv_round_trip", "csv_copy_to_file", "csv_duckdb_read"]:
        if (n, m) not in by:
            continue
        w = med(n, m, "wall_s")
        b = float(by[(n, m)][0]["csv_bytes"])
        rss = [int(r["peak_rss_kb"]) for r in by[(n, m)]]
        loads = "/".join(r["load1"] for r in by[(n, m)])
        pct = f"{100 * raw / w:.0f}%" if m in ("jmap_load", "csv_round_trip", "raw_copy_binary") else ("100%" if m == "raw_copy" else "")
        print(f"| {fmt_n(n)} | {names[m]} | {w:.2f} s | {n / w / 1e6:.2f} M | {b / w / 1e6:.0f} | {pct} "
              f"| {statistics.median(rss) / 1024:.0f} / {max(rss) / 1024:.0f} MB | {med(n, m, 'cpu_s'):.2f} s | {loads} "
              f"| {'/'.join(r['foreign_cpu_s'] for r in by[(n, m)])} |")
print()
for n in sizes:
    walls = {m: " ".join(r["wall_s"] for r in by[(n, m)]) for m in ["raw_copy", "raw_copy_binary", "jmap_load", "csv_round_trip"]}
    print(f"- {fmt_n(n)} rows, {int(by[(n, 'raw_copy')][0]['csv_bytes']):,} CSV bytes "
          f"({int(by[(n, 'raw_copy')][0]['csv_bytes']) / n:.1f} per row); all runs (s): "
          + "; ".join(f"{m} {w}" for m, w in walls.items()))
repeated = [r for r in rows if last[(int(r["rows"]), r["method"], r["run"])] is not r]
kept = [r for r in last.values() if r["overlapped"] != "0"]
if repeated:
    print(f"- {len(repeated)} measurements overlapped a compiler or another jmap and were repeated: "
          + "; ".join(f"{r['rows']} {r['method']} run {r['run']} ({r['wall_s']} s; others used {r['foreign_cpu_s']} CPU s: {r['foreign_top']})" for r in repeated))
if kept:
    print("- KEPT although overlapping (out of attempts): "
          + "; ".join(f"{r['rows']} {r['method']} run {r['run']} (others used {r['foreign_cpu_s']} CPU s: {r['foreign_top']})" for r in kept))
if len(sizes) >= 2:
    a, b = sizes[0], sizes[-1]
    ra = statistics.median(int(r["peak_rss_kb"]) for r in by[(a, "jmap_load")])
    rb = statistics.median(int(r["peak_rss_kb"]) for r in by[(b, "jmap_load")])
    print(f"- jmap load peak RSS: {ra / 1024:.0f} MB at {fmt_n(a)} rows, {rb / 1024:.0f} MB at {fmt_n(b)} rows ({rb / ra:.2f}×)")
PY
cat "$WORK/results.md"
