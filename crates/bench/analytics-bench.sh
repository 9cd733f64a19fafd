#!/usr/bin/env bash
# Analytics' cost over HTTP, response cache off: the 100 queries of
# ../shared/bench/latency_queries.txt at 32 connections against `serve --analytics off` and
# `serve --analytics FILE`, ROUNDS interleaved rounds of SECONDS each (medians, and the ratio
# on/off); then a FLOOD-second flood with analytics on, sampling the server's RSS every 5 s,
# with the events written and dropped from /metrics. The index is ../shared/bench/gen_site.py's
# 10k-page site (seed 1) unless INDEX is given.
# Usage: crates/bench/analytics-bench.sh [ROUNDS=5] [SECONDS=10] [FLOOD=60] [INDEX]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
seconds=${2:-10}
flood=${3:-60}
index=${4:-}
queries=../shared/bench/latency_queries.txt
cargo build --release --quiet -p himsearch -p him-bench
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
if [ -z "$index" ]; then
  python3 ../shared/bench/gen_site.py --pages 10000 --seed 1 --out "$work/site" >/dev/null
  target/release/himsearch index --quiet --corpus "$work/site" --index "$work/index"
  index="$work/index"
fi
start() { # start ANALYTICS: sets $server and $port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  target/release/himsearch serve --addr "127.0.0.1:$port" --index "$index" --rate-limit 0 \
    --cache-entries 0 --max-searches-per-client $((2 * $(nproc))) --analytics "$1" 2>"$work/serve.log" &
  server=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.05; done
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$server/status"; }
results="$work/results.txt"
for round in $(seq "$rounds"); do
  for analytics in off on; do
    target=off; [ "$analytics" = on ] && target="$work/analytics.db"
    start "$target"
    rate=$(target/release/http-load "http://127.0.0.1:$port" --workload "file:$queries" \
      --connections 32 --seconds "$seconds" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests_per_sec"])')
    echo "$analytics $rate" >>"$results"
    echo "round $round, analytics $analytics: $rate requests/s"
    stop
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {k: statistics.median(float(r) for a, r in rows if a == k) for k in ("off", "on")}
print(f"| analytics | requests/s (median of {len(rows)//2}) |\n|---|---|")
for k in ("off", "on"):
    print(f"| {k} | {med[k]:,.0f} |")
print(f"on/off: {med['on'] / med['off']:.3f}")
PY
echo "flood: $flood s with analytics on, RSS in MB every 5 s"
start "$work/analytics.db"
target/release/http-load "http://127.0.0.1:$port" --workload "file:$queries" --connections 32 \
  --seconds "$flood" --json >"$work/flood.json" &
load=$!
samples=""
for _ in $(seq $((flood / 5))); do sleep 5; samples="$samples $(rss)"; done
wait "$load" || true
echo "RSS:$samples"
curl -s "http://127.0.0.1:$port/metrics" | grep '^himsearch_analytics'
python3 -c "import json; r=json.load(open('$work/flood.json')); print(f\"flood: {r['requests_per_sec']:,.0f} requests/s\")"
stop
