// The query compiler (@zeit/cosmosdb-query, a dependency of @vercel/cosmosdb-server) turns FROM into
//   $c.reduce(($, c) => typeof c !== "undefined" ? [...$, { c: c }] : $, [])
// which copies the accumulator for every document: quadratic in the container's size. A query over the ledger of a
// 10,000-trade day (120,000 documents) took minutes per page. The same rows, in the same order, come from a filter and
// a map; the compiled code is rewritten once per query (the package caches compiled queries by their text).
// bench-query.mjs measures it: node tools/cosmos-stand-in/bench-query.mjs [documents]

const quadraticFrom = /\$c\.reduce\(\(\$, (\w+)\) => typeof \1 !== "undefined" \? \[\.\.\.\$, \{\s*(\w+): \1\s*\}\] : \$, \[\]\)/g;

/** Rewrites one compiled query's FROM to be linear; other code is returned unchanged. */
export function linearFrom(code) {
  return code && code.replace(quadraticFrom, (_, source, alias) => `$c.filter(${source} => typeof ${source} !== "undefined").map(${source} => ({ ${alias}: ${source} }))`);
}

/** Installs the rewrite on the query class that `require` resolves (the one the server package uses). */
export function installLinearFrom(require) {
  const cosmosQuery = require("@zeit/cosmosdb-query").default;
  const prototype = Object.getPrototypeOf(cosmosQuery("SELECT * FROM c"));
  const descriptor = Object.getOwnPropertyDescriptor(prototype, "code");
  if (descriptor.get.linear) return cosmosQuery;
  const compiled = descriptor.get;
  const get = function linearCode() {
    if (this._linearCode === undefined) this._linearCode = linearFrom(compiled.call(this));
    return this._linearCode;
  };
  get.linear = true;
  Object.defineProperty(prototype, "code", { get, configurable: true });
  return cosmosQuery;
}
