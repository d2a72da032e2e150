#!/usr/bin/env bash
# Sourced by .ci/run: makes sure a redis-server is installed, starts one of our own on a free
# loopback port with no persistence, exports AUTHCORE_REDIS_URL for the tests, and stops it when
# the calling shell exits. The @authcore/redis tests never mock Redis.

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server missing: installing the Debian package" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "redis-server is not installed and this is not root: install redis-server" >&2
    return 1 2>/dev/null || exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq redis-server </dev/null >/dev/null
fi

AUTHCORE_REDIS_DIR="$(mktemp -d)"
AUTHCORE_REDIS_PORT="$(node -e '
  const s = require("node:net").createServer();
  s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
')"
redis-server --port "$AUTHCORE_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$AUTHCORE_REDIS_DIR" --daemonize yes --pidfile "$AUTHCORE_REDIS_DIR/redis.pid" \
  --logfile "$AUTHCORE_REDIS_DIR/redis.log"

authcore_redis_stop() {
  if [ -f "$AUTHCORE_REDIS_DIR/redis.pid" ]; then
    kill "$(cat "$AUTHCORE_REDIS_DIR/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$AUTHCORE_REDIS_DIR"
}
trap authcore_redis_stop EXIT

for _ in $(seq 1 100); do
  if redis-cli -h 127.0.0.1 -p "$AUTHCORE_REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    break
  fi
  sleep 0.1
done
redis-cli -h 127.0.0.1 -p "$AUTHCORE_REDIS_PORT" ping >/dev/null

export AUTHCORE_REDIS_URL="redis://127.0.0.1:$AUTHCORE_REDIS_PORT"
echo "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on $AUTHCORE_REDIS_URL"
