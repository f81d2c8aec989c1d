// Calls every native entry with random garbage arguments (seeded); used by test/errors.test.ts in a child
// process: errors are expected, an abort is not. Prints "done ..." at the end.
"use strict";
const path = require("path");
require(require.resolve("ts-node", { paths: [path.join(__dirname, "..")] })).register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
const torch = require("../lib");
const { native } = require("../lib/native");
const t = torch.ones([2, 2]);
const garbage = [undefined, null, -1, 0, 1, 2 ** 31, -(2 ** 40), 1.5, NaN, Infinity, "x", "cuda:99", "cpu", true, {}, { _id: -7 },
  { _id: 1e9 }, { code: 99 }, [], [1, -2], [2 ** 40, 2 ** 40], [[1]], t, [t, 5], [t, null], new Float32Array(3), Buffer.alloc(0),
  new ArrayBuffer(8), () => 1, Symbol("s"), 10n];
const skip = new Set(["setFactories"]);
let calls = 0, threw = 0;
const names = Object.keys(native).filter((k) => typeof native[k] === "function" && !skip.has(k));
let seed = Number(process.argv[2] || 1);
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
for (const name of names) {
  for (let k = 0; k < 300; k++) {
    const args = Array.from({ length: rnd(7) }, () => garbage[rnd(garbage.length)]);
    calls++;
    try { native[name](...args); } catch (e) { threw++; }
  }
}
console.log(`done: ${names.length} entries, ${calls} calls, ${threw} threw`);
