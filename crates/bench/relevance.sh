#!/usr/bin/env bash
# Relevance benchmark: himsearch's default ranking vs plain tantivy on every collection in
# ../shared/eval, plus the HIM relevance suite. Prints a Markdown table (BENCHMARKS.md).
# Usage: crates/bench/relevance.sh [EVAL_DIR]   (from the repository root)
# MEANINGS=off ranks by words alone (the collections get pages' meanings under auto).
set -euo pipefail
cd "$(dirname "$0")/../.."
eval_dir=${1:-../shared/eval}
cargo build --release --quiet -p himsearch -p him-bench
bin=target/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

metric() { python3 -c "import json,sys; m=json.load(sys.stdin)['mean']; print(' | '.join(f'{m[k]:.4f}' for k in ('ndcg','mrr10','p10','r100','ap')))"; }
ndcg() { python3 -c "import json,sys; print(json.load(sys.stdin)['mean']['ndcg'])"; }

echo "| collection | ranking | nDCG@10 | MRR@10 | P@10 | R@100 | MAP |"
echo "|---|---|---|---|---|---|---|"
for set in med cisi cranfield; do
  dir="$eval_dir/$set"
  [ -f "$dir/docs.jsonl" ] || continue
  "$bin/himsearch" index --quiet --jsonl "$dir/docs.jsonl" --index "$work/$set" --meanings "${MEANINGS:-auto}"
  ours=$("$bin/himsearch" eval --json --index "$work/$set" --queries "$dir/queries.jsonl" --qrels "$dir/qrels.tsv")
  base=$("$bin/baseline-eval" "$dir/docs.jsonl" "$dir/queries.jsonl" "$dir/qrels.tsv")
  echo "| $set | himsearch | $(echo "$ours" | metric) |"
  echo "| $set | plain tantivy | $(echo "$base" | metric) |"
  ratio=$(python3 -c "print(f'{$(echo "$ours" | ndcg)/$(echo "$base" | ndcg):.3f}')")
  echo "| $set | ratio (nDCG@10) | $ratio | | | | |"
done
