#!/usr/bin/env bash
# HTTP benchmark on loopback: start-up time of `himsearch serve` to a 200 on /readyz, then the
# `mixed` (twelve requests repeated) and `zipf` (a long tail of 50,000 distinct requests)
# workloads of `http-load` at 32 and 128 connections, RUNS times each (medians), with server
# RSS before and after; once with the response cache on (the default) and once with
# `--cache-entries 0`, so the rate of searches actually run is measured too. The index is
# built from a generated site of PAGES pages unless INDEX is given.
# Usage: crates/bench/http-bench.sh [PAGES=100000] [SECONDS=30] [RUNS=3] [INDEX]
set -euo pipefail
cd "$(dirname "$0")/../.."
pages=${1:-100000}
seconds=${2:-30}
runs=${3:-3}
index=${4:-}
cargo build --release --quiet -p himsearch -p him-bench
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
if [ -z "$index" ]; then
  target/release/gen-site "$pages" "$work/site" 42 >/dev/null
  target/release/himsearch index --quiet --corpus "$work/site" --index "$work/index"
  index="$work/index"
fi
rss() { awk '/VmRSS/ {t=$2} /RssAnon/ {a=$2} /RssFile/ {f=$2} END {printf "%.1f (heap %.1f, mapped index %.1f)", t/1024, a/1024, f/1024}' "/proc/$server/status"; }
results="$work/results.jsonl"
for cache in 1024 0; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  sync
  started=$(date +%s.%N)
  # One load generator stands for many users here: its one address may hold every search slot
  # (2 per core), as many clients together would.
  target/release/himsearch serve --addr "127.0.0.1:$port" --index "$index" --rate-limit 0 \
    --cache-entries "$cache" --max-searches-per-client $((2 * $(nproc))) 2>"$work/serve.log" &
  server=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.005; done
  ready=$(python3 -c "import time; print(f'{time.time() - $started:.3f}')")
  docs=$(curl -s "http://127.0.0.1:$port/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
  echo "cache $cache: documents: $docs; /readyz answered $ready s after start; RSS $(rss) MB"
  for workload in mixed zipf; do
    for connections in 32 128; do
      for _ in $(seq "$runs"); do
        target/release/http-load "http://127.0.0.1:$port" --workload "$workload" --connections "$connections" \
          --seconds "$seconds" --json \
          | python3 -c "import json,sys; r=json.load(sys.stdin); r['cache']=$cache; print(json.dumps(r))" >>"$results" || true
      done
    done
  done
  echo "cache $cache: server RSS after the runs: $(rss) MB"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("| workload | cache entries | connections | requests/s (median) | answered 200/s | shed 503 share | p50 ms | p99 ms | unexpected | runs |")
print("|---|---|---|---|---|---|---|---|---|---|")
for workload in ("mixed", "zipf"):
  for cache in (1024, 0):
    for c in sorted({r['connections'] for r in rows}):
        rs = [r for r in rows if r['connections'] == c and r['cache'] == cache and r['workload'] == workload]
        if not rs:
            continue
        med = lambda k: statistics.median(r[k] for r in rs)
        ok = statistics.median(r['statuses'].get('200', 0) / r['seconds'] for r in rs)
        shed = statistics.median(r['statuses'].get('503', 0) / max(r['requests'], 1) for r in rs)
        print(f"| {workload} | {cache} | {c} | {med('requests_per_sec'):,.0f} | {ok:,.0f} | {shed:.0%} | {med('p50_ms'):.2f} | {med('p99_ms'):.2f} | {sum(r['unexpected'] for r in rs)} | {len(rs)} |")
PY
