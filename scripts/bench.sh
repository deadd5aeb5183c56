#!/usr/bin/env bash
# Runs every benchmark and regenerates bench/results/:
#   crypto   BenchmarkDotNet over the crypto core -> bench/results/crypto.md (about 2 minutes)
#   anchors  one rekey after a member leaves, Cpns against MLS (ts-mls, installed here with npm ci into
#            bench/anchors/node_modules) -> bench/results/anchors.md, header-bytes.png, rekey-cpu.png
#            (about 5 minutes on the 2-core reference machine; bounded by ANCHORS_BUDGET)
#   load     scripts/bench-load.sh, when that script exists (the `cpns bench load` tool)
# Needs the .NET SDK, and Node 20+ with npm for the MLS side (skipped with a note in the report without them).
#   BENCH_PARTS      which parts, in order (default "crypto anchors load")
#   BENCH_FILTER     BenchmarkDotNet --filter glob for crypto (default '*'; a partial run leaves "not run" rows)
#   BENCH_ARTIFACTS  where the raw outputs go (default bench/Cpns.Benchmarks/BenchmarkDotNet.Artifacts)
#   ANCHORS_SIZES    group sizes (default 64,256,1024,4096)
#   ANCHORS_BUDGET   seconds after which the MLS side starts no new group size (default 420)
# Extra arguments go to BenchmarkDotNet.
set -euo pipefail
cd "$(dirname "$0")/.."

project=bench/Cpns.Benchmarks
artifacts="${BENCH_ARTIFACTS:-$project/BenchmarkDotNet.Artifacts}"
results=bench/results
parts="${BENCH_PARTS:-crypto anchors load}"
sizes="${ANCHORS_SIZES:-64,256,1024,4096}"

# "<unix time> <load averages 1/5/15 min> <microseconds some task waited for a CPU, /proc/pressure/cpu>"
host_load() {
  local stall
  stall=$(sed -n 's/^some .*total=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null || true)
  echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg) ${stall:--}"
}

mkdir -p "$results"
dotnet build "$project" -c Release --nologo -v quiet

for part in $parts; do
  case "$part" in
    crypto)
      rm -rf "$artifacts/results"
      start=$(host_load)
      dotnet run --project "$project" -c Release --no-build -- --filter "${BENCH_FILTER:-*}" --artifacts "$artifacts" "$@"
      # The report prints this so a reader can tell a slow machine from a busy one.
      printf 'start %s\nend %s\n' "$start" "$(host_load)" > "$artifacts/results/host-load.txt"
      dotnet run --project "$project" -c Release --no-build -- report "$artifacts/results" "$results/crypto.md"
      ;;
    anchors)
      out="$artifacts/anchors"
      rm -rf "$out" && mkdir -p "$out"
      start=$(host_load)
      if command -v node >/dev/null && command -v npm >/dev/null; then
        # The versions in bench/anchors/package-lock.json, nothing newer.
        (cd bench/anchors && npm ci --no-audit --no-fund --loglevel=error)
        node bench/anchors/mls-anchor.mjs --sizes "$sizes" --out "$out/mls.json" --budget-seconds "${ANCHORS_BUDGET:-420}" > /dev/null
      else
        echo "bench.sh: node/npm not found; the anchors report will show Cpns only" >&2
      fi
      dotnet run --project "$project" -c Release --no-build -- anchors "$out/cpns.json" "$sizes" > /dev/null
      printf 'start %s\nend %s\n' "$start" "$(host_load)" > "$out/host-load.txt"
      dotnet run --project "$project" -c Release --no-build -- anchors-report "$out/cpns.json" "$out/mls.json" "$results" "$out/host-load.txt"
      ;;
    load)
      if [ -x scripts/bench-load.sh ]; then
        scripts/bench-load.sh
      elif [ -f scripts/bench-load.sh ]; then
        bash scripts/bench-load.sh
      else
        echo "bench.sh: scripts/bench-load.sh not present; no load benchmark" >&2
      fi
      ;;
    *)
      echo "bench.sh: unknown part '$part' (crypto, anchors, load)" >&2
      exit 2
      ;;
  esac
done
