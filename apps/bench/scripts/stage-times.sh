#!/usr/bin/env bash
# The default job's stages with short budgets, timed side by side (one after the other) on each
# backend with 0 and 1 rollout workers: SFT 300 steps (4,000 demonstrations, one validation), 20 GiGPO
# iterations from that SFT policy, and a greedy evaluation on 500 test tasks. Wall seconds including
# start-up go to OUT/times.txt. With --before DIR, the same commands also run in DIR, a checkout of
# another commit with its workspace installed (for a before/after comparison); its RL and eval start
# from this checkout's SFT policy.
#
#   bash apps/bench/scripts/stage-times.sh OUT [--before DIR] [--backends "wasm tensorflow"]
#
# Run it on an otherwise idle machine (or under `nice -n -20`): the stages use both cores.
set -u
out=${1:?usage: stage-times.sh OUT [--before DIR] [--backends "wasm tensorflow"]}; shift
before=""; backends="wasm tensorflow"
while [ $# -gt 0 ]; do
	case $1 in
		--before) before=$2; shift 2 ;;
		--backends) backends=$2; shift 2 ;;
		*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$out"
export TF_CPP_MIN_LOG_LEVEL=3
run() { # label tree backend workers command...
	local label=$1 tree=$2 backend=$3 workers=$4; shift 4
	local dir=$out/$label
	rm -rf "$dir"
	local t0; t0=$(date +%s.%N)
	(cd "$tree" && bun apps/runner/src/main.ts "$@" --backend "$backend" --run-dir "$dir" rollout.workers="$workers" >"$dir.log" 2>&1) ||
		echo "$label failed: see $dir.log" >&2
	echo "$label $(echo "$(date +%s.%N) - $t0" | bc) s" | tee -a "$out/times.txt"
}
contenders=()
for b in $backends; do contenders+=("$b-w1 $here $b 1" "$b-w0 $here $b 0"); done
[ -n "$before" ] && contenders+=("before-wasm-w1 $before wasm 1")
for c in "${contenders[@]}"; do
	set -- $c
	run "sft-$1" "$2" "$3" "$4" sft sft.steps=300 sft.evalEvery=300
done
policy=$out/sft-$(set -- $backends; echo "$1")-w1/sft
for c in "${contenders[@]}"; do
	set -- $c
	run "rl-$1" "$2" "$3" "$4" train --method gigpo --policy "$policy" train.iterations=20 train.evalEvery=0 \
		train.checkpointEvery=20 train.sampleEvery=0
	run "eval-$1" "$2" "$3" "$4" eval --policy "$policy" eval.tasks=500 "eval.seeds=[0]"
done
