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

# wait_for TRIES PAUSE WHAT COMMAND...: runs COMMAND until it succeeds (its output left in $out), or exits naming WHAT.
wait_for() {
  tries=$1 pause=$2 what=$3
  shift 3
  i=0
  until out=$("$@" 2>&1); do
    i=$((i + 1))
    if [ "$i" -ge "$tries" ]; then
      echo "$what: $out"
      exit 1
    fi
    sleep "$pause"
  done
}

echo "Waiting for the Temporal server at ${TEMPORAL_ADDRESS}..."
wait_for 60 2 "The Temporal server at ${TEMPORAL_ADDRESS} did not become healthy" temporal operator cluster health

if ! temporal operator namespace describe --namespace "$NS" >/dev/null 2>&1; then
  echo "Creating namespace $NS (retention $RETENTION)"
  temporal operator namespace create --namespace "$NS" --retention "$RETENTION"
fi

# A namespace just created reaches the frontend's namespace cache within seconds; until then the search
# attribute calls answer "Namespace ... is not found".
wait_for 60 1 "Namespace $NS did not become usable" temporal operator search-attribute list --namespace "$NS"
existing=$out

for name in FlotillaRunId FlotillaRepo FlotillaState; do
  if printf '%s\n' "$existing" | grep -q "^ *$name "; then
    echo "Search attribute $name is registered"
  else
    temporal operator search-attribute create --namespace "$NS" --name "$name" --type Keyword
  fi
done
echo "Namespace $NS is ready for Flotilla"
