#!/usr/bin/env python3
"""Times a restart after `kill -9` of a node holding many confirmed txs.

Starts `manaflow` (a release build: `cargo build --release -p manaflow`) with a fresh
`--data-dir`, turns automine off, sends N ether transfers from the ten dev accounts to 1,000
recipients with `eth_sendTransaction` (batches of 1,000) and mines them in full blocks, waits a
few seconds (a checkpoint is written every 5 s), kills the node with SIGKILL, restarts it on the
same dir and times start → the first answer to `eth_blockNumber`, which must name the same tip.
Prints the figure for the requested runs and their median.

Usage: python3 scripts/restart_timing.py [--binary target/release/manaflow] [--txs 1000000]
       [--runs 3]
Nothing is downloaded; everything runs on 127.0.0.1.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request

ACCOUNTS = [
    "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
    "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
    "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65", "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
    "0x976ea74026e726554db657fa54763abd0c3a0aa9", "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
    "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f", "0xa0ee7a142d267c1f36714e4a8f75612f20a79720",
]


def start(binary, data_dir):
    began = time.monotonic()
    # Base fee 0 (it then stays 0): a million transfers in full blocks would otherwise raise it
    # past what the pooled txs offer, and they would wait in the pool for ever.
    args = [binary, "--port", "0", "--data-dir", data_dir, "--base-fee", "0"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("Listening on "):
            return proc, int(line.rsplit(":", 1)[1]), began
    raise RuntimeError("the node exited before listening")


def post(port, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.load(response)


def rpc(port, method, params):
    reply = post(port, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    if "error" in reply:
        raise RuntimeError(f"{method}: {reply['error']}")
    return reply["result"]


def fill(port, txs):
    rpc(port, "evm_setAutomine", [False])
    sent = 0
    while sent < txs:
        chunk = min(20_000, txs - sent)
        for first in range(sent, sent + chunk, 1000):
            batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction",
                      "params": [{"from": ACCOUNTS[i % 10], "to": "0x" + f"{0x10000 + i % 1000:040x}", "value": "0x1"}]}
                     for i in range(first, min(first + 1000, sent + chunk))]
            for answer in post(port, batch):
                if "error" in answer:
                    raise RuntimeError(answer["error"])
        while int(rpc(port, "txpool_status", [])["pending"], 16) > 0:
            rpc(port, "evm_mine", [])
        sent += chunk
        print(f"  {sent} txs mined, tip {int(rpc(port, 'eth_blockNumber', []), 16)}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/manaflow")
    parser.add_argument("--txs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="manaflow-restart-") as tmp:
        data_dir = os.path.join(tmp, "chain")
        proc, port, _ = start(args.binary, data_dir)
        filled = time.monotonic()
        fill(port, args.txs)
        print(f"filled with {args.txs} txs in {time.monotonic() - filled:.0f} s")
        tip = rpc(port, "eth_blockNumber", [])
        times = []
        for run in range(args.runs):
            time.sleep(6)  # past the 5 s checkpoint interval
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc, port, began = start(args.binary, data_dir)
            answered = rpc(port, "eth_blockNumber", [])
            elapsed = time.monotonic() - began
            if answered != tip:
                raise RuntimeError(f"restarted at {answered}, not {tip}")
            times.append(elapsed)
            print(f"run {run + 1}: serving again {elapsed:.2f} s after start (tip {int(tip, 16)})")
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    print(f"restart after kill -9: txs={args.txs} median_s={statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
