#!/usr/bin/env bash
# issue 15's scaling figures: one multi-model profile (MODELS copies of tests/models/sleep_fixed, a
# sleep-bound CPU model, so shards really run side by side on a 2-core machine) as one process and as
# 2 and 4 shards through a single-node Slurm (array + afterok merge), wall time from submission to the
# merge's end, and the merge's own time; and as 2 and 4 worker processes of one command
# (`--tritium-workers N`, the same shard + merge path without a scheduler). Needs root and Debian's slurmctld slurmd slurm-client munge
# (as tests/slurm.rs); uses target/release/tritium (scripts/setup.sh builds it).
#   sudo bash scripts/shard_scaling.sh            # writes ${OUT:-/tmp/shard_scaling}/scaling.txt
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
T=${TRITIUM:-$ROOT/target/release/tritium}
OUT=${OUT:-/tmp/shard_scaling}; rm -rf "$OUT"; mkdir -p "$OUT"
W=$(mktemp -d /tmp/shard_scaling.XXXX)
MODELS=${MODELS:-8}
mkdir -p "$W/repo"
names=()
for i in $(seq 0 $((MODELS - 1))); do
  cp -r tests/models/sleep_fixed "$W/repo/m$i"
  sed -i "s/^name: .*/name: \"m$i\"/" "$W/repo/m$i/config.pbtxt"
  names+=("m$i")
done
config() { # $1: folder
  mkdir -p "$1"
  cat > "$1/profile.yaml" <<YAML
model_repository: $W/repo
profile_models: [$(IFS=,; echo "${names[*]}")]
export_path: $1/export
checkpoint_directory: $1/ck
output_model_repository_path: $1/export/output_models
override_output_model_repository: true
duration_seconds: 0
run_config_search_mode: brute
run_config_search_max_instance_count: 2
run_config_search_max_model_batch_size: 4
concurrency: [8]
perf_analyzer_flags: {measurement-interval: 200}
YAML
}
now() { date +%s.%N; }
secs() { python3 -c "print(round($2 - $1, 1))"; }

# Slurm on this node (tests/slurm.rs's recipe).
S=$W/slurm; mkdir -p "$S/state" "$S/spool"
host=$(hostname -s); cpus=$(nproc)
cat > "$S/slurm.conf" <<CONF
ClusterName=tritiumscale
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=scale Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$S/slurm.conf
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
if ! (munge -n | unmunge) >/dev/null 2>&1; then
  mkdir -p /run/munge /var/lib/munge /var/log/munge && chown munge:munge /run/munge /var/lib/munge /var/log/munge
  [ -f /etc/munge/munge.key ] || runuser -u munge -- mungekey --create
  runuser -u munge -- munged -F > "$S/munged.out" 2>&1 & pids+=($!)
  for _ in $(seq 1 80); do (munge -n | unmunge) >/dev/null 2>&1 && break; sleep 0.25; done
fi
slurmctld -D > "$S/slurmctld.out" 2>&1 & pids+=($!)
slurmd -D > "$S/slurmd.out" 2>&1 & pids+=($!)
for _ in $(seq 1 240); do [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break; sleep 0.25; done

{
echo "machine: $(nproc) cores, $(uname -r); $MODELS models (sleep_fixed copies), brute search (instances 1-2 x max batch 1-4, c=8, 200 ms windows)"
config "$W/single"
t0=$(now); "$T" profile -f "$W/single/profile.yaml" > "$W/single/out.txt" 2>&1; t1=$(now)
echo "one process: $(secs "$t0" "$t1") s ($(grep -c '"config"' "$W/single/export/results/results.json" || true) measurement records)"
for n in ${SHARDS:-2 4}; do
  d=$W/shards$n; config "$d"; mkdir -p "$d/jobs"
  ex="ALL,PROFILE_CONFIG=$d/profile.yaml,TRITIUM=$T"
  t0=$(now)
  a=$(sbatch --parsable --array=0-$((n - 1)) --gres=none --cpus-per-task=1 --output="$d/jobs/p-%A_%a.out" --export="$ex" examples/slurm/profile_array.sbatch | cut -d';' -f1)
  m=$(sbatch --parsable --dependency=afterok:"$a" --cpus-per-task=1 --output="$d/jobs/m-%j.out" --export="$ex" examples/slurm/merge.sbatch | cut -d';' -f1)
  while [ -n "$(squeue -h -j "$a,$m" 2>/dev/null)" ]; do sleep 0.5; done
  t1=$(now)
  state=$(scontrol show job "$m" | grep -o 'JobState=[A-Z]*' | head -1)
  # The merge alone, again, on the same shards (its own cost).
  t2=$(now); "$T" merge -e "$d/export" -f "$d/profile.yaml" > "$d/merge_again.txt" 2>&1 || true; t3=$(now)
  echo "$n shards through Slurm: $(secs "$t0" "$t1") s from submission to the merge's end (merge job $state); merge alone $(secs "$t2" "$t3") s"
done
for n in ${WORKERS:-2 4}; do
  d=$W/workers$n; config "$d"
  rc=0; t0=$(now); "$T" profile -f "$d/profile.yaml" --tritium-workers "$n" > "$d/out.txt" 2>&1 || rc=$?; t1=$(now)
  echo "$n worker processes of one command (tritium_workers): $(secs "$t0" "$t1") s, exit $rc (merge included)"
done
} | tee "$OUT/scaling.txt"
cp -r "$W"/*/jobs "$OUT/" 2>/dev/null || true
