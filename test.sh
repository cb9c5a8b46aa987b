#!/usr/bin/env bash
# Runs every test: builds the solution with warnings as errors, starts nothing by hand (fixtures start and stop
# the local stand-ins on loopback), and ends with one line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
require_prerequisites
install_node_packages

results=".test-results"
rm -rf "$results"
mkdir -p "$results"

echo "Building ServerlessBackOffice.sln (Release, warnings as errors)..."
dotnet build ServerlessBackOffice.sln -c Release -nologo -v quiet -clp:"NoSummary;ErrorsOnly"

echo "Running the tests..."
# Microsoft.Testing.Platform (global.json opts in): every test project is an executable; xUnit writes one TRX each.
# The timeout is a safety net far above the expected run, so a hung test can never hold CI to its limit.
status=0
timeout --kill-after=30s 75m dotnet test --solution ServerlessBackOffice.sln -c Release --no-build \
  --results-directory "$results" --report-xunit-trx --no-ansi --no-progress || status=$?

summary="$(node scripts/test-summary.mjs "$results")"
echo "$summary"
failed="$(echo "$summary" | tail -n 1 | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')"
if [ "$status" -ne 0 ] && [ "$failed" = "0" ]; then
  echo "error: dotnet test exited with code $status although no test failed: a test module crashed, hung, or ran no test (see above)." >&2
fi
if [ "$status" -ne 0 ] || [ "$failed" != "0" ]; then
  exit 1
fi
