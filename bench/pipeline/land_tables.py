"""Land generated CSV files as tables of a DuckDB warehouse, for the `tables`
source mode of bench/pipeline/run.sh: the sources are then tables already in
the warehouse (as a loader such as Fivetran or Airbyte leaves them), so a run
measures the models and not the parsing of CSV files.

    python land_tables.py WAREHOUSE.duckdb DIR             # create raw.<name> per DIR/<name>.csv
    python land_tables.py --append WAREHOUSE.duckdb DIR    # insert DIR/<name>.csv (no header) into raw.<name>
    python land_tables.py --by-time web_events,ad_clicks ...  # those files' rows in time order

With --by-time, the rows of the named files are landed in the order of their
second column (the event time, as text; rows where it is not a timestamp
last), as a loader that appends events as they arrive leaves them; without
it, in file order (`jmap generate` writes one account after another).

Every column is text, as jmap reads a CSV file (`all_varchar`, a quoted empty
field is an empty string): the models clean and cast the same values either way.
With --append each file holds rows only (split_tail.py's held-back rows), in
the column order of the table it is appended to.
Prints one line per table: name and rows now in it.
"""

import argparse
import os
import sys

import duckdb

SCHEMA = "raw"
CSV_OPTIONS = "all_varchar = true, allow_quoted_nulls = false, delim = ',', quote = '\"', escape = '\"'"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def time_order(cols: list) -> str:
    """An ORDER BY on the second column read as a timestamp (the event time)."""
    ts = '"' + cols[1].replace('"', '""') + '"'
    return f" order by try_cast({ts} as timestamp) nulls last"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--append", action="store_true")
    ap.add_argument("--by-time", default="", help="comma-separated names of files to land in time order")
    ap.add_argument("warehouse")
    ap.add_argument("dir")
    args = ap.parse_args()
    by_time = {n for n in args.by_time.split(",") if n}
    files = sorted(f for f in os.listdir(args.dir) if f.endswith(".csv"))
    if not files:
        print(f"no .csv files in {args.dir}", file=sys.stderr)
        return 2
    unknown = by_time - {f[: -len(".csv")] for f in files}
    if unknown:
        print(f"--by-time names files that {args.dir} lacks: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    con = duckdb.connect(args.warehouse)
    con.execute(f"create schema if not exists {SCHEMA}")
    for f in files:
        name = f[: -len(".csv")]
        file = os.path.join(args.dir, f)
        path = literal(file)
        if args.append:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [SCHEMA, name],
                ).fetchall()
            ]
            if not cols:
                print(f"{SCHEMA}.{name} does not exist: land the base files first", file=sys.stderr)
                return 2
            if os.path.getsize(file) > 0:
                names = "[" + ", ".join(literal(c) for c in cols) + "]"
                order = time_order(cols) if name in by_time else ""
                con.execute(
                    f"insert into {SCHEMA}.{name} select * from "
                    f"read_csv({path}, header = false, names = {names}, {CSV_OPTIONS}){order}"
                )
        else:
            source = f"read_csv({path}, header = true, {CSV_OPTIONS})"
            order = ""
            if name in by_time:
                cols = [r[0] for r in con.execute(f"describe select * from {source}").fetchall()]
                order = time_order(cols)
            con.execute(f"create or replace table {SCHEMA}.{name} as select * from {source}{order}")
        (n,) = con.execute(f"select count(*) from {SCHEMA}.{name}").fetchone()
        print(f"{name}\t{n}")
    con.execute("checkpoint")
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
