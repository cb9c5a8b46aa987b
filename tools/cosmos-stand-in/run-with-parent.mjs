#!/usr/bin/env node
// Runs another Node.js program (Azurite's blob server) in this same process, after arming the parent watch,
// so the program dies with its parent even though it has no such option itself. One process: killing this PID
// stops the program.
//
// Usage: node run-with-parent.mjs <parent-pid> <script.js> [script arguments...]
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { watchParent } from "./parent-watch.mjs";

const [parentPid, script, ...rest] = process.argv.slice(2);
if (!parentPid || !script) {
  console.error("usage: node run-with-parent.mjs <parent-pid> <script.js> [arguments...]");
  process.exit(2);
}
watchParent(Number.parseInt(parentPid, 10));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
// The program reads its own arguments from process.argv as if it had been started directly.
process.argv = [process.argv[0], resolve(script), ...rest];
await import(pathToFileURL(resolve(script)).href);
