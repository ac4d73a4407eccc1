"""Markdown tables for bench/pipeline/run.sh: python report.py RUN_DIR.

Reads RUN_DIR/results.tsv (one line per timed `jmap run`), the run_results-<case>.json
and run-<case>.log files next to each project, and counts-N.tsv (rows per generated
file). Events are the rows of the event files (web_events, ad_clicks, email_events,
crm_activities); events/s of a model = events / the model's execution_time.
Python standard library only.
"""

import csv
import json
import os
import re
import statistics
import sys
from collections import defaultdict
from datetime import datetime

EVENT_FILES = ("web_events", "ad_clicks", "email_events", "crm_activities")
LOAD = re.compile(r"^\s+LOAD\s+(\S+)\s+(\S+)\s+([\d,]+) rows\s+([\d.]+)s")

work = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(work, "results.tsv")), delimiter="\t"))


def counts(n):
    c = {}
    for line in open(os.path.join(work, f"counts-{n}.tsv")):
        name, k = line.split()
        c[name] = int(k)
    return sum(v for k, v in c.items() if k in EVENT_FILES), sum(c.values())


def results(r):
    return json.load(open(os.path.join(r["dir"], f"run_results-{r['case']}.json")))


def ts(s):
    # 2026-11-23T17:06:50.552910246+00:00 -> datetime (to microseconds)
    m = re.match(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?([+-]\d\d:\d\d|Z)$", s)
    frac = (m.group(2) or ".0")[:7]
    return datetime.fromisoformat(m.group(1) + frac + "+00:00")


def model_phase(rr):
    t = [x for res in rr["results"] for x in res.get("timing", [])]
    if not t:
        return 0.0
    start = min(ts(x["started_at"]) for x in t)
    end = max(ts(x["completed_at"]) for x in t)
    return (end - start).total_seconds()


def load_lines(r):
    out = []
    for line in open(os.path.join(r["dir"], f"run-{r['case']}.log")):
        m = LOAD.match(line)
        if m:
            out.append((m.group(2), int(m.group(3).replace(",", "")), float(m.group(4))))
    return out


def mb(kb):
    return f"{int(kb) / 1024:,.0f} MB"


def fmt_s(x):
    return f"{x:.2f}"


def n_fmt(x):
    return f"{x:,}"


# A measurement that overlapped a compiler or another jmap was repeated: keep the
# last attempt of each (engine, size, case, run).
latest = {}
discarded = []
for r in rows:
    k = (r["engine"], int(r["accounts"]), r["case"], r["run"])
    if k in latest:
        discarded.append(latest[k])
    latest[k] = r
by = defaultdict(list)
for (engine, n, case, _), r in latest.items():
    by[(engine, n, case)].append(r)


def median_run(engine, n, case):
    rs = sorted(by[(engine, n, case)], key=lambda r: float(r["wall_s"]))
    return rs[(len(rs) - 1) // 2] if rs else None


duck_sizes = sorted({n for (e, n, c) in by if e == "duckdb"})
pg_sizes = sorted({n for (e, n, c) in by if e == "postgres"})

# ---- totals ---------------------------------------------------------------------------------
print("### Totals (cold `jmap run`, all models)\n")
print("| engine | accounts | events | all rows | wall (median) | models (first start → last end) | sum of model seconds | jmap CPU (user+sys) | peak RSS | runs (wall s) | 1-min load avg before each | others' CPU s during each |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|")
walls = {}
for engine, sizes in (("duckdb", duck_sizes), ("postgres", pg_sizes)):
    for n in sizes:
        r = median_run(engine, n, "full")
        if r is None:
            continue
        ev, total = counts(n)
        rr = results(r)
        walls[(engine, n)] = float(r["wall_s"])
        all_runs = by[(engine, n, "full")]
        print(
            f"| {engine} | {n_fmt(n)} | {n_fmt(ev)} | {n_fmt(total)} | {r['wall_s']} s | {fmt_s(model_phase(rr))} s "
            f"| {fmt_s(sum(x['execution_time'] for x in rr['results']))} s | {r.get('cpu_s') or '?'} s | {mb(r['peak_rss_kb'])} "
            f"| {' '.join(x['wall_s'] for x in all_runs)} | {' '.join(x['load1'] for x in all_runs)} "
            f"| {' '.join(x.get('foreign_cpu_s', '?') for x in all_runs)} |"
        )
if len(duck_sizes) >= 2:
    a, b = duck_sizes[0], duck_sizes[-1]
    ea, eb = counts(a)[0], counts(b)[0]
    print(
        f"\nDuckDB {n_fmt(b)}/{n_fmt(a)} accounts: wall ratio {walls[('duckdb', b)] / walls[('duckdb', a)]:.2f} "
        f"for {eb / ea:.2f}× the events."
    )

# ---- per model ------------------------------------------------------------------------------
for engine, sizes in (("duckdb", duck_sizes), ("postgres", pg_sizes)):
    if not sizes:
        continue
    big = sizes[-1]
    small = sizes[0] if len(sizes) > 1 else None
    r = median_run(engine, big, "full")
    ev = counts(big)[0]
    res = sorted(results(r)["results"], key=lambda x: -x["execution_time"])
    small_t = {}
    if small is not None:
        small_t = {x["name"]: x["execution_time"] for x in results(median_run(engine, small, "full"))["results"]}
    print(f"\n### Per model, {engine}, {n_fmt(big)} accounts ({n_fmt(ev)} events), slowest first\n")
    hdr = "| model | materialized | status | seconds | rows | events/s |"
    sep = "|---|---|---|---:|---:|---:|"
    if small is not None:
        hdr += f" seconds at {n_fmt(small)} accounts | ratio |"
        sep += "---:|---:|"
    print(hdr)
    print(sep)
    for x in res:
        t = x["execution_time"]
        rows_ = "" if x["rows_affected"] is None else n_fmt(x["rows_affected"])
        eps = f"{ev / t / 1e6:.2f} M" if t > 0 else ""
        line = f"| {x['name']} | {x['materialized']} | {x['status']} | {fmt_s(t)} | {rows_} | {eps} |"
        if small is not None:
            s = small_t.get(x["name"])
            line += f" {fmt_s(s)} | {t / s:.1f} |" if s else " | |"
        print(line)

# ---- incremental ----------------------------------------------------------------------------
if any(e == "duckdb" and c == "incremental" for (e, _, c) in by):
    print("\n### Incremental: 1% more events\n")
    print("| accounts | full run (all data, cold) | first run (99%, cold) | incremental run (+1%) | incremental / full | models in the incremental run | no-change run | 1-min load avg (first / incr / no-change) | tables same as the full run |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for n in duck_sizes:
        f, fi, inc, noop = (median_run("duckdb", n, c) for c in ("full", "first", "incremental", "noop"))
        if inc is None:
            continue
        cmp_path = os.path.join(inc["dir"], "compare.txt")
        same = ""
        if os.path.exists(cmp_path):
            last = open(cmp_path).read().strip().splitlines()
            same = last[-1].replace("same: ", "") if last else ""
        print(
            f"| {n_fmt(n)} | {f['wall_s']} s | {fi['wall_s']} s | {inc['wall_s']} s "
            f"| {100 * float(inc['wall_s']) / float(f['wall_s']):.1f}% | {fmt_s(model_phase(results(inc)))} s "
            f"| {noop['wall_s']} s | {fi['load1']} / {inc['load1']} / {noop['load1']} | {same} |"
        )
    for n in duck_sizes:
        inc = median_run("duckdb", n, "incremental")
        if inc is None:
            continue
        split = os.path.join(inc["dir"], "split.txt")
        if not os.path.exists(split):
            split = os.path.join(inc["dir"], "held_back", "split.txt")
        if os.path.exists(split):
            parts = []
            for line in open(split):
                name, total, held, *cut = line.split()
                parts.append(f"{name} {int(held):,} of {int(total):,} (from {' '.join(cut)})")
            print(f"\n- {n_fmt(n)} accounts, held back: " + "; ".join(parts))
        res = sorted(results(inc)["results"], key=lambda x: -x["execution_time"])[:5]
        print(
            f"- {n_fmt(n)} accounts, slowest models of the incremental run: "
            + ", ".join(f"{x['name']} {fmt_s(x['execution_time'])} s" for x in res)
        )

# ---- postgres -------------------------------------------------------------------------------
for n in pg_sizes:
    r = median_run("postgres", n, "full")
    loads = load_lines(r)
    rr = results(r)
    print(f"\n### PostgreSQL, {n_fmt(n)} accounts\n")
    print(
        f"- wall {r['wall_s']} s, jmap peak RSS {mb(r['peak_rss_kb'])} (the server's memory is not included), "
        f"1-min load avg {r['load1']}"
    )
    print(
        f"- load (CSV files → Postgres, sum of the LOAD lines): {fmt_s(sum(x[2] for x in loads))} s for "
        f"{n_fmt(sum(x[1] for x in loads))} rows"
    )
    print(f"- models (first start → last end): {fmt_s(model_phase(rr))} s; run_results elapsed_time {fmt_s(rr['elapsed_time'])} s")
    size = os.path.join(r["dir"], "db_size.txt")
    if os.path.exists(size):
        print(f"- database size after the run: {open(size).read().strip()}")
    print("\n| LOAD | rows | seconds |\n|---|---:|---:|")
    for rel, k, s in loads:
        print(f"| {rel} | {n_fmt(k)} | {fmt_s(s)} |")
    inc = median_run("postgres", n, "incremental")
    if inc is not None:
        fi, noop = median_run("postgres", n, "first"), median_run("postgres", n, "noop")
        res = sorted(results(inc)["results"], key=lambda x: -x["execution_time"])[:5]
        print(
            f"\n- 1% more events: first run (99%, cold) {fi['wall_s']} s, incremental run {inc['wall_s']} s "
            f"({100 * float(inc['wall_s']) / float(r['wall_s']):.1f}% of the full run; models "
            f"{fmt_s(model_phase(results(inc)))} s, the rest is loading what the files gained), "
            f"no-change run {noop['wall_s']} s"
        )
        print(
            "- slowest models of the incremental run: "
            + ", ".join(f"{x['name']} {fmt_s(x['execution_time'])} s" for x in res)
        )

overlapped = [r for r in latest.values() if r.get("overlapped", "0") != "0"]
if discarded or overlapped:
    print("\n### Measurements during which other processes used CPU (repeated)\n")
    for r in discarded:
        print(f"- discarded and repeated: {r['engine']} {r['accounts']} {r['case']} run {r['run']} attempt {r['attempt']}: "
              f"{r['wall_s']} s; others used {r['foreign_cpu_s']} CPU s ({r['foreign_top']})")
    for r in overlapped:
        print(f"- KEPT although it overlapped (out of attempts): {r['engine']} {r['accounts']} {r['case']} run {r['run']}: "
              f"{r['wall_s']} s; others used {r['foreign_cpu_s']} CPU s ({r['foreign_top']})")
