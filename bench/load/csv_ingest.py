"""Second half of the CSV round trip of bench/load/run.sh: read a headerless CSV
file written by Postgres (COPY ... TO STDOUT (FORMAT csv)) into a table of a new
DuckDB database file, with the same read_csv options and column types that
`jmap load` uses for a Postgres source, and print the row count.

    python csv_ingest.py FILE.csv WAREHOUSE.duckdb
"""

import sys

import duckdb

# The web_events table of bench/load/run.sh, typed as jmap types it
# (bigint -> BIGINT, timestamptz -> TIMESTAMP in UTC, text -> VARCHAR).
COLUMNS = [
    ("id", "BIGINT"),
    ("occurred_at", "TIMESTAMP"),
    ("anonymous_id", "VARCHAR"),
    ("user_id", "VARCHAR"),
    ("email", "VARCHAR"),
    ("event_type", "VARCHAR"),
    ("url", "VARCHAR"),
    ("referrer", "VARCHAR"),
    ("utm_source", "VARCHAR"),
    ("utm_medium", "VARCHAR"),
    ("utm_campaign", "VARCHAR"),
]


def main() -> int:
    csv_path, db_path = sys.argv[1], sys.argv[2]
    con = duckdb.connect(db_path)
    defs = ", ".join(f'"{n}" {t}' for n, t in COLUMNS)
    con.execute(f"create table web_events ({defs})")
    types = ", ".join(f"'{n}': '{t}'" for n, t in COLUMNS)
    path = csv_path.replace("'", "''")
    con.execute(
        f"insert into web_events select * from read_csv('{path}', columns = {{{types}}}, "
        "header = false, auto_detect = false, allow_quoted_nulls = false, "
        "quote = '\"', escape = '\"', delim = ',')"
    )
    (rows,) = con.execute("select count(*) from web_events").fetchone()
    con.close()
    print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
