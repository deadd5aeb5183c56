#!/usr/bin/env bash
# Runs the whole test suite and ends with the summary line "N passed, N failed, N skipped",
# summed over every test assembly from the runners' TRX reports.
set -uo pipefail
cd "$(dirname "$0")/.."
results="${TEST_RESULTS:-TestResults}"
rm -rf "$results"
dotnet test Cpns.slnx -c Release --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
code=$?
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(( ${t:-0} - ${e:-0} ))
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
# CI shows only the tail of the output: name every failed test just above the summary line.
if [ "$failed" -gt 0 ]; then
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    # The test's name, the first lines of its failure message, then the first frames of its stack trace.
    awk '/<UnitTestResult [^>]*outcome="Failed"/ { match($0, /testName="[^"]*"/); print "FAILED: " substr($0, RSTART + 10, RLENGTH - 11); want = 1 }
         want && /<Message>/ { sub(/.*<Message>/, ""); lines = 0; inmsg = 1 }
         inmsg { end = sub(/<\/Message>.*/, ""); if (lines++ < 6) print "  " $0; if (end) { inmsg = 0; stack = 1 } }
         stack && /<StackTrace>/ { sub(/.*<StackTrace>/, ""); lines = 0; instack = 1 }
         instack { end = sub(/<\/StackTrace>.*/, ""); if (lines++ < 12) print "  " $0; if (end) { instack = 0; stack = 0; want = 0 } }
         stack && /<\/UnitTestResult>/ { stack = 0; want = 0 }' "$trx"
  done
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$code" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$code"
