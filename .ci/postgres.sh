#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the lab history tests (tests/lab_postgres.rs).
#
#   .ci/postgres.sh start [DIR]   install PostgreSQL if missing (Debian package, as root),
#                                 initialise a cluster in DIR (default: a new temp dir),
#                                 start it on 127.0.0.1 on a free port, and print its URL
#                                 (the only line on stdout)
#   .ci/postgres.sh stop DIR      stop that cluster and delete DIR
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
# (created by the Debian package) and its commands run through `runuser -u postgres --`.
# Authentication is `trust` on 127.0.0.1 only: the cluster lives for one test run.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

pg_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    local port
    for port in $(shuf -i 20000-60999 -n 100); do
        # A refused connection means nobody listens there.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

cmd=${1:-start}
case "$cmd" in
start)
    if ! bin=$(pg_bin); then
        if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
            log "PostgreSQL is not installed and cannot be installed here (needs root and apt-get)"
            exit 3
        fi
        log "installing Debian's postgresql package"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
        bin=$(pg_bin) || { log "postgresql installed but initdb not found under /usr/lib/postgresql"; exit 3; }
    fi
    dir=${2:-$(mktemp -d /tmp/polyconform-pg.XXXXXX)}
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || { log "user postgres does not exist (hint: apt-get install -y postgresql)"; exit 3; }
        chown postgres:postgres "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 3; }
    port=$(free_port) || { log "no free port found"; exit 3; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off" start >&2 \
        || { cat "$dir/server.log" >&2; exit 3; }
    log "cluster in $dir on 127.0.0.1:$port (stop: .ci/postgres.sh stop $dir)"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    dir=${2:?usage: postgres.sh stop DIR}
    if bin=$(pg_bin) && [ -d "$dir/data" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$dir"
    ;;
*)
    log "usage: postgres.sh start [DIR] | stop DIR"
    exit 2
    ;;
esac
