#!/usr/bin/env bash
# Runs the kcallout jcstress scenarios (callout-stress) and fails on any FORBIDDEN outcome, test
# error or missing result.
#
#   callout-stress/run.sh quick              # CI pass: C2 only, 200 ms per configuration, ~2 min on 2 cores
#   callout-stress/run.sh medium             # jcstress's quick preset, every JVM/compilation mode (~35 min)
#   callout-stress/run.sh long               # jcstress's default preset, every JVM/compilation mode (~3.5 h)
#   callout-stress/run.sh long -t DrainVsRearm   # extra arguments go to jcstress (-t REGEX selects tests)
#   SKIP_BUILD=1 callout-stress/run.sh quick # reuse callout-stress/target/jcstress.jar
#   JCSTRESS_ARGS="-t StopVsFire" ...        # more jcstress arguments (mvn: -Djcstress.args="...")
#
# `mvn -B verify` runs the quick mode (exec plugin in callout-stress/pom.xml, with SKIP_BUILD=1).
# The full jcstress output goes to callout-stress/target/jcstress-MODE/output.txt, the HTML report to
# callout-stress/target/jcstress-MODE/report/index.html; this script prints the run's summary.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
if [[ $# -eq 0 ]]; then
  sed -n '2,14p' "$0" >&2; exit 2
fi
mode=$1
shift
# Extra jcstress arguments from the environment (word-split on purpose), then from the command line.
read -r -a extra <<< "${JCSTRESS_ARGS:-}"
set -- "${extra[@]}" "$@"
java=${JAVA:-java}
jar=$here/target/jcstress.jar

case "$mode" in
  quick)
    # One JVM mode (C2 without tiering: the compiler that reorders most) in jcstress's two
    # biased-locking configurations, no split compilation, one fork of one 200 ms iteration per
    # configuration. A test costs about 7 s, mostly JVM start-up; a deadlock is cut off by the
    # timeout below rather than hanging CI.
    args=(-v -jvmArgs "-XX:-TieredCompilation" -sc false -f 1 -fsm 1 -iters 1 -time 200)
    limit=${JCSTRESS_TIMEOUT:-900}
    ;;
  medium)
    # jcstress's quick preset: every JVM mode it detects (interpreter, C1, C2, C2 with the stress
    # randomizers; split per-actor compilation), 5 x 200 ms per configuration, 28 per test.
    args=(-v -m quick)
    limit=${JCSTRESS_TIMEOUT:-0}
    ;;
  long)
    # jcstress's default preset: the same modes with 5 x 1 s per configuration and five forks of
    # the stress-randomizer modes, 68 configurations per test.
    args=(-v -m default)
    limit=${JCSTRESS_TIMEOUT:-0}
    ;;
  -h|--help|help)
    sed -n '2,14p' "$0"; exit 0 ;;
  *)
    echo "run.sh: unknown mode '$mode' (quick, medium or long; help for usage)" >&2; exit 2 ;;
esac

if [[ -z "${SKIP_BUILD:-}" ]]; then
  (cd "$root" && mvn -q -B -pl callout-stress -am package -DskipTests)
fi
if [[ ! -f "$jar" ]]; then
  echo "run.sh: $jar not found (build it with: mvn -B -pl callout-stress -am package -DskipTests)" >&2
  exit 2
fi

out=$here/target/jcstress-$mode
rm -rf "$out"
mkdir -p "$out"
log=$out/output.txt
start=$(date +%s)
echo "[jcstress $mode] java -jar target/jcstress.jar ${args[*]} $*"
echo "[jcstress $mode] full output: $log"

# jcstress writes its result blob into the working directory and the report under -r.
set +e
if [[ "$limit" != 0 ]] && command -v timeout > /dev/null; then
  (cd "$out" && timeout --kill-after=30 "$limit" "$java" -jar "$jar" "${args[@]}" -r report "$@") > "$log" 2>&1
else
  (cd "$out" && "$java" -jar "$jar" "${args[@]}" -r report "$@") > "$log" 2>&1
fi
rc=$?
set -e
elapsed=$(( $(date +%s) - start ))

# The summary: jcstress's RUN RESULTS section (with -v, every test's outcome table across all
# configurations) and its final count.
sed -n '/^RUN RESULTS:/,/^  HTML report/p' "$log" | grep -v '^  HTML report' || true
counts=$(grep -E '^\(Results: ' "$log" | tail -1 || true)
echo "[jcstress $mode] $counts"

fail=0
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
  echo "[jcstress $mode] FAILED: timed out after ${limit}s (a deadlock?); the end of the output:" >&2
  tail -40 "$log" >&2
  fail=1
elif [[ $rc -ne 0 ]]; then
  # jcstress ends with an AssertionError ("TEST FAILURES") when a test failed or errored.
  echo "[jcstress $mode] FAILED: jcstress exited with $rc; the end of the output:" >&2
  grep -v -E '^\s+[-0-9, ]+ +[0-9,]+ ' "$log" | tail -25 >&2
  fail=1
fi
# Belt and braces: do not trust the exit code alone. Every planned configuration must have passed.
if [[ "$counts" =~ ([0-9]+)\ planned\;\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ soft\ errs,\ ([0-9]+)\ hard\ errs ]]; then
  planned=${BASH_REMATCH[1]} passed=${BASH_REMATCH[2]}
  if [[ $planned -eq 0 || $passed -ne $planned ]]; then
    echo "[jcstress $mode] FAILED: $passed of $planned test configurations passed" >&2
    fail=1
  fi
else
  echo "[jcstress $mode] FAILED: no result count in the output (no test ran?)" >&2
  fail=1
fi
if ! grep -q '^  Failed tests: No matches.' "$log" || ! grep -q '^  Error tests: No matches.' "$log"; then
  echo "[jcstress $mode] FAILED: jcstress reports failed or error tests (see above)" >&2
  fail=1
fi

if [[ $fail -ne 0 ]]; then
  echo "[jcstress $mode] FAILED after ${elapsed}s" >&2
  exit 1
fi
echo "[jcstress $mode] OK: no FORBIDDEN outcome, no error, in ${elapsed}s"
