#!/bin/sh
# Runs once per `docker compose up` in temporalio/admin-tools, before the Temporal server starts:
# creates Temporal's two PostgreSQL databases on the first run and applies the schema versions this
# admin-tools image ships (update-schema only applies the versions a database does not have yet).
# The password comes from SQL_PASSWORD (the tool reads it from the environment).
set -eu

SQL="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -u ${POSTGRES_USER} -p ${DB_PORT}"
SCHEMA=/etc/temporal/schema/postgresql/v12

echo "Waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT}..."
until nc -z "${POSTGRES_SEEDS}" "${DB_PORT}"; do sleep 1; done

setup_db() {
  db=$1
  versioned=$2
  # A fresh database gets the base schema; an existing one (create fails) keeps its data.
  if $SQL --db "$db" create; then
    $SQL --db "$db" setup-schema -v 0.0
  else
    echo "Database $db already exists: applying newer schema versions only"
  fi
  $SQL --db "$db" update-schema -d "$versioned"
}

setup_db "${DBNAME:-temporal}" "$SCHEMA/temporal/versioned"
setup_db "${VISIBILITY_DBNAME:-temporal_visibility}" "$SCHEMA/visibility/versioned"
echo "PostgreSQL schema is up to date"
