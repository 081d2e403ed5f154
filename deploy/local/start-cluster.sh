#!/usr/bin/env bash
# Starts a dtrain cluster on this machine (a coordinator, K parameter-server nodes, N worker nodes, all on
# 127.0.0.1 with free ports), submits a job, streams its progress and stops every process it started: on
# success, on failure and on Ctrl-C (each node runs in this script's process group, killed on exit).
#
#   deploy/local/start-cluster.sh [-k PS_NODES] [-n WORKER_NODES] [MODEL.json] [train flags...]
#   e.g. deploy/local/start-cluster.sh -k 2 -n 2 examples/mnist-mlp.json --epochs 3
#        deploy/local/start-cluster.sh model.json --train data/train.csv --test data/test.csv --label species
#
# The job's data flags (--train, --test, --validation PATH) may be relative to the folder you run this from: they
# are made absolute, as every node must see the data at the same path (here: this machine's disk).
#
# Node logs go to $DTRAIN_LOG_DIR (default: a fresh temporary folder, printed at the start).
set -euo pipefail
caller=$PWD
cd "$(dirname "$0")/../.."

ps_nodes=2
worker_nodes=2
while getopts "k:n:h" opt; do
  case "$opt" in
    k) ps_nodes=$OPTARG ;;
    n) worker_nodes=$OPTARG ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
absolute() { # a path from the caller's folder, as the nodes (started from the repository root) must see it
  case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$caller" "$1" ;; esac
}
model=examples/mnist-mlp.json
if [ $# -gt 0 ]; then model=$(absolute "$1"); shift; fi
flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --train|--test|--validation) flags+=("$1" "$(absolute "$2")"); shift 2 ;;
    --train=*|--test=*|--validation=*) flags+=("${1%%=*}=$(absolute "${1#*=}")"); shift ;;
    *) flags+=("$1"); shift ;;
  esac
done

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
  trap - EXIT INT TERM HUP
  trap '' PIPE # a reader that went away must not cut the clean-up short: its writes just fail
  if [ ${#pids[@]} -gt 0 ]; then
    echo "start-cluster: stopping ${#pids[@]} node(s)" >&2 || true
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
# A closed terminal or a reader that went away (start-cluster.sh ... | head) stops the nodes too.
trap 'exit 129' HUP
trap 'exit 141' PIPE

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

echo "start-cluster: building dtrain (logs in $logs)"
dotnet build src/Cli -c Release -nologo -v quiet >"$logs/build.log" 2>&1 || { cat "$logs/build.log" >&2; exit 1; }
dtrain=(dotnet src/Cli/bin/Release/net10.0/dtrain.dll)
# MNIST for MNIST jobs (a job on its own files needs none: where it cannot be fetched, the nodes start without it).
data_flags=()
if data_dir=$("${dtrain[@]}" data 2>>"$logs/build.log" | tail -n 1) && [ -n "$data_dir" ]; then data_flags=(--data-dir "$data_dir"); fi

seed_port=$(free_port)
seed="127.0.0.1:$seed_port"
# The worker nodes share this machine's cores, as `dtrain train --workers N` shares them among its replicas.
threads=$(( $(nproc) / worker_nodes )); [ "$threads" -lt 1 ] && threads=1
start_node() { # name roles port [flags]
  "${dtrain[@]}" node --roles "$2" --host 127.0.0.1 --port "$3" --seeds "$seed" ${data_flags[@]+"${data_flags[@]}"} "${@:4}" >"$logs/$1.log" 2>&1 &
  pids+=($!)
}
start_node coordinator coordinator "$seed_port"
for i in $(seq 1 "$ps_nodes"); do start_node "ps-$i" ps "$(free_port)"; done
for i in $(seq 1 "$worker_nodes"); do start_node "worker-$i" worker "$(free_port)" --threads "$threads"; done
echo "start-cluster: coordinator at $seed, $ps_nodes PS node(s), $worker_nodes worker node(s)"

# The coordinator waits (up to 2 minutes) until the shards and workers the job asks for have registered.
# In the background plus `wait`, so a signal to this script runs the trap at once instead of after the job.
"${dtrain[@]}" submit "$model" --cluster "$seed" --workers "$worker_nodes" --ps-shards "$ps_nodes" ${flags[@]+"${flags[@]}"} &
pids+=($!)
wait $!
"${dtrain[@]}" status --cluster "$seed"
