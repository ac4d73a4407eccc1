"""Hold back the latest 1% of the event rows, for the incremental case of
bench/pipeline/run.sh.

    python split_tail.py [--per-file] [--fraction F] BASE_DIR TAIL_DIR SRC.csv...

For each SRC.csv, writes BASE_DIR/<name>.csv (the header and every row not held
back, in file order) and TAIL_DIR/<name>.csv (the held-back rows, no header, in file
order), byte for byte as in SRC.csv.

Held back are the F (default 0.01) of rows with the latest timestamps:
  - by default over all the files together (one cut-off time: the newest 1% of all
    events, as if the next load brought what happened after that time);
  - with --per-file, the newest F of each file separately (each source's last 1%,
    whose cut-off times differ: one source's new rows can be older than another's
    already loaded rows).
The timestamp is the second column (true of the generated web_events, ad_clicks,
email_events and crm_activities files). Timestamps come in several ISO spellings
(`2024-03-19 18:05:38`, `...T18:05:38`, `...Z`, `....451`); they are compared on
their first 19 characters with the `T` read as a space. Rows whose timestamp does
not parse stay in the base files. Ties at the cut-off go to the tail last-first in
file order, files in the order given.
Prints one line per file: name, rows, held-back rows, cut-off timestamp.

Each row must be one line (true of `jmap generate`'s files; checked).
Python standard library only.
"""

import argparse
import csv
import heapq
import os
import re
import sys

TS = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def key(line: str):
    if line.startswith('"'):
        fields = next(csv.reader([line]))
        value = fields[1] if len(fields) > 1 else ""
    else:
        parts = line.split(",", 2)
        value = parts[1] if len(parts) > 1 else ""
        if value.startswith('"'):
            value = next(csv.reader([line]))[1]
    if not TS.match(value):
        return None
    return value[:10] + " " + value[11:19]


def n_fields(line: str) -> int:
    if '"' in line:
        return len(next(csv.reader([line])))
    return line.count(",") + 1


def scan(path):
    """(rows, keys of the parseable rows)"""
    with open(path, newline="", encoding="utf-8") as f:
        n_cols = n_fields(f.readline().rstrip("\r\n"))
        rows = 0
        keys = []
        for line in f:
            rows += 1
            if n_fields(line.rstrip("\r\n")) != n_cols:
                sys.exit(f"{path}: row {rows} is not one line of {n_cols} fields")
            k = key(line)
            if k is not None:
                keys.append(k)
    return rows, keys


def cut(keys, k_rows):
    """(cut-off, ties at the cut-off that stay in the base) holding back k_rows."""
    if k_rows == 0:
        return None, 0
    top = heapq.nlargest(k_rows, keys)
    cutoff = top[-1]
    taken = sum(1 for t in top if t == cutoff)
    return cutoff, sum(1 for t in keys if t == cutoff) - taken


def write(path, base, tail, cutoff, ties_to_base):
    """Split one file; returns (held, ties at the cut-off seen in this file)."""
    held = ties = 0
    with (
        open(path, newline="", encoding="utf-8") as f,
        open(base, "w", newline="", encoding="utf-8") as b,
        open(tail, "w", newline="", encoding="utf-8") as t,
    ):
        b.write(f.readline())
        for line in f:
            if not line.endswith("\n"):
                line += "\n"
            to_tail = False
            if cutoff is not None:
                k = key(line)
                if k is not None and k > cutoff:
                    to_tail = True
                elif k is not None and k == cutoff:
                    ties += 1
                    to_tail = ties > ties_to_base
            if to_tail:
                held += 1
                t.write(line)
            else:
                b.write(line)
    return held, ties


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-file", action="store_true")
    ap.add_argument("--fraction", type=float, default=0.01)
    ap.add_argument("base_dir")
    ap.add_argument("tail_dir")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    names = [os.path.basename(p) for p in a.files]

    if a.per_file:
        for path, name in zip(a.files, names):
            rows, keys = scan(path)
            k_rows = round(rows * a.fraction)
            cutoff, ties_to_base = cut(keys, k_rows)
            del keys
            held, _ = write(path, os.path.join(a.base_dir, name), os.path.join(a.tail_dir, name), cutoff, ties_to_base)
            assert held == k_rows, (path, held, k_rows)
            print(name.removesuffix(".csv"), rows, held, cutoff)
        return 0

    scanned = [scan(p) for p in a.files]
    all_keys = [k for _, keys in scanned for k in keys]
    total = sum(rows for rows, _ in scanned)
    k_rows = round(total * a.fraction)
    cutoff, ties_to_base = cut(all_keys, k_rows)
    del all_keys
    held_total = 0
    for (path, name), (rows, keys) in zip(zip(a.files, names), scanned):
        # ties to keep in this file: what is left of the global count
        ties_here = sum(1 for t in keys if t == cutoff) if cutoff is not None else 0
        keep = min(ties_to_base, ties_here)
        ties_to_base -= keep
        held, _ = write(path, os.path.join(a.base_dir, name), os.path.join(a.tail_dir, name), cutoff, keep)
        held_total += held
        print(name.removesuffix(".csv"), rows, held, cutoff)
    assert held_total == k_rows, (held_total, k_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
