# Sourced by the capture scripts: two directors, namespaces PREFIX-a and PREFIX-b, whose eth0
# (NET.11/24 and NET.12/24) hang on a bridge in PREFIX-br, plus a work dir WORK with a tmp/ per
# director. The EXIT trap stops every PID in PIDS (TERM, then KILL) and deletes only these
# namespaces and WORK.
# Usage: pair_up PREFIX NET
pair_cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 1.5
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}

pair_up() {
  local prefix=$1 net=$2 node i=0
  NS=("$prefix-a" "$prefix-b" "$prefix-br")
  PIDS=()
  WORK=$(mktemp -d "/tmp/$prefix.XXXXXX")
  trap pair_cleanup EXIT
  for ns in "${NS[@]}"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
  ip -n "$prefix-br" link add br0 type bridge; ip -n "$prefix-br" link set br0 up
  for node in a b; do
    i=$((i + 1))
    ip -n "$prefix-br" link add "p$node" type veth peer name eth0 netns "$prefix-$node"
    ip -n "$prefix-br" link set "p$node" master br0 up
    # No duplicate address detection: VRRPv3 over IPv6 sends from the link-local address at once.
    ip netns exec "$prefix-$node" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
    ip -n "$prefix-$node" link set eth0 up
    ip -n "$prefix-$node" addr add "$net.1$i/24" dev eth0
    mkdir -p "$WORK/$node/tmp"
  done
}
