#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster on loopback, then stop and delete it
# (also when the command fails). Usage: .ci/with_postgres.sh python -m pytest ...
# Exports MEDGEN_TEST_POSTGRES_URL (postgresql+psycopg://...) and MEDGEN_REQUIRE_POSTGRES=1,
# so the PostgreSQL parameters of the store tests run instead of being skipped.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "Installing Debian postgresql for the store tests"
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    # only the throwaway cluster below: no system-wide 'main' cluster left running on 5432
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql >/dev/null
fi
PGBIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")

# initdb refuses to run as root: the cluster belongs to the 'postgres' system user.
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PGTMP=$(mktemp -d /tmp/medgen-pg.XXXXXX)
chmod 755 "$PGTMP"
if [ "$(id -u)" = "0" ]; then chown postgres: "$PGTMP"; fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap cleanup EXIT INT TERM

# A random password (scram) so other local users cannot use the test server meanwhile.
PGPASS=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
printf '%s\n' "$PGPASS" >"$PGTMP/pwfile"
if [ "$(id -u)" = "0" ]; then chown postgres: "$PGTMP/pwfile"; fi
chmod 600 "$PGTMP/pwfile"
as_pg "$PGBIN/initdb" -D "$PGTMP/data" -U medgen --pwfile="$PGTMP/pwfile" --auth=scram-sha-256 \
  -E UTF8 --no-locale >"$PGTMP/initdb.log"
as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w \
  -o "-k $PGTMP -p $PORT -h 127.0.0.1 -c fsync=off -c max_connections=60" start >/dev/null
PGPASSWORD="$PGPASS" as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U medgen medgen_test

export MEDGEN_TEST_POSTGRES_URL="postgresql+psycopg://medgen:$PGPASS@127.0.0.1:$PORT/medgen_test"
export MEDGEN_REQUIRE_POSTGRES=1
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (throwaway cluster in $PGTMP)"
set +e
"$@"
status=$?
set -e
exit $status
