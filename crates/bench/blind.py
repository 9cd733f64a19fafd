#!/usr/bin/env python3
"""Judged queries through `himsearch search`, the path users take: success@3 (a grade-2 page in
the top 3), MRR@10 and nDCG@10 per kind, computed as tests/corpus.rs computes them.

Usage: crates/bench/blind.py HIMSEARCH_BIN INDEX QUERIES.tsv [--misses]
QUERIES.tsv: query<TAB>pages<TAB>kind<TAB>note, pages `|`-separated, grade 2 bare, grade 1 as
`page=1` (tests/relevance/*.tsv). --misses also lists the queries without a grade-2 page in the
top 3; leave it off for a held-back set (one kept to run once per engine) so that no miss is read.
"""
import json
import math
import subprocess
import sys
from collections import defaultdict


def cases(path):
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        query, pages, kind = line.split("\t")[:3]
        judged = {}
        for page in pages.split("|"):
            name, _, grade = page.partition("=")
            judged[name] = int(grade) if grade else 2
        yield query, judged, kind


def hits(binary, index, query):
    out = subprocess.run(
        [binary, "search", "--index", index, "--json", "--limit", "10", "--", query],
        capture_output=True, text=True, check=True,
    ).stdout
    return [hit["id"] for hit in json.loads(out)["hits"]]


def metrics(judged, ids):
    grade = lambda page: judged.get(page, 0)
    first = next((rank for rank, page in enumerate(ids) if grade(page) == 2), None)
    dcg = lambda grades: sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:10]))
    ndcg = dcg([grade(p) for p in ids]) / dcg(sorted(judged.values(), reverse=True))
    return first is not None and first < 3, 0.0 if first is None else 1 / (first + 1), ndcg


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    binary, index, path = sys.argv[1:4]
    show_misses = "--misses" in sys.argv[4:]
    kinds = defaultdict(lambda: [0, 0, 0.0, 0.0])
    misses = []
    for query, judged, kind in cases(path):
        ids = hits(binary, index, query)
        success, reciprocal, ndcg = metrics(judged, ids)
        for key in (kind, "all"):
            figures = kinds[key]
            figures[0] += 1
            figures[1] += success
            figures[2] += reciprocal
            figures[3] += ndcg
        if not success:
            misses.append(f"{kind} {query!r}: got {ids[:3]}, want {judged}")
    print("| kind | queries | success@3 | MRR@10 | nDCG@10 |")
    print("|---|---|---|---|---|")
    for kind, (n, ok, rr, ndcg) in sorted(kinds.items()):
        print(f"| {kind} | {n} | {ok / n:.3f} | {rr / n:.3f} | {ndcg / n:.3f} |")
    if show_misses:
        for miss in misses:
            print("miss:", miss)


if __name__ == "__main__":
    main()
