#!/usr/bin/env bash
# Soak test (loopback only, stops by itself): `himsearch serve` on a generated site under mixed
# load with hostile requests for SECONDS (default 600), re-indexing twice meanwhile (once
# incrementally, once with --rebuild). Reports requests, statuses, unexpected answers (must be
# 0; 4xx for hostile requests and 429/503 are intended), p99, and server RSS at start and end.
# The response cache is off unless SOAK_CACHE_ENTRIES is set: with it on, the repeated
# workload is answered from memory and the per-client rate limit sheds most requests, so the
# search path would hardly be soaked.
# Usage: crates/bench/soak.sh [SECONDS=600] [PAGES=2000]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
pages=${2:-2000}
cargo build --release --quiet -p himsearch -p him-bench
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

target/release/gen-site "$pages" "$work/site" 7 >/dev/null
target/release/himsearch index --quiet --corpus "$work/site" --index "$work/index"
target/release/himsearch serve --addr 127.0.0.1:0 --index "$work/index" --corpus "$work/site" \
  --rate-limit 2000 --cache-entries "${SOAK_CACHE_ENTRIES:-0}" 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do grep -q "serving" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
addr=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
# Anonymous (heap) and file-backed (mmapped index) resident memory, in kB.
rss_split() { awk '/RssAnon/ {a=$2} /RssFile/ {f=$2} END {print a, f}' "/proc/$server/status"; }

# Warm up at full load for a minute (caches, the suggester, one malloc arena per search
# thread), then take the starting RSS: the soak checks the steady state.
target/release/http-load "$addr" --connections 32 --seconds 60 --workload soak >/dev/null || true
rss_start=$(rss)
read -r anon_start file_start < <(rss_split)

target/release/http-load "$addr" --connections 32 --seconds "$seconds" --workload soak --json >"$work/load.json" &
load=$!
samples="$work/rss.txt"
: >"$samples"
(
  while kill -0 "$load" 2>/dev/null; do echo "$(rss) $(rss_split)" >>"$samples"; sleep 5; done
) &
sampler=$!

sleep $((seconds / 3))
# Incremental: change 5% of the pages.
find "$work/site" -name '*.html' | sort | awk 'NR % 20 == 0' | while read -r f; do
  sed -i 's|</main>|<p>soak edit one</p></main>|' "$f"
done
reindex1=$( { /usr/bin/time -f "%e" target/release/himsearch index --quiet --corpus "$work/site" --index "$work/index"; } 2>&1 | tail -1)
sleep $((seconds / 3))
reindex2=$( { /usr/bin/time -f "%e" target/release/himsearch index --quiet --rebuild --corpus "$work/site" --index "$work/index"; } 2>&1 | tail -1)

status=0
wait "$load" || status=$?
wait "$sampler" 2>/dev/null || true
rss_end=$(rss)
read -r anon_end file_end < <(rss_split)
python3 - "$work/load.json" "$rss_start" "$rss_end" "$samples" "$reindex1" "$reindex2" "$status" \
  "$anon_start" "$file_start" "$anon_end" "$file_end" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))
start, end = int(sys.argv[2]) / 1024, int(sys.argv[3]) / 1024
rows = [[int(x) / 1024 for x in line.split()] for line in open(sys.argv[4]) if line.strip()]
samples = [r[0] for r in rows]
anon_start, file_start, anon_end, file_end = (int(x) / 1024 for x in sys.argv[8:12])
print(f"soak: {load['seconds']:.0f} s, {load['requests']} requests ({load['requests_per_sec']:.0f}/s), "
      f"p50 {load['p50_ms']:.2f} ms, p99 {load['p99_ms']:.2f} ms")
print(f"statuses: {load['statuses']}")
print(f"unexpected (transport errors + 5xx other than 503): {load['unexpected']}"
      + (f"  first: {load['first_error']}" if load['first_error'] else ""))
print(f"re-index while serving: incremental {sys.argv[5]} s, rebuild {sys.argv[6]} s")
print(f"server RSS: start {start:.1f} MB, end {end:.1f} MB, max during {max(samples or [end]):.1f} MB")
print(f"  of which heap (RssAnon): start {anon_start:.1f} MB, end {anon_end:.1f} MB; "
      f"mapped index files (RssFile): start {file_start:.1f} MB, end {file_end:.1f} MB")
step = max(1, len(rows) // 10)
print("  timeline (total / heap / files, MB): " + ", ".join(
    f"{r[0]:.0f}/{r[1]:.0f}/{r[2]:.0f}" for r in rows[::step]))
sys.exit(1 if load['unexpected'] or int(sys.argv[7]) else 0)
PY
