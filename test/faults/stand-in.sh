#!/bin/sh
# Fault-matrix stand-in, called as `ipvsadm` or `ip` (symlinks to this file): behaves as the file
# $FLT_MODE_DIR/<name> says. ok: the real recorded output (ipvsadm-replay.sh, or $FLT_MODE_DIR/ip.json);
# hang: a forked sleep that outlives any deadline; slow: half the output, then that sleep;
# fail: exit 1 with a message; garbage: binary bytes; null: `[null]`; die: half the output, then
# SIGKILL of itself (the program disappears mid-read).
set -u
name=$(basename "$0")
mode=$(cat "$FLT_MODE_DIR/$name" 2>/dev/null || echo ok)
ok() {
  if [ "$name" = ip ]; then cat "$FLT_MODE_DIR/ip.json"; else "$FLT_REPLAY" "$@"; fi
}
case "$mode" in
  ok) ok "$@" ;;
  hang) sleep 30 ;;
  slow) ok "$@" | head -c 40; sleep 30 ;;
  fail) echo "$name: simulated failure" >&2; exit 1 ;;
  garbage) printf '\001\377\033[2J\000garbage\377\376\n' ;;
  null) printf '[null]\n' ;;
  die) ok "$@" | head -c 40; kill -9 $$ ;;
  *) echo "stand-in: unknown mode $mode" >&2; exit 2 ;;
esac
