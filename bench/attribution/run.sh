#!/usr/bin/env bash
# Attribution benchmark (issue 5): every attribution model on synthetic
# conversion paths (100k and 1M paths, 20 channels, Markov order 1 and 2) on
# DuckDB, and 100k on PostgreSQL. The package's int_path_touches and
# stage_events are replaced by the stand-ins in this directory, which generate
# the paths in the warehouse; everything downstream is the built-in package.
# Prints one markdown table per run: model, rows, seconds (from run_results.json),
# and on DuckDB how long reading the attribution_touchpoints view takes (DuckDB
# for Python from bench/.venv, when there).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jmap="${JMAP:-/root/.cache/jmap-target/release/jmap}"
work="${WORK:-/tmp/jmap-bench-attribution}"
pg_admin="${JMAP_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# One model at a time by default, so that each model's seconds are its own and
# not shared with a model running beside it (each query still has every core).
threads="${THREADS:-1}"
mkdir -p "$work"

project() { # dir paths order
  local dir="$1" paths="$2" order="$3"
  rm -rf "$dir"; mkdir -p "$dir/models"
  cp "$here/int_path_touches.sql" "$here/stage_events.sql" "$dir/models/"
  cat > "$dir/journey.yaml" <<YAML
name: attribution_bench
targets:
  dev: {engine: duckdb}
  pg: {engine: postgres, url: "\${JMAP_PG_URL:-none}"}
vars: {paths: $paths, channels: 20}
journey:
  conversions: [{stage: closed_won}]
  attribution: {markov_order: $order}
YAML
}

report() { # dir label
  python3 - "$1/target/run_results.json" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
attribution = {"int_path_touches", "conversion_paths", "path_summary", "int_path_elements", "markov_transitions",
               "int_markov_moves", "int_markov_absorption", "markov_removal_effects", "int_path_keys", "int_shapley_credits",
               "attribution_touchpoints", "int_attribution_credits", "attribution_by_channel", "attribution_by_campaign", "stage_events"}
rows = [x for x in r["results"] if x["name"] in attribution]
print(f"\n### {sys.argv[2]} (run {r['elapsed_time']:.1f} s in all)\n")
print("| model | rows | seconds |\n|---|---:|---:|")
for x in sorted(rows, key=lambda x: -x["execution_time"]):
    print(f"| {x['name']} | {x['rows_affected'] or ''} | {x['execution_time']:.2f} |")
bad = [x["name"] for x in r["results"] if x["status"] != "success"]
if bad: print(f"\nNOT OK: {bad}")
PY
}

read_view() { # dir: what a dashboard pays to read the attribution_touchpoints view
  [ -x "$here/../.venv/bin/python" ] || return 0
  "$here/../.venv/bin/python" - "$1/target/jmap.duckdb" <<'PY'
import duckdb, sys, time
con = duckdb.connect(sys.argv[1], read_only=True)
for label, q in [
    ("all rows", "select count(*), sum(credit) from journey.attribution_touchpoints"),
    ("credits by model and channel", "select model, channel, sum(credit), sum(revenue_credit) "
     "from journey.attribution_touchpoints group by all"),
    ("one model", "select count(*), sum(credit) from journey.attribution_touchpoints where model = 'linear'"),
]:
    t = time.perf_counter(); con.execute(q).fetchall()
    print(f"read view ({label}): {time.perf_counter() - t:.2f} s")
PY
}

for paths in 100000 1000000; do
  for order in 1 2; do
    dir="$work/duckdb-$paths-o$order"
    project "$dir" "$paths" "$order"
    (cd "$dir" && /usr/bin/time -f "peak %M KB" "$jmap" run --threads "$threads" > run.log 2>&1 || true)
    report "$dir" "DuckDB, $paths paths, Markov order $order, --threads $threads (load avg $(cut -d' ' -f1 /proc/loadavg))"
    read_view "$dir"
    grep -h "peak" "$dir/run.log" || true
  done
done

db="jmap_bench_attribution"
psql "$pg_admin" -qc "drop database if exists $db" -c "create database $db" >/dev/null
url="${pg_admin%/*}/$db"
dir="$work/postgres-100000-o1"
project "$dir" 100000 1
(cd "$dir" && JMAP_PG_URL="$url" "$jmap" run --target pg --threads "$threads" > run.log 2>&1 || true)
report "$dir" "PostgreSQL, 100000 paths, Markov order 1 (load avg $(cut -d' ' -f1 /proc/loadavg))"
psql "$pg_admin" -qc "drop database if exists $db" >/dev/null
