// Hardhat's network helpers against manaflow, as the first test of Hardhat's sample project uses
// them: loadFixture, mine, time, setBalance, snapshots, impersonation, setCode, setStorageAt,
// setNonce, setNextBlockBaseFeePerGas, setPrevRandao, dropTransaction.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { parseEther, getAddress } from "viem";

const { networkHelpers: helpers, viem } = await network.create();
const client = await viem.getPublicClient();
const [alice, bob] = await viem.getWalletClients();
const stranger = getAddress("0x5151515151515151515151515151515151515151");

async function deployFixture() {
  const hash = await alice.sendTransaction({ to: stranger, value: parseEther("1") });
  await client.waitForTransactionReceipt({ hash });
  return { height: await client.getBlockNumber() };
}

describe("Hardhat's network helpers on manaflow", () => {
  it("loadFixture returns to the fixture's state each time", async () => {
    const { height } = await helpers.loadFixture(deployFixture);
    assert.equal(await client.getBalance({ address: stranger }), parseEther("1"));
    const hash = await alice.sendTransaction({ to: stranger, value: parseEther("2") });
    await client.waitForTransactionReceipt({ hash });
    assert.equal(await client.getBalance({ address: stranger }), parseEther("3"));

    const again = await helpers.loadFixture(deployFixture);
    assert.equal(again.height, height);
    assert.equal(await client.getBlockNumber(), height);
    assert.equal(await client.getBalance({ address: stranger }), parseEther("1"));
  });

  it("mine and time move the chain and its clock; snapshots restore both", async () => {
    const snapshot = await helpers.takeSnapshot();
    const start = await helpers.time.latestBlock();
    const now = await helpers.time.latest();
    await helpers.mine(5);
    assert.equal(await helpers.time.latestBlock(), start + 5);
    await helpers.time.increase(3600);
    assert.ok((await helpers.time.latest()) >= now + 3600);
    await helpers.time.increaseTo(now + 100_000);
    assert.equal(await helpers.time.latest(), now + 100_000);
    await helpers.time.setNextBlockTimestamp(now + 200_000);
    await helpers.mine();
    assert.equal(await helpers.time.latest(), now + 200_000);

    await snapshot.restore();
    assert.equal(await helpers.time.latestBlock(), start);
    await helpers.mine();
    const after = await helpers.time.latest();
    assert.ok(after < now + 100_000, `the clock came back too (${after})`);
  });

  it("cheats set balances, code, storage and nonces without mining", async () => {
    const height = await client.getBlockNumber();
    await helpers.setBalance(stranger, parseEther("42"));
    await helpers.setCode(stranger, "0x60016000f3");
    await helpers.setStorageAt(stranger, 7, 0xabcd);
    await helpers.setNonce(stranger, 9);
    assert.equal(await client.getBlockNumber(), height, "cheats do not mine");
    assert.equal(await client.getBalance({ address: stranger }), parseEther("42"));
    assert.equal(await client.getCode({ address: stranger }), "0x60016000f3");
    assert.equal(BigInt(await helpers.getStorageAt(stranger, 7)), 0xabcdn);
    assert.equal(await client.getTransactionCount({ address: stranger }), 9);
  });

  it("an impersonated account sends without its key", async () => {
    const rich = getAddress("0x6161616161616161616161616161616161616161");
    await helpers.setBalance(rich, parseEther("10"));
    await helpers.impersonateAccount(rich);
    const hash = await alice.sendTransaction({ account: rich, to: bob.account.address, value: 1n });
    const receipt = await client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.from.toLowerCase(), rich.toLowerCase());
    await helpers.stopImpersonatingAccount(rich);
  });

  it("the next block's base fee and prevrandao are set; a pooled tx can be dropped", async () => {
    await helpers.setNextBlockBaseFeePerGas(12_345_678_901n);
    await helpers.setPrevRandao(0x1234);
    await helpers.mine();
    const block = await client.getBlock();
    assert.equal(block.baseFeePerGas, 12_345_678_901n);
    assert.equal(BigInt(block.mixHash), 0x1234n);

    await client.request({ method: "evm_setAutomine", params: [false] });
    const hash = await alice.sendTransaction({ to: stranger, value: 1n });
    await helpers.dropTransaction(hash);
    await client.request({ method: "evm_setAutomine", params: [true] });
    await helpers.mine();
    const pooled = await client.request({ method: "txpool_status", params: [] });
    assert.equal(BigInt(pooled.pending), 0n);
    await assert.rejects(client.getTransactionReceipt({ hash }));
  });
});
