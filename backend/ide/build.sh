#!/usr/bin/env bash
# Install GraphiQL's browser assets (React, ReactDOM, GraphiQL, its explorer plugin) from
# npm into backend/ide/node_modules, exactly as package-lock.json pins them. The backend
# serves them at /graphql/ide/… (backend/api/graphiql.py), so GraphiQL needs no CDN.
#
#   backend/ide/build.sh               always install
#   backend/ide/build.sh --if-changed  install only when package-lock.json changed
#
# `python -m backend` (what `./bank up` starts) calls it with --if-changed before serving:
# an unchanged tree costs one sha256sum and no npm at all. Concurrent callers (a second
# backend instance starting) wait for each other on a lock instead of racing npm.
set -euo pipefail
cd "$(dirname "$0")"

exec 9>.build.lock
flock 9

want="$(sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ "${1:-}" = "--if-changed" ] && [ "$(cat .build-hash 2>/dev/null)" = "$want" ] \
    && [ -f node_modules/graphiql/graphiql.min.js ]; then
    echo "graphiql: node_modules is up to date"
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "graphiql: npm is missing; fix: apt-get install -y npm" >&2; exit 1; }
echo "graphiql: npm ci (exact versions from package-lock.json)"
# --ignore-scripts: we only copy prebuilt files out of these packages; no install script
# of theirs needs to run here.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$want" > .build-hash
echo "graphiql: assets installed"
