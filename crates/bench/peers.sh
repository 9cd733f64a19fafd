#!/usr/bin/env bash
# Indexing time of himsearch and its peers on the same generated site, in the same run:
# Xapian's omindex (Debian xapian-omega) and Pagefind (npm). Peers that are not installed are
# reported as such. Medians of RUNS, peak RSS from /usr/bin/time.
# Setup once:  apt-get install -y xapian-omega;  (cd /tmp/peers && npm install pagefind@1)
# Usage: crates/bench/peers.sh [PAGES=10000] [RUNS=3] [PAGEFIND_DIR=/tmp/peers]
set -euo pipefail
cd "$(dirname "$0")/../.."
pages=${1:-10000}
runs=${2:-3}
pagefind="${3:-/tmp/peers}/node_modules/.bin/pagefind"
cargo build --release --quiet -p himsearch -p him-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/gen-site "$pages" "$work/site" 42 >/dev/null
input=$(du -sb "$work/site" | cut -f1)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# run NAME OUTDIR COMMAND...: times RUNS runs from scratch, prints a table row.
run() {
  local name=$1 out=$2; shift 2
  local times=() rss=()
  for _ in $(seq "$runs"); do
    rm -rf "$out"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1 || echo "$name exited with an error" >&2
    read -r seconds kb < <(tail -1 "$work/time.txt")
    times+=("$seconds"); rss+=("$kb")
  done
  local t m size
  t=$(printf '%s\n' "${times[@]}" | median)
  m=$(printf '%s\n' "${rss[@]}" | median)
  size=$(du -sb "$out" | cut -f1)
  python3 -c "t=$t; print(f'| $name | {t:.2f} s | {$pages/t:,.0f} docs/s | {$input/t/1e6:.1f} MB/s | {$m/1024:.0f} MB | {$size/1e6:.1f} MB |')"
}

echo "site: $pages pages, $(python3 -c "print(f'{$input/1e6:.1f}')") MB; medians of $runs runs"
echo "| engine | full index | docs/s | MB/s | peak RSS | index size |"
echo "|---|---|---|---|---|---|"
run himsearch "$work/him" target/release/himsearch index --quiet --corpus "$work/site" --index "$work/him"
if command -v omindex >/dev/null; then
  run "omindex (Xapian $(omindex --version | awk '{print $NF}'))" "$work/xapian" omindex --db "$work/xapian" --url / "$work/site"
else
  echo "| omindex | not installed (apt-get install xapian-omega) | | | | |"
fi
if [ -x "$pagefind" ]; then
  run "pagefind $("$pagefind" --version | awk '{print $NF}')" "$work/pagefind" "$pagefind" --site "$work/site" --output-path "$work/pagefind"
else
  echo "| pagefind | not installed (npm install pagefind) | | | | |"
fi
