// Codec for the binary body the .NET Cosmos SDK sends for TransactionalBatch and bulk: a RecordIO stream of
// HybridRow rows in the SDK's two fixed schemas (BatchOperation in requests, BatchResult in replies).
// Only what those two schemas need is implemented; anything else is rejected rather than guessed.
import { crc32 } from "node:zlib";

const HYBRID_ROW_V1 = 0x81;
export const SCHEMA_SEGMENT = 2147473648;
export const SCHEMA_RECORD = 2147473649;
export const SCHEMA_BATCH_OPERATION = 2145473648;
export const SCHEMA_BATCH_RESULT = 2145473649;

// HybridRow layout codes used by the sparse columns of the two schemas.
const CODE_BOOLEAN_FALSE = 2;
const CODE_BOOLEAN_TRUE = 3;
const CODE_INT32 = 7;
const CODE_UINT32 = 11;
const CODE_FLOAT64 = 16;
const CODE_UTF8 = 20;

// Sparse path tokens of BatchOperation: the tokenizer numbers every property path from 1 in schema order.
const OPERATION_SPARSE_TOKENS = {
  8: "indexingDirective",
  9: "ifMatch",
  10: "ifNoneMatch",
  11: "timeToLiveInSeconds",
  12: "minimalReturnPreference",
};

export const OperationType = Object.freeze({
  Create: 0,
  Patch: 1,
  Read: 2,
  Delete: 4,
  Replace: 5,
  Upsert: 20,
});

function readVarUInt(buffer, state) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buffer[state.offset++];
    if (b === undefined) throw new Error("truncated varint");
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return value;
    shift += 7;
  }
}

function writeVarUInt(value, out) {
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Splits a RecordIO stream into the rows it carries (the segment row is skipped). */
export function readRecords(buffer) {
  const rows = [];
  let offset = 0;
  while (offset < buffer.length) {
    if (buffer[offset] !== HYBRID_ROW_V1) throw new Error(`unexpected HybridRow version at ${offset}`);
    const schema = buffer.readUInt32LE(offset + 1);
    if (schema === SCHEMA_SEGMENT) {
      // After the header and a presence byte, the segment's first column is its own length in bytes, header included.
      const length = buffer.readInt32LE(offset + 6);
      if (length < 10) throw new Error("segment too short");
      offset += length;
    } else if (schema === SCHEMA_RECORD) {
      const length = buffer.readInt32LE(offset + 5);
      const start = offset + 13;
      rows.push(buffer.subarray(start, start + length));
      offset = start + length;
    } else {
      throw new Error(`unexpected RecordIO schema ${schema}`);
    }
  }
  return rows;
}

/** Decodes one BatchOperation row into a plain object. */
export function decodeOperation(row) {
  if (row[0] !== HYBRID_ROW_V1 || row.readUInt32LE(1) !== SCHEMA_BATCH_OPERATION) {
    throw new Error("not a BatchOperation row");
  }
  const presence = row[5];
  const op = {
    operationType: row.readInt32LE(6),
    resourceType: row.readInt32LE(10),
  };
  const state = { offset: 14 };
  const variableColumns = ["partitionKey", "effectivePartitionKey", "id", "binaryId", "resourceBody"];
  variableColumns.forEach((name, index) => {
    if ((presence & (1 << (index + 2))) === 0) return;
    const length = readVarUInt(row, state);
    const bytes = row.subarray(state.offset, state.offset + length);
    state.offset += length;
    op[name] = name === "partitionKey" || name === "id" ? bytes.toString("utf8") : bytes;
  });
  while (state.offset < row.length) {
    const code = row[state.offset++];
    const token = readVarUInt(row, state);
    const name = OPERATION_SPARSE_TOKENS[token] ?? `token${token}`;
    switch (code) {
      case CODE_UTF8: {
        const length = readVarUInt(row, state);
        op[name] = row.toString("utf8", state.offset, state.offset + length);
        state.offset += length;
        break;
      }
      case CODE_BOOLEAN_FALSE:
        op[name] = false;
        break;
      case CODE_BOOLEAN_TRUE:
        op[name] = true;
        break;
      case CODE_INT32:
      case CODE_UINT32:
        op[name] = code === CODE_INT32 ? row.readInt32LE(state.offset) : row.readUInt32LE(state.offset);
        state.offset += 4;
        break;
      case CODE_FLOAT64:
        op[name] = row.readDoubleLE(state.offset);
        state.offset += 8;
        break;
      default:
        throw new Error(`unsupported sparse layout code ${code}`);
    }
  }
  if (op.resourceBody) {
    op.resourceBody = JSON.parse(op.resourceBody.toString("utf8"));
  }
  return op;
}

/** Encodes one BatchResult row: status, sub-status, and the optional ETag and resource body. */
export function encodeResult({ statusCode, subStatusCode = 0, eTag, resourceBody }) {
  const out = [];
  const header = Buffer.alloc(5);
  header[0] = HYBRID_ROW_V1;
  header.writeUInt32LE(SCHEMA_BATCH_RESULT, 1);
  out.push(...header);
  let presence = 0b11;
  const etagBytes = eTag ? Buffer.from(eTag, "utf8") : null;
  const bodyBytes = resourceBody ? Buffer.from(JSON.stringify(resourceBody), "utf8") : null;
  if (etagBytes) presence |= 1 << 2;
  if (bodyBytes) presence |= 1 << 3;
  out.push(presence);
  const fixed = Buffer.alloc(8);
  fixed.writeInt32LE(statusCode, 0);
  fixed.writeInt32LE(subStatusCode, 4);
  out.push(...fixed);
  for (const bytes of [etagBytes, bodyBytes]) {
    if (!bytes) continue;
    writeVarUInt(bytes.length, out);
    out.push(...bytes);
  }
  return Buffer.from(out);
}

function segment() {
  const buffer = Buffer.alloc(10);
  buffer[0] = HYBRID_ROW_V1;
  buffer.writeUInt32LE(SCHEMA_SEGMENT, 1);
  buffer[5] = 0x01; // presence: length
  buffer.writeInt32LE(10, 6);
  return buffer;
}

function record(row) {
  const header = Buffer.alloc(13);
  header[0] = HYBRID_ROW_V1;
  header.writeUInt32LE(SCHEMA_RECORD, 1);
  header.writeInt32LE(row.length, 5);
  header.writeUInt32LE(crc32(row) >>> 0, 9);
  return Buffer.concat([header, row]);
}

/** A whole batch reply body: a segment, then one BatchResult record per operation, in request order. */
export function encodeResults(results) {
  return Buffer.concat([segment(), ...results.map(r => record(encodeResult(r)))]);
}
