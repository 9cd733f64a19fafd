#!/usr/bin/env python3
"""Whether two himsearch binaries give the same pages: for every query, through `himsearch search
--json --limit 20`, the hits' ids in order, the total and the facet counts, and how many differ
in their scores alone (float order). For a change meant to leave rankings as they are.

Usage: crates/bench/same-pages.py OLD_BIN NEW_BIN INDEX [QUERIES.tsv ...] [--filters]
QUERIES.tsv: the first column of each line is a query (tests/relevance/*.tsv; lines starting
with # are skipped); a few latency-benchmark queries always run. --filters runs each query
also under seven facet filters (one value, two values of a kind, two kinds).
Exit status 1 when some page differs.
"""
import json
import subprocess
import sys

ALWAYS = [
    "coder", "privacy", "exam", "coding", "rhit exam eligibility", "cancer registrar duties",
    "accredit", "cancer regis", "regsitered administrator", "medical records", "salary", "",
    "how long do hospitals have to keep medical records", "remote coding jobs", "the",
    "zzqx codres", "release of information", "coding -remote", '"legal health record"',
]
FILTERS = [
    ["--credential", "RHIT"],
    ["--credential", "RHIT", "--credential", "CCS"],
    ["--job-title", "Coder"],
    ["--resource-type", "Job profile"],
    ["--credential", "CPC", "--topic", "Medical coding"],
    ["--education-level", "Associate degree"],
    ["--credential", "RHIA", "--job-title", "HIM Director"],
]


def page(binary, index, query, filters):
    out = subprocess.run(
        [binary, "search", "--index", index, "--json", "--limit", "20", *filters, "--", query],
        capture_output=True, text=True)
    if out.returncode != 0:
        return ("error", out.stderr.strip()[:200]), None
    r = json.loads(out.stdout)
    same = ([h["id"] for h in r["hits"]], r.get("total"),
            json.dumps(r.get("facets"), sort_keys=True))
    return same, [h.get("score") for h in r["hits"]]


def main():
    args = [a for a in sys.argv[1:] if a != "--filters"]
    if len(args) < 3:
        sys.exit(__doc__)
    old, new, index, files = args[0], args[1], args[2], args[3:]
    queries = list(ALWAYS)
    for path in files:
        for line in open(path, encoding="utf-8"):
            if line.strip() and not line.startswith("#"):
                queries.append(line.split("\t")[0].strip())
    filter_sets = [[]] + (FILTERS if "--filters" in sys.argv else [])
    searches = differ = scores_only = 0
    for query in queries:
        for filters in filter_sets:
            searches += 1
            (a, a_scores), (b, b_scores) = page(old, index, query, filters), page(new, index, query, filters)
            if a != b:
                differ += 1
                print(f"differs: {query!r} {' '.join(filters)}")
                print(f"  old: {a[0][:5] if a[0] != 'error' else a} total {a[1]}")
                print(f"  new: {b[0][:5] if b[0] != 'error' else b} total {b[1]}")
            elif a_scores != b_scores:
                scores_only += 1
    print(f"{searches} searches: {differ} pages differ, {scores_only} differ in scores alone")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
