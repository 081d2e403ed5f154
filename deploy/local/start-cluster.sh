#!/usr/bin/env bash
# Starts a dtrain cluster on this machine (a coordinator, K parameter-server nodes, N worker nodes, all on
# 127.0.0.1 with free ports), submits a job, streams its progress and stops every process it started: on
# success, on failure and on Ctrl-C (each node runs in this script's process group, killed on exit).
#
#   deploy/local/start-cluster.sh [-k PS_NODES] [-n WORKER_NODES] [MODEL.json] [train flags...]
#   e.g. deploy/local/start-cluster.sh -k 2 -n 2 examples/mnist-mlp.json --epochs 3
#
# Node logs go to $DTRAIN_LOG_DIR (default: a fresh temporary folder, printed at the start).
set -euo pipefail
cd "$(dirname "$0")/../.."

ps_nodes=2
worker_nodes=2
while getopts "k:n:h" opt; do
  case "$opt" in
    k) ps_nodes=$OPTARG ;;
    n) worker_nodes=$OPTARG ;;
    *) sed -n '2,9p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
model=${1:-examples/mnist-mlp.json}
[ $# -gt 0 ] && shift

logs=${DTRAIN_LOG_DIR:-$(mktemp -d -t dtrain-cluster.XXXXXX)}
mkdir -p "$logs"
# The journal and checkpoints (SQLite, shared by the nodes on this machine): a fresh folder per run unless
# DTRAIN_STATE_DIR (or DTRAIN_DB) says otherwise. Keep one across runs and a restarted cluster resumes its
# unfinished job instead of taking a new one.
export DTRAIN_STATE_DIR=${DTRAIN_STATE_DIR:-$logs/state}
pids=()
# The cluster secret every node proves on the bulk data channel: a fresh one per run, readable by this user only.
# Set DTRAIN_SECRET_FILE to use your own.
if [ -z "${DTRAIN_SECRET_FILE:-}" ]; then
  export DTRAIN_SECRET_FILE=$logs/cluster.secret
  (umask 077 && head -c 32 /dev/urandom | base64 >"$DTRAIN_SECRET_FILE")
fi

stop_all() {
  local status=$?
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    echo "start-cluster: stopping ${#pids[@]} node(s)" >&2
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      alive=0
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ $alive -eq 0 ] && break
      sleep 0.2
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

echo "start-cluster: building dtrain (logs in $logs)"
dotnet build src/Cli -c Release -nologo -v quiet >"$logs/build.log" 2>&1 || { cat "$logs/build.log" >&2; exit 1; }
dtrain=(dotnet src/Cli/bin/Release/net10.0/dtrain.dll)
data_dir=$("${dtrain[@]}" data | tail -n 1)

seed_port=$(free_port)
seed="127.0.0.1:$seed_port"
# The worker nodes share this machine's cores, as `dtrain train --workers N` shares them among its replicas.
threads=$(( $(nproc) / worker_nodes )); [ "$threads" -lt 1 ] && threads=1
start_node() { # name roles port [flags]
  "${dtrain[@]}" node --roles "$2" --host 127.0.0.1 --port "$3" --seeds "$seed" --data-dir "$data_dir" "${@:4}" >"$logs/$1.log" 2>&1 &
  pids+=($!)
}
start_node coordinator coordinator "$seed_port"
for i in $(seq 1 "$ps_nodes"); do start_node "ps-$i" ps "$(free_port)"; done
for i in $(seq 1 "$worker_nodes"); do start_node "worker-$i" worker "$(free_port)" --threads "$threads"; done
echo "start-cluster: coordinator at $seed, $ps_nodes PS node(s), $worker_nodes worker node(s)"

# The coordinator waits (up to 2 minutes) until the shards and workers the job asks for have registered.
# In the background plus `wait`, so a signal to this script runs the trap at once instead of after the job.
"${dtrain[@]}" submit "$model" --cluster "$seed" --workers "$worker_nodes" --ps-shards "$ps_nodes" "$@" &
pids+=($!)
wait $!
"${dtrain[@]}" status --cluster "$seed"
