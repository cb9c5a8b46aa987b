#!/usr/bin/env node
// Starts Azurite's blob server (its main.js, given first) with the extent garbage collector's interval set to a day
// instead of ten minutes. Each collection lists every blob 5,000 at a time, filtering and re-sorting the whole metadata
// collection for every page, synchronously on the event loop: at 150,000 blobs one pass held every request for about a
// minute on this machine (one 100-byte upload took 63.6 s), and in a loaded 10,000-trade day run, whose archive passes
// 100,000 blobs, for over ten minutes, so every archive write timed out and the day run failed. With in-memory
// persistence and a write-once archive that deletes nothing there is nothing for it to collect.
//
// Usage: node azurite-blob.mjs <azurite/dist/src/blob/main.js> [Azurite arguments...]
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [main, ...rest] = process.argv.slice(2);
if (!main) {
  console.error("usage: node azurite-blob.mjs <azurite/dist/src/blob/main.js> [arguments...]");
  process.exit(2);
}
const require = createRequire(import.meta.url);
// BlobGCManager reads this default when the server constructs it, after this assignment.
require(join(dirname(resolve(main)), "utils", "constants.js")).DEFAULT_GC_INTERVAL_MS = 24 * 60 * 60 * 1000;
// The blob metadata collection carries binary indices on accountName, containerName, name and snapshot. Every insert
// splices each index (a copy of the whole index), and only the one on name narrows a lookup (the others hold one account,
// one container, one snapshot value). Past 100,000 blobs — a 10,000-trade day's archive — the four cost about 0.6 ms an
// upload against 0.1 ms for name alone (lokijs, measured on this machine), on Azurite's single thread. Lookups put name
// first, so they keep the index they use.
const Loki = createRequire(resolve(main))("lokijs");
const addCollection = Loki.prototype.addCollection;
Loki.prototype.addCollection = function addCollectionIndexedByName(name, options) {
  return addCollection.call(this, name, name === "$BLOBS_COLLECTION$" && options ? { ...options, indices: ["name"] } : options);
};
process.argv = [process.argv[0], resolve(main), ...rest];
await import(pathToFileURL(resolve(main)).href);
