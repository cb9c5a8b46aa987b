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
status=0
dotnet test ServerlessBackOffice.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  --blame-hang-timeout 10m || status=$?

summary="$(node scripts/test-summary.mjs "$results")"
echo "$summary"
failed="$(echo "$summary" | tail -n 1 | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')"
if [ "$status" -ne 0 ] || [ "$failed" != "0" ]; then
  exit 1
fi
