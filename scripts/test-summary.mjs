// Sums the TRX files of one test run into the single line ./test.sh promises:
// "N passed, N failed, N skipped". Usage: node scripts/test-summary.mjs <results folder>
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const folder = process.argv[2];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".trx")) files.push(path);
  }
};
walk(folder);

let passed = 0, failed = 0, skipped = 0;
const failures = [];
for (const file of files) {
  const xml = readFileSync(file, "utf8");
  const counters = /<Counters\s([^>]*)\/>/.exec(xml);
  if (!counters) continue;
  const attr = (name) => Number((new RegExp(`\\b${name}="(\\d+)"`).exec(counters[1]) ?? [, "0"])[1]);
  const fileFailed = attr("failed") + attr("error") + attr("timeout") + attr("aborted");
  passed += attr("passed");
  failed += fileFailed;
  // xUnit records some skipped tests only in the total (not in notExecuted): count whatever neither passed nor failed.
  skipped += Math.max(attr("notExecuted"), attr("total") - attr("passed") - fileFailed);
  for (const m of xml.matchAll(/<UnitTestResult\b[^>]*\btestName="([^"]*)"[^>]*\boutcome="Failed"/g)) failures.push(m[1]);
}
for (const name of failures) console.log(`failed: ${name}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
