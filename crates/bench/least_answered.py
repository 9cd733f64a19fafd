#!/usr/bin/env python3
"""The corpus's files by how many judged queries name them, fewest first: where a fresh blind
set should look (queries on the pages earlier sets answer least are the ones no synonym group
or `asked_by` word was grown for).

Usage: crates/bench/least_answered.py [MAX]   (from the repository root)
Counts each page's appearances, at any grade, in the pages column of every TSV under
tests/relevance/ that holds queries (blind-queries.tsv, blind-next.tsv, him-queries.tsv), and
prints `count<TAB>path` for every file under corpus/ (README.md and .himignore left out), or
only those named MAX times or fewer.
"""
import os
import sys
from collections import Counter

import blind

QUERY_FILES = ["blind-queries.tsv", "blind-next.tsv", "him-queries.tsv"]


def main():
    most = int(sys.argv[1]) if len(sys.argv) > 1 else None
    counts = Counter()
    for name in QUERY_FILES:
        path = os.path.join("tests/relevance", name)
        if not os.path.exists(path):
            continue
        for _, judged, _ in blind.cases(path):
            counts.update(judged.keys())
    pages = []
    for root, _, files in os.walk("corpus"):
        for file in files:
            relative = os.path.relpath(os.path.join(root, file), "corpus")
            if relative not in ("README.md", ".himignore"):
                pages.append(relative)
    for page in sorted(pages, key=lambda page: (counts[page], page)):
        if most is None or counts[page] <= most:
            print(f"{counts[page]}\t{page}")


if __name__ == "__main__":
    main()
