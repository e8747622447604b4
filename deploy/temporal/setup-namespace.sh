#!/bin/sh
# Runs in temporalio/admin-tools once the Temporal server is healthy: creates Flotilla's namespace if it
# is missing and registers Flotilla's custom search attributes (Keyword) on it. Safe to run again.
set -eu

NS=${NAMESPACE:-default}
RETENTION=${NAMESPACE_RETENTION:-30d}

# As upstream's compose scripts do: talk to the server's IPv4 address (the name may resolve to IPv6 first).
host=${TEMPORAL_ADDRESS%:*}
port=${TEMPORAL_ADDRESS##*:}
ip=$(getent ahosts "$host" | awk '/STREAM/ && $1 ~ /^[0-9.]+$/ { print $1; exit }')
if [ -n "$ip" ]; then TEMPORAL_ADDRESS="$ip:$port"; fi
export TEMPORAL_ADDRESS

echo "Waiting for the Temporal server at ${TEMPORAL_ADDRESS}..."
tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "The Temporal server at ${TEMPORAL_ADDRESS} did not become healthy"
    exit 1
  fi
  sleep 2
done

if ! temporal operator namespace describe --namespace "$NS" >/dev/null 2>&1; then
  echo "Creating namespace $NS (retention $RETENTION)"
  temporal operator namespace create --namespace "$NS" --retention "$RETENTION"
fi

# A namespace just created reaches the frontend's namespace cache within seconds; until then the search
# attribute calls answer "Namespace ... is not found".
tries=0
until existing=$(temporal operator search-attribute list --namespace "$NS" 2>&1); do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "Namespace $NS did not become usable: $existing"
    exit 1
  fi
  sleep 1
done

for name in FlotillaRunId FlotillaRepo FlotillaState; do
  if printf '%s\n' "$existing" | grep -q "^ *$name "; then
    echo "Search attribute $name is registered"
  else
    temporal operator search-attribute create --namespace "$NS" --name "$name" --type Keyword
  fi
done
echo "Namespace $NS is ready for Flotilla"
