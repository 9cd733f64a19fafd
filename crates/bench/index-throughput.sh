#!/usr/bin/env bash
# Indexing benchmark: generates a seeded site of N pages, indexes it from scratch RUNS times,
# then re-indexes after changing 1% of the pages; prints medians. In the same run, interleaved
# with the full builds, the plain-tantivy baseline (`index-baseline`: scraper + title and body
# with tantivy's defaults) on the same HTML pages, and our time as a multiple of it.
# Usage: crates/bench/index-throughput.sh [PAGES=10000] [RUNS=3]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
pages=${1:-10000}
runs=${2:-3}
cargo build --release --quiet -p himsearch -p him-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/gen-site "$pages" "$work/site" 42 >/dev/null
input_bytes=$(du -sb "$work/site" | cut -f1)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # prints "seconds max_rss_kb"
  /usr/bin/time -f "%e %M" target/release/himsearch index --quiet --corpus "$work/site" --index "$work/index" "$@" 2>&1 >/dev/null | tail -1
}

full=(); rss=(); baseline=()
for _ in $(seq "$runs"); do
  read -r seconds kb < <(measure --rebuild)
  full+=("$seconds"); rss+=("$kb")
  baseline+=("$(target/release/index-baseline "$work/site" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["pipeline_seconds"], r["input_mb"])')")
done
full_median=$(printf '%s\n' "${full[@]}" | median)
baseline_median=$(printf '%s\n' "${baseline[@]}" | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
rss_median=$(printf '%s\n' "${rss[@]}" | median)
index_bytes=$(du -sb "$work/index" | cut -f1)

# Change 1% of the HTML pages (append a sentence), then re-index incrementally.
incremental=()
for run in $(seq "$runs"); do
  find "$work/site" -name '*.html' | sort | awk -v n="$pages" 'NR % 100 == 0' | while read -r f; do
    sed -i "s|</main>|<p>changed in run $run</p></main>|" "$f"
  done
  read -r seconds _ < <(measure)
  incremental+=("$seconds")
done
incremental_median=$(printf '%s\n' "${incremental[@]}" | median)

python3 - "$pages" "$input_bytes" "$full_median" "$rss_median" "$index_bytes" "$incremental_median" $baseline_median <<'PY'
import sys
pages, input_bytes, seconds, rss_kb, index_bytes, incremental, base_seconds, base_mb = sys.argv[1:]
pages, input_bytes, seconds, rss_kb, index_bytes, incremental = int(pages), int(input_bytes), float(seconds), int(rss_kb), int(index_bytes), float(incremental)
print(f"| {pages} pages | {input_bytes/1e6:.1f} MB | {seconds:.2f} s | {pages/seconds:,.0f} docs/s | {input_bytes/1e6/seconds:.1f} MB/s | {rss_kb/1024:.0f} MB | {index_bytes/1e6:.1f} MB | {incremental:.2f} s |")
base_seconds, base_mb = float(base_seconds), float(base_mb)
print(f"plain-tantivy baseline (HTML pages only, {base_mb:.1f} MB): {base_seconds:.2f} s, {base_mb/base_seconds:.1f} MB/s; ours takes {seconds/base_seconds:.1f}x its time")
PY
