#!/usr/bin/env bash
# A throwaway 3-node RabbitMQ cluster on this machine, from the installed rabbitmq-server.
#
#   scripts/rabbitmq-cluster.sh start    # starts warren-c1..3@localhost, joins 2 and 3 to 1
#   scripts/rabbitmq-cluster.sh status   # cluster_status as node 1 sees it, and the AMQP urls
#   scripts/rabbitmq-cluster.sh urls     # the AMQP urls, comma-separated (for --url / WARREN_URL)
#   scripts/rabbitmq-cluster.sh pid N    # the beam pid of node N (for kill -9 experiments)
#   scripts/rabbitmq-cluster.sh stop     # stops every node and removes the data dir
#
# Everything is the cluster's own: node names, AMQP/dist/management ports, data and log dirs,
# config files and the Erlang cookie (HOME points into the data dir, so ~/.erlang.cookie and
# /etc/rabbitmq are never read). Every rabbitmqctl call names its node with -n, so the
# system's RabbitMQ (rabbit@localhost on 5672) is never joined, stopped or changed.
#
# Settings (environment):
#   WARREN_CLUSTER_DIR         data dir (default ${TMPDIR:-/tmp}/warren-rabbitmq-cluster)
#   WARREN_CLUSTER_PREFIX      node names <prefix>1..3@localhost (default warren-c)
#   WARREN_CLUSTER_PORT        AMQP port of node 1; nodes 2 and 3 use +1, +2 (default 5681).
#                              Dist ports are AMQP + 20000, management AMQP + 10000.
#   WARREN_CLUSTER_MANAGEMENT  1 enables the management plugin on every node (default 0)
#   WARREN_CLUSTER_TIMEOUT     seconds to wait for a node to boot (default 120)
set -euo pipefail

SBIN=${RABBITMQ_SBIN:-/usr/lib/rabbitmq/bin}
DIR=${WARREN_CLUSTER_DIR:-${TMPDIR:-/tmp}/warren-rabbitmq-cluster}
PREFIX=${WARREN_CLUSTER_PREFIX:-warren-c}
PORT=${WARREN_CLUSTER_PORT:-5681}
MANAGEMENT=${WARREN_CLUSTER_MANAGEMENT:-0}
TIMEOUT=${WARREN_CLUSTER_TIMEOUT:-120}
NODES=(1 2 3)

# The caller's RabbitMQ settings must not leak into our nodes (nor ours into the caller's).
unset RABBITMQ_NODENAME RABBITMQ_NODE_PORT RABBITMQ_NODE_IP_ADDRESS RABBITMQ_DIST_PORT \
  RABBITMQ_MNESIA_BASE RABBITMQ_MNESIA_DIR RABBITMQ_LOG_BASE RABBITMQ_LOGS RABBITMQ_CONFIG_FILE \
  RABBITMQ_CONFIG_FILES RABBITMQ_ADVANCED_CONFIG_FILE RABBITMQ_ENABLED_PLUGINS_FILE \
  RABBITMQ_ENABLED_PLUGINS RABBITMQ_PID_FILE RABBITMQ_CONF_ENV_FILE RABBITMQ_ERLANG_COOKIE \
  RABBITMQ_QUORUM_DIR RABBITMQ_STREAM_DIR RABBITMQ_FEATURE_FLAGS_FILE RABBITMQ_PLUGINS_EXPAND_DIR \
  RABBITMQ_SERVER_START_ARGS RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS RABBITMQ_USE_LONGNAME \
  NODENAME NODE_PORT CONFIG_FILE ERL_FLAGS ERL_EPMD_PORT

node_name() { echo "${PREFIX}$1@localhost"; }
amqp_port() { echo $((PORT + $1 - 1)); }
node_dir() { echo "$DIR/n$1"; }

# Runs a RabbitMQ CLI tool as our node's client: our HOME (cookie), our node name.
ctl() {
  local n=$1 tool=$2
  shift 2
  HOME="$DIR/home" ERL_EPMD_ADDRESS=127.0.0.1 "$SBIN/$tool" -n "$(node_name "$n")" "$@"
}

# Exports the environment of node N's server (in a subshell).
export_node_env() {
  local n=$1 d
  d=$(node_dir "$n")
  export HOME="$DIR/home" ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_NODENAME
  RABBITMQ_NODENAME=$(node_name "$n")
  export RABBITMQ_NODE_PORT
  RABBITMQ_NODE_PORT=$(amqp_port "$n")
  export RABBITMQ_DIST_PORT=$((RABBITMQ_NODE_PORT + 20000))
  export RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log"
  export RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config"
  export RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins"
  export RABBITMQ_PID_FILE="$d/beam.pid"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_node_files() {
  local n=$1 d port
  d=$(node_dir "$n")
  port=$(amqp_port "$n")
  mkdir -p "$d/mnesia" "$d/log"
  {
    echo "listeners.tcp.1 = 127.0.0.1:$port"
    echo "cluster_name = ${PREFIX}-cluster"
    echo "log.console = false"
    echo "log.file.level = info"
    if [ "$MANAGEMENT" = 1 ]; then
      echo "management.tcp.ip = 127.0.0.1"
      echo "management.tcp.port = $((port + 10000))"
    fi
  } >"$d/rabbitmq.conf"
  : >"$d/rabbitmq-env.conf"
  if [ "$MANAGEMENT" = 1 ]; then echo '[rabbitmq_management].' >"$d/enabled_plugins"; else echo '[].' >"$d/enabled_plugins"; fi
}

beam_pid() {
  local f
  f="$(node_dir "$1")/beam.pid"
  [ -s "$f" ] && cat "$f"
}

alive() {
  local pid
  pid=$(beam_pid "$1") || return 1
  kill -0 "$pid" 2>/dev/null
}

start_node() {
  local n=$1 d
  d=$(node_dir "$n")
  write_node_files "$n"
  # setsid: the node outlives this script and is not hit by the caller's Ctrl-C.
  (
    export_node_env "$n"
    exec setsid "$SBIN/rabbitmq-server" >"$d/log/startup.log" 2>&1 </dev/null
  ) &
}

wait_node() {
  local n=$1 f
  f="$(node_dir "$n")/beam.pid"
  local deadline=$((SECONDS + TIMEOUT))
  until [ -s "$f" ]; do
    if [ $SECONDS -ge $deadline ]; then
      echo "node $n did not write its pid file in ${TIMEOUT}s; see $(node_dir "$n")/log" >&2
      return 1
    fi
    sleep 0.2
  done
  quietly ctl "$n" rabbitmqctl wait --timeout "$TIMEOUT" "$f"
}

# Runs a command with its output in $DIR/cluster.log, shown only if it fails.
quietly() {
  if ! "$@" >>"$DIR/cluster.log" 2>&1; then
    echo "failed: $*" >&2
    tail -n 20 "$DIR/cluster.log" >&2
    return 1
  fi
}

cmd_start() {
  if [ -d "$DIR" ]; then
    for n in "${NODES[@]}"; do
      if alive "$n"; then
        echo "cluster already running in $DIR (stop it first)" >&2
        exit 1
      fi
    done
    rm -rf "$DIR"
  fi
  for n in "${NODES[@]}"; do
    local p
    p=$(amqp_port "$n")
    for q in "$p" $((p + 20000)) $((p + 10000)); do
      if ! port_free "$q"; then
        echo "port $q is in use; set WARREN_CLUSTER_PORT to another base port" >&2
        exit 1
      fi
    done
  done
  mkdir -p "$DIR/home"
  # Our own cookie: the cluster's nodes and CLI share it, nobody else knows it.
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$DIR/home/.erlang.cookie"
  chmod 400 "$DIR/home/.erlang.cookie"
  # All three boot at once (standalone), then 2 and 3 join 1: faster than booting in turn.
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in "${NODES[@]}"; do wait_node "$n"; done
  for n in 2 3; do
    quietly ctl "$n" rabbitmqctl stop_app
    quietly ctl "$n" rabbitmqctl join_cluster "$(node_name 1)"
    quietly ctl "$n" rabbitmqctl start_app
  done
  quietly ctl 1 rabbitmqctl await_online_nodes 3 --timeout "$TIMEOUT"
  cmd_urls
}

cmd_urls() {
  local urls=()
  for n in "${NODES[@]}"; do urls+=("amqp://guest:guest@127.0.0.1:$(amqp_port "$n")"); done
  (
    IFS=,
    echo "${urls[*]}"
  )
}

cmd_status() {
  local any=0
  for n in "${NODES[@]}"; do
    if alive "$n"; then
      echo "$(node_name "$n") running (pid $(beam_pid "$n"), amqp 127.0.0.1:$(amqp_port "$n"))"
      any=1
    else
      echo "$(node_name "$n") not running"
    fi
  done
  [ $any = 1 ] || exit 3
  for n in "${NODES[@]}"; do
    if alive "$n"; then
      ctl "$n" rabbitmqctl cluster_status --formatter json |
        node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
          console.log(`cluster ${s.cluster_name}: running ${s.running_nodes.join(", ")}`);'
      break
    fi
  done
}

stop_node() {
  local n=$1 pid
  pid=$(beam_pid "$n") || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  ctl "$n" rabbitmqctl stop --timeout 30 "$(node_dir "$n")/beam.pid" >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
}

cmd_stop() {
  [ -d "$DIR" ] || return 0
  # Only pids from our own pid files: the system node is never touched.
  for n in 3 2 1; do stop_node "$n" & done
  wait
  [ "${1:-}" = "--keep" ] || rm -rf "$DIR"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop "${2:-}" ;;
  status) cmd_status ;;
  urls) cmd_urls ;;
  pid) beam_pid "${2:?node number 1-3}" ;;
  *)
    echo "usage: $0 start|stop [--keep]|status|urls|pid N" >&2
    exit 2
    ;;
esac
