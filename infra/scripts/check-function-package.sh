#!/usr/bin/env bash
# Refuses a function app package that cannot run the Service Bus triggers in Azure: its extensions.json must register
# the Service Bus host extension (Microsoft.Azure.WebJobs.Extensions.ServiceBus). A package built with the local
# build-time stand-in of the worker extension has none, and would deploy "successfully" with every trigger dead.
# Usage: check-function-package.sh <published folder or .zip>
set -euo pipefail

package="${1:?usage: check-function-package.sh <published folder or .zip>}"
if [ -d "$package" ]; then
  manifest="$(cat "$package/extensions.json" 2>/dev/null || true)"
elif [ -f "$package" ]; then
  manifest="$(unzip -p "$package" extensions.json 2>/dev/null || true)"
else
  echo "error: $package is neither a folder nor a zip file." >&2
  exit 2
fi

if [ -z "$manifest" ]; then
  echo "error: $package has no extensions.json at its root; it is not an isolated-worker function app package." >&2
  exit 1
fi

if ! echo "$manifest" | jq -e '[.extensions[]? | select((.typeName // "") | test("Microsoft\\.Azure\\.WebJobs\\.(Extensions\\.)?ServiceBus"))] | length > 0' >/dev/null; then
  echo "error: $package lacks the Service Bus host extension in extensions.json." >&2
  echo "       Build with -p:UseOfficialServiceBusExtension=true (the official worker extension); the local stand-in has no host extension." >&2
  echo "       Registered: $(echo "$manifest" | jq -r '[.extensions[]?.name] | join(", ")')" >&2
  exit 1
fi

echo "ok: $package registers the Service Bus host extension."
