#!/bin/sh
# Runs once per `docker compose up` in temporalio/admin-tools, before the Temporal server starts:
# creates Temporal's two PostgreSQL databases on the first run and applies the schema versions this
# admin-tools image ships (update-schema only applies the versions a database does not have yet).
# `npm run cluster:smoke` runs this very script without Docker (see README, "Without Docker").
# The password comes from SQL_PASSWORD (the tool reads it from the environment).
set -eu

SQL="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -u ${POSTGRES_USER} -p ${DB_PORT}"
# Where admin-tools keeps the schema; `npm run cluster:smoke` points it at the module's own copy.
SCHEMA=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}

echo "Waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT}..."
until nc -z "${POSTGRES_SEEDS}" "${DB_PORT}"; do sleep 1; done

setup_db() {
  db=$1
  versioned=$2
  # Safe to run again (checked with temporal-sql-tool 1.31.0 against a database in use): create is a no-op
  # for an existing database, setup-schema -v 0.0 skips a database that has a schema version already, and
  # update-schema applies only the versions the database does not have yet. The data stays.
  $SQL --db "$db" create
  $SQL --db "$db" setup-schema -v 0.0
  $SQL --db "$db" update-schema -d "$versioned"
}

setup_db "${DBNAME:-temporal}" "$SCHEMA/temporal/versioned"
setup_db "${VISIBILITY_DBNAME:-temporal_visibility}" "$SCHEMA/visibility/versioned"
echo "PostgreSQL schema is up to date"
