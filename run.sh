#!/usr/bin/env bash
# Runs the main job: a full business day of trades through every stage on local stand-ins
# (`backoffice run-day`); reports and the archive land in ./out/<date>. Arguments pass through,
# for example: ./run.sh --trades 100000 --seed 7 --date 2026-11-24
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
require_prerequisites
install_node_packages
exec ./backoffice run-day "$@"
