#!/usr/bin/env node
// The local Cosmos DB stand-in: @vercel/cosmosdb-server 1.0.1 (pinned exactly; these fixes depend on its
// internals) behind a compatibility layer that makes the .NET SDK 3.64 work for what the pipeline uses.
// See docs/emulators/cosmos-and-blob.md for what works and what stays unsupported.
//
// Usage: node server.mjs [--port 0] [--host 127.0.0.1] [--parent-pid PID] [--ttl-sweep-ms 1000]
// Prints "cosmos-stand-in ready on http://HOST:PORT/" once it accepts connections.
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { watchParent } from "./parent-watch.mjs";
import { readRecords, decodeOperation, encodeResults, OperationType } from "./batch-codec.mjs";
import { installLinearFrom } from "./linear-from.mjs";

const require = createRequire(new URL("../node/package.json", import.meta.url));
const packageRoot = "@vercel/cosmosdb-server/lib";
const { createHttpServer } = require(packageRoot);
const accountModule = require(`${packageRoot}/account`);
const Documents = require(`${packageRoot}/account/documents`).default;
const documentOperations = require(`${packageRoot}/handler/_document-operations`);
const { patchOperation } = require(`${packageRoot}/handler/_patch-operations`);
const getValue = require(`${packageRoot}/utils/get-value`).default;

const args = parseArgs(process.argv.slice(2));

// The package builds its account inside createHttpServer's closure; capture it so the layer can reach the
// collections for the change feed, batches and the TTL sweeper.
let account;
const OriginalAccount = accountModule.default;
accountModule.default = class CapturedAccount extends OriginalAccount {
  constructor(...rest) {
    super(...rest);
    account = this;
  }
};

// Every document write gets the next sequence number (_lsn): the change feed's continuation is that number.
let sequence = 0;
let restoring = false;
const originalSet = Documents.prototype._set;
Documents.prototype._set = function setWithSequence(data) {
  if (!restoring) {
    sequence += 1;
    // eslint-disable-next-line no-param-reassign
    data._lsn = sequence;
  }
  const stored = originalSet.call(this, data);
  indexPartition(this, stored);
  return stored;
};

// Each collection's documents by partition key value, kept beside the package's own map by every write and delete (a
// replace is a delete and a set), so a query or change feed scoped to one partition reads that partition and not every
// document of the container. The package scans the whole container for each request; at 10,000 trades the per-message
// single-partition queries each scanned tens of thousands of documents.
const partitions = new WeakMap();

function partitionsOf(documents) {
  let map = partitions.get(documents);
  if (!map) {
    map = new Map();
    partitions.set(documents, map);
  }
  return map;
}

function partitionKeyOf(documents, data) {
  return JSON.stringify(documents._partitionKeyPath.map(path => getValue(path.slice(1).split("/"), data) ?? null));
}

function indexPartition(documents, data) {
  const key = partitionKeyOf(documents, data);
  const map = partitionsOf(documents);
  let partition = map.get(key);
  if (!partition) {
    partition = new Map();
    map.set(key, partition);
  }
  partition.set(data._rid, documents._data.get(data._rid));
}

const originalDelete = Documents.prototype.delete;
Documents.prototype.delete = function deleteAndUnindex(idOrRid, partition) {
  const data = this._item("/id", idOrRid, partition).read();
  const result = originalDelete.call(this, idOrRid, partition);
  if (data) {
    const key = partitionKeyOf(this, data);
    const map = partitionsOf(this);
    const indexed = map.get(key);
    if (indexed) {
      indexed.delete(data._rid);
      if (indexed.size === 0) map.delete(key);
    }
  }
  return result;
};

installLinearFrom(require);

const server = createHttpServer({ keepAlive: true });
const [packageHandler] = server.listeners("request");
server.removeAllListeners("request");
server.on("request", (req, res) => {
  handle(req, res).catch(err => {
    console.error(err);
    if (!res.headersSent) send(res, 500, { code: "InternalServerError", message: String(err && err.message) });
  });
});
// The .NET SDK keeps connections in its pool for minutes; closing idle sockets sooner makes it resend on a dead socket.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;

server.listen(args.port, args.host, () => {
  const { port } = server.address();
  console.log(`cosmos-stand-in ready on http://${args.host}:${port}/`);
});

if (args.parentPid) watchParent(args.parentPid);
setInterval(sweepExpired, args.ttlSweepMs).unref();
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));

// ---------------------------------------------------------------------------------------------------------------------

const DOCS = /^\/+dbs\/([^/]+)\/colls\/([^/]+)\/docs\/?$/;
const DOC = /^\/+dbs\/([^/]+)\/colls\/([^/]+)\/docs\/([^/]+)\/?$/;

async function handle(req, res) {
  const path = new URL(req.url, "http://stand-in").pathname;
  let match = DOCS.exec(path);
  if (match) {
    const collection = findCollection(match[1], match[2]);
    if (req.method === "POST" && isTrue(req, "x-ms-cosmos-is-query-plan-request")) {
      return send(res, 200, passThroughQueryPlan());
    }
    if (req.method === "POST" && (isTrue(req, "x-ms-documentdb-isquery") || req.headers["content-type"] === "application/query+json")) {
      if (!collection) return send(res, 404, notFound());
      return query(req, res, collection);
    }
    if (req.method === "POST" && isTrue(req, "x-ms-cosmos-is-batch-request")) {
      if (!collection) return send(res, 404, notFound());
      return batch(req, res, collection);
    }
    if (req.method === "GET" && req.headers["a-im"]) {
      if (!collection) return send(res, 404, notFound());
      return changeFeed(req, res, collection);
    }
  }
  match = DOC.exec(path);
  if (match && req.method === "GET") {
    // The package answers 500 for a missing id (it dereferences the missing document); answer 404 first.
    const collection = findCollection(match[1], match[2]);
    const id = decodeURIComponent(match[3]);
    if (!collection) return send(res, 404, notFound());
    const data = readDocument(collection, id, req.headers["x-ms-documentdb-partitionkey"]);
    if (!data || isExpired(collection, data)) return send(res, 404, notFound());
  }
  return packageHandler(req, res);
}

function findCollection(dbId, collId) {
  if (!account) return null;
  const database = account.database(decodeURIComponent(dbId));
  if (!database.read()) return null;
  const collection = database.collection(decodeURIComponent(collId));
  return collection.read() ? collection : null;
}

function readDocument(collection, id, partitionKeyHeader) {
  try {
    const partition = documentOperations.readOperation(collection, { id, partitionKey: partitionKeyHeader ?? "[{}]" });
    return partition.statusCode === 200 ? partition.body : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Queries. The SDK first asks for a query plan; a pass-through plan (one range, no client-side ORDER BY, aggregates
// or DISTINCT) makes it send the query as is, and the server evaluates all of it. The partition-key header scopes it.

function passThroughQueryPlan() {
  return {
    partitionedQueryExecutionInfoVersion: 2,
    queryInfo: {
      distinctType: "None",
      top: null,
      offset: null,
      limit: null,
      orderBy: [],
      orderByExpressions: [],
      groupByExpressions: [],
      groupByAliases: [],
      aggregates: [],
      groupByAliasToAggregateType: {},
      rewrittenQuery: "",
      hasSelectValue: false,
      dCountInfo: null,
      hasNonStreamingOrderBy: false,
    },
    queryRanges: [{ min: "", max: "FF", isMinInclusive: true, isMaxInclusive: false }],
  };
}

async function query(req, res, collection) {
  const body = JSON.parse((await readBody(req)).toString("utf8") || "{}");
  if (!body.query) return send(res, 400, { code: "BadRequest", message: "missing query" });
  const documents = collection.documents;
  const now = nowSeconds();
  const data = documentsInScope(collection, req.headers["x-ms-documentdb-partitionkey"], now);
  const indexingPolicy = collection.read().indexingPolicy || {};
  let result;
  try {
    result = documents._getQuery(body.query).exec(data, {
      parameters: body.parameters,
      udf: documents._userDefinedFunctions(),
      maxItemCount: headerInt(req, "x-ms-max-item-count"),
      continuation: parseJsonOrNull(req.headers["x-ms-continuation"]),
      compositeIndexes: indexingPolicy.compositeIndexes || [],
    });
  } catch (err) {
    return send(res, 400, { code: "BadRequest", message: err.message });
  }
  const headers = { "x-ms-item-count": String(result.result.length) };
  if (result.continuation) headers["x-ms-continuation"] = JSON.stringify(result.continuation);
  return send(res, 200, { _rid: collection.read()._rid, Documents: result.result, _count: result.result.length }, headers);
}

function partitionFilter(collection, header) {
  if (!header) return () => true;
  const parsed = parseJsonOrNull(header);
  if (!Array.isArray(parsed)) return () => true;
  const paths = partitionKeyPaths(collection);
  return doc =>
    paths.every((path, i) => {
      const want = parsed[i];
      const have = getValue(path, doc);
      // PartitionKey.None travels as {} and matches documents without the property.
      if (want !== null && typeof want === "object") return have === undefined;
      return have === want;
    });
}

function partitionKeyPaths(collection) {
  const paths = ((collection.read().partitionKey || {}).paths || ["/id"]);
  return paths.map(p => p.slice(1).split("/"));
}

// ---------------------------------------------------------------------------------------------------------------------
// Change feed (latest-version mode). The continuation is the ETag: the _lsn of the last document returned.

function changeFeed(req, res, collection) {
  const ifNoneMatch = req.headers["if-none-match"];
  const ifModifiedSince = req.headers["if-modified-since"];
  let after = 0;
  if (ifNoneMatch === "*") {
    after = sequence;
  } else if (ifNoneMatch) {
    after = Number.parseInt(String(ifNoneMatch).replace(/"/g, ""), 10) || 0;
  }
  const since = !ifNoneMatch && ifModifiedSince ? Date.parse(ifModifiedSince) / 1000 : null;
  const now = nowSeconds();
  let changes = documentsInScope(collection, req.headers["x-ms-documentdb-partitionkey"], now)
    .filter(doc => doc._lsn > after && (since === null || doc._ts >= Math.floor(since)))
    .sort((a, b) => a._lsn - b._lsn);
  const max = headerInt(req, "x-ms-max-item-count");
  if (max && max > 0) changes = changes.slice(0, max);
  if (changes.length === 0) {
    // Nothing in scope was written after `after`, so the whole sequence so far is covered.
    return send(res, 304, null, { etag: `"${Math.max(after, sequence)}"`, "x-ms-item-count": "0" });
  }
  const etag = `"${changes[changes.length - 1]._lsn}"`;
  return send(
    res,
    200,
    { _rid: collection.read()._rid, Documents: changes, _count: changes.length },
    { etag, "x-ms-item-count": String(changes.length) },
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// TransactionalBatch (atomic: all or nothing, 207 with the failing status and 424 for the others) and bulk
// (not atomic: every operation on its own). Node runs this synchronously, so no other request interleaves.

async function batch(req, res, collection) {
  const body = await readBody(req);
  dumpBatch(req, body);
  let operations;
  try {
    operations = readRecords(body).map(decodeOperation);
  } catch (err) {
    return send(res, 400, { code: "BadRequest", message: `Unreadable batch body: ${err.message}` });
  }
  const atomic = isTrue(req, "x-ms-cosmos-batch-atomic");
  const headerPartitionKey = req.headers["x-ms-documentdb-partitionkey"];
  const undo = [];
  const results = [];
  let failedAt = -1;
  for (let i = 0; i < operations.length; i += 1) {
    const op = operations[i];
    const partitionKey = op.partitionKey ?? headerPartitionKey;
    const id = op.id ?? (op.resourceBody && op.resourceBody.id);
    if (atomic) undo.push({ id, partitionKey, prior: snapshot(collection, id, partitionKey) });
    const result = execute(collection, op, id, partitionKey);
    results.push(result);
    if (result.statusCode >= 400 && atomic) {
      failedAt = i;
      break;
    }
  }
  if (failedAt >= 0) {
    rollBack(collection, undo);
    const failed = results[failedAt];
    const replies = operations.map((_, i) =>
      i === failedAt ? { statusCode: failed.statusCode, subStatusCode: 0 } : { statusCode: 424, subStatusCode: 0 });
    return sendBinary(res, 207, encodeResults(replies));
  }
  const anyFailed = results.some(r => r.statusCode >= 400);
  const replies = results.map(r =>
    r.statusCode >= 400
      ? { statusCode: r.statusCode }
      : { statusCode: r.statusCode, eTag: r.body && r.body._etag, resourceBody: r.body && r.body.id ? r.body : undefined });
  return sendBinary(res, anyFailed ? 207 : 200, encodeResults(replies));
}

// COSMOS_STAND_IN_DUMP=<file> appends each batch request's headers and body (hex), to debug the codec against the SDK.
function dumpBatch(req, body) {
  const file = process.env.COSMOS_STAND_IN_DUMP;
  if (file) appendFileSync(file, `${JSON.stringify(req.headers)}\n${body.toString("hex")}\n`);
}

function execute(collection, op, id, partitionKey) {
  const pk = partitionKey ?? "[{}]";
  try {
    switch (op.operationType) {
      case OperationType.Create:
        return documentOperations.createOperation(collection, { resourceBody: op.resourceBody });
      case OperationType.Upsert:
        return documentOperations.upsertOperation(collection, { partitionKey: pk, ifMatch: op.ifMatch, resourceBody: op.resourceBody });
      case OperationType.Replace: {
        if (!readDocument(collection, id, pk)) return { statusCode: 404 };
        return documentOperations.replaceOperation(collection, { partitionKey: pk, ifMatch: op.ifMatch, resourceBody: op.resourceBody });
      }
      case OperationType.Read: {
        const result = documentOperations.readOperation(collection, { partitionKey: pk, id });
        if (result.statusCode === 200 && isExpired(collection, result.body)) return { statusCode: 404 };
        return result;
      }
      case OperationType.Delete:
        return documentOperations.deleteOperation(collection, { partitionKey: pk, ifMatch: op.ifMatch, id });
      case OperationType.Patch: {
        const patch = op.resourceBody || {};
        return patchOperation(collection, {
          id,
          partitionKey: pk,
          ifMatch: op.ifMatch,
          operations: Array.isArray(patch) ? patch : patch.operations,
          condition: Array.isArray(patch) ? undefined : patch.condition,
        });
      }
      default:
        return { statusCode: 400 };
    }
  } catch (err) {
    return { statusCode: 400, body: { message: err.message } };
  }
}

function snapshot(collection, id, partitionKey) {
  const data = id === undefined ? null : readDocument(collection, id, partitionKey ?? "[{}]");
  return data ? structuredClone(data) : null;
}

function rollBack(collection, undo) {
  for (let i = undo.length - 1; i >= 0; i -= 1) {
    const { id, partitionKey, prior } = undo[i];
    if (id === undefined) continue;
    const current = readDocument(collection, id, partitionKey ?? "[{}]");
    if (current) collection.documents.delete(current.id, collection.documents._getPartition(current));
    if (prior) {
      restoring = true;
      try {
        collection.documents._set(prior);
      } finally {
        restoring = false;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// TTL. The package ignores it: a container with defaultTtl (seconds; -1 = only items with their own ttl) expires items
// at _ts + ttl. Reads already hide expired items; the sweeper deletes them.

function effectiveTtl(collection, doc) {
  const defaultTtl = collection.read().defaultTtl;
  if (defaultTtl === undefined || defaultTtl === null) return null;
  const ttl = typeof doc.ttl === "number" ? doc.ttl : defaultTtl;
  return ttl > 0 ? ttl : null;
}

function isExpired(collection, doc, now = nowSeconds()) {
  const ttl = effectiveTtl(collection, doc);
  return ttl !== null && now >= doc._ts + ttl;
}

function liveDocuments(collection, now, items = collection.documents._data.values()) {
  const all = [...items].map(item => item.read());
  const ttlOn = collection.read().defaultTtl !== undefined && collection.read().defaultTtl !== null;
  return ttlOn ? all.filter(doc => !isExpired(collection, doc, now)) : all;
}

// The live documents a request's partition-key header scopes it to: that partition's from the index when the header
// names values, every document otherwise (no header: cross-partition; PartitionKey.None, sent as {}: the documents
// without the property, found by the exact filter). The exact filter runs on the index's candidates as well.
function documentsInScope(collection, header, now) {
  const inPartition = partitionFilter(collection, header);
  const parsed = header ? parseJsonOrNull(header) : null;
  if (
    Array.isArray(parsed) &&
    parsed.length === collection.documents._partitionKeyPath.length &&
    parsed.every(value => value === null || typeof value !== "object")
  ) {
    const indexed = partitionsOf(collection.documents).get(JSON.stringify(parsed));
    return indexed ? liveDocuments(collection, now, indexed.values()).filter(inPartition) : [];
  }
  return liveDocuments(collection, now).filter(inPartition);
}

function sweepExpired() {
  if (!account) return;
  const now = nowSeconds();
  for (const database of account.databases._data.values()) {
    for (const collection of database.collections._data.values()) {
      if (!collection.read()) continue;
      const { defaultTtl } = collection.read();
      if (defaultTtl === undefined || defaultTtl === null) continue;
      for (const item of [...collection.documents._data.values()]) {
        const doc = item.read();
        if (isExpired(collection, doc, now)) {
          collection.documents.delete(doc.id, collection.documents._getPartition(doc));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------

function commonHeaders(res) {
  res.setHeader("x-ms-activity-id", randomUUID());
  res.setHeader("x-ms-request-charge", "1");
  res.setHeader("connection", "keep-alive");
}

function send(res, status, body, headers = {}) {
  commonHeaders(res);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  if (body === null || status === 304) {
    res.end();
    return;
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
}

function sendBinary(res, status, buffer) {
  commonHeaders(res);
  res.statusCode = status;
  res.setHeader("content-type", "application/octet-stream");
  res.end(buffer);
}

function notFound() {
  return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", chunk => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function isTrue(req, name) {
  const value = req.headers[name];
  return typeof value === "string" && value.toLowerCase() === "true";
}

function headerInt(req, name) {
  const value = req.headers[name];
  if (!value) return null;
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) || n < 0 ? null : n;
}

function parseJsonOrNull(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function nowSeconds() {
  return Date.now() / 1000;
}

function parseArgs(argv) {
  const parsed = { port: 0, host: "127.0.0.1", parentPid: 0, ttlSweepMs: 1000 };
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key === "--port") parsed.port = Number.parseInt(value, 10);
    else if (key === "--host") parsed.host = value;
    else if (key === "--parent-pid") parsed.parentPid = Number.parseInt(value, 10);
    else if (key === "--ttl-sweep-ms") parsed.ttlSweepMs = Number.parseInt(value, 10);
    else continue;
    i += 1;
  }
  return parsed;
}
