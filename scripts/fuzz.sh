#!/usr/bin/env bash
# Coverage-guided fuzzing of the targets in fuzz/ with AFL++, on the stable toolchain (cargo-afl
# builds AFL++ itself). Each target runs until it has made at least --execs executions; the run
# fails if any target found a crash or a hang. With --keep, the inputs AFL++ found new coverage
# with are minimised into fuzz/corpus/<target>/ (then commit them: `cargo test` replays them).
#
#   scripts/fuzz.sh [--execs N] [--keep] [target…]      (default: every target, 1,000,000 each)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

execs=1000000
keep=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --execs) execs="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    targets=(eth_envelope native_envelope block header moves rpc_request wasm_deploy state_dump forward_reverse proof compact batch)
fi

if ! cargo afl --version >/dev/null 2>&1; then
    echo "== installing cargo-afl (builds AFL++ once)"
    cargo install cargo-afl --locked
fi

export CARGO_TARGET_DIR="$repo/target/afl"
echo "== building the harness with AFL++ instrumentation"
cargo afl build --release --manifest-path fuzz/afl/Cargo.toml
harness="$CARGO_TARGET_DIR/release/manaflow-afl"

export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_QUIET=1
failed=0
total=0
for target in "${targets[@]}"; do
    out="$repo/target/afl/runs/$target"
    rm -rf "$out"
    mkdir -p "$repo/target/afl/runs"
    echo "== $target: at least $execs executions"
    cargo afl fuzz -i "fuzz/corpus/$target" -o "$out" -E "$execs" -t 2000 -- "$harness" "$target" >"$out.log" 2>&1 || true
    stats="$out/default/fuzzer_stats"
    if [ ! -f "$stats" ]; then
        echo "   no stats: see $out.log" >&2
        tail -20 "$out.log" >&2
        failed=1
        continue
    fi
    done_execs=$(awk -F: '/^execs_done/ {gsub(/ /, "", $2); print $2}' "$stats")
    speed=$(awk -F: '/^execs_per_sec/ {gsub(/ /, "", $2); print $2}' "$stats")
    crashes=$(find "$out/default/crashes" -type f -name 'id:*' | wc -l)
    hangs=$(find "$out/default/hangs" -type f -name 'id:*' | wc -l)
    total=$((total + done_execs))
    echo "   $target: execs=$done_execs (${speed}/s) crashes=$crashes hangs=$hangs"
    if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
        failed=1
        echo "   inputs: $out/default/crashes $out/default/hangs" >&2
    fi
    if [ "$keep" = 1 ]; then
        cargo afl cmin -i "$out/default/queue" -o "$out/min" -- "$harness" "$target" >/dev/null 2>&1 || true
        cp -n "$out/min/"* "fuzz/corpus/$target/" 2>/dev/null || true
    fi
done
echo "fuzz: targets=${#targets[@]} execs=$total failed=$failed"
exit "$failed"
