#!/usr/bin/env bash
# PostgreSQL for the tests, on loopback: installs Debian's package when asked (--install), starts the distribution's
# cluster (pg_ctlcluster), sets a known password for the test role and creates the database nevhub_test. Idempotent and
# quiet. Prints the connection string on stdout (the only output), for NEVHUB_TEST_POSTGRES.
#
#   scripts/services/postgres.sh [--install]     start (and install) → prints the connection string
#   scripts/services/postgres.sh --stop          stop the cluster
#
# Exit status 3 when PostgreSQL is not installed and --install was not given.
set -euo pipefail

port=${NEVHUB_PG_PORT:-5432}
password=${NEVHUB_PG_PASSWORD:-nevhub-test}
database=nevhub_test
log=/tmp/nevhub-postgres-setup.log

install=0
stop=0
for arg in "$@"; do
  case "$arg" in
    --install) install=1 ;;
    --stop) stop=1 ;;
    *) echo "usage: $0 [--install|--stop]" >&2; exit 2 ;;
  esac
done

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  if [ "$install" -eq 0 ]; then
    echo "PostgreSQL is not installed (run $0 --install as root)." >&2
    exit 3
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "Installing PostgreSQL needs root." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq postgresql; } >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
cluster=main
if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {found=1} END {exit !found}'; then
  pg_createcluster "$version" "$cluster" -p "$port" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi

if [ "$stop" -eq 1 ]; then
  pg_ctlcluster "$version" "$cluster" stop >/dev/null 2>&1 || true
  exit 0
fi

status=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}')
actual_port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $3}')
if [ "$status" != "online" ]; then
  # Loopback only; enough connections for parallel test classes and the fault tests.
  printf "listen_addresses = '127.0.0.1'\nmax_connections = 300\n" >"/etc/postgresql/$version/$cluster/conf.d/nevhub.conf"
  pg_ctlcluster "$version" "$cluster" start >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi

psql_admin() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- psql -p "$actual_port" -qAtX -v ON_ERROR_STOP=1 "$@"
  else
    psql -h 127.0.0.1 -p "$actual_port" -U postgres -qAtX -v ON_ERROR_STOP=1 "$@"
  fi
}

# The cluster may still be coming up.
for _ in $(seq 1 50); do
  if psql_admin -c 'SELECT 1' >/dev/null 2>&1; then break; fi
  sleep 0.2
done

psql_admin -c "ALTER ROLE postgres PASSWORD '$password'" >/dev/null
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
  psql_admin -c "CREATE DATABASE $database" >/dev/null
fi

echo "Host=127.0.0.1;Port=$actual_port;Username=postgres;Password=$password;Database=$database"
