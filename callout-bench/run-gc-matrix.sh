#!/usr/bin/env bash
# run-quick.sh once per JVM setting users actually run, each into its own results directory:
#   g1        G1 (the default collector) with no heap flags
#   g1-large  G1 with -Xms1g -Xmx8g
#   parallel  ParallelGC with -Xms2g -Xmx4g (the benchmarks' own heap)
# Same environment variables as run-quick.sh (PEERS, SKIP_BUILD); SETTINGS picks a subset, e.g.
#   SETTINGS="g1 parallel" PEERS=kcallout,netty-1ms,floor-locked callout-bench/run-gc-matrix.sh
# Results: callout-bench/results/gc-<setting>/ (quick.md, quick.png and the JSON of each workload).
# About 3 minutes per setting with three peers, 9 with all of them. Nothing else heavy should run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
settings=${SETTINGS:-g1 g1-large parallel}
first=1
for s in $settings; do
  case $s in
    g1) opts="-XX:+UseG1GC" ;;
    g1-large) opts="-XX:+UseG1GC -Xms1g -Xmx8g" ;;
    parallel) opts="-XX:+UseParallelGC -Xms2g -Xmx4g" ;;
    *) echo "run-gc-matrix: unknown setting '$s' (g1, g1-large, parallel)" >&2; exit 2 ;;
  esac
  echo "[run-gc-matrix] $s: $opts"
  if [[ $first -eq 1 ]]; then
    JVM_OPTS="$opts" RESULTS_DIR="$here/results/gc-$s" "$here/run-quick.sh"
    first=0
  else
    SKIP_BUILD=1 JVM_OPTS="$opts" RESULTS_DIR="$here/results/gc-$s" "$here/run-quick.sh"
  fi
done
