#!/usr/bin/env bash
# Build the browser UI into frontend/dist (what nginx serves): install exactly what
# package-lock.json says, type-check, bundle with Vite.
#
#   frontend/build.sh               always build
#   frontend/build.sh --if-changed  build only when the sources changed since the last build
#
# The stack's `up` calls it with --if-changed: the hash of every source file is kept in
# dist/.source-hash, so an unchanged tree costs one sha256sum and no npm at all.
set -euo pipefail
cd "$(dirname "$0")"

source_hash() {
    find index.html package.json package-lock.json tsconfig.json vite.config.ts src public \
        -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

want="$(source_hash)"
if [ "${1:-}" = "--if-changed" ] && [ -f dist/index.html ] \
    && [ "$(cat dist/.source-hash 2>/dev/null)" = "$want" ]; then
    echo "frontend: dist/ is up to date"
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "frontend: npm is missing; fix: apt-get install -y npm" >&2; exit 1; }
# npm records what it installed in node_modules/.package-lock.json; when that is newer
# than package-lock.json the installed tree is the locked one and npm ci can be spared.
if [ node_modules/.package-lock.json -nt package-lock.json ]; then
    echo "frontend: node_modules matches package-lock.json"
else
    echo "frontend: npm ci (exact versions from package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error
fi
echo "frontend: type-check and build"
npm run build
echo "$want" > dist/.source-hash
