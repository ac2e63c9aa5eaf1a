#!/usr/bin/env bash
# Start/stop the throwaway servers the tests use, on loopback only:
#   PostgreSQL on 127.0.0.1:${CHANRONG_PG_PORT:-54329}, Mosquitto on 127.0.0.1:${CHANRONG_MQTT_PORT:-18830}.
# Prints the environment variables the tests read.
set -euo pipefail
ACTION=${1:-start}
PG_PORT=${CHANRONG_PG_PORT:-54329}
MQTT_PORT=${CHANRONG_MQTT_PORT:-18830}
BASE=${CHANRONG_SERVICES_DIR:-/tmp/chanrong-services-$(id -u)}
PGDATA="$BASE/pg"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)

as_pg() {
  # initdb refuses to run as root; use the postgres system user then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  [ -n "$PGBIN" ] || { echo "PostgreSQL is not installed (run scripts/system-deps.sh)" >&2; exit 1; }
  mkdir -p "$BASE"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$BASE" 2>/dev/null || true; fi
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    as_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U chanrong -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
      -o "-p $PG_PORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  fi
}

mqtt_start() {
  local bin
  bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  [ -x "$bin" ] || { echo "Mosquitto is not installed (run scripts/system-deps.sh)" >&2; exit 1; }
  mkdir -p "$BASE/mqtt"
  if [ -f "$BASE/mqtt/pid" ] && kill -0 "$(cat "$BASE/mqtt/pid")" 2>/dev/null; then return; fi
  cat > "$BASE/mqtt/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 1000
pid_file $BASE/mqtt/pid
log_dest file $BASE/mqtt/mosquitto.log
CONF
  if [ "$(id -u)" -eq 0 ]; then chown -R mosquitto "$BASE/mqtt" 2>/dev/null || true; fi
  "$bin" -c "$BASE/mqtt/mosquitto.conf" -d
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && return
    sleep 0.1
  done
  echo "mosquitto did not start; see $BASE/mqtt/mosquitto.log" >&2; exit 1
}

# A second broker that enforces per-device accounts and topic limits, from the files
# `chanrong lease broker-access --out DIR` writes (passwd hashed by mosquitto_passwd, acl).
mqtt_acl_start() {
  local bin dir=${2:-$BASE/mqtt-acl} port=${CHANRONG_MQTT_ACL_PORT:-18831}
  bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  [ -f "$dir/passwd" ] && [ -f "$dir/acl" ] || {
    echo "no $dir/passwd and $dir/acl: run chanrong lease broker-access --out $dir" >&2; exit 1; }
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then return; fi
  cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous false
password_file $dir/passwd
acl_file $dir/acl
persistence false
pid_file $dir/pid
log_dest file $dir/mosquitto.log
CONF
  if [ "$(id -u)" -eq 0 ]; then chown -R mosquitto "$dir" 2>/dev/null || true; fi
  "$bin" -c "$dir/mosquitto.conf" -d
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return
    sleep 0.1
  done
  echo "mosquitto (acl) did not start; see $dir/mosquitto.log" >&2; exit 1
}

case "$ACTION" in
  start)
    pg_start
    mqtt_start
    echo "export CHANRONG_TEST_POSTGRES_URL=postgresql://chanrong@127.0.0.1:$PG_PORT/postgres"
    echo "export CHANRONG_TEST_MQTT_PORT=$MQTT_PORT"
    ;;
  start-mqtt)
    mqtt_start
    echo "export CHANRONG_MQTT_PORT=$MQTT_PORT"
    ;;
  start-mqtt-acl)
    mqtt_acl_start "$@"
    echo "export CHANRONG_MQTT_PORT=${CHANRONG_MQTT_ACL_PORT:-18831}"
    echo "export CHANRONG_MQTT_USERNAME=chanrong-platform"
    echo "# the platform's password is in ${2:-$BASE/mqtt-acl}/devices.json (set CHANRONG_MQTT_PASSWORD)"
    ;;
  stop-mqtt-acl)
    dir=${2:-$BASE/mqtt-acl}
    [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
    ;;
  stop)
    [ -n "$PGBIN" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
    [ -f "$BASE/mqtt/pid" ] && kill "$(cat "$BASE/mqtt/pid")" 2>/dev/null || true
    ;;
  *) echo "usage: $0 start|start-mqtt|start-mqtt-acl [DIR]|stop-mqtt-acl [DIR]|stop" >&2; exit 2 ;;
esac
