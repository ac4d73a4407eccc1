#!/usr/bin/env bash
# Compile benchmark (issue 2): jmap compile / jmap ls against dbt-core parse / compile
# on generated, equivalent projects of N models. Run from anywhere:
#
#   bench/compile/run.sh                 # N = 100 1000 5000
#   SIZES="100 1000" RUNS=5 bench/compile/run.sh
#
# Environment:
#   JMAP    the jmap binary (default: $CARGO_TARGET_DIR or ~/.cache/jmap-target, release/jmap)
#   SIZES   model counts (default "100 1000 5000")
#   RUNS    hyperfine runs per jmap measurement (default 10)
#
# Everything generated goes to bench/work/compile/ (git-ignored): each invocation
# works in a new bench/work/compile/run-<time>/ and deletes older run directories
# only after it has measured (see "Why nothing is deleted before measuring" below).
# dbt-core and dbt-duckdb live in the virtualenv bench/.venv (git-ignored), created
# here if missing. The markdown tables are printed at the end and kept in
# run-<time>/results.md; bench/work/compile/latest points at the last run.
#
# Why nothing is deleted before measuring: on a journal-less ext4 (as on the machine
# of BENCHMARKS.md) the kernel's inode allocator (find_inode_bit -> recently_deleted)
# scans past recently deleted inodes, so creating 5,000 files right after deleting
# thousands nearby costs seconds of system time whoever does it. The cold runs
# therefore copy the project into a never-used directory, and the effect is measured
# separately, last, as "cold in place" (rm -rf target/ then compile).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
REPO="$(dirname "$BENCH")"
BASE="$BENCH/work/compile"
VENV="$BENCH/.venv"
JMAP="${JMAP:-${CARGO_TARGET_DIR:-$HOME/.cache/jmap-target}/release/jmap}"
SIZES="${SIZES:-100 1000 5000}"
RUNS="${RUNS:-10}"

export DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_USE_COLORS=false DBT_PRINTER_WIDTH=100

[ -x "$JMAP" ] || { echo "jmap binary not found at $JMAP (cargo build --release)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install -y hyperfine)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (apt-get install -y time)" >&2; exit 2; }

if [ ! -x "$VENV/bin/dbt" ]; then
    echo "== creating $VENV with dbt-core 1.10 and dbt-duckdb 1.9"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'dbt-core>=1.10,<1.11' 'dbt-duckdb>=1.9,<1.10'
fi
DBT="$VENV/bin/dbt"

WORK="$BASE/run-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$WORK"
ln -sfn "$(basename "$WORK")" "$BASE/latest"
RESULTS="$WORK/results.tsv"
MACHINE="$WORK/machine.txt"

# Benchmark a snapshot: the shared target dir may be rebuilt while this runs.
JMAP_SRC="$JMAP"
cp "$JMAP_SRC" "$WORK/jmap"
JMAP="$WORK/jmap"

# ---- machine and versions ------------------------------------------------------------
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "nproc: $(nproc)"
    echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "filesystem of bench/work: $(df -T "$WORK" | awk 'NR==2 {print $2}') ($(findmnt -no OPTIONS -T "$WORK" 2>/dev/null || echo '?'))"
    echo "jmap: $("$JMAP" --version), commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' (+ uncommitted changes in src)')"
    echo "jmap binary: $JMAP_SRC (built $(date -u -r "$JMAP_SRC" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$JMAP" | cut -c1-12)), run from a copy"
    echo "dbt: $("$VENV/bin/python" -c 'import importlib.metadata as m; print("dbt-core", m.version("dbt-core"), "/ dbt-duckdb", m.version("dbt-duckdb"), "/ duckdb", m.version("duckdb"))'), $("$VENV/bin/python" --version)"
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$MACHINE"
cat "$MACHINE"

# ---- generate --------------------------------------------------------------------------
echo "== generating projects"
# shellcheck disable=SC2086
python3 "$HERE/gen_projects.py" $SIZES --out "$WORK"

printf 'n\tedges\tjmap_cold_mean\tjmap_cold_sd\tjmap_cold_rss_kb\tjmap_warm_mean\tjmap_warm_sd\tjmap_ls_mean\tjmap_ls_sd\tjmap_ls_rss_kb\tdbt_parse_s\tdbt_parse_rss_kb\tdbt_compile_s\tdbt_compile_rss_kb\tdbt_compile_reused_parse\tequivalent\tload_before_jmap_dbt\n' > "$RESULTS"

# mean and stddev (seconds) from a hyperfine --export-json file
hf_stats() {
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.6f\t%.6f" % (r["mean"], r["stddev"] or 0.0))' "$1"
}

for N in $SIZES; do
    D="$WORK/$N"
    SRC="$D/jmap"      # pristine generated project, never run in
    RUN="$D/jmap-run"  # the copy the warm and ls measurements run in
    LOG="$D/logs"
    mkdir -p "$LOG" "$D/cold"
    EDGES=$(cat "$SRC"/models/*.sql | grep -o "ref('" | wc -l)
    echo
    echo "== N=$N ($EDGES ref edges)"
    LOAD_JMAP=$(cut -d' ' -f1 /proc/loadavg)

    # Cold: before every timed run, a fresh copy of the project (no target/) into a
    # never-used directory; the timed run is the first jmap invocation on it.
    hyperfine -N --style basic --runs "$RUNS" \
        --prepare "bash -c 'd=\$(mktemp -d $D/cold/c.XXXXXX) && cp -a $SRC/. \$d && ln -sfn \$d $D/jmap-cold'" \
        --export-json "$LOG/jmap_compile_cold.json" \
        -n "jmap compile cold N=$N" "$JMAP compile --project-dir $D/jmap-cold"
    COLD=$(hf_stats "$LOG/jmap_compile_cold.json")
    cp -a "$SRC" "$RUN"
    /usr/bin/time -f "%e %M" -o "$LOG/jmap_compile_cold.time" "$JMAP" compile --project-dir "$RUN" > "$LOG/jmap_compile.out"
    COLD_RSS=$(awk '{print $2}' "$LOG/jmap_compile_cold.time")
    cat "$LOG/jmap_compile.out"

    # Warm: target/ (compiled SQL, manifest) is there from the previous invocation.
    hyperfine -N --style basic --warmup 1 --runs "$RUNS" \
        --export-json "$LOG/jmap_compile_warm.json" \
        -n "jmap compile warm N=$N" "$JMAP compile --project-dir $RUN"
    WARM=$(hf_stats "$LOG/jmap_compile_warm.json")

    hyperfine -N --style basic --warmup 1 --runs "$RUNS" \
        --export-json "$LOG/jmap_ls.json" \
        -n "jmap ls N=$N" "$JMAP ls --project-dir $RUN"
    LS=$(hf_stats "$LOG/jmap_ls.json")
    /usr/bin/time -f "%e %M" -o "$LOG/jmap_ls.time" "$JMAP" ls --project-dir "$RUN" > "$LOG/jmap_ls.out"
    LS_RSS=$(awk '{print $2}' "$LOG/jmap_ls.time")
    [ "$(wc -l < "$LOG/jmap_ls.out")" -eq "$N" ] || { echo "jmap ls listed $(wc -l < "$LOG/jmap_ls.out") nodes, expected $N" >&2; exit 1; }

    # dbt: a full parse (no partial parse), then compile (which may reuse the parse).
    LOAD="$LOAD_JMAP / $(cut -d' ' -f1 /proc/loadavg)"
    (
        cd "$D/dbt"
        echo "-- dbt parse --no-partial-parse"
        /usr/bin/time -f "%e %M" -o "$LOG/dbt_parse.time" \
            "$DBT" parse --no-partial-parse --profiles-dir . --project-dir . > "$LOG/dbt_parse.out" 2>&1
        cat "$LOG/dbt_parse.time"
        echo "-- dbt compile"
        /usr/bin/time -f "%e %M" -o "$LOG/dbt_compile.time" \
            "$DBT" compile --profiles-dir . --project-dir . > "$LOG/dbt_compile.out" 2>&1
        cat "$LOG/dbt_compile.time"
        cp logs/dbt.log "$LOG/dbt.log"
    )
    read -r PARSE_S PARSE_RSS < "$LOG/dbt_parse.time"
    read -r COMP_S COMP_RSS < "$LOG/dbt_compile.time"
    # The compile invocation's debug log says whether it reused the saved parse.
    COMPILE_LOG=$(awk '/invocation_command.: .dbt compile/ {on=1} on' "$LOG/dbt.log")
    if grep -q "Partial parsing enabled, no changes found, skipping parsing" <<< "$COMPILE_LOG"; then
        REUSED=yes
    elif grep -q "Partial parsing enabled" <<< "$COMPILE_LOG"; then
        REUSED=partial
    else
        REUSED=no
    fi
    echo "dbt compile reused the parse: $REUSED"

    if python3 "$HERE/check_equivalent.py" "$RUN" "$D/dbt" | tee "$LOG/equivalent.txt"; then EQ=yes; else EQ=no; fi

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$N" "$EDGES" "$COLD" "$COLD_RSS" "$WARM" "$LS" "$LS_RSS" \
        "$PARSE_S" "$PARSE_RSS" "$COMP_S" "$COMP_RSS" "$REUSED" "$EQ" "$LOAD" >> "$RESULTS"
done

# ---- last: cold in place, right after deleting target/ ---------------------------------
# `rm -rf target/ && jmap compile` in the same project: shows the filesystem's cost of
# re-creating many files just after deleting them (see the header). Done after all
# other measurements, as the deletions would disturb them.
printf 'n\tinplace_mean\tinplace_sd\n' > "$WORK/inplace.tsv"
for N in $SIZES; do
    D="$WORK/$N"
    echo
    echo "== N=$N cold in place (rm -rf target/, then compile)"
    hyperfine -N --style basic --runs "$RUNS" \
        --prepare "rm -rf $D/jmap-run/target" \
        --export-json "$D/logs/jmap_compile_inplace.json" \
        -n "jmap compile cold in place N=$N" "$JMAP compile --project-dir $D/jmap-run"
    printf '%s\t%s\n' "$N" "$(hf_stats "$D/logs/jmap_compile_inplace.json")" >> "$WORK/inplace.tsv"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$MACHINE"

# ---- tables ----------------------------------------------------------------------------
python3 - "$RESULTS" "$WORK/inplace.tsv" > "$WORK/results.md" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
inplace = {r["n"]: r for r in csv.DictReader(open(sys.argv[2]), delimiter="\t")}
def t(mean, sd):
    m, s = float(mean), float(sd)
    return "%.0f ms ± %.0f" % (m * 1e3, s * 1e3) if m < 1 else "%.2f s ± %.2f" % (m, s)
def mb(kb):
    return "%.0f MB" % (int(kb) / 1024)
print("| N | jmap compile cold | jmap compile warm | jmap ls | dbt parse | dbt compile | ratio (dbt parse+compile) / (jmap compile cold) |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    dbt = float(r["dbt_parse_s"]) + float(r["dbt_compile_s"])
    print("| %s | %s | %s | %s | %.1f s | %.1f s | %.0f× |" % (
        format(int(r["n"]), ","),
        t(r["jmap_cold_mean"], r["jmap_cold_sd"]),
        t(r["jmap_warm_mean"], r["jmap_warm_sd"]),
        t(r["jmap_ls_mean"], r["jmap_ls_sd"]),
        float(r["dbt_parse_s"]), float(r["dbt_compile_s"]),
        dbt / float(r["jmap_cold_mean"])))
print()
print("| N | ref edges | jmap compile cold in place (rm -rf target/ just before) | peak RSS: jmap compile cold | jmap ls | dbt parse | dbt compile | dbt compile reused the parse | same DAG and compiled SQL | 1-min load avg before jmap / dbt |")
print("|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|---:|")
for r in rows:
    ip = inplace.get(r["n"])
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        format(int(r["n"]), ","), format(int(r["edges"]), ","),
        t(ip["inplace_mean"], ip["inplace_sd"]) if ip else "-",
        mb(r["jmap_cold_rss_kb"]), mb(r["jmap_ls_rss_kb"]),
        mb(r["dbt_parse_rss_kb"]), mb(r["dbt_compile_rss_kb"]),
        r["dbt_compile_reused_parse"], r["equivalent"], r["load_before_jmap_dbt"]))
EOF

# Older runs and this run's cold copies are deleted only now, after measuring.
rm -rf "$WORK"/*/cold "$WORK"/*/jmap-cold
for old in "$BASE"/run-*; do
    [ "$old" = "$WORK" ] || rm -rf "$old"
done

echo
cat "$MACHINE"
echo
cat "$WORK/results.md"
