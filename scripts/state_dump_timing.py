#!/usr/bin/env python3
"""Times Anvil-format state dumps on a chain of 10,000 accounts with an ERC20 balance each.

Starts `manaflow` (a release build: `cargo build --release -p manaflow`), loads a state of N
accounts (ether each) and a token contract holding one storage slot per account, mines it, then
times `anvil_dumpState`, and `--load-state FILE` at start against a plain start. Prints medians.

Usage: python3 scripts/state_dump_timing.py [--binary target/release/manaflow] [--accounts 10000]
       [--runs 5]
Nothing is downloaded; everything runs on 127.0.0.1.
"""

import argparse
import gzip
import hashlib
import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request


def start(binary, *extra):
    proc = subprocess.Popen([binary, "--port", "0", *extra], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("Listening on "):
            return proc, int(line.rsplit(":", 1)[1])
    raise RuntimeError("the node exited before listening")


def rpc(port, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        reply = json.load(response)
    if "error" in reply:
        raise RuntimeError(f"{method}: {reply['error']}")
    return reply["result"]


def word(n):
    return "0x" + n.to_bytes(32, "big").hex()


def state(accounts, token_code):
    out = {}
    token_storage = {}
    for i in range(accounts):
        address = "0x" + hashlib.sha256(i.to_bytes(8, "big")).hexdigest()[:40]
        out[address] = {"nonce": 0, "balance": hex(10**18 + i), "code": "0x", "storage": {}}
        # A mapping slot per holder (the slot's value is the holder's token balance).
        slot = "0x" + hashlib.sha256(b"slot" + i.to_bytes(8, "big")).hexdigest()
        token_storage[slot] = word(1000 + i)
    out["0x" + "7e" * 20] = {"nonce": 1, "balance": "0x0", "code": token_code, "storage": token_storage}
    return {"accounts": out, "best_block_number": 0}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(here, "..", "target", "release", "manaflow"))
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    artifact = json.load(open(os.path.join(here, "..", "examples", "contracts", "artifacts", "TestToken.json")))
    code = artifact.get("deployedBytecode")
    code = code["object"] if isinstance(code, dict) else code
    dump = json.dumps(state(args.accounts, code if code.startswith("0x") else "0x" + code))

    proc, port = start(args.binary)
    started = time.perf_counter()
    # As anvil_dumpState gives it: gzipped JSON, in hex.
    rpc(port, "anvil_loadState", ["0x" + gzip.compress(dump.encode()).hex()])
    rpc(port, "evm_mine", [])
    load_rpc = time.perf_counter() - started
    dumps = []
    for _ in range(args.runs):
        started = time.perf_counter()
        dumped = rpc(port, "anvil_dumpState", [])
        dumps.append(time.perf_counter() - started)
    proc.terminate()
    proc.wait()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "state.json")
        with open(path, "w") as f:
            f.write(dump)
        loads, plains = [], []
        for _ in range(args.runs):
            for times, extra in ((loads, ["--load-state", path]), (plains, [])):
                started = time.perf_counter()
                node, _ = start(args.binary, *extra)
                times.append(time.perf_counter() - started)
                node.terminate()
                node.wait()
    print(f"accounts={args.accounts} storage_slots={args.accounts} dump_hex_bytes={len(dumped)}")
    print(f"anvil_loadState + evm_mine: {load_rpc * 1000:.0f} ms")
    print(
        f"state timing: dump_ms={statistics.median(dumps) * 1000:.0f} "
        f"load_state_start_ms={statistics.median(loads) * 1000:.0f} "
        f"plain_start_ms={statistics.median(plains) * 1000:.0f}"
    )


if __name__ == "__main__":
    main()
