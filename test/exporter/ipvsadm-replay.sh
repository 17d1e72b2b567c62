#!/bin/sh
# Stand-in for ipvsadm in tests (the test host's kernel has no IPVS): prints the REAL ipvsadm
# output recorded in $IPVSADM_REPLAY_DIR for the arguments it was called with. A recording is
# named after its arguments: `-Ln --stats --exact --nosort` -> ipvsadm-Ln--stats--exact--nosort.txt.
# Recordings taken without --nosort are used for a --nosort call too (it only changes the order).
#   IPVSADM_REPLAY_LOG    append each call's arguments to this file
#   IPVSADM_REPLAY_DELAY  seconds to sleep before answering (slow-ipvsadm tests)
set -eu
dir=${IPVSADM_REPLAY_DIR:?set IPVSADM_REPLAY_DIR}
if [ -n "${IPVSADM_REPLAY_LOG:-}" ]; then echo "$*" >>"$IPVSADM_REPLAY_LOG"; fi
if [ -n "${IPVSADM_REPLAY_DELAY:-}" ]; then sleep "$IPVSADM_REPLAY_DELAY"; fi
name="ipvsadm$(printf '%s' "$*" | tr -d ' ').txt"
sorted=$(printf '%s' "$name" | sed 's/--nosort//')
for file in "$dir/$name" "$dir/$sorted"; do
  if [ -f "$file" ]; then exec cat "$file"; fi
done
echo "ipvsadm-replay: no recording in $dir for: $*" >&2
exit 2
