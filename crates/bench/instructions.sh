#!/usr/bin/env bash
# Instructions per query kind, two query-latency binaries on one site: the inclusive count of
# `SearchEngine::search_on` under callgrind (deterministic where wall clock swings between
# rounds; BENCHMARKS.md, its method paragraph). Needs valgrind.
# Usage: crates/bench/instructions.sh BEFORE_BIN AFTER_BIN INDEX [ROUNDS] [AFTER_INDEX]
# (ROUNDS: 20; AFTER_INDEX: the after binary's own index of the same site, when the schema
# changed between the two; INDEX otherwise)
set -euo pipefail
before=$1; after=$2; index=$3; rounds=${4:-20}; after_index=${5:-$3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() {
    valgrind --tool=callgrind --callgrind-out-file="$work/out" "$1" "$3" "$rounds" "$2" \
        >/dev/null 2>&1
    callgrind_annotate --inclusive=yes "$work/out" 2>/dev/null \
        | grep -E 'SearchEngine::search_on ' | grep -v '=>' | head -1 \
        | awk '{gsub(",", "", $1); print $1}'
}
printf '| kind | before | after | after / before |\n|---|---|---|---|\n'
for kind in "one word" "three words" "phrase" "typo" "prefix" "facet filter" \
    "empty + facets" "zero results" "nothing found" "long question"; do
    b=$(count "$before" "$kind" "$index"); a=$(count "$after" "$kind" "$after_index")
    printf '| %s | %s | %s | %s |\n' "$kind" "$b" "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"
done
