#!/usr/bin/env bash
# Build the browser UI into frontend/dist (what nginx serves).
# Installs exactly what package-lock.json says, type-checks, then bundles with Vite.
# The stack's `up` calls this when frontend sources are newer than dist/.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npm run build
