#!/usr/bin/env node
// Compiles src/*.sol offline with solc-js (the wasm build from the `solc` npm package) through the
// standard JSON interface and writes one artifact per contract to artifacts/<Name>.json.
// Output is deterministic: sources are fed in sorted order, object keys are sorted, no timestamps,
// and source unit names are relative ("src/X.sol", "@openzeppelin/..."), so no local paths leak
// into the metadata hash embedded in the bytecode.
//
// Usage: npm ci && node compile.js
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = __dirname;
const SRC_DIR = path.join(ROOT, 'src');
const OUT_DIR = path.join(ROOT, 'artifacts');
const NODE_MODULES = path.join(ROOT, 'node_modules');

const SETTINGS = {
  evmVersion: 'prague',
  optimizer: { enabled: true, runs: 200 },
  viaIR: false,
  metadata: { bytecodeHash: 'ipfs' },
  remappings: [],
};

function packageVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(NODE_MODULES, name, 'package.json'), 'utf8')).version;
}

// Resolve imports that are not among the given sources: "@openzeppelin/..." (or any other
// package) from node_modules, anything else relative to this folder. Never leaves ROOT.
function findImports(importPath) {
  const base = importPath.startsWith('@') ? NODE_MODULES : ROOT;
  const full = path.resolve(base, importPath);
  if (!full.startsWith(ROOT + path.sep)) {
    return { error: `import outside ${ROOT}: ${importPath}` };
  }
  try {
    return { contents: fs.readFileSync(full, 'utf8') };
  } catch (e) {
    return { error: `cannot read ${importPath}: ${e.message}` };
  }
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k]);
    return out;
  }
  return value;
}

function main() {
  const files = fs.readdirSync(SRC_DIR).filter((f) => f.endsWith('.sol')).sort();
  const sources = {};
  for (const f of files) {
    sources[`src/${f}`] = { content: fs.readFileSync(path.join(SRC_DIR, f), 'utf8') };
  }

  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...SETTINGS,
      // Only our own sources (keys must be exact source unit names or "*", not globs).
      outputSelection: Object.fromEntries(Object.keys(sources).map((s) => [s, {
        '*': ['abi', 'evm.bytecode.object', 'evm.bytecode.linkReferences',
          'evm.deployedBytecode.object', 'evm.methodIdentifiers'],
      }])),
    },
  };

  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  let failed = false;
  for (const d of output.errors || []) {
    if (d.severity === 'error') failed = true;
    console.error(d.formattedMessage || d.message);
  }
  if (failed) process.exit(1);

  const compiler = {
    name: 'solc-js',
    version: solc.version(),
    npmPackages: {
      '@openzeppelin/contracts': packageVersion('@openzeppelin/contracts'),
      solc: packageVersion('solc'),
    },
    settings: SETTINGS,
  };

  const artifacts = {};
  for (const sourceName of Object.keys(output.contracts || {}).sort()) {
    if (!sourceName.startsWith('src/')) continue;
    for (const [contractName, c] of Object.entries(output.contracts[sourceName])) {
      if (!c.evm.bytecode.object) continue; // interfaces / abstract contracts
      if (Object.keys(c.evm.bytecode.linkReferences || {}).length) {
        throw new Error(`${contractName} needs library linking, not supported`);
      }
      if (artifacts[contractName]) throw new Error(`duplicate contract name ${contractName}`);
      artifacts[contractName] = {
        contractName,
        sourceName,
        abi: c.abi,
        bytecode: '0x' + c.evm.bytecode.object,
        deployedBytecode: '0x' + c.evm.deployedBytecode.object,
        methodIdentifiers: c.evm.methodIdentifiers,
        compiler,
      };
    }
  }

  fs.mkdirSync(OUT_DIR, { recursive: true });
  // Drop stale artifacts of contracts that no longer exist.
  for (const f of fs.readdirSync(OUT_DIR)) {
    if (f.endsWith('.json') && !artifacts[f.slice(0, -5)]) fs.unlinkSync(path.join(OUT_DIR, f));
  }
  for (const name of Object.keys(artifacts).sort()) {
    const file = path.join(OUT_DIR, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(sortKeys(artifacts[name]), null, 2) + '\n');
    const a = artifacts[name];
    console.log(`${path.relative(ROOT, file)}: ${(a.bytecode.length - 2) / 2} bytes creation, ` +
      `${(a.deployedBytecode.length - 2) / 2} bytes runtime`);
  }
  console.log(`compiled with ${compiler.version}, evmVersion ${SETTINGS.evmVersion}, ` +
    `optimizer runs ${SETTINGS.optimizer.runs}`);
}

main();
