#!/bin/sh
# Runs once in the postgres container (docker-entrypoint-initdb.d): one login role and one
# owned database per app, passwords from the init volume made by `python -m stack compose-init`.
set -eu
for role in command_handler backend registry; do
    password="$(cat "/init/secrets/$role.password")"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE $role LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$password';
CREATE DATABASE $role OWNER $role;
REVOKE ALL ON DATABASE $role FROM PUBLIC;
SQL
done
