#!/usr/bin/env bash
# Installs (if needed) and starts a PostgreSQL cluster on 127.0.0.1:5432 for the CPNS Server tests, creates the
# role and database they use, and prints the Npgsql connection string as the last line of stdout:
#   export CPNS_TEST_POSTGRES="$(./scripts/ci-postgres.sh | tail -n 1)"
# Works as root on a fresh Debian 12 with no systemd: pg_ctlcluster starts the server as the postgres user.
# The role may create databases because each test makes its own database and drops it afterwards.
set -euo pipefail
# A fresh random password each run: the role's password is (re)set below, and the connection string carries it.
pg_secret="${CPNS_PG_PASSWORD:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
port="${CPNS_PG_PORT:-5432}"

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main -p "$port" >&2
fi
status=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }')
if [ "$status" != "online" ]; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 60); do
  if pg_isready -h 127.0.0.1 -p "$port" -q; then break; fi
  sleep 1
done
pg_isready -h 127.0.0.1 -p "$port" >&2

# cd / so that psql run as postgres does not complain about root's current directory.
cd /
su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -q" >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cpns') THEN
    CREATE ROLE cpns LOGIN CREATEDB PASSWORD '$pg_secret';
  ELSE
    ALTER ROLE cpns LOGIN CREATEDB PASSWORD '$pg_secret';
  END IF;
END
\$\$;
SQL
if ! su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'cpns_test'\"" | grep -q 1; then
  su postgres -c "createdb -p $port -O cpns cpns_test" >&2
fi

echo "Host=127.0.0.1;Port=$port;Username=cpns;Password=$pg_secret;Database=cpns_test"
