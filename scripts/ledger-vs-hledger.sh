#!/usr/bin/env bash
# Issue 7's ledger measurements (docs/performance.md, "Ledger at scale"):
#  1. the trial balance of a 1,000,000-entry day, in memory, measured (median of 5 runs);
#  2. the same day's first N entries (default 100,000) exported as an hledger journal and as archived journal-entry
#     records; our trial balance from the records and `hledger balance` on the journal, each in its own process under
#     /usr/bin/time (wall time, peak resident memory); then the two balances compared account by account.
# Needs hledger (Debian package) and GNU time. Output in out/ledger-scale/.
set -euo pipefail
cd "$(dirname "$0")/.."
entries="${1:-100000}"
big="${2:-1000000}"
out=out/ledger-scale
mkdir -p "$out"
command -v hledger >/dev/null || { echo "hledger is not on PATH (apt-get install hledger)" >&2; exit 2; }
dotnet build bench/ServerlessBackOffice.Benchmarks -c Release -v q -nologo >/dev/null
bench="dotnet bench/ServerlessBackOffice.Benchmarks/bin/Release/net10.0/ServerlessBackOffice.Benchmarks.dll ledger-scale"

$bench trial-balance --entries "$big"
$bench prepare --entries "$entries" --out "$out"
/usr/bin/time -f "ours:    %e s wall, %M KB peak resident" -o "$out/ours.time" $bench balance "$out/entries.jsonl" > "$out/ours.csv"
/usr/bin/time -f "hledger: %e s wall, %M KB peak resident" -o "$out/hledger.time" \
  hledger -f "$out/journal.ledger" balance --flat --no-total -O csv > "$out/hledger.csv"
cat "$out/ours.time" "$out/hledger.time"
$bench compare "$out/ours.csv" "$out/hledger.csv"
