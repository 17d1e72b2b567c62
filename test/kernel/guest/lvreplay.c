/*
 * lvreplay: replays an lvscope trace (v1) on the running kernel's IPVS, inside the test VM.
 * Built statically on the host (gcc -static) and copied into the guest's initramfs.
 *
 *   lvreplay plan TRACE
 *     Prints what the topology must provide, one item a line:
 *       rs ADDR                   a real server (replay.sh gives each its own namespace)
 *       vip ADDR                  an address the director owns (services, event destinations)
 *       port N                    a port every real server listens on (TCP and UDP)
 *       mark PROTO ADDR PORT N    client packets to ADDR:PORT get firewall mark N on the director
 *
 *   lvreplay serve PORT...
 *     Real-server side: on every PORT, IPv4 and IPv6, a TCP listener whose connections are read
 *     until EOF and then closed (so a client FIN is answered by the server's FIN), and a UDP sink.
 *
 *   lvreplay run TRACE CLIENT_NETNS IFACE DIRECTOR_MAC
 *     Runs in the director's namespace and replays TRACE in real time. ipvsadm lines run
 *     /sbin/ipvsadm, sysctl lines busybox sysctl (so they set the director namespace's
 *     net.ipv4.vs knobs), each at its time. Events become packets crafted here and sent from IFACE (the link to the
 *     director) in CLIENT_NETNS, a namespace without addresses, so its own stack never answers.
 *     Replies are read from a packet socket on every interface of that namespace (NAT replies come
 *     back through the director, DR/TUN replies straight from the real servers), which lets every
 *     client step be chosen: SYN now, handshake ACK later, FIN, RST.
 *     After each syn/udp event it reads /proc/net/ip_vs_conn and the live per-CPU connection
 *     counters (/proc/net/ip_vs_stats_percpu) to tell whether the kernel created a connection and
 *     to which real server, and /proc/net/ip_vs for the service it belongs to (see
 *     service_label). stdout: the simulator's CSV, one row per new connection.
 *     stderr: a log, ending with one "summary" line (lateness of lines against their trace time).
 *     The clock starts once the configuration lines at the trace's first instant have run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* How long to wait for the kernel and the real servers (TCG is slow but these are generous). */
#define DECIDE_WAIT_MS 60   /* a new connection shows in the counters (normally at once) */
#define ENTRY_WAIT_MS 200   /* its ip_vs_conn line is readable */
#define SYNACK_WAIT_MS 300  /* the real server's SYN-ACK reaches the client */
#define SRVFIN_WAIT_MS 600  /* the real server answers the client's FIN with its own */
#define COMMAND_TIMEOUT_MS 10000

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("lvreplay: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) die("out of memory");
  return q;
}

/* ------------------------------------------------------------------ addresses */

typedef struct {
  int family; /* AF_INET: b[0..3] in network order; AF_INET6: b[0..15] */
  uint8_t b[16];
} addr_t;

typedef struct {
  addr_t ip;
  uint16_t port;
} ep_t;

static bool addr_eq(const addr_t *x, const addr_t *y) {
  return x->family == y->family && memcmp(x->b, y->b, 16) == 0;
}

static bool ep_eq(const ep_t *x, const ep_t *y) { return x->port == y->port && addr_eq(&x->ip, &y->ip); }

static bool parse_port(const char *s, uint16_t *port) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (!*s || *end || errno || v > 65535) return false;
  *port = (uint16_t)v;
  return true;
}

/* "a.b.c.d", "a.b.c.d:port", "[v6]", "[v6]:port"; the port is required when need_port. */
static bool parse_ep(const char *s, ep_t *ep, bool need_port) {
  char host[64];
  const char *port = NULL;
  memset(ep, 0, sizeof *ep);
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    if (!close || (size_t)(close - s - 1) >= sizeof host) return false;
    memcpy(host, s + 1, (size_t)(close - s - 1));
    host[close - s - 1] = 0;
    if (close[1] == ':') port = close + 2;
    else if (close[1]) return false;
    ep->ip.family = AF_INET6;
  } else {
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    if (n >= sizeof host) return false;
    memcpy(host, s, n);
    host[n] = 0;
    if (colon) port = colon + 1;
    ep->ip.family = AF_INET;
  }
  if (inet_pton(ep->ip.family, host, ep->ip.b) != 1) return false;
  if (port) return parse_port(port, &ep->port);
  return !need_port;
}

static const char *fmt_addr(const addr_t *a, char *buf, size_t n) {
  inet_ntop(a->family, a->b, buf, (socklen_t)n);
  return buf;
}

static const char *fmt_ep(const ep_t *e, char *buf, size_t n) {
  char a[INET6_ADDRSTRLEN];
  fmt_addr(&e->ip, a, sizeof a);
  snprintf(buf, n, e->ip.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, e->port);
  return buf;
}

/* ------------------------------------------------------------------ trace */

enum kind { K_IPVSADM, K_SYSCTL, K_SYN, K_EST, K_FIN, K_RST, K_UDP };

typedef struct {
  long t; /* ms */
  int lineno;
  enum kind kind;
  char **argv; /* K_IPVSADM, K_SYSCTL: the program's name, args..., NULL */
  ep_t client, dst;
  unsigned mark; /* 0 = none */
} line_t;

static line_t *lines;
static size_t nlines;

static void trace_error(const char *path, int lineno, const char *what, const char *tok) {
  die("%s:%d: %s%s%s%s", path, lineno, what, tok ? " '" : "", tok ? tok : "", tok ? "'" : "");
}

static bool is_command(const char *tok, const char *name) {
  const char *slash = strrchr(tok, '/');
  return !strcmp(slash ? slash + 1 : tok, name);
}

static bool all_digits(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

static void load_trace(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("%s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t cap = 0;
  int lineno = 0;
  long last_t = 0;
  while (getline(&buf, &cap, f) >= 0) {
    lineno++;
    char *hash = strchr(buf, '#');
    if (hash) *hash = 0;
    char *tok[64], *save = NULL;
    int n = 0;
    for (char *p = strtok_r(buf, " \t\r\n", &save); p; p = strtok_r(NULL, " \t\r\n", &save)) {
      if (n == 63) trace_error(path, lineno, "too many fields", NULL);
      tok[n++] = p;
    }
    if (!n) continue;
    line_t l = {.lineno = lineno, .t = last_t};
    int i = 0;
    if (all_digits(tok[0])) {
      l.t = atol(tok[0]);
      i = 1;
      if (l.t < last_t) trace_error(path, lineno, "time goes backwards", tok[0]);
    }
    if (i == n) trace_error(path, lineno, "time without an event", NULL);
    last_t = l.t;
    if (is_command(tok[i], "ipvsadm") || is_command(tok[i], "sysctl") || tok[i][0] == '-') {
      /* an ipvsadm or sysctl command line, or a line of `ipvsadm -S` output (no program name) */
      l.kind = is_command(tok[i], "sysctl") ? K_SYSCTL : K_IPVSADM;
      if (tok[i][0] != '-') i++;
      if (i == n) trace_error(path, lineno, "command without arguments", NULL);
      l.argv = xrealloc(NULL, sizeof(char *) * (size_t)(n - i + 2));
      l.argv[0] = l.kind == K_SYSCTL ? "sysctl" : "ipvsadm";
      for (int k = i; k < n; k++) l.argv[k - i + 1] = strdup(tok[k]);
      l.argv[n - i + 1] = NULL;
    } else {
      const char *ev = tok[i++];
      if (!strcmp(ev, "syn")) l.kind = K_SYN;
      else if (!strcmp(ev, "est")) l.kind = K_EST;
      else if (!strcmp(ev, "fin")) l.kind = K_FIN;
      else if (!strcmp(ev, "rst")) l.kind = K_RST;
      else if (!strcmp(ev, "udp")) l.kind = K_UDP;
      else trace_error(path, lineno, "unknown event", ev);
      const char *proto = l.kind == K_UDP ? "udp" : "tcp";
      if (i < n && (!strcmp(tok[i], "tcp") || !strcmp(tok[i], "udp"))) {
        if (strcmp(tok[i], proto)) trace_error(path, lineno, "protocol does not fit the event", tok[i]);
        i++;
      }
      if (i + 2 > n) trace_error(path, lineno, "event needs client and destination ip:port", NULL);
      if (!parse_ep(tok[i], &l.client, true)) trace_error(path, lineno, "bad client address", tok[i]);
      if (!parse_ep(tok[i + 1], &l.dst, true)) trace_error(path, lineno, "bad destination address", tok[i + 1]);
      if (l.client.ip.family != l.dst.ip.family) trace_error(path, lineno, "client and destination families differ", NULL);
      i += 2;
      if (i < n && !strncmp(tok[i], "fwmark=", 7)) {
        char *end;
        unsigned long m = strtoul(tok[i] + 7, &end, 10);
        if (*end || m == 0 || m > 0xffffffffUL) trace_error(path, lineno, "bad firewall mark", tok[i]);
        l.mark = (unsigned)m;
        i++;
      }
      if (i != n) trace_error(path, lineno, "unexpected field", tok[i]);
    }
    lines = xrealloc(lines, sizeof(line_t) * (nlines + 1));
    lines[nlines++] = l;
  }
  free(buf);
  fclose(f);
}

/* ------------------------------------------------------------------ plan */

static void plan_print_once(char ***seen, size_t *nseen, const char *item) {
  for (size_t i = 0; i < *nseen; i++)
    if (!strcmp((*seen)[i], item)) return;
  *seen = xrealloc(*seen, sizeof(char *) * (*nseen + 1));
  (*seen)[(*nseen)++] = strdup(item);
  puts(item);
}

static int cmd_plan(const char *path) {
  load_trace(path);
  char **seen = NULL, item[160], a[INET6_ADDRSTRLEN];
  size_t nseen = 0;
  for (size_t i = 0; i < nlines; i++) {
    line_t *l = &lines[i];
    if (l->kind == K_SYSCTL) continue;
    if (l->kind == K_IPVSADM) {
      for (char **p = l->argv + 1; *p && p[1]; p++) {
        bool svc = !strcmp(*p, "-t") || !strcmp(*p, "--tcp-service") || !strcmp(*p, "-u") ||
                   !strcmp(*p, "--udp-service") || !strcmp(*p, "--sctp-service");
        bool rs = !strcmp(*p, "-r") || !strcmp(*p, "--real-server");
        if (!svc && !rs) continue;
        ep_t e;
        if (!parse_ep(p[1], &e, false)) die("%s:%d: not a numeric address: '%s'", path, l->lineno, p[1]);
        snprintf(item, sizeof item, "%s %s", rs ? "rs" : "vip", fmt_addr(&e.ip, a, sizeof a));
        plan_print_once(&seen, &nseen, item);
        if (rs && e.port) {
          snprintf(item, sizeof item, "port %u", e.port);
          plan_print_once(&seen, &nseen, item);
        }
      }
      continue;
    }
    snprintf(item, sizeof item, "vip %s", fmt_addr(&l->dst.ip, a, sizeof a));
    plan_print_once(&seen, &nseen, item);
    snprintf(item, sizeof item, "port %u", l->dst.port);
    plan_print_once(&seen, &nseen, item);
    if (l->mark) {
      snprintf(item, sizeof item, "mark %s %s %u %u", l->kind == K_UDP ? "udp" : "tcp", a, l->dst.port, l->mark);
      plan_print_once(&seen, &nseen, item);
    }
  }
  return 0;
}

/* ------------------------------------------------------------------ serve */

static _Noreturn void cmd_serve(int argc, char **argv) {
  struct pollfd fds[4096];
  bool listening[4096];
  int nfds = 0;
  for (int i = 0; i < argc; i++) {
    uint16_t port;
    if (!parse_port(argv[i], &port) || port == 0) die("bad port '%s'", argv[i]);
    for (int type = 0; type < 2; type++) {
      int s = socket(AF_INET6, (type ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
      int zero = 0, one = 1;
      setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero); /* IPv4 arrives v4-mapped */
      setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any};
      if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind port %u: %s", port, strerror(errno));
      if (!type && listen(s, 1024) < 0) die("listen %u: %s", port, strerror(errno));
      if (nfds == 4096) die("too many sockets");
      listening[nfds] = !type;
      fds[nfds++] = (struct pollfd){.fd = s, .events = POLLIN};
    }
  }
  char buf[2048];
  for (;;) {
    if (poll(fds, (nfds_t)nfds, -1) < 0 && errno != EINTR) die("poll: %s", strerror(errno));
    for (int i = 0; i < nfds; i++) {
      if (!(fds[i].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      if (listening[i]) {
        int c = accept4(fds[i].fd, NULL, NULL, SOCK_NONBLOCK);
        if (c >= 0 && nfds < 4096) {
          listening[nfds] = false;
          fds[nfds++] = (struct pollfd){.fd = c, .events = POLLIN};
        } else if (c >= 0) {
          close(c);
        }
        continue;
      }
      ssize_t r = recv(fds[i].fd, buf, sizeof buf, 0);
      int type = 0;
      socklen_t tl = sizeof type;
      getsockopt(fds[i].fd, SOL_SOCKET, SO_TYPE, &type, &tl);
      if (type == SOCK_STREAM && (r == 0 || (r < 0 && errno != EAGAIN))) {
        close(fds[i].fd); /* EOF from the client: close, which sends our FIN */
        fds[i] = fds[--nfds];
        listening[i] = listening[nfds];
        i--;
      }
    }
  }
}

/* ------------------------------------------------------------------ run: time */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------------ run: packets */

typedef struct {
  ep_t client, dst;
  uint32_t snd_nxt, rcv_nxt;
  unsigned gen;
  bool synack, srv_fin;
} flow_t;

static flow_t *flows;
static size_t nflows;
static int pk = -1, pk_ifindex;
static uint8_t dir_mac[6], cl_mac[6];
static uint16_t ip_id = 1;

static flow_t *flow_find(const ep_t *client, const ep_t *dst) {
  for (size_t i = 0; i < nflows; i++)
    if (ep_eq(&flows[i].client, client) && ep_eq(&flows[i].dst, dst)) return &flows[i];
  return NULL;
}

static flow_t *flow_get(const ep_t *client, const ep_t *dst) {
  flow_t *f = flow_find(client, dst);
  if (f) return f;
  flows = xrealloc(flows, sizeof(flow_t) * (nflows + 1));
  f = &flows[nflows++];
  memset(f, 0, sizeof *f);
  f->client = *client;
  f->dst = *dst;
  return f;
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n) {
  for (; n > 1; p += 2, n -= 2) sum += (uint32_t)(p[0] << 8 | p[1]);
  if (n) sum += (uint32_t)(p[0] << 8);
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)), put16(p + 2, (uint16_t)v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* Wrap an L4 segment (checksum field at csum_off) in IP and Ethernet and send it. */
static void send_l4(const ep_t *src, const ep_t *dst, uint8_t proto, uint8_t *l4, size_t l4len, size_t csum_off) {
  uint8_t frame[256];
  bool v6 = src->ip.family == AF_INET6;
  size_t iplen = v6 ? 40 : 20;
  memcpy(frame, dir_mac, 6);
  memcpy(frame + 6, cl_mac, 6);
  put16(frame + 12, v6 ? ETH_P_IPV6 : ETH_P_IP);
  uint8_t *ip = frame + 14;
  uint32_t sum = 0;
  if (v6) {
    memset(ip, 0, 40);
    ip[0] = 0x60;
    put16(ip + 4, (uint16_t)l4len);
    ip[6] = proto;
    ip[7] = 64;
    memcpy(ip + 8, src->ip.b, 16);
    memcpy(ip + 24, dst->ip.b, 16);
    sum = sum16(sum16(0, src->ip.b, 16), dst->ip.b, 16) + (uint32_t)l4len + proto;
  } else {
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + l4len));
    put16(ip + 4, ip_id++);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, src->ip.b, 4);
    memcpy(ip + 16, dst->ip.b, 4);
    put16(ip + 10, fold(sum16(0, ip, 20)));
    sum = sum16(sum16(0, src->ip.b, 4), dst->ip.b, 4) + (uint32_t)l4len + proto;
  }
  put16(l4 + csum_off, 0);
  uint16_t c = fold(sum16(sum, l4, l4len));
  put16(l4 + csum_off, proto == IPPROTO_UDP && c == 0 ? 0xffff : c);
  memcpy(ip + iplen, l4, l4len);
  struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = pk_ifindex, .sll_halen = 6};
  memcpy(sll.sll_addr, dir_mac, 6);
  if (sendto(pk, frame, 14 + iplen + l4len, 0, (struct sockaddr *)&sll, sizeof sll) < 0)
    die("sendto: %s", strerror(errno));
}

static void send_tcp(const flow_t *f, uint8_t flags, uint32_t seq) {
  uint8_t t[24] = {0};
  size_t len = 20;
  put16(t, f->client.port);
  put16(t + 2, f->dst.port);
  put32(t + 4, seq);
  if (flags & TH_ACK) put32(t + 8, f->rcv_nxt);
  if (flags & TH_SYN) { /* MSS 1460, like any real client */
    t[20] = 2, t[21] = 4;
    put16(t + 22, 1460);
    len = 24;
  }
  t[12] = (uint8_t)((len / 4) << 4);
  t[13] = flags;
  put16(t + 14, 64240);
  send_l4(&f->client, &f->dst, IPPROTO_TCP, t, len, 16);
}

static void send_udp(const ep_t *client, const ep_t *dst) {
  uint8_t u[12] = {0};
  put16(u, client->port);
  put16(u + 2, dst->port);
  put16(u + 4, sizeof u);
  memcpy(u + 8, "lvs\n", 4);
  send_l4(client, dst, IPPROTO_UDP, u, sizeof u, 6);
}

/* A frame seen in the client namespace: track the real server's side of our TCP flows. */
static void handle_frame(const uint8_t *p, size_t n) {
  if (n < 14) return;
  uint16_t type = get16(p + 12);
  ep_t src = {0}, dst = {0};
  const uint8_t *tcp;
  size_t l4len;
  p += 14, n -= 14;
  if (type == ETH_P_IP && n >= 20 && p[9] == IPPROTO_TCP) {
    size_t ihl = (size_t)(p[0] & 15) * 4, tot = get16(p + 2);
    if (tot > n || ihl + 20 > tot) return;
    src.ip.family = dst.ip.family = AF_INET;
    memcpy(src.ip.b, p + 12, 4);
    memcpy(dst.ip.b, p + 16, 4);
    tcp = p + ihl, l4len = tot - ihl;
  } else if (type == ETH_P_IPV6 && n >= 40 && p[6] == IPPROTO_TCP) {
    l4len = get16(p + 4);
    if (40 + l4len > n || l4len < 20) return;
    src.ip.family = dst.ip.family = AF_INET6;
    memcpy(src.ip.b, p + 8, 16);
    memcpy(dst.ip.b, p + 24, 16);
    tcp = p + 40;
  } else {
    return;
  }
  src.port = get16(tcp), dst.port = get16(tcp + 2);
  flow_t *f = flow_find(&dst, &src);
  if (!f) return;
  uint8_t flags = tcp[13];
  uint32_t seq = get32(tcp + 4);
  size_t doff = (size_t)(tcp[12] >> 4) * 4;
  if (doff > l4len) return;
  if (flags & TH_RST) return;
  if ((flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
    f->rcv_nxt = seq + 1;
    f->synack = true;
    return;
  }
  if (!f->synack || seq != f->rcv_nxt) return;
  f->rcv_nxt = seq + (uint32_t)(l4len - doff);
  if (flags & TH_FIN) {
    f->rcv_nxt++;
    f->srv_fin = true;
    send_tcp(f, TH_ACK, f->snd_nxt); /* the client's last ACK of a normal close */
  }
}

/* Read every pending frame, waiting up to timeout_ms for the first one. */
static void pump(int timeout_ms) {
  struct pollfd p = {.fd = pk, .events = POLLIN};
  if (poll(&p, 1, timeout_ms) <= 0) return;
  uint8_t buf[2048];
  for (;;) {
    struct sockaddr_ll sll;
    socklen_t sl = sizeof sll;
    ssize_t r = recvfrom(pk, buf, sizeof buf, 0, (struct sockaddr *)&sll, &sl);
    if (r < 0) return;
    if (sll.sll_pkttype != PACKET_OUTGOING) handle_frame(buf, (size_t)r);
  }
}

static void pump_until(double deadline) {
  for (double t = now_ms(); t < deadline; t = now_ms()) pump((int)(deadline - t) + 1 > 20 ? 20 : (int)(deadline - t) + 1);
}

/* ------------------------------------------------------------------ run: kernel state */

typedef struct {
  ep_t dest;
  char state[16];
} conn_t;

static bool parse_proc_addr(const char *s, addr_t *a) {
  memset(a, 0, sizeof *a);
  if (strchr(s, ':')) {
    a->family = AF_INET6;
    return inet_pton(AF_INET6, s, a->b) == 1;
  }
  char *end;
  uint32_t v = (uint32_t)strtoul(s, &end, 16);
  a->family = AF_INET;
  put32(a->b, v);
  return !*end;
}

/* Connection entries (not templates) of proto for client -> vaddr:vport, at most max. */
static int conn_find(const char *proto, const ep_t *client, const ep_t *vip, conn_t *out, int max) {
  FILE *f = fopen("/proc/net/ip_vs_conn", "r");
  if (!f) die("/proc/net/ip_vs_conn: %s", strerror(errno));
  char line[512], pr[8], ca[64], va[64], da[64], st[16];
  unsigned cp, vp, dp;
  int n = 0;
  while (n < max && fgets(line, sizeof line, f)) {
    if (sscanf(line, "%7s %63s %x %63s %x %63s %x %15s", pr, ca, &cp, va, &vp, da, &dp, st) != 8) continue;
    ep_t c = {.port = (uint16_t)cp}, v = {.port = (uint16_t)vp}, d = {.port = (uint16_t)dp};
    if (strcmp(pr, proto) || !parse_proc_addr(ca, &c.ip) || !parse_proc_addr(va, &v.ip) || !parse_proc_addr(da, &d.ip))
      continue;
    if (!ep_eq(&c, client) || !ep_eq(&v, vip)) continue;
    out[n].dest = d;
    snprintf(out[n].state, sizeof out[n].state, "%s", st);
    n++;
  }
  fclose(f);
  return n;
}

/* "C0000214:0050" or "[2001:0db8:...]:0050", as /proc/net/ip_vs prints an address and port. */
static bool parse_proc_ep(char *s, ep_t *e) {
  char *colon = strrchr(s, ':');
  if (!colon) return false;
  *colon = 0;
  memset(e, 0, sizeof *e);
  e->port = (uint16_t)strtoul(colon + 1, NULL, 16);
  if (*s == '[') s++, s[strlen(s) - 1] = 0;
  return parse_proc_addr(s, &e->ip);
}

/* The services of /proc/net/ip_vs and their destinations. */
#define MAX_SVCS 64
#define MAX_DESTS 1024
typedef struct {
  char proto[8]; /* TCP, UDP, SCTP or FWM */
  ep_t ep;       /* address services */
  unsigned mark; /* FWM */
  int dest0, ndests;
} svc_t;
static svc_t svcs[MAX_SVCS];
static ep_t dests[MAX_DESTS];
static int nsvcs, ndests;

static void read_services(void) {
  FILE *f = fopen("/proc/net/ip_vs", "r");
  if (!f) die("/proc/net/ip_vs: %s", strerror(errno));
  char line[512], word[8], addr[128];
  nsvcs = ndests = 0;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "  -> %127s", addr) == 1) {
      ep_t d;
      if (!nsvcs || !parse_proc_ep(addr, &d)) continue; /* the column header */
      if (ndests == MAX_DESTS) die("more than %d destinations in /proc/net/ip_vs", MAX_DESTS);
      dests[ndests++] = d;
      svcs[nsvcs - 1].ndests++;
      continue;
    }
    if (sscanf(line, "%7s %127s", word, addr) != 2) continue;
    svc_t v = {.dest0 = ndests};
    snprintf(v.proto, sizeof v.proto, "%s", word);
    if (!strcmp(word, "FWM")) v.mark = (unsigned)strtoul(addr, NULL, 16);
    else if (strcmp(word, "TCP") && strcmp(word, "UDP") && strcmp(word, "SCTP")) continue;
    else if (!parse_proc_ep(addr, &v.ep)) continue;
    if (nsvcs == MAX_SVCS) die("more than %d services in /proc/net/ip_vs", MAX_SVCS);
    svcs[nsvcs++] = v;
  }
  fclose(f);
}

/* Is the entry's destination (as ip_vs_conn shows it) one of the service's? A destination
 * without a port (fwmark and persistent all-ports services) takes the packet's port. */
static bool svc_has_dest(const svc_t *v, const ep_t *d) {
  for (int i = v->dest0; i < v->dest0 + v->ndests; i++)
    if (addr_eq(&dests[i].ip, &d->ip) && (dests[i].port == d->port || !dests[i].port)) return true;
  return false;
}

/* /proc/net/ip_vs does not print an FWM service's family: its destinations' family stands for it
 * (an FWM service without destinations is taken to be of the packet's family). */
static bool fwm_family_fits(const svc_t *v, int family) {
  for (int i = v->dest0; i < v->dest0 + v->ndests; i++)
    if (dests[i].ip.family == family) return true;
  return !v->ndests;
}

static const svc_t *addr_service(const char *proto, const ep_t *ep) {
  for (int i = 0; i < nsvcs; i++)
    if (!strcmp(svcs[i].proto, proto) && ep_eq(&svcs[i].ep, ep)) return &svcs[i];
  return NULL;
}

/*
 * The service column. /proc/net/ip_vs_conn shows the same line for a connection of an FWM service
 * as for one of an address service (protocol, client, the packet's destination, real server), so
 * the service comes from /proc/net/ip_vs: of the services the packet can match, in the order of
 * ip_vs_service_find (FWM service of its mark and family, exact ip:port, the FTP service ip:21
 * for TCP data ports 20 and >= 1024, the all-ports service ip:0), the first that holds the new
 * entry's destination; when the kernel created no entry, the first that exists; else the
 * packet's destination.
 */
static const char *service_label(const line_t *l, const ep_t *dest, char *buf, size_t n) {
  const char *proto = l->kind == K_UDP ? "UDP" : "TCP";
  const svc_t *cand[MAX_SVCS + 3];
  int nc = 0;
  read_services();
  for (int i = 0; l->mark && i < nsvcs; i++)
    if (!strcmp(svcs[i].proto, "FWM") && svcs[i].mark == l->mark && fwm_family_fits(&svcs[i], l->dst.ip.family))
      cand[nc++] = &svcs[i];
  ep_t ftp = l->dst, any = l->dst;
  ftp.port = 21, any.port = 0;
  const svc_t *v;
  if ((v = addr_service(proto, &l->dst))) cand[nc++] = v;
  if (l->kind != K_UDP && (l->dst.port == 20 || l->dst.port >= 1024) && (v = addr_service(proto, &ftp))) cand[nc++] = v;
  if ((v = addr_service(proto, &any))) cand[nc++] = v;
  const svc_t *pick = nc ? cand[0] : NULL;
  if (dest) {
    int i = 0;
    while (i < nc && !svc_has_dest(cand[i], dest)) i++;
    if (i < nc) pick = cand[i];
    else fprintf(stderr, "line %d: no service the packet can match holds the new entry's real server\n", l->lineno);
  }
  if (pick && !strcmp(pick->proto, "FWM")) snprintf(buf, n, "fwm:%u", pick->mark);
  else fmt_ep(pick ? &pick->ep : &l->dst, buf, n);
  return buf;
}

/* Connections created so far: the per-CPU counters are live (ip_vs_stats lags up to 2 s). */
static unsigned long long conns_created(void) {
  FILE *f = fopen("/proc/net/ip_vs_stats_percpu", "r");
  if (!f) die("/proc/net/ip_vs_stats_percpu: %s", strerror(errno));
  char line[256];
  unsigned long long total = 0;
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    if (++n <= 2) continue; /* two header lines */
    unsigned cpu;
    unsigned long long conns;
    const char *p = line + strspn(line, " ");
    if (*p == '~') break; /* the totals row; the rate block follows */
    if (sscanf(p, "%x %llx", &cpu, &conns) == 2) total += conns;
  }
  fclose(f);
  return total;
}

/* Runs an ipvsadm or sysctl line; its output goes to the log, never into the CSV on stdout. */
static int run_command(const line_t *l) {
  pid_t pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    dup2(2, 1);
    execv(l->kind == K_SYSCTL ? "/bin/sysctl" : "/sbin/ipvsadm", l->argv); /* busybox's sysctl */
    _exit(127);
  }
  double deadline = now_ms() + COMMAND_TIMEOUT_MS;
  int status;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (now_ms() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    pump(2);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ------------------------------------------------------------------ run */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* A syn or udp event: did the kernel create a connection, and to which real server? */
static void new_conn_event(const line_t *l, unsigned long long *rows) {
  const char *proto = l->kind == K_UDP ? "UDP" : "TCP";
  conn_t before[4], after[4];
  int nbefore = conn_find(proto, &l->client, &l->dst, before, 4);
  unsigned long long c0 = conns_created();
  flow_t *f = NULL;
  if (l->kind == K_SYN) {
    f = flow_get(&l->client, &l->dst);
    f->gen++;
    f->synack = f->srv_fin = false;
    /* a reused client port starts far ahead of the old sequence space, as real stacks do */
    uint32_t isn = 0x01000000u * f->gen + (uint32_t)(f - flows) * 7919u;
    send_tcp(f, TH_SYN, isn);
    f->snd_nxt = isn + 1;
  } else {
    send_udp(&l->client, &l->dst);
  }
  bool created = false;
  double deadline = now_ms() + DECIDE_WAIT_MS;
  while (!(created = conns_created() != c0) && now_ms() < deadline) pump(1);
  char c[64], s[64], d[64] = "-";
  ep_t *dest = NULL;
  if (created) {
    /* the new entry; with port reuse the expiring old one may still be listed beside it */
    int nafter = 0, pick = -1;
    deadline = now_ms() + ENTRY_WAIT_MS;
    do {
      nafter = conn_find(proto, &l->client, &l->dst, after, 4);
      for (int i = 0; i < nafter && pick < 0; i++)
        if (!nbefore || strcmp(after[i].state, before[0].state) || !ep_eq(&after[i].dest, &before[0].dest)) pick = i;
      if (pick < 0 && nafter && now_ms() >= deadline) pick = 0;
    } while (pick < 0 && now_ms() < deadline && (pump(1), 1));
    if (pick < 0) die("line %d: the kernel counted a new connection but ip_vs_conn has none", l->lineno);
    dest = &after[pick].dest;
    fmt_ep(dest, d, sizeof d);
  } else if (nbefore) {
    return; /* the packet followed an existing entry: no new connection */
  }
  printf("%ld,%s,%s,%s,%s\n", l->t, l->kind == K_UDP ? "udp" : "tcp", fmt_ep(&l->client, c, sizeof c),
         service_label(l, dest, s, sizeof s), d);
  fflush(stdout);
  (*rows)++;
  if (f && created) {
    deadline = now_ms() + SYNACK_WAIT_MS;
    while (!f->synack && now_ms() < deadline) pump(5);
    if (!f->synack) fprintf(stderr, "line %d: no SYN-ACK from %s\n", l->lineno, d);
  }
}

static void tcp_event(const line_t *l) {
  flow_t *f = flow_find(&l->client, &l->dst);
  if (!f) {
    fprintf(stderr, "line %d: no earlier syn for this connection; sending anyway\n", l->lineno);
    f = flow_get(&l->client, &l->dst);
  }
  if (l->kind == K_EST) {
    send_tcp(f, TH_ACK, f->snd_nxt);
  } else if (l->kind == K_RST) {
    send_tcp(f, TH_RST | TH_ACK, f->snd_nxt);
  } else {
    send_tcp(f, TH_FIN | TH_ACK, f->snd_nxt);
    f->snd_nxt++;
    double deadline = now_ms() + SRVFIN_WAIT_MS;
    while (f->synack && !f->srv_fin && now_ms() < deadline) pump(5);
    if (f->synack && !f->srv_fin) fprintf(stderr, "line %d: the real server did not close\n", l->lineno);
  }
}

static int cmd_run(char **argv) {
  load_trace(argv[0]);
  if (sscanf(argv[3], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dir_mac[0], &dir_mac[1], &dir_mac[2], &dir_mac[3],
             &dir_mac[4], &dir_mac[5]) != 6)
    die("bad MAC '%s'", argv[3]);
  /* The packet socket lives in the client namespace; everything else stays in the director's. */
  int home = open("/proc/self/ns/net", O_RDONLY), client = open(argv[1], O_RDONLY);
  if (home < 0 || client < 0) die("%s: %s", argv[1], strerror(errno));
  if (setns(client, CLONE_NEWNET) < 0) die("setns %s: %s", argv[1], strerror(errno));
  pk = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
  pk_ifindex = (int)if_nametoindex(argv[2]);
  if (pk < 0 || !pk_ifindex) die("packet socket on %s: %s", argv[2], strerror(errno));
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", argv[2]);
  if (ioctl(pk, SIOCGIFHWADDR, &ifr) < 0) die("SIOCGIFHWADDR: %s", strerror(errno));
  memcpy(cl_mac, ifr.ifr_hwaddr.sa_data, 6);
  int rcvbuf = 4 << 20;
  setsockopt(pk, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
  if (setns(home, CLONE_NEWNET) < 0) die("setns back: %s", strerror(errno));
  /* One CPU: packets are sent, and processed by the kernel, in trace order. */
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(0, &cpus);
  sched_setaffinity(0, sizeof cpus, &cpus);

  double *late = xrealloc(NULL, sizeof(double) * (nlines + 1));
  unsigned long long rows = 0;
  int config_failures = 0;
  size_t nlate = 0;
  puts("time_ms,proto,client,service,real_server");
  /* The configuration at the trace's first instant runs before the clock starts: each ipvsadm
   * takes ~0.1 s under TCG, and the events after it must not start late. */
  size_t setup = 0;
  while (setup < nlines && (lines[setup].kind == K_IPVSADM || lines[setup].kind == K_SYSCTL) &&
         lines[setup].t == lines[0].t)
    setup++;
  double t0 = 0;
  for (size_t i = 0; i < nlines; i++) {
    const line_t *l = &lines[i];
    if (i == setup) {
      t0 = now_ms() - (double)l->t;
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts); /* = /proc/uptime in the VM, for experiments' samples */
      fprintf(stderr, "clock trace_t=%ld uptime_s=%.3f\n", l->t, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
    }
    double start = now_ms();
    if (i >= setup) {
      pump_until(t0 + (double)l->t);
      start = now_ms();
      late[nlate++] = start - (t0 + (double)l->t);
    }
    switch (l->kind) {
    case K_IPVSADM:
    case K_SYSCTL: {
      int rc = run_command(l);
      if (rc) {
        config_failures++;
        fprintf(stderr, "line %d: %s exited %d\n", l->lineno, l->argv[0], rc);
      }
      break;
    }
    case K_SYN:
    case K_UDP:
      new_conn_event(l, &rows);
      break;
    default:
      tcp_event(l);
    }
    fprintf(stderr, "line %d t=%ld late_ms=%.1f took_ms=%.1f\n", l->lineno, l->t, i >= setup ? late[nlate - 1] : 0.0,
            now_ms() - start);
  }
  if (setup == nlines) t0 = now_ms();
  pump_until(now_ms() + 200); /* let the last replies pass before the end snapshot */
  qsort(late, nlate, sizeof(double), cmp_double);
  double p50 = nlate ? late[nlate / 2] : 0, p99 = nlate ? late[(nlate * 99) / 100] : 0;
  double max = nlate ? late[nlate - 1] : 0;
  fprintf(stderr,
          "summary lines=%zu rows=%llu config_failures=%d late_ms_p50=%.1f late_ms_p99=%.1f late_ms_max=%.1f "
          "duration_ms=%.0f\n",
          nlines, rows, config_failures, p50, p99, max, now_ms() - t0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "plan")) return cmd_plan(argv[2]);
  if (argc >= 3 && !strcmp(argv[1], "serve")) cmd_serve(argc - 2, argv + 2);
  if (argc == 6 && !strcmp(argv[1], "run")) return cmd_run(argv + 2);
  fprintf(stderr,
          "usage: lvreplay plan TRACE\n"
          "       lvreplay serve PORT...\n"
          "       lvreplay run TRACE CLIENT_NETNS IFACE DIRECTOR_MAC\n");
  return 2;
}
