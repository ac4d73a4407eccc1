#!/usr/bin/env python3
"""Check that jmap and dbt compiled a generated project to the same thing.

Usage: check_equivalent.py JMAP_PROJECT_DIR DBT_PROJECT_DIR

Compares, from target/manifest.json of each: the set of models, each model's
parents (depends_on.nodes), materialization and tags; and each model's compiled
SQL, after rewriting dbt's fully qualified relations ("db"."main"."m1") to
jmap's (main.m1). Prints one summary line; exits 1 on any difference.
Python 3 standard library only.
"""

import json
import os
import re
import sys

DBT_RELATION = re.compile(r'"[^"]+"\."([^"]+)"\."([^"]+)"')


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def models(manifest):
    out = {}
    for uid, node in manifest["nodes"].items():
        if node.get("resource_type") != "model":
            continue
        out[node["name"]] = {
            "parents": sorted(p.split(".")[-1] for p in node["depends_on"]["nodes"]),
            "materialized": node["config"]["materialized"],
            "tags": sorted(node["config"]["tags"]),
        }
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    jdir, ddir = argv
    jm = models(load(os.path.join(jdir, "target", "manifest.json")))
    dman = load(os.path.join(ddir, "target", "manifest.json"))
    dm = models(dman)
    problems = []
    if set(jm) != set(dm):
        problems.append(
            "model sets differ: only jmap %s, only dbt %s"
            % (sorted(set(jm) - set(dm))[:5], sorted(set(dm) - set(jm))[:5])
        )
    project = dman["metadata"].get("project_name") or next(
        n["package_name"] for n in dman["nodes"].values()
    )
    sql_same = 0
    for name in sorted(set(jm) & set(dm)):
        if jm[name] != dm[name]:
            problems.append("%s: jmap %s, dbt %s" % (name, jm[name], dm[name]))
            continue
        jsql_path = os.path.join(jdir, "target", "compiled", "models", name + ".sql")
        dsql_path = os.path.join(ddir, "target", "compiled", project, "models", name + ".sql")
        with open(jsql_path, encoding="utf-8") as f:
            jsql = f.read()
        with open(dsql_path, encoding="utf-8") as f:
            dsql = DBT_RELATION.sub(r"\1.\2", f.read())
        if jsql.strip() != dsql.strip():
            problems.append("%s: compiled SQL differs" % name)
        else:
            sql_same += 1
    edges = sum(len(m["parents"]) for m in jm.values())
    if problems:
        print("NOT equivalent (%d problems):" % len(problems))
        for p in problems[:20]:
            print("  " + p)
        return 1
    print(
        "equivalent: %d models, %d ref edges, same parents/materialized/tags, "
        "%d identical compiled SQL files" % (len(jm), edges, sql_same)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
