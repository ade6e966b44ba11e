#!/usr/bin/env bash
# Starts the external datastores the storage driver tests run against (PostgreSQL, MariaDB, etcd),
# all on loopback, and prints the environment the tests read:
#
#   eval "$(scripts/start-test-databases.sh)"      # install if needed, start, print exports
#   scripts/start-test-databases.sh --stop          # stop what this script started
#
# Meant for Debian 12 as root without systemd (developer machines and CI). Idempotent: services
# already running are left alone. Everything except the final export lines goes to stderr.
set -euo pipefail

PG_USER=k3ts
PG_PASSWORD=k3ts
PG_DB=k3ts
MYSQL_USER=k3ts
MYSQL_PASSWORD=k3ts
MYSQL_DB=k3ts
MYSQL_PORT=3306
MYSQL_SOCKET=/run/mysqld/mysqld.sock
ETCD_CLIENT_PORT=2379
ETCD_PEER_PORT=2380
ETCD_DIR=/var/lib/k3ts-test-etcd
ETCD_PID_FILE=/run/k3ts-test-etcd.pid
ETCD_LOG=/var/log/k3ts-test-etcd.log
MYSQL_LOG=/var/log/k3ts-test-mariadb.log
DEADLINE_SECONDS=${K3TS_TEST_DB_TIMEOUT:-90}

log() { echo "start-test-databases: $*" >&2; }
die() { log "error: $*"; exit 1; }

# wait_for DESCRIPTION COMMAND... — polls COMMAND until it succeeds or the deadline passes.
wait_for() {
  local what=$1; shift
  local end=$((SECONDS + DEADLINE_SECONDS))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= end)); then die "$what did not become ready within ${DEADLINE_SECONDS}s"; fi
    sleep 0.2
  done
  log "$what is ready"
}

[[ $(id -u) -eq 0 ]] || die "run as root (it installs packages and starts services as their users)"

install_missing() {
  local missing=()
  command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
  command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

# ---------- PostgreSQL ----------
pg_cluster() { # prints "VERSION NAME PORT STATUS" of the first cluster, if any
  pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1, $2, $3, $4}'
}

start_postgres() {
  local info version name port status
  info=$(pg_cluster)
  if [[ -z $info ]]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    log "creating PostgreSQL $version cluster main"
    pg_createcluster "$version" main >&2
    info=$(pg_cluster)
  fi
  read -r version name port status <<<"$info"
  if [[ $status != online ]]; then
    log "starting PostgreSQL $version/$name on 127.0.0.1:$port"
    pg_ctlcluster "$version" "$name" start -- -o "-c listen_addresses=127.0.0.1" >&2 ||
      pg_ctlcluster "$version" "$name" start >&2
  fi
  wait_for "PostgreSQL" pg_isready -h 127.0.0.1 -p "$port"
  su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -q" >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;
SQL
  if ! su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = '$PG_DB'\"" | grep -q 1; then
    su postgres -c "createdb -p $port -O $PG_USER $PG_DB" >&2
  fi
  wait_for "PostgreSQL login as $PG_USER" \
    env PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$port" -U $PG_USER -d $PG_DB -tAc 'SELECT 1'
  PG_PORT=$port
}

stop_postgres() {
  local version name port status
  read -r version name port status <<<"$(pg_cluster)"
  if [[ ${status:-} == online ]]; then
    log "stopping PostgreSQL $version/$name"
    pg_ctlcluster "$version" "$name" stop -m fast >&2
  fi
}

# ---------- MariaDB ----------
mysql_alive() { mariadb-admin --socket=$MYSQL_SOCKET ping >/dev/null 2>&1; }

start_mysql() {
  if ! mysql_alive; then
    install -d -o mysql -g mysql /run/mysqld
    if [[ ! -d /var/lib/mysql/mysql ]]; then
      log "initialising the MariaDB data directory"
      mariadb-install-db --user=mysql --datadir=/var/lib/mysql >&2
    fi
    log "starting MariaDB on 127.0.0.1:$MYSQL_PORT"
    # setsid + nohup: the server outlives this script and the caller's terminal.
    setsid nohup mysqld_safe --user=mysql --bind-address=127.0.0.1 --port=$MYSQL_PORT \
      --socket=$MYSQL_SOCKET >>"$MYSQL_LOG" 2>&1 </dev/null &
  fi
  wait_for "MariaDB" mysql_alive
  mariadb --socket=$MYSQL_SOCKET -uroot >&2 <<SQL
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_PASSWORD';
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'localhost' IDENTIFIED BY '$MYSQL_PASSWORD';
CREATE DATABASE IF NOT EXISTS $MYSQL_DB;
GRANT ALL PRIVILEGES ON \`k3ts%\`.* TO '$MYSQL_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`k3ts%\`.* TO '$MYSQL_USER'@'localhost';
FLUSH PRIVILEGES;
SQL
  wait_for "MariaDB login as $MYSQL_USER" \
    mariadb -h 127.0.0.1 -P $MYSQL_PORT -u$MYSQL_USER -p$MYSQL_PASSWORD $MYSQL_DB -e 'SELECT 1'
}

stop_mysql() {
  if mysql_alive; then
    log "stopping MariaDB"
    mariadb-admin --socket=$MYSQL_SOCKET shutdown >&2
  fi
}

# ---------- etcd ----------
etcd_alive() { curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }

start_etcd() {
  if ! etcd_alive; then
    install -d -m 0700 "$ETCD_DIR"
    log "starting etcd on 127.0.0.1:$ETCD_CLIENT_PORT (data in $ETCD_DIR)"
    # --max-request-bytes: etcd's default (1.5 MiB) is the whole request, so a value of exactly
    # the 1.5 MiB storage limit plus its key would be refused; 3 MiB leaves room.
    setsid nohup etcd --name k3ts-test --data-dir "$ETCD_DIR" \
      --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
      --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster "k3ts-test=http://127.0.0.1:$ETCD_PEER_PORT" \
      --max-request-bytes 3145728 \
      >>"$ETCD_LOG" 2>&1 </dev/null &
    echo $! >"$ETCD_PID_FILE"
  fi
  wait_for "etcd" etcd_alive
}

stop_etcd() {
  if [[ -f $ETCD_PID_FILE ]]; then
    local pid
    pid=$(cat "$ETCD_PID_FILE")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping etcd (pid $pid)"
      kill "$pid"
      local end=$((SECONDS + DEADLINE_SECONDS))
      while kill -0 "$pid" 2>/dev/null && ((SECONDS < end)); do sleep 0.2; done
    fi
    rm -f "$ETCD_PID_FILE"
  elif etcd_alive; then
    log "an etcd not started by this script answers on :$ETCD_CLIENT_PORT; leaving it alone"
  fi
}

case ${1:-} in
  --stop)
    stop_etcd
    stop_mysql
    stop_postgres
    ;;
  "")
    install_missing
    start_postgres
    start_mysql
    start_etcd
    echo "export K3TS_TEST_POSTGRES_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
    echo "export K3TS_TEST_MYSQL_URL=mysql://$MYSQL_USER:$MYSQL_PASSWORD@127.0.0.1:$MYSQL_PORT/$MYSQL_DB"
    echo "export K3TS_TEST_ETCD_URL=http://127.0.0.1:$ETCD_CLIENT_PORT"
    ;;
  *)
    die "unknown argument '$1' (expected no argument to start, or --stop)"
    ;;
esac
