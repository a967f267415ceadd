#!/usr/bin/env bash
# Train on several processes with torchrun.
# Usage: bash tools/dist_train.sh CONFIG NUM_PROCS [tools/train.py args...]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT as for torchrun.
set -euo pipefail
CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
exec torchrun --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
  --master_port="$PORT" --nproc_per_node="$NPROC" \
  "$(dirname "$0")/train.py" "$CONFIG" --launcher pytorch "${@:3}"
