#!/bin/sh
# Guest scenario (busybox ash) for an IPVS-capable VM: runs keepalived 2.2.7 with the LVS
# checker so that SIGUSR1 (DATA) makes it write /tmp/keepalived_check.data, then copies the
# dumps to /out. Used once to capture fixtures/keepalived/2.2.7-checker/; see its MANIFEST.
# The VM has no network device: real servers are network namespaces on veth pairs.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ip() { /sbin/ip "$@"; }
OUT=/out
modprobe crc32c_generic 2>/dev/null
for m in $(cat /scenario/modules.present); do modprobe "$m" 2>/dev/null; done
ip link set lo up
ip link show dummy0 >/dev/null 2>&1 || ip link add dummy0 type dummy
ip link set dummy0 up
ip addr add 192.0.2.10/32 dev dummy0
for n in 1 2; do
  ip netns add rs$n
  ip link add d-rs$n type veth peer name eth0 netns rs$n
  ip addr add 198.18.$n.1/24 dev d-rs$n
  ip link set d-rs$n up
  ip netns exec rs$n /sbin/ip link set lo up
  ip netns exec rs$n /sbin/ip link set eth0 up
  ip netns exec rs$n /sbin/ip addr add 198.18.$n.2/24 dev eth0
  mkdir -p /www/rs$n; echo rs$n > /www/rs$n/index.html
  ip netns exec rs$n httpd -p 80 -h /www/rs$n
done
mkdir -p /etc/keepalived
# Three pools: A has two live real servers and one dead (198.18.1.77), with quorum and
# hysteresis; B is a firewall-mark service whose only real server is dead and
# inhibit_on_failure (stays in IPVS with weight 0); C loses quorum (sorry server).
cat > /etc/keepalived/keepalived.conf <<'CONF'
global_defs {
  router_id capture
}
virtual_server 192.0.2.10 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  quorum 2
  hysteresis 0
  real_server 198.18.1.2 80 {
    weight 3
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 198.18.2.2 80 {
    weight 2
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 198.18.1.77 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
virtual_server fwmark 7 {
  delay_loop 1
  lb_algo sh
  lb_kind DR
  persistence_timeout 50
  real_server 198.18.2.77 0 {
    weight 5
    inhibit_on_failure
    TCP_CHECK {
      connect_timeout 1
      connect_port 80
    }
  }
}
virtual_server 192.0.2.10 443 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 3
  sorry_server 198.18.2.2 80
  real_server 198.18.1.2 80 {
    weight 1
    HTTP_GET {
      url {
        path /index.html
        status_code 200
      }
      connect_timeout 1
    }
  }
}
CONF
keepalived --dont-fork --log-console --log-detail -f /etc/keepalived/keepalived.conf -p /tmp/k.pid -c /tmp/c.pid > $OUT/keepalived.log 2>&1 &
KPID=$!
sleep 8
kill -USR1 $KPID
sleep 2
for f in keepalived_check.data keepalived_parent.data keepalived.data; do
  [ -f /tmp/$f ] && cp /tmp/$f $OUT/$f
done
ipvsadm -Ln > $OUT/ipvsadm-Ln.txt 2>&1
kill $KPID; sleep 2
echo done
