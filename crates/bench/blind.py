#!/usr/bin/env python3
"""Judged queries through `himsearch search`, the path users take: success@3 (a grade-2 page in
the top 3), MRR@10 and nDCG@10 per kind, computed as tests/corpus.rs computes them.

Usage: crates/bench/blind.py HIMSEARCH_BIN INDEX QUERIES.tsv [--misses] [--taxonomy FILE]
                             [--save RUN.json] [--compare BEFORE.json]
QUERIES.tsv: query<TAB>pages<TAB>kind<TAB>note, pages `|`-separated, grade 2 bare, grade 1 as
`page=1` (tests/relevance/*.tsv). --misses also lists the queries without a grade-2 page in the
top 3; leave it off for a held-back set (one kept to run once per engine) so that no miss is read.
--taxonomy searches with a taxonomy file in place of the built-in one (`search --taxonomy`), to
try synonym groups or `asked_by` words without a build. --save writes each query's figures and
first hits; --compare lists, query by query, what changed against a run saved before (a query
that reaches or leaves the top 3, or whose nDCG@10 moved): like --misses, for the stand-in only.
"""
import argparse
import json
import math
import subprocess
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor


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


def search(binary, index, query, options=()):
    """The JSON response of `himsearch search --json` with `options` (`--limit 10`, ...)."""
    command = [binary, "search", "--index", index, "--json", *options, "--", query]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def hits(binary, index, query, taxonomy=None):
    options = ["--limit", "10"] + (["--taxonomy", taxonomy] if taxonomy else [])
    return [hit["id"] for hit in search(binary, index, query, options)["hits"]]


def metrics(judged, ids):
    grade = lambda page: judged.get(page, 0)
    first = next((rank for rank, page in enumerate(ids) if grade(page) == 2), None)
    dcg = lambda grades: sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:10]))
    ndcg = dcg([grade(p) for p in ids]) / dcg(sorted(judged.values(), reverse=True))
    return first is not None and first < 3, 0.0 if first is None else 1 / (first + 1), ndcg


def per_kind(results):
    """Queries, success@3, MRR@10 and nDCG@10 summed per kind and over "all", from results
    with `kind`, `success`, `reciprocal` and `ndcg`."""
    kinds = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for result in results:
        for key in (result["kind"], "all"):
            figures = kinds[key]
            figures[0] += 1
            figures[1] += result["success"]
            figures[2] += result["reciprocal"]
            figures[3] += result["ndcg"]
    return kinds


def compare(before_path, results):
    """Prints the queries whose figures moved since the run saved at `before_path`."""
    before = {r["query"]: r for r in json.load(open(before_path, encoding="utf-8"))}
    for now in results:
        was = before.get(now["query"])
        if was is None:
            continue
        if was["success"] != now["success"]:
            change = "FIX " if now["success"] else "LOSS"
            print(change, now["kind"], repr(now["query"]), was["ids"][:3], "->", now["ids"][:3])
        elif abs(was["ndcg"] - now["ndcg"]) > 1e-6:
            print(f"ndcg {was['ndcg']:.3f} -> {now['ndcg']:.3f}", now["kind"], repr(now["query"]))


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("binary")
    parser.add_argument("index")
    parser.add_argument("queries")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--taxonomy")
    parser.add_argument("--save")
    parser.add_argument("--compare")
    args = parser.parse_args()

    def run(case):
        query, judged, kind = case
        ids = hits(args.binary, args.index, query, args.taxonomy)
        success, reciprocal, ndcg = metrics(judged, ids)
        return dict(query=query, kind=kind, judged=judged, ids=ids, success=success,
                    reciprocal=reciprocal, ndcg=ndcg)

    # Two searches at a time: the machine's two cores (each search is one process).
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, cases(args.queries)))
    kinds = per_kind(results)
    print("| kind | queries | success@3 | MRR@10 | nDCG@10 |")
    print("|---|---|---|---|---|")
    for kind, (n, ok, rr, ndcg) in sorted(kinds.items()):
        print(f"| {kind} | {n} | {ok / n:.3f} | {rr / n:.3f} | {ndcg / n:.3f} |")
    if args.misses:
        for r in results:
            if not r["success"]:
                print(f"miss: {r['kind']} {r['query']!r}: got {r['ids'][:3]}, want {r['judged']}")
    if args.save:
        with open(args.save, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=0)
    if args.compare:
        compare(args.compare, results)


if __name__ == "__main__":
    main()
