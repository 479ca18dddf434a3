#!/usr/bin/env bash
# Quick version of every kcallout benchmark workload: builds callout-bench, runs workloads 1-6 with
# few iterations (one fork each), writes JMH JSON to callout-bench/results/, and turns it into
# results/quick.md and results/quick.png. Budget: under 10 minutes on 2 cores.
#
#   callout-bench/run-quick.sh               # everything
#   PEERS=kcallout,netty-1ms,floor-locked callout-bench/run-quick.sh   # a subset of peers
#   SKIP_BUILD=1 callout-bench/run-quick.sh  # reuse target/benchmarks.jar
#   JVM_OPTS="-XX:+UseParallelGC -Xms2g -Xmx4g" callout-bench/run-quick.sh   # every measured JVM
#       gets these options instead of the benchmarks' own -Xms2g -Xmx4g (JMH forks) and in
#       addition to the lateness children's (the memory children always run SerialGC, which
#       alone counts retained bytes exactly); see run-gc-matrix.sh
#
# Figures from this script are for spotting regressions and comparing peers side by side in one
# run; use the commands in each benchmark's Javadoc (more forks and iterations) for anything finer.
# Nothing else heavy should run on the machine meanwhile.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${RESULTS_DIR:-$here/results}
jar=$here/target/benchmarks.jar
# fjp (ForkJoinPool as a scheduler) exists from JDK 25 on: in the default list only there.
jdk=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
fjp=; if [[ ${jdk%%.*} -ge 25 ]]; then fjp=fjp,; fi
peers=${PEERS:-kcallout,netty-100ms,netty-1ms,agrona,stpe,stpe-roc,kafka,${fjp}floor-locked,floor-locked-56,floor-unlocked}

mkdir -p "$out"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  (cd "$root" && mvn -q -B -pl callout-bench -am package -DskipTests)
fi

start=$(date +%s)
log() { printf '[run-quick %4ds] %s\n' $(( $(date +%s) - start )) "$*"; }

# JMH: one fork, short warm-up and measurement, allocation per op with -prof gc.
jvmopts=()
if [[ -n "${JVM_OPTS:-}" ]]; then
  jvmopts=(-jvmArgsAppend "$JVM_OPTS") # replaces the @Fork annotations' -Xms2g -Xmx4g
  export KCALLOUT_CHILD_JVM_OPTS="$JVM_OPTS"
  log "JVM options of every measured JVM: $JVM_OPTS"
fi
jmh() {
  local name=$1 regex=$2; shift 2
  log "$name"
  java -jar "$jar" "$regex" -p peer="$peers" -prof gc -rf json -rff "$out/$name.json" ${jvmopts[@]+"${jvmopts[@]}"} "$@" \
    > "$out/$name.txt" 2>&1 || { tail -40 "$out/$name.txt"; exit 1; }
  sed -n '/^Benchmark /,$p' "$out/$name.txt" | grep -v -e ':gc\.alloc\.rate ' -e ':gc\.count' -e ':gc\.time' || true
}

# Estimated on an idle 2-core machine: 1 ≈ 160 s, 2 ≈ 65 s, 3 ≈ 70 s, 6 ≈ 16 s, 4 ≈ 70 s, 5 ≈ 150 s,
# plus the build: about 9 minutes. Lateness runs 5 warm-up and 10 measured rounds: with fewer, the
# JIT compiler still competes for the 2 cores in measured rounds, and with 3 rounds one round disturbed by the
# machine is a third of the samples and moves p90.
# 5. lateness at 10 ms, precision 0 (a main program; a child JVM per peer and arming pattern;
#    the spaced pattern takes 1 s per round). First, on a machine that has not yet been through
#    the memory-heavy workloads: after them, single rounds on this VM were 0.5-0.8 ms late.
log lateness
java -cp "$jar" org.kcallout.bench.Lateness -n 1000 -warmup 5 -rounds 10 -peers "$peers" -o "$out/lateness.json"
# 1. arm + cancel, 0 / 10 000 / 1 000 000 pending: 27 forks of about 6 s.
jmh armcancel 'ArmCancelBenchmark\.' -f 1 -wi 2 -w 500ms -i 3 -r 500ms
# 2. re-arm, fixed and random delay: 18 forks of about 4 s.
jmh rearm 'RearmBenchmark\.' -f 1 -wi 2 -w 500ms -i 3 -r 500ms
# 3. expiry throughput, 1 000 000 timers within 100 ms: 9 forks of 5 single shots (0.3-4 s each).
jmh expiry 'ExpiryBenchmark\.' -f 1 -wi 2 -i 3
# 6. kcallout only, contended (no peer parameter: run it without -p peer): 4 forks of about 4 s.
log contended
java -jar "$jar" 'ContendedBenchmark\.' -f 1 -wi 2 -w 500ms -i 3 -r 500ms -prof gc ${jvmopts[@]+"${jvmopts[@]}"} \
  -rf json -rff "$out/contended.json" > "$out/contended.txt" 2>&1 || { tail -40 "$out/contended.txt"; exit 1; }
sed -n '/^Benchmark /,$p' "$out/contended.txt" | grep -v -e ':gc\.alloc\.rate ' -e ':gc\.count' -e ':gc\.time' || true

# 6b. kcallout only, legacy timeout/untimeout on the preallocated pool: 2 forks of about 3 s.
log legacy
java -jar "$jar" 'LegacyTimeoutBenchmark\.' -f 1 -wi 2 -w 500ms -i 3 -r 500ms -prof gc ${jvmopts[@]+"${jvmopts[@]}"} \
  -rf json -rff "$out/legacy.json" > "$out/legacy.txt" 2>&1 || { tail -40 "$out/legacy.txt"; exit 1; }
sed -n '/^Benchmark /,$p' "$out/legacy.txt" | grep -v -e ':gc\.alloc\.rate ' -e ':gc\.count' -e ':gc\.time' || true

# 4. retained bytes per pending timer and idle CPU (a main program; a child JVM per peer, ~7 s each).
log memory
java -cp "$jar" org.kcallout.bench.RetainedMemory -n 1000000 -settle 2 -idle 3 \
  -peers "none,$peers" -o "$out/memory.json"

log report
java -cp "$jar" org.kcallout.bench.report.BenchReport -md "$out/quick.md" -png "$out/quick.png" \
  "$out/armcancel.json" "$out/rearm.json" "$out/expiry.json" "$out/memory.json" "$out/lateness.json" \
  "$out/contended.json"
log "done: $out/quick.md, $out/quick.png"
