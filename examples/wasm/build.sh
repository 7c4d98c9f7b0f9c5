#!/usr/bin/env bash
# Builds the contracts and writes the deployable modules to OUT_DIR/<name>.wasm (default:
# artifacts/ beside this script): cargo's release build for wasm32-unknown-unknown, then
# finalize.py (no custom sections, a data section last; see docs/wasm-abi.md, "Deployment").
#
# Usage: ./build.sh [OUT_DIR]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/artifacts}"
mkdir -p "$out"

# The bytes must depend on the sources, Cargo.lock, .cargo/config.toml and the toolchain only:
# RUSTFLAGS from the environment would replace the config's flags (the stack size), profile or
# target overrides would change the code, and another target dir would not be this one.
while read -r var; do
  unset "$var"
done < <(compgen -e | grep -E '^(RUSTFLAGS|CARGO_ENCODED_RUSTFLAGS|CARGO_BUILD_.*|CARGO_PROFILE_.*|CARGO_TARGET_.*|CARGO_INCREMENTAL)$' || true)
export CARGO_TARGET_DIR="$here/target"

contracts=(counter erc20 amm relay)
(cd "$here" && cargo build --release --locked --target wasm32-unknown-unknown --quiet)
# Another compiler gives other bytes: the test compares only when it runs this one.
(cd "$here" && rustc -V) > "$out/TOOLCHAIN"
for name in "${contracts[@]}"; do
  python3 "$here/finalize.py" "$here/target/wasm32-unknown-unknown/release/$name.wasm" "$out/$name.wasm"
  echo "$name.wasm: $(wc -c < "$out/$name.wasm") bytes"
done
