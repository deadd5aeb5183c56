#!/usr/bin/env bash
# Builds the benchmarks in Release, runs them with BenchmarkDotNet, and regenerates
# bench/results/crypto.md from the JSON export. About 2 minutes on the 2-core reference machine.
#   BENCH_FILTER   BenchmarkDotNet --filter glob (default '*'; a partial run leaves "not run" rows)
#   BENCH_ARTIFACTS  where BenchmarkDotNet writes (default bench/Cpns.Benchmarks/BenchmarkDotNet.Artifacts)
# Extra arguments go to BenchmarkDotNet.
set -euo pipefail
cd "$(dirname "$0")/.."

project=bench/Cpns.Benchmarks
artifacts="${BENCH_ARTIFACTS:-$project/BenchmarkDotNet.Artifacts}"
report=bench/results/crypto.md

# "<unix time> <load averages 1/5/15 min> <microseconds some task waited for a CPU, /proc/pressure/cpu>"
host_load() {
  local stall
  stall=$(sed -n 's/^some .*total=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null || true)
  echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg) ${stall:--}"
}

dotnet build "$project" -c Release --nologo -v quiet
rm -rf "$artifacts/results"
start=$(host_load)
dotnet run --project "$project" -c Release --no-build -- --filter "${BENCH_FILTER:-*}" --artifacts "$artifacts" "$@"
# The report prints this so a reader can tell a slow machine from a busy one.
printf 'start %s\nend %s\n' "$start" "$(host_load)" > "$artifacts/results/host-load.txt"
mkdir -p "$(dirname "$report")"
dotnet run --project "$project" -c Release --no-build -- report "$artifacts/results" "$report"
