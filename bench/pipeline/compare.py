"""Compare the tables of two jmap DuckDB warehouses built from the same data (the
full run and the first + incremental runs of bench/pipeline/run.sh): row count and
an order-independent content checksum (sum of row hashes, doubles rounded to 9
decimals, write stamps left out) of every base table in
the journey and journey_staging schemas.

    python compare.py FULL.duckdb INCREMENTAL.duckdb

Prints one line per table and a last line `same: K of N tables`. Views are not
compared (they read the source files by relative path; the tables they read are).
"""

import sys

import duckdb

SCHEMAS = ("journey", "journey_staging")
# When jmap wrote a row (the warehouse's clock): differs between two builds by
# construction, so left out of the comparison.
STAMPS = {"written_at", "built_at", "changed_at", "resolved_at"}


def tables(con):
    return [
        (s, t)
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema in ('journey', 'journey_staging') "
            "order by 1, 2"
        ).fetchall()
    ]


def fingerprint(con, schema, table):
    # Doubles are rounded to 9 decimals: Markov and Shapley sums come out in
    # the last bits differently when rows arrive in another order.
    cols = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    cols = [(c, t) for c, t in cols if c not in STAMPS]
    exprs = [
        f'round("{c}", 9)' if t in ("DOUBLE", "FLOAT", "REAL") else f'"{c}"' for c, t in cols
    ]
    return con.execute(
        f'select count(*), coalesce(sum(hash({", ".join(exprs)})::hugeint), 0) from "{schema}"."{table}"'
    ).fetchone()


def main() -> int:
    a = duckdb.connect(sys.argv[1], read_only=True)
    b = duckdb.connect(sys.argv[2], read_only=True)
    names = sorted(set(tables(a)) | set(tables(b)))
    same = 0
    for schema, table in names:
        try:
            fa = fingerprint(a, schema, table)
        except duckdb.Error:
            fa = None
        try:
            fb = fingerprint(b, schema, table)
        except duckdb.Error:
            fb = None
        if fa == fb:
            same += 1
            print(f"{schema}.{table}: same ({fa[0]} rows)")
        else:
            ra = fa[0] if fa else "missing"
            rb = fb[0] if fb else "missing"
            print(f"{schema}.{table}: DIFFERENT (full {ra} rows, incremental {rb} rows)")
    print(f"same: {same} of {len(names)} tables")
    return 0


if __name__ == "__main__":
    sys.exit(main())
