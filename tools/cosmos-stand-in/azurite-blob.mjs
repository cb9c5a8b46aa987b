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

// Listing a folder (a prefix) matched every blob of the account against a regular expression, then sorted what matched,
// for every page of 5,000: listing a 120,000-record archive day took most of a minute, and an end of day lists its day
// twice. The same listing as a range on the name index — names from max(prefix, marker, startFrom) up to the last name
// with that prefix — returns the same blobs in the same order (BlobConformanceTests lists with prefixes, markers, pages
// and a delimiter). Applied only to the listBlobs this was written against (Azurite 3.37.0's), recognised by its source.
const persistence = join(dirname(resolve(main)), "persistence");
const requireAzurite = createRequire(resolve(main));
const Store = requireAzurite(join(persistence, "LokiBlobMetadataStore.js")).default;
const original = Store.prototype.listBlobs;
if (String(original).includes("query.name = { $regex: `^${this.escapeRegex(prefix)}` };")) {
  const PageWithDelimiter = requireAzurite(join(persistence, "PageWithDelimiter.js")).default;
  const LeaseFactory = requireAzurite(join(dirname(resolve(main)), "lease", "LeaseFactory.js")).default;
  const BlobLeaseAdapter = requireAzurite(join(dirname(resolve(main)), "lease", "BlobLeaseAdapter.js")).default;
  const BlobLeaseSyncer = requireAzurite(join(dirname(resolve(main)), "lease", "BlobLeaseSyncer.js")).default;
  const { DEFAULT_LIST_BLOBS_MAX_RESULTS } = requireAzurite(join(dirname(resolve(main)), "utils", "constants.js"));
  Store.prototype.listBlobs = async function listBlobsByNameRange(context, account, container, delimiter, blob, prefix = "",
    maxResults = DEFAULT_LIST_BLOBS_MAX_RESULTS, marker = "", includeSnapshots, includeUncommittedBlobs, startFrom) {
    if (prefix === "" || blob !== undefined) {
      return original.apply(this, arguments);
    }
    // Every name with the prefix sorts at or after it and before the prefix followed by U+FFFF, the highest UTF-16 unit.
    let from = prefix;
    if (marker > from) from = marker;
    if (startFrom !== undefined && startFrom > from) from = startFrom;
    const query = { name: { $between: [from, prefix + "\uffff"] } };
    if (account !== undefined) query.accountName = account;
    if (container !== undefined) query.containerName = container;
    const coll = this.db.getCollection(this.BLOBS_COLLECTION);
    const page = new PageWithDelimiter(maxResults, delimiter, prefix);
    const readPage = async (offset) => coll
      .chain()
      .find(query)
      .where((obj) => obj.name.startsWith(prefix) && obj.name > marker)
      .where((obj) => startFrom === undefined ? true : obj.name >= startFrom)
      .where((obj) => includeSnapshots ? true : obj.snapshot.length === 0)
      .where((obj) => includeUncommittedBlobs ? true : obj.isCommitted)
      .sort((a, b) => (a.name === b.name ? 0 : a.name > b.name ? 1 : -1))
      .offset(offset)
      .limit(maxResults)
      .data();
    const [blobItems, blobPrefixes, nextMarker] = await page.fill(readPage, (item) => item.name);
    return [
      blobItems.map((doc) => {
        doc.properties.contentMD5 = this.restoreUint8Array(doc.properties.contentMD5);
        return LeaseFactory.createLeaseState(new BlobLeaseAdapter(doc), context).sync(new BlobLeaseSyncer(doc));
      }),
      blobPrefixes,
      nextMarker,
    ];
  };
} else {
  console.error("azurite-blob.mjs: this Azurite's listBlobs is not the one the name-range listing was written for; listing as Azurite does.");
}

process.argv = [process.argv[0], resolve(main), ...rest];
await import(pathToFileURL(resolve(main)).href);
