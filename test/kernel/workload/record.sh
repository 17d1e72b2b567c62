#!/usr/bin/env bash
# Record a workload on the real kernel: boot the test VM once (test/kernel/vm.sh) and run one
# scenario in it — topology of network namespaces, lvserver real servers of known speed,
# lvclient load, the director recorded every second — then copy everything back.
#
#   test/kernel/workload/record.sh SCENARIO OUTDIR
#
# SCENARIO is a name in test/kernel/workload/scenarios/ (two-speeds, mysql-pool, smoke) or a
# path to such a script. OUTDIR gets (see guest/lib.sh and the scenario's header):
#   samples/<ms>/{net,ipvsadm}/   the director each second (<ms>: guest CLOCK_MONOTONIC)
#   samples/index.tsv             start_ms end_ms of every sample
#   servers/NAME.{log,out}        per-request service log and summary of each lvserver
#   clients/NAME.{log,out}        per-connection/request log and summary of each lvclient
#   exporter/NAME.{prom,err}      the real exporter run once in the director namespace
#   end/                          the director's full state when the load ended
#   scenario.txt topology.txt job.log guest.txt console.log vm.txt
#   summary.txt                   summarize.js's figures (Little's law per real server, ...)
#
# The VM shares the host's /usr and this repository read-only (LVSCOPE_VM_NODE=1 of vm.sh) so
# the exporter runs there from a snapshot of dist/ taken now (test/kernel/.build/workload/app.*,
# removed afterwards; `npm run build` first). Environment:
#   LVSCOPE_VM_MEM (default here 1G), LVSCOPE_VM_SMP, LVSCOPE_VM_OFFLINE, LVSCOPE_VM_TIMEOUT
#     (default 1800 s): passed to vm.sh
#   LVSCOPE_WORKLOAD_NODE=0    no node in the guest (the scenario's exporter run is skipped)
#   LVSCOPE_RECORDER=sampler|exporter, LVSCOPE_EXPORTER_ARGS, LVSCOPE_SAMPLE_CONN_EVERY: see
#     guest/lib.sh (recorder_start, sampler_loop)
#   LVSCOPE_WORKLOAD_ASLR=1    keep the guest's address-space randomisation (off by default:
#                              it makes every exec of a dynamic binary ~4x dearer under TCG)
#   LVWL_*                     handed to the scenario (e.g. LVWL_DURATION=20 for a short run)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KERNEL=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD="$KERNEL/.build/workload"
[ $# -eq 2 ] || { echo "usage: $0 SCENARIO OUTDIR" >&2; exit 2; }
case $1 in
  */*) SCEN=$1 ;;
  *) SCEN="$HERE/scenarios/$1.sh" ;;
esac
[ -f "$SCEN" ] || { echo "$SCEN: no such scenario" >&2; exit 2; }
mkdir -p "$2" "$BUILD"
OUT=$(cd "$2" && pwd)
say() { echo "[workload] $*" >&2; }

# ------------------------------------------------------------------ helpers (static, like lvreplay)
for p in lvserver lvclient; do
  if [ ! -x "$BUILD/$p" ] || [ "$HERE/$p.c" -nt "$BUILD/$p" ]; then
    gcc -static -O2 -Wall -Wextra -Werror -o "$BUILD/$p.tmp" "$HERE/$p.c" -lm
    mv "$BUILD/$p.tmp" "$BUILD/$p"
    say "built $p"
  fi
done

# ------------------------------------------------------------------ exporter snapshot
# (one per run, so a rebuild of dist/ while the VM runs cannot change what the guest loads)
NODE=${LVSCOPE_WORKLOAD_NODE:-1}
GUEST_EXPORTER=""
APP=""
trap 'rm -rf "${APP:-}" "${JOB:-}"' EXIT
if [ "$NODE" = 1 ]; then
  [ -f "$ROOT/dist/exporter/main.js" ] || { echo "$ROOT/dist/exporter/main.js missing: run npm run build" >&2; exit 3; }
  APP=$(mktemp -d "$BUILD/app.XXXXXX")
  cp -r "$ROOT/dist" "$APP/dist"
  cp "$ROOT/package.json" "$APP/"
  # (node_modules: found from app.*/dist/... by walking up to the repository's)
  v=$(timeout 120 node "$APP/dist/exporter/main.js" --version) ||
    { echo "the dist/ snapshot does not start (a build in progress?); retry after npm run build" >&2; exit 3; }
  GUEST_EXPORTER="/host/repo${APP#"$ROOT"}/dist/exporter/main.js"
  say "exporter $v snapshot -> guest $GUEST_EXPORTER"
fi

# ------------------------------------------------------------------ job
JOB=$(mktemp -d "$BUILD/job.XXXXXX")
mkdir -p "$JOB/bin"
cp "$BUILD/lvserver" "$BUILD/lvclient" "$JOB/bin/"
cp "$HERE/guest/lib.sh" "$JOB/lib.sh"
cp "$SCEN" "$JOB/scenario.sh"
{
  q() { printf "export %s='%s'\n" "$1" "$(printf %s "$2" | sed "s/'/'\\\\''/g")"; }
  q LVSCOPE_SCENARIO "$(basename "$SCEN" .sh)"
  [ -z "$GUEST_EXPORTER" ] || q LVSCOPE_EXPORTER "$GUEST_EXPORTER"
  for v in LVSCOPE_RECORDER LVSCOPE_EXPORTER_ARGS LVSCOPE_SAMPLE_CONN_EVERY LVSCOPE_WORKLOAD_ASLR; do
    [ -z "${!v:-}" ] || q "$v" "${!v}"
  done
  while IFS='=' read -r k v; do q "$k" "$v"; done < <(env | grep '^LVWL_[A-Z0-9_]*=' || true)
} > "$JOB/env.sh"
cat > "$JOB/run.sh" << 'GUEST'
. /job/env.sh
export OUT=/out
echo "LVSCOPE-WORKLOAD $LVSCOPE_SCENARIO start uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
# Address-space randomisation off: TCG keys its translated code on virtual addresses, so with
# ASLR every exec of a dynamic binary (ipvsadm, ip) translates its libraries anew (~240 ms an
# ipvsadm call, ~60 ms without); LVSCOPE_WORKLOAD_ASLR=1 keeps the kernel's default.
[ "${LVSCOPE_WORKLOAD_ASLR:-0}" = 1 ] || echo 0 > /proc/sys/kernel/randomize_va_space
{
  echo "scenario=$LVSCOPE_SCENARIO"
  echo "job_start_ms=$(/job/bin/lvclient now)"
  echo "clock_check=CLOCK_MONOTONIC $(/job/bin/lvclient now) ms, /proc/uptime $(cut -d' ' -f1 /proc/uptime) s"
  echo "clocks_start=$(/job/bin/lvclient clocks)" # (wall-clock records, e.g. a capture, to the logs' clock)
  echo "aslr=$(cat /proc/sys/kernel/randomize_va_space)"
  env | grep '^LVWL_' | sort
} > /out/scenario.txt
sh /job/scenario.sh
rc=$?
{ echo "job_end_ms=$(/job/bin/lvclient now)"; echo "clocks_end=$(/job/bin/lvclient clocks)"; } >> /out/scenario.txt
echo "LVSCOPE-WORKLOAD $LVSCOPE_SCENARIO done rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
exit $rc
GUEST

say "scenario $(basename "$SCEN" .sh) -> $OUT"
t0=$(date +%s)
export LVSCOPE_VM_MEM=${LVSCOPE_VM_MEM:-1G} LVSCOPE_VM_TIMEOUT=${LVSCOPE_VM_TIMEOUT:-1800}
if [ "$NODE" = 1 ]; then export LVSCOPE_VM_NODE=1; fi
"$KERNEL/vm.sh" "$JOB" "$OUT"
say "VM run $(($(date +%s) - t0)) s; $(grep -E '^job_(exit|seconds)=' "$OUT/guest.txt" | tr '\n' ' ')"
if timeout 300 node "$HERE/summarize.js" "$OUT" > "$OUT/summary.txt"; then
  cat "$OUT/summary.txt"
else
  say "summarize.js failed (see above); the recording is in $OUT"
fi
grep -q '^job_exit=0$' "$OUT/guest.txt" || { say "scenario failed: tail of $OUT/job.log:"; tail -n 20 "$OUT/job.log" >&2; exit 1; }
