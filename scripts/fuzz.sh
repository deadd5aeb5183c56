#!/usr/bin/env bash
# Fuzzes every decoder of untrusted input with AFL++ over SharpFuzz-instrumented assemblies (docs/fuzzing.md).
#
#   scripts/fuzz.sh [seconds-per-target] [target ...]   replay the committed corpus, then fuzz each target (default 30 s)
#   scripts/fuzz.sh --replay [target ...]               replay the committed corpus only: no fuzzer, fast, deterministic
#
# Fails on any crash or hang, and saves each crashing input under fuzz/findings/<target>/ with a one-line
# command that reproduces it without the fuzzer. Installs what it needs: afl++ (apt-get) and the SharpFuzz
# instrumenter (dotnet tool restore, .config/dotnet-tools.json).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

mode=fuzz
seconds=30
if [ "${1:-}" = "--replay" ]; then
  mode=replay
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi

project=fuzz/Cpns.Fuzz/Cpns.Fuzz.csproj
plain=fuzz/Cpns.Fuzz/bin/Release/net10.0/Cpns.Fuzz.dll
work=artifacts/fuzz
corpus=fuzz/corpus

# The plain build replays and reproduces; only the fuzzing copy is instrumented (instrumented code cannot run
# outside SharpFuzz's fork server).
dotnet build "$project" -c Release -v quiet -nologo >&2
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(dotnet "$plain" --list | awk '{print $1}')
fi

echo "== replaying the committed corpus through ${#targets[@]} targets"
replay_failed=0
for target in "${targets[@]}"; do
  dotnet "$plain" "$target" "$corpus/$target" || replay_failed=1
done
if [ "$replay_failed" -ne 0 ]; then
  echo "the committed corpus no longer replays clean" >&2
  exit 1
fi
if [ "$mode" = replay ]; then
  exit 0
fi

if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "== installing afl++" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq afl++ >&2
fi
dotnet tool restore >&2

echo "== instrumenting"
rm -rf "$work"
dotnet publish "$project" -c Release -o "$work/bin" -v quiet -nologo >&2
for assembly in "$work"/bin/Cpns.*.dll "$work/bin/Google.Protobuf.dll"; do
  case "$(basename "$assembly")" in Cpns.Fuzz.dll) continue ;; esac
  dotnet tool run sharpfuzz "$assembly" >&2
done

# .NET is no AFL-compiled binary (SKIP_BIN_CHECK); the machine's core_pattern and CPU governor are not ours to
# change (I_DONT_CARE..., SKIP_CPUFREQ); cores are shared with other work (NO_AFFINITY).
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_FAST_CAL=1

echo "== fuzzing ${#targets[@]} targets, ${seconds} s each"
printf '%-22s %12s %10s %8s %6s %6s\n' target executions execs/s corpus crash hang
findings=0
summary="$work/summary.tsv"
printf 'target\texecutions\texecs_per_sec\tcorpus\tcrashes\thangs\n' > "$summary"
for target in "${targets[@]}"; do
  out="$work/out/$target"
  mkdir -p "$out"
  # -t 5000: five seconds an input is a hang (a fixed limit: an auto-scaled one is a few ms, which a GC pause on a loaded machine exceeds).
  if ! afl-fuzz -i "$corpus/$target" -o "$out" -t 5000 -m none -V "$seconds" -- dotnet "$work/bin/Cpns.Fuzz.dll" "$target" >"$out.log" 2>&1; then
    echo "afl-fuzz failed on $target (log: $out.log):" >&2
    tail -n 20 "$out.log" >&2
    exit 1
  fi
  stats="$out/default/fuzzer_stats"
  value() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$stats"; }
  execs=$(value execs_done); rate=$(value execs_per_sec); queue=$(value corpus_count)
  crashes=$(value saved_crashes); hangs=$(value saved_hangs)
  printf '%-22s %12s %10s %8s %6s %6s\n' "$target" "$execs" "$rate" "$queue" "$crashes" "$hangs"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$execs" "$rate" "$queue" "$crashes" "$hangs" >> "$summary"
  for kind in crashes hangs; do
    for input in "$out/default/$kind"/id:*; do
      [ -f "$input" ] || continue
      mkdir -p "fuzz/findings/$target"
      saved="fuzz/findings/$target/$kind-$(sha1sum "$input" | cut -c1-12)"
      cp "$input" "$saved"
      echo "FINDING ($kind) $target: reproduce with: dotnet $plain $target $saved" >&2
      findings=$((findings + 1))
    done
  done
done

if [ "$findings" -gt 0 ]; then
  echo "$findings findings; inputs under fuzz/findings/" >&2
  exit 1
fi
echo "no finding in ${#targets[@]} targets"
