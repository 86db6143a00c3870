# Start throwaway PostgreSQL and Redis servers on loopback for the store tests.
#
# Usage (from the repository root):   source scripts/test-services.sh
#
# Installs the Debian packages if missing, starts both servers on free ports with data under one
# `mktemp -d`, waits until they accept connections, and exports:
#   KEYTURN_TEST_POSTGRES_DSN, KEYTURN_TEST_REDIS_URL          what the tests connect to
#   KEYTURN_TEST_POSTGRES_STOP / _START, KEYTURN_TEST_REDIS_STOP / _START
#                                                               shell commands the fault tests run
# and defines keyturn_test_services_stop (register it in a trap). Sourcing it again while the
# servers still answer does nothing. Safe under `set -euo pipefail`; returns non-zero (never
# exits the caller by itself) on failure.

keyturn__free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

keyturn__as_db_owner() {
    # initdb and postgres refuse to run as root: use the postgres account when we are root.
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

keyturn__install_missing() {
    local wanted=()
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || wanted+=(postgresql)
    command -v redis-server >/dev/null || wanted+=(redis-server)
    # tests/oidc/test_browser.py: the sign-in redirect flow in headless Chromium.
    command -v chromedriver >/dev/null || wanted+=(chromium chromium-driver)
    [ "${#wanted[@]}" = 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "test-services: ${wanted[*]} missing and not root: install them first" >&2
        return 1
    fi
    echo "test-services: installing ${wanted[*]}" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${wanted[@]}" >&2
}

keyturn__wait_for() {
    local tries=0
    until "$@" >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -ge 150 ] && return 1
        sleep 0.2
    done
}

keyturn__start_postgres() {
    local bin port data
    bin="$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1)")"
    port="$(keyturn__free_port)"
    data="$KEYTURN_TEST_SERVICES_DIR/pg"
    mkdir -p "$data" "$KEYTURN_TEST_SERVICES_DIR/pgrun"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$data" "$KEYTURN_TEST_SERVICES_DIR/pgrun"; fi
    keyturn__as_db_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null ||
        return 1
    local opts="-p $port -k $KEYTURN_TEST_SERVICES_DIR/pgrun -c listen_addresses=127.0.0.1"
    local ctl="$bin/pg_ctl -D $data -l $KEYTURN_TEST_SERVICES_DIR/pgrun/server.log -w -t 60"
    if [ "$(id -u)" = 0 ]; then ctl="runuser -u postgres -- $ctl"; fi
    export KEYTURN_TEST_POSTGRES_START="$ctl -o '$opts' start"
    export KEYTURN_TEST_POSTGRES_STOP="$ctl -m fast stop"
    eval "$KEYTURN_TEST_POSTGRES_START" >/dev/null || return 1
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres keyturn_test || return 1
    export KEYTURN_TEST_POSTGRES_DSN="postgresql://postgres@127.0.0.1:$port/keyturn_test"
    export PATH="$bin:$PATH"  # pg_dump of the same major version as the server
}

keyturn__start_redis() {
    local port conf dir="$KEYTURN_TEST_SERVICES_DIR/redis"
    port="$(keyturn__free_port)"
    conf="$dir/redis.conf"
    mkdir -p "$dir"
    # AOF on, so a server stopped with SHUTDOWN and restarted (the fault tests) keeps its data.
    cat >"$conf" <<EOF
bind 127.0.0.1
port $port
daemonize yes
dir $dir
pidfile $dir/redis.pid
logfile $dir/redis.log
save ""
appendonly yes
appendfsync everysec
EOF
    export KEYTURN_TEST_REDIS_START="redis-server $conf && until redis-cli -p $port ping >/dev/null 2>&1; do sleep 0.1; done"
    export KEYTURN_TEST_REDIS_STOP="redis-cli -p $port shutdown"
    redis-server "$conf" || return 1
    keyturn__wait_for redis-cli -p "$port" ping || return 1
    export KEYTURN_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
}

keyturn_test_services_stop() {
    [ -n "${KEYTURN_TEST_SERVICES_DIR:-}" ] || return 0
    # Either server may already be down (a failed start, a fault test): stopping is best effort.
    if [ -n "${KEYTURN_TEST_POSTGRES_STOP:-}" ]; then
        eval "$KEYTURN_TEST_POSTGRES_STOP" >/dev/null 2>&1 || true
    fi
    if [ -n "${KEYTURN_TEST_REDIS_STOP:-}" ]; then
        eval "$KEYTURN_TEST_REDIS_STOP" >/dev/null 2>&1 || true
    fi
    rm -rf "$KEYTURN_TEST_SERVICES_DIR"
    unset KEYTURN_TEST_SERVICES_DIR KEYTURN_TEST_POSTGRES_DSN KEYTURN_TEST_REDIS_URL \
        KEYTURN_TEST_POSTGRES_START KEYTURN_TEST_POSTGRES_STOP \
        KEYTURN_TEST_REDIS_START KEYTURN_TEST_REDIS_STOP
}

keyturn__services_up() {
    [ -n "${KEYTURN_TEST_POSTGRES_DSN:-}" ] && [ -n "${KEYTURN_TEST_REDIS_URL:-}" ] &&
        psql "$KEYTURN_TEST_POSTGRES_DSN" -Atc 'SELECT 1' >/dev/null 2>&1 &&
        redis-cli -u "$KEYTURN_TEST_REDIS_URL" ping >/dev/null 2>&1
}

keyturn__start_services() {
    keyturn__services_up && return 0
    keyturn_test_services_stop
    keyturn__install_missing || return 1
    KEYTURN_TEST_SERVICES_DIR="$(mktemp -d)" || return 1
    export KEYTURN_TEST_SERVICES_DIR
    chmod 755 "$KEYTURN_TEST_SERVICES_DIR"  # the postgres account must reach its data dir
    if ! keyturn__start_postgres || ! keyturn__start_redis; then
        echo "test-services: could not start the servers; their logs:" >&2
        tail -n 20 "$KEYTURN_TEST_SERVICES_DIR"/pgrun/server.log "$KEYTURN_TEST_SERVICES_DIR"/redis/redis.log >&2 2>/dev/null
        keyturn_test_services_stop
        return 1
    fi
    echo "test-services: PostgreSQL at $KEYTURN_TEST_POSTGRES_DSN, Redis at $KEYTURN_TEST_REDIS_URL" >&2
}

keyturn__start_services
