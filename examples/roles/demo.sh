#!/usr/bin/env bash
# The roles apart (DESIGN §11) by hand: one validator and three coordinators as processes on
# 127.0.0.1. Point any client at a coordinator (ethers, viem, cast, the REPL); each serves the
# web3 JSON-RPC for its users and sends their txs to the validator in batches. The scripted
# demonstration (masked swaps contending for one pool, ERC20 transfers, every answer compared,
# a coordinator killed, the validator restarted) is the test
#   cargo test -p manaflow --test it roles_demo -- --nocapture
#
# Usage: examples/roles/demo.sh [BLOCK_TIME_SECONDS]   (Ctrl-C stops all four)
set -euo pipefail
cd "$(dirname "$0")/../.."
block_time="${1:-1}"
cargo build --release -q -p manaflow
bin=target/release/manaflow
data="$(mktemp -d -t manaflow-roles-XXXXXX)"
pids=()
stop() {
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap stop EXIT INT TERM

"$bin" validator --port 8600 --block-time "$block_time" --data-dir "$data/validator" --silent &
pids+=($!)
until curl -s -o /dev/null -X POST -H 'content-type: application/json' \
  --data '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' http://127.0.0.1:8600; do
  sleep 0.1
done
for i in 0 1 2; do
  "$bin" coordinator --validator http://127.0.0.1:8600 --port "$((8545 + i))" --name "c$i" --silent &
  pids+=($!)
done
cat <<TEXT
validator     http://127.0.0.1:8600   (manaflow_submitBatch, manaflow_getTemplate, manaflow_recentDrops, …)
coordinators  http://127.0.0.1:8545   http://127.0.0.1:8546   http://127.0.0.1:8547
Try: cast send --rpc-url http://127.0.0.1:8546 --private-key <a dev key> <to> --value 1
     curl -s -X POST -H 'content-type: application/json' http://127.0.0.1:8600 \
       --data '{"jsonrpc":"2.0","id":1,"method":"manaflow_recentDrops","params":[20]}'
Ctrl-C stops them all.
TEXT
wait
