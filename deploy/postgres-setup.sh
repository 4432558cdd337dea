#!/usr/bin/env bash
# Make duikou's role and database (run as the postgres superuser on the database server). No extension is needed.
# Usage: DUIKOU_DB_PASSWORD=... bash deploy/postgres-setup.sh [database] [role]
set -euo pipefail
DB="${1:-duikou}"
ROLE="${2:-duikou}"
: "${DUIKOU_DB_PASSWORD:?set DUIKOU_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 -v role="$ROLE" -v db="$DB" -v pw="$DUIKOU_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'db', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
echo "database $DB owned by $ROLE; then: duikou migrate"
