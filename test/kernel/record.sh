#!/usr/bin/env bash
# Re-record the kernel's answers: replay fixtures/kernel-traces/NAME.trace on the real kernel
# (one VM boot) and write NAME.kernel.csv and NAME.kernel.json next to each trace. Replaying
# mysql-pool also refreshes the bundled MySQL pool capture in fixtures/procfs/mysql/.
#
#   test/kernel/record.sh [NAME...]      (default: every trace)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TR="$ROOT/fixtures/kernel-traces"
if [ $# -eq 0 ]; then set -- $(cd "$TR" && ls *.trace | sed 's/\.trace$//'); fi
traces=()
for n in "$@"; do traces+=("$TR/$n.trace"); done
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$HERE/replay-traces.sh" "$OUT" "${traces[@]}"
for n in "$@"; do
  [ -s "$OUT/$n.kernel.csv" ] || { echo "$n: no answers; see $OUT/$n.log" >&2; exit 1; }
  cp "$OUT/$n.kernel.csv" "$OUT/$n.kernel.json" "$TR/"
done
if [ -d "$OUT/mysql-pool.end" ]; then
  M="$ROOT/fixtures/procfs/mysql"
  rm -rf "$M/net" "$M/ipvsadm"
  mkdir -p "$M"
  cp -r "$OUT/mysql-pool.end/net" "$OUT/mysql-pool.end/ipvsadm" "$M/"
fi
echo "recorded: $*"
