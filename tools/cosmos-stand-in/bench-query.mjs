#!/usr/bin/env node
// Times a cross-partition query's pages in the stand-in's query engine, with and without the linear FROM
// (linear-from.mjs), over N ledger-like documents (default 120,000: a 10,000-trade day's ledger container).
// Usage: node tools/cosmos-stand-in/bench-query.mjs [documents] [--quadratic]
import { createRequire } from "node:module";
import { linearFrom } from "./linear-from.mjs";

const require = createRequire(new URL("../node/package.json", import.meta.url));
const cosmosQuery = require("@zeit/cosmosdb-query").default;
const count = Number(process.argv.find(a => /^\d+$/.test(a)) ?? 120000);
const quadratic = process.argv.includes("--quadratic");
const books = ["NY-CASH", "LDN-CASH", "PAR-CASH"];
const documents = Array.from({ length: count }, (_, i) => ({
  id: `e${i}`,
  _rid: `rid${String(i).padStart(9, "0")}`,
  partitionKey: `T${i % 40000}`,
  type: i % 4 === 0 ? "tradeState" : "entry",
  book: books[i % 3],
  valueDate: `2026-11-${24 + (i % 5)}`,
}));
const query = cosmosQuery("SELECT * FROM c WHERE c.type = @type AND c.book = @book AND c.valueDate <= @asOf");
if (!quadratic) query._code = linearFrom(query.code);
const parameters = [{ name: "@type", value: "entry" }, { name: "@book", value: "NY-CASH" }, { name: "@asOf", value: "2026-11-27" }];
for (const pageSize of [1000, 10000]) {
  const started = performance.now();
  let pages = 0;
  let rows = 0;
  let continuation = null;
  do {
    const page = query.exec(documents, { parameters, maxItemCount: pageSize, continuation });
    pages += 1;
    rows += page.result.length;
    continuation = page.continuation;
  } while (continuation);
  const ms = performance.now() - started;
  console.log(`${count} documents, ${quadratic ? "quadratic" : "linear"} FROM, page size ${pageSize}: ${pages} pages, ${rows} rows, ${ms.toFixed(0)} ms (${(ms / pages).toFixed(0)} ms a page)`);
}
