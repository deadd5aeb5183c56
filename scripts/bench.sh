#!/usr/bin/env bash
# Builds the benchmarks in Release, runs them with BenchmarkDotNet, and regenerates
# bench/results/crypto.md from the JSON export. About 6 minutes on the 2-core reference machine.
#   BENCH_FILTER   BenchmarkDotNet --filter glob (default '*'; a partial run leaves "not run" rows)
#   BENCH_ARTIFACTS  where BenchmarkDotNet writes (default bench/Cpns.Benchmarks/BenchmarkDotNet.Artifacts)
# Extra arguments go to BenchmarkDotNet.
set -euo pipefail
cd "$(dirname "$0")/.."

project=bench/Cpns.Benchmarks
artifacts="${BENCH_ARTIFACTS:-$project/BenchmarkDotNet.Artifacts}"
report=bench/results/crypto.md

dotnet build "$project" -c Release --nologo -v quiet
rm -rf "$artifacts/results"
dotnet run --project "$project" -c Release --no-build -- --filter "${BENCH_FILTER:-*}" --artifacts "$artifacts" "$@"
mkdir -p "$(dirname "$report")"
dotnet run --project "$project" -c Release --no-build -- report "$artifacts/results" "$report"
