// Hardhat 3 against a running manaflow node (MANAFLOW_URL), with the network helpers, viem and
// Node's test runner. No contracts: nothing is compiled, so no solc is fetched.
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatNodeTestRunner from "@nomicfoundation/hardhat-node-test-runner";
import hardhatViem from "@nomicfoundation/hardhat-viem";

export default {
  plugins: [hardhatNetworkHelpers, hardhatViem, hardhatNodeTestRunner],
  networks: {
    manaflow: {
      type: "http",
      chainType: "l1",
      url: process.env.MANAFLOW_URL ?? "http://127.0.0.1:8545",
    },
  },
};
