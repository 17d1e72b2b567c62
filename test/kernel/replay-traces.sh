#!/usr/bin/env bash
# Replay traces on the real kernel: one VM boot for all of them, in the order given.
#
#   test/kernel/replay-traces.sh OUTDIR TRACE...
#
# For each NAME.trace, OUTDIR gets NAME.kernel.csv (the kernel's answers, the simulator's CSV
# format), NAME.kernel.json (end counters per destination, replay timing), NAME.log and NAME.end/
# (procfs and ipvsadm snapshot right after the last line). See guest/replay.sh.
# LVSCOPE_SAMPLE=1 also records the connection table every 0.5 s (NAME.samples).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 OUTDIR TRACE..." >&2; exit 2; }
OUT=$1; shift
JOB=$(mktemp -d)
trap 'rm -rf "$JOB"' EXIT
mkdir -p "$JOB/traces"
for t in "$@"; do
  n=$(basename "$t" .trace)
  [ ! -e "$JOB/traces/$n.trace" ] || { echo "$n: given twice" >&2; exit 2; }
  cp "$t" "$JOB/traces/$n.trace"
  echo "$n" >> "$JOB/traces/order"
done
echo "export LVREPLAY_SAMPLE=${LVSCOPE_SAMPLE:-0}" > "$JOB/run.sh"
cat >> "$JOB/run.sh" <<'GUEST'
# progress goes to the console, which the host keeps as console.log
while read -r n; do
  echo "LVSCOPE-TRACE $n uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
  lvreplay-trace "/job/traces/$n.trace" "/out/$n"
  echo "LVSCOPE-TRACE-DONE $n rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
done < /job/traces/order
GUEST
exec "$HERE/vm.sh" "$JOB" "$OUT"
