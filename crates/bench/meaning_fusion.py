#!/usr/bin/env python3
"""How the meaning's weight in the ranking would do, simulated from the engine's own account.

Usage: crates/bench/meaning_fusion.py HIMSEARCH_BIN INDEX QUERIES.tsv [WEIGHT ...]

Each query runs once through `himsearch search --json --explain --limit 50`; a reranked hit's
explanation gives its words' score and what its meaning added (the meaning's weight, 2 in
`engine/meaning.rs`, times the best words' score times the cosine), so the cosine is known and
the first 50 can be reordered for any other weight without a build. Weight 2 reproduces the
engine's figures exactly: check that before trusting the others. Prints success@3 and nDCG@10
per weight, overall and for paraphrases and questions. Queries of three words or fewer are not
reranked and keep their order. For the stand-in only: the figures of a held-back set must come
from the engine (blind.py), once.
"""
import sys
from concurrent.futures import ThreadPoolExecutor

import blind

ENGINE_WEIGHT = 2.0


def candidates(binary, index, query):
    """(id, words' score, cosine or None) of the first 50 hits."""
    hits = []
    for hit in blind.search(binary, index, query, ["--explain", "--limit", "50"])["hits"]:
        parts = hit["explain"].get("details", [])
        if len(parts) == 2 and parts[1]["description"].startswith("Meaning"):
            hits.append([hit["id"], parts[0]["value"], parts[1]["value"]])
        else:
            hits.append([hit["id"], hit["score"], None])
    reranked = [h for h in hits if h[2] is not None]
    if reranked:
        best = max(h[1] for h in reranked)
        for h in reranked:
            h[2] = h[2] / (ENGINE_WEIGHT * best) if best > 0 else 0.0
    return hits


def order(hits, weight):
    reranked = [h for h in hits if h[2] is not None]
    if not reranked:
        return [h[0] for h in hits]
    best = max(h[1] for h in reranked)
    score = lambda h: h[1] + (weight * best * h[2] if h[2] is not None else 0.0)
    return [h[0] for h in sorted(hits, key=lambda h: -score(h))]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    binary, index, path = sys.argv[1:4]
    weights = [float(w) for w in sys.argv[4:]] or [1.0, 1.5, 2.0, 2.5, 3.0]
    cases = list(blind.cases(path))
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda case: candidates(binary, index, case[0]), cases))
    print("| weight | success@3 | nDCG@10 | paraphrase success@3 | question success@3 |")
    print("|---|---|---|---|---|")
    for weight in weights:
        results = []
        for (_, judged, kind), hits in zip(cases, runs):
            success, reciprocal, ndcg = blind.metrics(judged, order(hits, weight)[:10])
            results.append(dict(kind=kind, success=success, reciprocal=reciprocal, ndcg=ndcg))
        kinds = blind.per_kind(results)
        share = lambda key, i: kinds[key][i] / kinds[key][0] if kinds[key][0] else float("nan")
        print(f"| {weight:g} | {share('all', 1):.3f} | {share('all', 3):.3f} "
              f"| {share('paraphrase', 1):.3f} | {share('question', 1):.3f} |")


if __name__ == "__main__":
    main()
