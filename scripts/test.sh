#!/usr/bin/env bash
# The full test suite, as CI runs it: install dependencies, build both executables, start the
# external databases on loopback, type-check, and run every vitest suite (unit + end-to-end).
# Run as root on Debian 12: sudo scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm run build
npm run build -- --arch arm64
eval "$(scripts/start-test-databases.sh)"
npx tsc -p tsconfig.json
npx vitest run "$@"
