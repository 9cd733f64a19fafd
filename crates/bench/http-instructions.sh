#!/usr/bin/env bash
# Instructions of the searches a server answers over HTTP: the server under callgrind, the 100
# queries of ../shared/bench/latency_queries.txt sent ROUNDS times in sequence (cache off),
# then the inclusive instructions of SearchEngine::search_on and its main parts over all the
# requests. Deterministic where wall clock swings between rounds (BENCHMARKS.md, "HTTP without the cache").
# Needs valgrind and curl.
# Usage: crates/bench/http-instructions.sh HIMSEARCH_BIN INDEX [ROUNDS=3] [PORT=18170]
set -euo pipefail
bin=$1; index=$2; rounds=${3:-3}; port=${4:-18170}
queries="$(dirname "$0")/../../../shared/bench/latency_queries.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$work/out" "$bin" serve --index "$index" \
    --addr "127.0.0.1:$port" --cache-entries 0 --rate-limit 0 --analytics off >/dev/null 2>&1 &
server=$!
for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 1
done
requests=0
for _ in $(seq "$rounds"); do
    while read -r query; do
        curl -s -G --data-urlencode "q=$query" "http://127.0.0.1:$port/api/search" >/dev/null
        requests=$((requests + 1))
    done < "$queries"
done
kill -INT "$server"
wait "$server" 2>/dev/null || true
echo "$requests requests"
callgrind_annotate --inclusive=yes "$work/out" 2>/dev/null \
    | grep -E 'PROGRAM TOTALS|SearchEngine::search_on |Highlighter::snippet |PassageFinder::matches |StoreReader::get |SumQuery>::evaluate |Evaluation::collect ' \
    | grep -v '=>' | sed -E 's/ \[.*//; s@[^ ]*/([^/ ]*:)@\1@'
