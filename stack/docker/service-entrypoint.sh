#!/bin/sh
# Entry point of the project's image under compose.yaml: builds OPEN_BANK_DATABASE_URL from
# the generated password of DATABASE_ROLE (if set) and OPEN_BANK_COMPANY_TOKEN from the file
# COMPANY_TOKEN_FILE (if set), so no secret is written in compose.yaml.
set -eu
if [ -n "${DATABASE_ROLE:-}" ]; then
    password="$(cat "/init/secrets/$DATABASE_ROLE.password")"
    export OPEN_BANK_DATABASE_URL="postgresql+psycopg://$DATABASE_ROLE:$password@postgres:5432/$DATABASE_ROLE"
fi
if [ -n "${COMPANY_TOKEN_FILE:-}" ]; then
    OPEN_BANK_COMPANY_TOKEN="$(cat "$COMPANY_TOKEN_FILE")"
    export OPEN_BANK_COMPANY_TOKEN
fi
exec "$@"
