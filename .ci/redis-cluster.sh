#!/usr/bin/env bash
# Sourced by .ci/run after redis.sh (which installs redis-server if missing): starts a Redis
# Cluster of our own on loopback — three masters and three replicas, no persistence, small
# maxmemory, free ports (each with its bus port, +10000, free too) — waits until every node says
# cluster_state:ok, exports AUTHCORE_REDIS_CLUSTER_NODES=127.0.0.1:p1,…, and stops the nodes when
# the calling shell exits (chained after redis.sh's trap).

AUTHCORE_REDIS_CLUSTER_DIR="$(mktemp -d)"
# shellcheck disable=SC2207
AUTHCORE_REDIS_CLUSTER_PORTS=($(node -e '
  const net = require("node:net");
  const free = (port) => new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
  (async () => {
    const ports = [];
    while (ports.length < 6) {
      const p = 20000 + Math.floor(Math.random() * 25000);
      if (!ports.includes(p) && (await free(p)) && (await free(p + 10000))) ports.push(p);
    }
    console.log(ports.join(" "));
  })();
'))

authcore_redis_cluster_stop() {
  local pidfile pid
  for pidfile in "$AUTHCORE_REDIS_CLUSTER_DIR"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    # Wait for it to exit: a node writes its nodes.conf on the way out.
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  done
  rm -rf "$AUTHCORE_REDIS_CLUSTER_DIR" 2>/dev/null || true
}
# Keep the trap already set (redis.sh's) and add ours.
authcore_previous_exit_trap="$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")"
# shellcheck disable=SC2064
trap "authcore_redis_cluster_stop || true; ${authcore_previous_exit_trap:-:}" EXIT

for port in "${AUTHCORE_REDIS_CLUSTER_PORTS[@]}"; do
  redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
    --cluster-config-file "$AUTHCORE_REDIS_CLUSTER_DIR/nodes-$port.conf" \
    --cluster-node-timeout 2000 --save '' --appendonly no \
    --maxmemory 64mb --maxmemory-policy noeviction \
    --dir "$AUTHCORE_REDIS_CLUSTER_DIR" --daemonize yes \
    --pidfile "$AUTHCORE_REDIS_CLUSTER_DIR/$port.pid" \
    --logfile "$AUTHCORE_REDIS_CLUSTER_DIR/$port.log"
done

for port in "${AUTHCORE_REDIS_CLUSTER_PORTS[@]}"; do
  for _ in $(seq 1 100); do
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.05
  done
done

authcore_cluster_addresses=()
for port in "${AUTHCORE_REDIS_CLUSTER_PORTS[@]}"; do authcore_cluster_addresses+=("127.0.0.1:$port"); done
redis-cli --cluster create "${authcore_cluster_addresses[@]}" --cluster-replicas 1 --cluster-yes \
  >"$AUTHCORE_REDIS_CLUSTER_DIR/create.log" 2>&1 || {
  cat "$AUTHCORE_REDIS_CLUSTER_DIR/create.log" >&2
  return 1 2>/dev/null || exit 1
}

# cluster_state:ok everywhere, and every replica synced with its master (a replica that never
# synced could not take over from it).
authcore_cluster_ok() {
  for port in "${AUTHCORE_REDIS_CLUSTER_PORTS[@]}"; do
    redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    redis-cli -h 127.0.0.1 -p "$port" info replication 2>/dev/null |
      grep -Eq '^(role:master|master_link_status:up)' || return 1
  done
}
for _ in $(seq 1 200); do
  authcore_cluster_ok && break
  sleep 0.05
done
if ! authcore_cluster_ok; then
  echo "redis cluster on ${authcore_cluster_addresses[*]} did not reach cluster_state:ok" >&2
  return 1 2>/dev/null || exit 1
fi

AUTHCORE_REDIS_CLUSTER_NODES="$(IFS=,; echo "${authcore_cluster_addresses[*]}")"
export AUTHCORE_REDIS_CLUSTER_NODES
echo "redis cluster (3 masters, 3 replicas) on $AUTHCORE_REDIS_CLUSTER_NODES"
