#!/usr/bin/env bash
# Memory of the response cache under large pages: N distinct searches of 100 hits each
# (4 at a time) against `himsearch serve` on loopback, then the server's RSS. Extra
# arguments go to `serve` (e.g. `--cache-mb 32`, `--cache-entries 0`).
# Usage: crates/bench/cache-pages.sh INDEX [N=1500] [SERVE_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
index=$1
n=${2:-1500}
shift $(( $# >= 2 ? 2 : 1 ))
cargo build --release --quiet -p himsearch
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/release/himsearch serve --addr "127.0.0.1:$port" --index "$index" --rate-limit 0 "$@" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null' EXIT
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
python3 - "$port" "$n" <<'PY'
import sys, urllib.request, urllib.parse, itertools, concurrent.futures
port, n = sys.argv[1], int(sys.argv[2])
words = ("coder privacy record health information exam cancer registrar coding data quality "
         "release analyst technician credential audit billing compliance").split()
queries = [" ".join(p) for p in itertools.permutations(words, 3)][:n]
def get(q):
    url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode({"q": q, "per_page": 100})
    with urllib.request.urlopen(url) as r:
        return r.status, len(r.read())
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    results = list(pool.map(get, queries))
ok = sum(1 for status, _ in results if status == 200)
print(f"requests {len(results)}, 200: {ok}, mean response {sum(b for _, b in results) // len(results)} bytes")
PY
awk '/VmRSS/ {t=$2} /RssAnon/ {a=$2} /RssFile/ {f=$2} END {printf "server RSS %.0f MB (heap %.0f, file-backed %.0f)\n", t/1024, a/1024, f/1024}' "/proc/$server/status"
