#!/usr/bin/env bash
# Runs fuzz targets for a bounded time each: fuzz/run.sh [SECONDS per target, default 600] [TARGET...]
# (all four targets when none is named).
# Needs `cargo install cargo-fuzz`. Crashes land in fuzz/artifacts/TARGET/; copy each into
# fuzz/regressions/TARGET/ (replayed by `cargo test`) once fixed.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(search_query search_params html_extract robots)
# The stable toolchain is the only one here; cargo-fuzz's flags need nightly features.
export RUSTC_BOOTSTRAP=1
# -O: optimized without debug assertions, as the product ships. tantivy 0.27's
# BooleanWeight::explain trips a debug_assert in DocSet::seek that is harmless in release
# (see explain_hit in crates/query/src/engine.rs); with assertions on, every explain=true
# input would be reported as that same crash.
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "seeds/$target"
  echo "== $target for ${seconds}s" >&2
  cargo fuzz run -O --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
done
