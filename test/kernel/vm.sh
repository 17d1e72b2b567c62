#!/usr/bin/env bash
# Boot Debian 12's 6.1 kernel (which has IPVS) under qemu and run one job inside it.
#
#   test/kernel/vm.sh JOBDIR OUTDIR
#
# JOBDIR must hold run.sh; the whole folder appears in the guest as /job, and guest/init runs
# `sh /job/run.sh` with /out as its output folder. Everything in /out comes back to OUTDIR, with
# the serial console in OUTDIR/console.log and timings in OUTDIR/vm.txt.
#
# Packages are fetched with `apt-get download` and unpacked with `dpkg -x`: nothing is installed.
# The kernel image, the userland (busybox-static, ipvsadm, iproute2, the libraries they link) and
# the static replay helper (lvreplay.c, built with the host's gcc) go into a cached base
# initramfs under test/kernel/.build/; each run only appends a small archive holding the job.
# qemu runs under TCG (the only accelerator that boots a stock kernel here) with no network
# device at all: every packet stays between network namespaces inside the guest.
#
# Environment: LVSCOPE_VM_MEM (256M), LVSCOPE_VM_SMP (2), LVSCOPE_VM_TIMEOUT (seconds, 900),
# LVSCOPE_VM_OFFLINE=1 (reuse .build/debs, never call apt-get), LVSCOPE_VM_APPEND (more kernel
# command-line words, e.g. mitigations=off; none by default).
#
# Host folders in the guest (off unless asked; the base initramfs and the boot are then exactly
# as without them):
#   LVSCOPE_VM_SHARES="TAG=HOSTDIR ..."  each HOSTDIR appears read-only at /host/TAG (virtio-9p;
#                                        the 9p and virtio-pci modules come in an extra archive)
#   LVSCOPE_VM_NODE=1                    shares the host's /usr as /host/usr and this repository as
#                                        /host/repo, and gives the guest a `node` command that runs
#                                        the host's node binary through the host's dynamic loader
#                                        and libraries (so `ip netns exec NS node
#                                        /host/repo/dist/exporter/main.js --once` works there)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD="$HERE/.build"
[ $# -eq 2 ] || { echo "usage: $0 JOBDIR OUTDIR" >&2; exit 2; }
JOB=$(cd "$1" && pwd)
[ -f "$JOB/run.sh" ] || { echo "$JOB/run.sh: missing" >&2; exit 2; }
mkdir -p "$2" "$BUILD/debs"
OUT=$(cd "$2" && pwd)
MEM=${LVSCOPE_VM_MEM:-256M}
SMP=${LVSCOPE_VM_SMP:-2}
t0=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "[vm $(elapsed "$t0")s] $*" >&2; }

command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not found" >&2; exit 3; }

# ------------------------------------------------------------------ packages
GUEST_PKGS="busybox-static ipvsadm iproute2 netbase"
if [ "${LVSCOPE_VM_OFFLINE:-0}" != 1 ]; then
  # The image package the bookworm metapackage points at (not a backports kernel).
  KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6\.1\./ { print $2; exit }')
  [ -n "$KPKG" ] || { echo "cannot resolve a linux-image-6.1.*-amd64 package (apt-get update?)" >&2; exit 3; }
  # Shared-library closure of the guest packages: follow Depends through lib* packages only.
  libs="" todo="ipvsadm iproute2"
  while [ -n "$todo" ]; do
    next=$(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
             --no-enhances $todo 2>/dev/null | awk '/^ *Depends: (lib|zlib)/ { print $2 }' | sort -u)
    todo=""
    for p in $next; do
      case " $libs " in *" $p "*) ;; *) libs="$libs $p"; todo="$todo $p" ;; esac
    done
  done
  want="$KPKG $GUEST_PKGS $libs"
  missing=""
  for p in $want; do ls "$BUILD/debs/${p}_"*.deb >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    say "apt-get download$missing"
    (cd "$BUILD/debs" && apt-get download -qq $missing 2>&1 | grep -v 'Download is performed unsandboxed' || true)
  fi
  echo "$KPKG" > "$BUILD/kernel-package"
fi
[ -f "$BUILD/kernel-package" ] || { echo "no cached packages; run once without LVSCOPE_VM_OFFLINE" >&2; exit 3; }
KPKG=$(cat "$BUILD/kernel-package")

# ------------------------------------------------------------------ unpack
STAGE="$BUILD/stage" KROOT="$BUILD/kroot"
if [ ! -f "$BUILD/.unpacked" ] || [ -n "$(find "$BUILD/debs" -newer "$BUILD/.unpacked" -name '*.deb')" ]; then
  rm -rf "$STAGE" "$KROOT"; mkdir -p "$STAGE" "$KROOT"
  for d in "$BUILD"/debs/*.deb; do
    case "$(basename "$d")" in "${KPKG}_"*) dpkg -x "$d" "$KROOT" ;; linux-image-*) ;; *) dpkg -x "$d" "$STAGE" ;; esac
  done
  touch "$BUILD/.unpacked"
  say "unpacked $(ls "$BUILD"/debs/*.deb | wc -l) packages"
fi
KVER=$(ls "$KROOT/lib/modules")
VMLINUZ="$KROOT/boot/vmlinuz-$KVER"
BB="$STAGE/bin/busybox"

# ------------------------------------------------------------------ replay helper
LVREPLAY="$BUILD/lvreplay"
if [ ! -x "$LVREPLAY" ] || [ "$HERE/guest/lvreplay.c" -nt "$LVREPLAY" ]; then
  gcc -static -O2 -Wall -Wextra -Werror -o "$LVREPLAY" "$HERE/guest/lvreplay.c"
  say "built lvreplay"
fi

# ------------------------------------------------------------------ base initramfs
BASE="$BUILD/base.cpio.gz"
newest=$(ls -t "$0" "$HERE"/guest/* "$LVREPLAY" "$BUILD/.unpacked" | head -1)
if [ ! -f "$BASE" ] || [ "$newest" -nt "$BASE" ]; then
  R="$BUILD/root"
  rm -rf "$R"
  mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,lib64,lib/x86_64-linux-gnu,etc,proc,sys,dev,tmp,run,out,job}
  cp "$BB" "$R/bin/busybox"
  for a in $("$BB" --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
  LD="$STAGE/lib64/ld-linux-x86-64.so.2"
  LIBPATH="$STAGE/lib/x86_64-linux-gnu:$STAGE/usr/lib/x86_64-linux-gnu"
  with_libs() { # $1 binary inside the stage, $2 destination inside the initramfs
    local src="$STAGE/$1"
    [ -e "$src" ] || { echo "missing $1 in the unpacked packages" >&2; exit 4; }
    rm -f "$R/$2"; cp -L "$src" "$R/$2"
    "$LD" --library-path "$LIBPATH" --list "$src" | awk '/=> \// { print $3 }' | while read -r lib; do
      cp -L "$lib" "$R/lib/x86_64-linux-gnu/"
    done
  }
  # Real ipvsadm and iproute2 replace busybox's applets (busybox ip has no netns).
  with_libs sbin/ipvsadm sbin/ipvsadm
  with_libs bin/ip sbin/ip; rm -f "$R/bin/ip"
  with_libs sbin/tc sbin/tc; rm -f "$R/bin/tc"
  cp -L "$LD" "$R/lib64/"
  cp "$LVREPLAY" "$R/sbin/lvreplay"
  cp "$STAGE/etc/services" "$STAGE/etc/protocols" "$R/etc/"
  echo 'root:x:0:0:root:/:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
  # Kernel modules: IPVS with every scheduler this kernel has, plus what the topology uses.
  KMOD="$KROOT/lib/modules/$KVER"
  [ -f "$KMOD/modules.dep" ] || "$BB" depmod -b "$KROOT" "$KVER"
  present=""
  # crc32c_generic first: libcrc32c (needed by ip_vs) only soft-depends on it.
  for m in crc32c_generic ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf \
           ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh ip_vs_mh ip_vs_twos \
           veth dummy ipip ip6_tunnel sch_ingress cls_u32 act_skbedit; do
    line=$(awk -F: -v m="/$m.ko" '{ n = split($1, p, "/") } "/" p[n] ~ "^" m "(\\.xz|\\.zst)?$" { print; exit }' "$KMOD/modules.dep")
    [ -n "$line" ] || continue   # built in, or not in this kernel (twos in 6.1)
    present="$present $m"
    for f in $(echo "$line" | tr -d ':'); do
      mkdir -p "$R/lib/modules/$KVER/$(dirname "$f")"
      cp "$KMOD/$f" "$R/lib/modules/$KVER/$f"
    done
  done
  cp "$KMOD"/modules.builtin* "$KMOD/modules.order" "$R/lib/modules/$KVER/" 2>/dev/null || true
  "$BB" depmod -b "$R" "$KVER"
  echo "$present" > "$R/etc/lvscope-modules"
  echo "$KPKG $(dpkg-deb -f "$(ls "$BUILD"/debs/"${KPKG}"_*.deb)" Version)" > "$R/etc/lvscope-kernel"
  cp "$HERE/guest/init" "$R/init"; chmod 755 "$R/init"
  cp "$HERE/guest/replay.sh" "$R/sbin/lvreplay-trace"; chmod 755 "$R/sbin/lvreplay-trace"
  (cd "$R" && find . | sort | "$BB" cpio -o -H newc 2>/dev/null | gzip -1 > "$BASE.tmp") && mv "$BASE.tmp" "$BASE"
  say "base initramfs $(du -h "$BASE" | cut -f1); modules:$present"
fi

# ------------------------------------------------------------------ job archive + boot
RUN=$(mktemp -d "$BUILD/run.XXXXXX")
trap 'rm -rf "$RUN"' EXIT
mkdir -p "$RUN/root/job"
cp -r "$JOB"/. "$RUN/root/job/"

# host shares (LVSCOPE_VM_SHARES / LVSCOPE_VM_NODE): qemu -virtfs devices, plus files in the job
# archive (later archives add to the base): the 9p modules, a hook guest/init runs, `node`
SHARES=${LVSCOPE_VM_SHARES:-}
QEMU_SHARE=()
if [ "${LVSCOPE_VM_NODE:-0}" = 1 ]; then
  NODE_BIN=$(readlink -f "$(command -v node)") || { echo "LVSCOPE_VM_NODE=1: node not found" >&2; exit 3; }
  NODE_LD=$(readlink -f /lib64/ld-linux-x86-64.so.2)
  NODE_LIBDIRS=$(ldd "$NODE_BIN" | awk '/=> \// { print $3 }' | xargs -r readlink -f | xargs -r -n1 dirname | sort -u)
  for f in "$NODE_BIN" "$NODE_LD" $NODE_LIBDIRS; do
    case $f in /usr/*) ;; *) echo "LVSCOPE_VM_NODE=1: $f is not under /usr" >&2; exit 3 ;; esac
  done
  SHARES="usr=/usr repo=$(cd "$HERE/../.." && pwd) $SHARES"
  mkdir -p "$RUN/root/sbin"
  {
    echo '#!/bin/sh'
    echo "# the host's $NODE_BIN ($("$NODE_BIN" --version)), its loader and libraries, from /host/usr"
    echo "exec /host${NODE_LD} --library-path $(echo $NODE_LIBDIRS | sed 's|/usr/|/host/usr/|g; s| |:|g') /host${NODE_BIN} \"\$@\""
  } > "$RUN/root/sbin/node"
  chmod 755 "$RUN/root/sbin/node"
fi
if [ -n "$SHARES" ]; then
  KMOD="$KROOT/lib/modules/$KVER"
  M="$RUN/root/lib/modules/$KVER/lvscope-9p"
  mkdir -p "$M" "$RUN/root/etc/lvscope-init.d"
  # insmod order: each module's dependencies (modules.dep lists them last-needed-first)
  order=""
  for m in virtio_pci 9pnet_virtio 9p; do
    line=$(awk -F: -v m="/$m.ko" '{ n = split($1, p, "/") } "/" p[n] ~ "^" m "(\\.xz|\\.zst)?$" { print; exit }' "$KMOD/modules.dep")
    [ -n "$line" ] || { echo "module $m not in $KVER" >&2; exit 4; }
    for f in $(echo "$line" | tr -d ':' | awk '{ for (i = NF; i > 1; i--) print $i; print $1 }'); do
      case " $order " in *" $f "*) ;; *) order="$order $f" ;; esac
    done
  done
  hook="$RUN/root/etc/lvscope-init.d/9p"
  echo "# written by vm.sh: host folders over virtio-9p" > "$hook"
  for f in $order; do
    cp "$KMOD/$f" "$M/"
    echo "insmod /lib/modules/$KVER/lvscope-9p/$(basename "$f") 2>/dev/null || true" >> "$hook"   # (built in: fails harmlessly)
  done
  for kv in $SHARES; do
    tag=${kv%%=*} dir=${kv#*=}
    [ -d "$dir" ] || { echo "share $tag: $dir is not a folder" >&2; exit 2; }
    QEMU_SHARE+=(-virtfs "local,path=$dir,mount_tag=$tag,security_model=none,readonly=on,multidevs=remap")
    echo "mkdir -p /host/$tag && mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 $tag /host/$tag || echo 'mount of share $tag failed'" >> "$hook"
  done
  say "shares: $SHARES"
fi
(cd "$RUN/root" && find . | sort | "$BB" cpio -o -H newc 2>/dev/null | gzip -1 > "$RUN/job.cpio.gz")
cat "$BASE" "$RUN/job.cpio.gz" > "$RUN/initrd.gz"

say "booting $KVER (TCG, smp=$SMP, mem=$MEM)"
tb=$(date +%s.%N)
rc=0
timeout "${LVSCOPE_VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m "$MEM" -smp "$SMP" \
  -nographic -no-reboot -nic none ${QEMU_SHARE[@]+"${QEMU_SHARE[@]}"} -kernel "$VMLINUZ" -initrd "$RUN/initrd.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3${LVSCOPE_VM_APPEND:+ $LVSCOPE_VM_APPEND}" \
  -serial file:"$OUT/console.log" -serial file:"$RUN/data.b64" -monitor none </dev/null || rc=$?
wall=$(elapsed "$tb")
say "guest powered off after ${wall}s (qemu exit $rc)"

if ! grep -q '^LVSCOPE-DATA-END' "$RUN/data.b64" 2>/dev/null; then
  echo "no data from the guest; tail of $OUT/console.log:" >&2; tail -n 30 "$OUT/console.log" >&2; exit 5
fi
tr -d '\r' < "$RUN/data.b64" | sed -n '/^LVSCOPE-DATA-BEGIN/,/^LVSCOPE-DATA-END/p' | sed '1d;$d' | base64 -d | tar -xzf - -C "$OUT"
{ echo "kernel_package=$KPKG"; echo "kernel_release=$KVER"; echo "qemu_wall_seconds=$wall"; echo "smp=$SMP"; echo "mem=$MEM"
  [ -z "$SHARES" ] || echo "shares=$SHARES"; [ -z "${LVSCOPE_VM_APPEND:-}" ] || echo "append=$LVSCOPE_VM_APPEND"; } > "$OUT/vm.txt"
say "results in $OUT"
