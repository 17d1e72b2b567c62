#!/usr/bin/env bash
# Turn one workload recording (record.sh OUTDIR) into an analyzer fixture,
# fixtures/recordings/NAME/:
#   capture/          the samples converted by exporter/tools/capture-from-samples.ts (the
#                     exporter's own collection and capture writer; compressed segments)
#   truth.json        the ground truth from the lab's logs (truth.js)
#   ipvsadm-save.txt  the director's `ipvsadm -S -n` when the load ended
#   summary.txt       summarize.js's figures of the recording
#   MANIFEST.md       how it was made, the scenario's description and expected answer, sizes, and
#                     what `lvs-analyze workload` says of it
#
#   test/kernel/workload/make-fixture.sh NAME OUTDIR POOL [converter options...]
#
# POOL is what `lvs-analyze workload --pool` is given for the MANIFEST (e.g. tcp:10.10.0.80:80).
# Converter options (e.g. --conn-sample 4) go to capture-from-samples. MANIFEST_EXTRA=FILE appends
# FILE (markdown) to the MANIFEST (two-speeds-reweighted: the closed loop). Needs the exporter tool
# built (npx tsc -p tsconfig.json → build/) and dist/ (npx tsc -p tsconfig.build.json).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
[ $# -ge 3 ] || { echo "usage: $0 NAME OUTDIR POOL [converter options...]" >&2; exit 2; }
NAME=$1 REC=$(cd "$2" && pwd) POOL=$3
shift 3
FIX="$ROOT/fixtures/recordings/$NAME"
[ -f "$REC/scenario.txt" ] || { echo "$REC: no scenario.txt (not a record.sh OUTDIR)" >&2; exit 2; }
[ -f "$REC/end/ipvsadm/ipvsadm-S-n.txt" ] || { echo "$REC: no end/ipvsadm/ipvsadm-S-n.txt" >&2; exit 2; }
rm -rf "$FIX"
mkdir -p "$FIX"
convert=$(timeout 600 node "$ROOT/build/exporter/tools/capture-from-samples.js" "$REC" "$FIX/capture" "$@")
epoch=$(printf '%s\n' "$convert" | sed -n 's/.* epoch \([0-9T:.-]*Z\) .*/\1/p')
epoch_ms=$(node -e 'process.stdout.write(String(Date.parse(process.argv[1])))' "$epoch")
timeout 120 node "$HERE/truth.js" "$REC" --epoch-ms "$epoch_ms" > "$FIX/truth.json"
cp "$REC/end/ipvsadm/ipvsadm-S-n.txt" "$FIX/ipvsadm-save.txt"
timeout 120 node "$HERE/summarize.js" "$REC" > "$FIX/summary.txt"
model=$(cd "$ROOT" && timeout 120 node dist/analyzer/main.js workload --pool "$POOL" --capture "fixtures/recordings/$NAME/capture")
scenario=$(sed -n 's/^scenario=//p' "$REC/scenario.txt")
script="$HERE/scenarios/$scenario.sh"
knobs=$(grep '^LVWL_' "$REC/scenario.txt" | sed "s/=\(.*\)/='\1'/" | tr '\n' ' ' || true)
kernel=$(sed -n 's/^uname=//p' "$REC/guest.txt" 2> /dev/null || true)
when=$(sed -n 's/^date=//p' "$REC/guest.txt" 2> /dev/null || true)
{
  echo "# fixtures/recordings/$NAME"
  echo
  echo "A workload recorded on the real kernel in the qemu lab (test/kernel/workload), scenario"
  echo "\`$scenario\`, converted to a capture directory. Made by:"
  echo
  echo "    ${knobs}LVSCOPE_VM_OFFLINE=1 test/kernel/workload/record.sh $scenario OUT"
  echo "    test/kernel/workload/make-fixture.sh $NAME OUT $POOL $*"
  echo
  echo "- kernel: ${kernel:-?}"
  echo "- recorded: ${when:-?} (TCG, 2 vCPU, 1 GiB, on the shared 2-core host)"
  echo "- knobs: ${knobs:-none, the defaults of the scenario}"
  echo "- converter: $convert"
  echo "- sizes: $(du -sb "$FIX/capture" | cut -f1) bytes of capture, $(wc -c < "$FIX/truth.json") bytes of truth.json"
  echo
  echo "## The scenario (its header: configuration and the answer to expect)"
  echo
  sed -n '/^#/!q; s/^# \{0,1\}/    /p' "$script"
  echo
  echo "## Ground truth (truth.json, from the lab's logs; the expected values of the tests)"
  echo
  node -e '
    const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const [rip, s] of Object.entries(t.servers))
      console.log(`- ${rip}: ${s.connections} connections (share ${s.share}), true lifetime ${s.lifetimeMs} ± ${s.lifetimeSeMs} ms, mean open ${s.meanOpen}, service real ${s.serviceMs.realMean} ms (drawn ${s.serviceMs.drawnMean})`);
    if (t.lifetimeRatio) console.log(`- lifetime ratio ${t.lifetimeRatio.slowest} / ${t.lifetimeRatio.fastest}: ${t.lifetimeRatio.value} ± ${t.lifetimeRatio.se}`);
    if (t.clients.top) console.log(`- top client ${t.clients.top.client}: share ${t.clients.top.share} ± ${t.clients.top.se} of ${t.clients.connections} connections from ${t.clients.distinct} clients`);
    console.log(`- payload per connection: ${t.bytesPerConn.inPayload} B in, ${t.bytesPerConn.outPayload} B out (${t.bytesPerConn.requestsPerConn} requests)`);
    for (const [phase, p] of Object.entries(t.phases ?? {}))
      console.log(`- phase ${phase}: ` + Object.entries(p.servers).map(([rip, s]) => `${rip} share ${s.share}, mean open ${s.meanOpen}`).join("; "));
  ' "$FIX/truth.json"
  echo
  echo "## What \`lvs-analyze workload --pool $POOL --capture capture\` says of it"
  echo
  printf '%s\n' "$model" | sed 's/^/    /'
  echo
  echo "summary.txt is summarize.js's report of the raw recording (director samples against the logs)."
  [ -z "${MANIFEST_EXTRA:-}" ] || { echo; cat "$MANIFEST_EXTRA"; }
} > "$FIX/MANIFEST.md"
echo "$FIX: $(du -sh "$FIX" | cut -f1)"
