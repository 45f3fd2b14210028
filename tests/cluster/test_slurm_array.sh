#!/usr/bin/env bash
# The Slurm path for real (ctest `cluster`): a one-node cluster on localhost
# (scripts/cluster/local-slurm), `sbatch --array=0-3 scripts/cluster/slurm-array.sbatch` on part
# of the bank, the merge job it submits, and the merged exports byte for byte against one
# `assay run` with the same seed. Exit 77 (ctest: skipped) with the reason where this host cannot
# run the daemons; the daemons it started are stopped either way.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${ASSAY_BUILD_DIR:-$repo/build}
assay="$build/assay"
tmp=$(mktemp -d /tmp/assay-slurm-test.XXXXXX)
cluster="$tmp/cluster"
cleanup() { "$repo/scripts/cluster/local-slurm" stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
skip() { echo "SKIPPED: the Slurm array test: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root to run munged, slurmctld and slurmd"
if ! started=$("$repo/scripts/cluster/local-slurm" start "$cluster" 2>"$tmp/start.err"); then
  skip "this host cannot run a one-node cluster: $(cat "$tmp/start.err")"
fi
eval "$started" # export SLURM_CONF=...

args="--problems $repo/problems --limit 8 --seed 4 --mutants-per-problem 3"
# The reference: one process, the same seed.
# shellcheck disable=SC2086
"$assay" run $args --jobs 2 --db "$tmp/single.db" --out "$tmp/single" >"$tmp/single.log" 2>&1 ||
  { cat "$tmp/single.log"; echo "FAIL: the single run failed"; exit 1; }

work="$tmp/work"
mkdir -p "$work"
cd "$repo"
array=$(ASSAY_HOME="$repo" ASSAY_WORK="$work" ASSAY_ARGS="$args" \
  sbatch --parsable --array=0-3 --output="$work/shard-%a.out" scripts/cluster/slurm-array.sbatch)
echo "submitted array job $array"
# Every task, then the merge job the first one submitted (at most 15 minutes).
deadline=$((SECONDS + 900))
until [ -s "$work/merge.jobid" ] && [ -z "$(squeue -h -j "$(cat "$work/merge.jobid"),$array" 2>/dev/null)" ]; do
  if ((SECONDS > deadline)); then
    squeue || true; tail -n 20 "$work"/*.out || true
    echo "FAIL: the array and its merge job did not finish in 15 minutes"; exit 1
  fi
  sleep 2
done
merge_job=$(cat "$work/merge.jobid")
echo "merge job $merge_job done"
for i in 0 1 2 3; do
  [ -f "$work/shard-$i.db" ] || { cat "$work/shard-$i.out" || true; echo "FAIL: shard $i wrote no database"; exit 1; }
done
[ -d "$work/merged" ] || { cat "$work"/merge-*.out || true; echo "FAIL: the merge job wrote no exports"; exit 1; }
status=0
for kind in sft bugfix refactor reflexion dpo kto tasks; do
  if cmp -s "$work/merged/$kind.jsonl" "$tmp/single/$kind.jsonl"; then
    echo "ok: $kind.jsonl identical ($(wc -l <"$tmp/single/$kind.jsonl") rows)"
  else
    echo "FAIL: $kind.jsonl of the merged shards differs from the single run's"; status=1
  fi
done
[ "$(wc -l <"$tmp/single/sft.jsonl")" -gt 0 ] || { echo "FAIL: the single run exported nothing"; status=1; }
# Each task ran its own shard (the index assay took from SLURM_ARRAY_TASK_ID, as recorded) and
# the shards split the problems between them.
problems=0
for i in 0 1 2 3; do
  shard=$(sqlite3 "$work/shard-$i.db" "SELECT json_extract(args, '\$.shard.index') || '/' || json_extract(args, '\$.shard.count') FROM runs")
  [ "$shard" = "$i/4" ] || { echo "FAIL: shard-$i.db records shard '$shard'"; status=1; }
  n=$(sqlite3 "$work/shard-$i.db" 'SELECT count(*) FROM problems')
  problems=$((problems + n))
done
[ "$problems" = 8 ] || { echo "FAIL: the shards hold $problems problems, not 8"; status=1; }
exit $status
