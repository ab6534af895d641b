#!/usr/bin/env bash
# Side by side on the H200 box: tritium bench vs perf_analyzer 2.60 (HTTP,
# gRPC, C API) on the same libtritonserver 2.51 and the same models
# (scripts/bench_models: Python add_sub on a CPU instance, torch_mlp on
# KIND_GPU). Concurrency 1, 4, 16, 64 and one request rate; RUNS runs each;
# the summary takes medians. Run through scripts/gpu-run.sh (it sets up the
# runtime, numpy 1.26 and torch):  bash scripts/gpu-run.sh "bash scripts/compare-perf-analyzer.sh"
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/out}
RT=${TRITIUM_TRITON_PATH:?run through scripts/gpu-run.sh}
REPO=$PWD/scripts/bench_models
RUNS=${RUNS:-3}
WIN=${WIN:-1000}
LEVELS=${LEVELS:-"1 4 16 64"}
RAW=$OUT/compare_raw.jsonl
W=/tmp/compare; mkdir -p "$W"   # per-run files stay there (only a few files come back from $OUT)
: > "$RAW"
python3 -m pip install -q --no-index --no-deps --target /tmp/pa .gpu/perf_analyzer-*.whl
PA=/tmp/pa/perf_analyzer/bin/perf_analyzer
export LD_LIBRARY_PATH=$RT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
TRITIUM=.gpu/bin/tritium

record() { # model client load run csv-or-json rc
  python3 scripts/compare_record.py "$@" >> "$RAW"
}

pa_flags="-p $WIN --max-trials 10 -s 10"
for model in ${MODELS:-add_sub torch_mlp}; do
  rate=$([ $model = add_sub ] && echo 4000 || echo 1500)
  # tritium: every level in one process (one server start per run).
  for run in $(seq 1 "$RUNS"); do
    for spec in "--concurrency-range ${LEVELS// /,}" "--request-rate-range $rate"; do
      tag=$(echo "$spec" | tr -dc 'a-z0-9' | cut -c1-24)
      f=$W/t_${model}_${tag}_$run.json
      timeout 300 $TRITIUM bench --model-repository "$REPO" -m $model $spec -p $WIN --warmup 500 --json "$f" > /dev/null 2>"$f.err"
      python3 scripts/compare_record.py $model tritium all $run "$f" $? >> "$RAW"
    done
  done
  for lvl in $LEVELS rate; do
    if [ "$lvl" = rate ]; then pflag="--request-rate-range $rate"; load="rate$rate"; else pflag="--concurrency-range $lvl"; load="c$lvl"; fi
    for run in $(seq 1 "$RUNS"); do
      f=$W/capi_${model}_${load}_$run.csv
      timeout 120 $PA --service-kind=triton_c_api --triton-server-directory "$RT" --model-repository "$REPO" -m $model $pflag $pa_flags -f "$f" > "$f.log" 2>&1
      record $model pa_capi $load $run "$f" $?
    done
  done
  # HTTP and gRPC against one tritonserver
  $RT/bin/tritonserver --model-repository "$REPO" --backend-directory "$RT/backends" --model-control-mode explicit --load-model $model \
    --http-port 18000 --grpc-port 18001 --metrics-port 18002 --log-error false > $W/tritonserver_$model.log 2>&1 &
  spid=$!
  for i in $(seq 1 120); do curl -sf localhost:18000/v2/models/$model/ready >/dev/null && break; sleep 0.5; done
  for lvl in $LEVELS; do
    for run in $(seq 1 "$RUNS"); do
      for proto in http grpc; do
        port=$([ $proto = http ] && echo 18000 || echo 18001)
        f=$W/${proto}_${model}_c${lvl}_$run.csv
        timeout ${PA_TIMEOUT:-120} $PA -m $model -i $proto -u localhost:$port --concurrency-range $lvl $pa_flags -f "$f" > "$f.log" 2>&1
        record $model pa_$proto c$lvl $run "$f" $?
      done
    done
  done
  kill $spid; wait $spid 2>/dev/null
done
python3 scripts/compare_summary.py "$RAW" | tee $OUT/compare_summary.md
