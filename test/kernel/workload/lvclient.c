/*
 * lvclient: a load generator for the workload lab (test/kernel/workload), run in the client
 * network namespace inside the test VM. Built statically on the host. Speaks lvserver's protocol:
 * a request is Q bytes ending in '\n' (--request-bytes, default 32), the response ends at the
 * first '\n' it holds.
 *
 *   lvclient --target ADDR:PORT --rate R --duration S [common options]          (short mode)
 *     Poisson arrivals at R connections per second for S seconds (seeded). Each arrival opens a
 *     connection from a source chosen by weight (bind() to it before connect()), sends a
 *     request, reads the whole response, repeats that --requests-per-conn K times (default 1),
 *     and closes normally (FIN). Arrivals that find --max-inflight connections still open are
 *     counted as skipped, not queued.
 *
 *   lvclient --target ADDR:PORT --pool N --hold T --interval P [common options]  (pool mode)
 *     Opens N long-lived connections (spread over the first min(P, 1 s)), each sending a request
 *     every P ms (random phase, fixed period; a tick that finds the previous request still
 *     unanswered is counted late and skipped), holds them T seconds, then closes them (FIN). A
 *     pool connection that the server closes or that fails is opened again 100 ms later.
 *
 *   lvclient now
 *     Prints CLOCK_MONOTONIC in whole milliseconds (the clock of every lab log) and exits.
 *   lvclient clocks
 *     Prints "monotonic_ms=M realtime_ms=R" (one instant on both clocks) and exits.
 *
 * Common options: --source ADDR[:WEIGHT][,ADDR[:WEIGHT]...] (repeatable; default: the kernel
 * picks), --request-bytes Q, --timeout-ms X (a connect or a request that takes longer fails;
 * default 10000), --max-conns N (connection attempts in all, default 100000), --max-inflight M
 * (short mode, default 512), --seed N, --log FILE, --name NAME.
 *
 * Bounds: at most --max-conns connections, at most --max-inflight (or N) open at once, no
 * allocation after start-up; the run ends at S (or T) seconds plus at most the timeout.
 *
 * --log FILE (times in ms of CLOCK_MONOTONIC):
 *   C id source lport start_ms connect_ms end_ms requests status     one per connection
 *   R id seq source lport send_ms latency_ms                         one per answered request
 * status: ok, refused, timeout, reset (closed or reset before the answer), error-ERRNO.
 * connect_ms is the handshake's duration, start_ms when connect() was called.
 * stdout at the end: "source ADDR conns=N" per source, then one "summary" line of key=value
 * pairs (connections attempted/completed/failed/skipped, requests, latency p50/p99/mean/max of
 * connections (start to last answer) and of requests (send to answer), connect p50/p99, how late
 * arrivals started against their Poisson schedule).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define MAX_SOURCES 256
#define MAX_SLOTS 65536
#define MAX_REQUEST (1 << 20)
#define LAT_CAP (1 << 20) /* latencies kept exactly; beyond, a uniform reservoir */
#define REOPEN_MS 100.0

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("lvclient: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* xoshiro256** seeded through splitmix64 */
static uint64_t rng_s[4];
static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static void rng_seed(uint64_t seed) {
  for (int i = 0; i < 4; i++) rng_s[i] = splitmix(&seed);
}
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rng_next(void) {
  uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;
  rng_s[2] ^= rng_s[0];
  rng_s[3] ^= rng_s[1];
  rng_s[1] ^= rng_s[2];
  rng_s[0] ^= rng_s[3];
  rng_s[2] ^= t;
  rng_s[3] = rotl(rng_s[3], 45);
  return r;
}
static double rng_unit(void) { return (double)(rng_next() >> 11) * 0x1.0p-53; } /* [0, 1) */

typedef struct {
  struct sockaddr_storage sa;
  socklen_t len;
  char text[INET6_ADDRSTRLEN + 2];
} addr_t;

static bool parse_host(const char *host, uint16_t port, addr_t *a) {
  memset(a, 0, sizeof *a);
  struct sockaddr_in *a4 = (struct sockaddr_in *)&a->sa;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a->sa;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    a->len = sizeof *a4;
  } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    a->len = sizeof *a6;
  } else {
    return false;
  }
  snprintf(a->text, sizeof a->text, "%s", host);
  return true;
}

/* "a.b.c.d:N" or "[v6]:N"; the part after the colon is returned in *tail (NULL: none) */
static bool split_host(const char *s, char *host, size_t n, const char **tail) {
  *tail = NULL;
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    if (!close || (size_t)(close - s - 1) >= n) return false;
    memcpy(host, s + 1, (size_t)(close - s - 1));
    host[close - s - 1] = 0;
    if (close[1] == ':') *tail = close + 2;
    else if (close[1]) return false;
    return true;
  }
  const char *colon = strrchr(s, ':');
  size_t len = colon ? (size_t)(colon - s) : strlen(s);
  if (len >= n) return false;
  memcpy(host, s, len);
  host[len] = 0;
  if (colon) *tail = colon + 1;
  return true;
}

static double parse_num(const char *opt, const char *s, double lo, double hi) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (!*s || *end || errno || !(v >= lo && v <= hi)) die("--%s: %s is not a number in [%g, %g]", opt, s, lo, hi);
  return v;
}

static addr_t sources[MAX_SOURCES];
static double weights[MAX_SOURCES], cumw[MAX_SOURCES];
static uint64_t source_conns[MAX_SOURCES];
static int nsources;

static void add_sources(const char *arg) {
  char *copy = strdup(arg), *save = NULL;
  if (!copy) die("out of memory");
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (nsources >= MAX_SOURCES) die("more than %d sources", MAX_SOURCES);
    char host[64];
    const char *tail;
    if (!split_host(tok, host, sizeof host, &tail) || !parse_host(host, 0, &sources[nsources]))
      die("--source: bad address %s", tok);
    weights[nsources] = tail ? parse_num("source weight", tail, 0, 1e9) : 1;
    nsources++;
  }
  free(copy);
}

static int pick_source(void) {
  if (nsources == 0) return -1;
  double u = rng_unit() * cumw[nsources - 1];
  for (int i = 0; i < nsources; i++)
    if (u < cumw[i]) return i;
  return nsources - 1;
}

/* latency sample sets */
typedef struct {
  float *v;
  uint64_t n; /* offered */
  double sum, max;
} lat_t;
static void lat_init(lat_t *l) {
  l->v = malloc(sizeof(float) * LAT_CAP);
  if (!l->v) die("out of memory");
  l->n = 0;
  l->sum = l->max = 0;
}
static void lat_add(lat_t *l, double x) {
  if (l->n < LAT_CAP) l->v[l->n] = (float)x;
  else {
    uint64_t j = rng_next() % (l->n + 1);
    if (j < LAT_CAP) l->v[j] = (float)x;
  }
  l->n++;
  l->sum += x;
  if (x > l->max) l->max = x;
}
static int cmpf(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}
static double lat_q(lat_t *l, double q, bool *sorted) {
  uint64_t k = l->n < LAT_CAP ? l->n : LAT_CAP;
  if (!k) return 0;
  if (!*sorted) {
    qsort(l->v, k, sizeof(float), cmpf);
    *sorted = true;
  }
  uint64_t i = (uint64_t)ceil(q * (double)k);
  if (i < 1) i = 1;
  return l->v[i - 1];
}

enum { S_FREE, S_WAIT_OPEN, S_CONNECTING, S_SENDING, S_READING, S_IDLE };

typedef struct {
  int fd, state, src;
  unsigned lport;
  uint64_t id;
  long reqs;
  size_t sent;
  double start, connected, send_t, deadline, next_send, open_at;
} slot_t;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "now") == 0) {
    printf("%.0f\n", floor(now_ms()));
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "clocks") == 0) { /* to line wall-clock records up with the logs */
    struct timespec rt;
    double m = now_ms();
    clock_gettime(CLOCK_REALTIME, &rt);
    printf("monotonic_ms=%.0f realtime_ms=%.0f\n", floor(m), floor((double)rt.tv_sec * 1e3 + (double)rt.tv_nsec / 1e6));
    return 0;
  }
  const char *target_s = NULL, *log_path = NULL, *name = "lvclient";
  double rate = 0, duration_s = 0, hold_s = 0, interval_ms = 0, timeout_ms = 10000;
  long pool = 0, max_conns = 100000, max_inflight = 512, request_bytes = 32, per_conn = 1;
  uint64_t seed = 1;
  static const struct option opts[] = {
      {"target", required_argument, 0, 't'},       {"source", required_argument, 0, 's'},
      {"rate", required_argument, 0, 'R'},         {"duration", required_argument, 0, 'd'},
      {"pool", required_argument, 0, 'N'},         {"hold", required_argument, 0, 'T'},
      {"interval", required_argument, 0, 'P'},     {"request-bytes", required_argument, 0, 'q'},
      {"requests-per-conn", required_argument, 0, 'k'}, {"timeout-ms", required_argument, 0, 'w'},
      {"max-conns", required_argument, 0, 'n'},    {"max-inflight", required_argument, 0, 'm'},
      {"seed", required_argument, 0, 'S'},         {"log", required_argument, 0, 'L'},
      {"name", required_argument, 0, 'a'},         {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  int o;
  while ((o = getopt_long(argc, argv, "t:s:R:d:N:T:P:q:k:w:n:m:S:L:a:h", opts, NULL)) != -1) {
    switch (o) {
    case 't': target_s = optarg; break;
    case 's': add_sources(optarg); break;
    case 'R': rate = parse_num("rate", optarg, 1e-6, 1e6); break;
    case 'd': duration_s = parse_num("duration", optarg, 0.001, 86400); break;
    case 'N': pool = (long)parse_num("pool", optarg, 1, MAX_SLOTS); break;
    case 'T': hold_s = parse_num("hold", optarg, 0.001, 86400); break;
    case 'P': interval_ms = parse_num("interval", optarg, 1, 3600e3); break;
    case 'q': request_bytes = (long)parse_num("request-bytes", optarg, 1, MAX_REQUEST); break;
    case 'k': per_conn = (long)parse_num("requests-per-conn", optarg, 1, 1e9); break;
    case 'w': timeout_ms = parse_num("timeout-ms", optarg, 1, 3600e3); break;
    case 'n': max_conns = (long)parse_num("max-conns", optarg, 1, 1e9); break;
    case 'm': max_inflight = (long)parse_num("max-inflight", optarg, 1, MAX_SLOTS); break;
    case 'S': seed = (uint64_t)parse_num("seed", optarg, 0, 9e15); break;
    case 'L': log_path = optarg; break;
    case 'a': name = optarg; break;
    default:
      fprintf(stderr,
              "usage: lvclient --target ADDR:PORT (--rate R --duration S | --pool N --hold T --interval P)\n"
              "                [--source ADDR[:W],...] [--request-bytes Q] [--requests-per-conn K]\n"
              "                [--timeout-ms X] [--max-conns N] [--max-inflight M] [--seed N] [--log FILE] "
              "[--name NAME]\n       lvclient now\n");
      return o == 'h' ? 0 : 2;
    }
  }
  if (!target_s || optind != argc) die("--target ADDR:PORT is required (see --help)");
  bool pool_mode = pool > 0;
  if (pool_mode && (hold_s <= 0 || interval_ms <= 0)) die("--pool needs --hold and --interval");
  if (!pool_mode && (rate <= 0 || duration_s <= 0)) die("short mode needs --rate and --duration (or use --pool)");
  addr_t target;
  {
    char host[64];
    const char *tail;
    if (!split_host(target_s, host, sizeof host, &tail) || !tail) die("--target: ADDR:PORT expected");
    if (!parse_host(host, (uint16_t)parse_num("target port", tail, 1, 65535), &target)) die("--target: bad address");
  }
  for (int i = 0; i < nsources; i++) {
    if (sources[i].sa.ss_family != target.sa.ss_family) die("source %s: not the target's family", sources[i].text);
    cumw[i] = (i ? cumw[i - 1] : 0) + weights[i];
  }
  if (nsources && cumw[nsources - 1] <= 0) die("--source: the weights add up to 0");
  rng_seed(seed);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  FILE *logf = NULL;
  if (log_path) {
    logf = fopen(log_path, "w");
    if (!logf) die("%s: %s", log_path, strerror(errno));
    setvbuf(logf, NULL, _IOFBF, 1 << 16);
    fprintf(logf, "# lvclient %s target=%s mode=%s", name, target_s, pool_mode ? "pool" : "short");
    if (pool_mode) fprintf(logf, " pool=%ld hold_s=%g interval_ms=%g", pool, hold_s, interval_ms);
    else fprintf(logf, " rate=%g duration_s=%g requests_per_conn=%ld", rate, duration_s, per_conn);
    fprintf(logf, " request_bytes=%ld seed=%llu sources=", request_bytes, (unsigned long long)seed);
    for (int i = 0; i < nsources; i++) fprintf(logf, "%s%s:%g", i ? "," : "", sources[i].text, weights[i]);
    fprintf(logf, "\n# C id source lport start_ms connect_ms end_ms requests status\n");
    fprintf(logf, "# R id seq source lport send_ms latency_ms\n");
  }

  long nslots = pool_mode ? pool : max_inflight;
  struct rlimit rl; /* room for every slot (the soft limit is often 1024) */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nslots + 64) {
    rl.rlim_cur = (rlim_t)nslots + 64 < rl.rlim_max ? (rlim_t)nslots + 64 : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  slot_t *slots = calloc((size_t)nslots, sizeof *slots);
  struct pollfd *pfd = calloc((size_t)nslots, sizeof *pfd);
  long *pidx = calloc((size_t)nslots, sizeof *pidx);
  char *request = malloc((size_t)request_bytes);
  if (!slots || !pfd || !pidx || !request) die("out of memory");
  memset(request, 'q', (size_t)request_bytes);
  request[request_bytes - 1] = '\n';
  lat_t conn_lat, req_lat, connect_lat;
  lat_init(&conn_lat);
  lat_init(&req_lat);
  lat_init(&connect_lat);
  bool s_conn = false, s_req = false, s_connect = false;

  uint64_t attempted = 0, completed = 0, failed = 0, skipped = 0, requests = 0, req_failed = 0, late_ticks = 0;
  uint64_t f_refused = 0, f_timeout = 0, f_reset = 0, f_other = 0, reopened = 0;
  double late_max = 0, late_sum = 0;
  uint64_t late_n = 0;
  double t0 = now_ms();
  double end_arrivals = t0 + (pool_mode ? hold_s : duration_s) * 1e3;
  double hard_end = end_arrivals + timeout_ms + 1000;
  double next_arrival = pool_mode ? INFINITY : t0 + (-log(1.0 - rng_unit()) / rate) * 1e3;
  long open_now = 0;
  long hi = 0; /* slots[hi..] are free: every scan stops there (arrivals take the lowest free slot) */
  if (pool_mode) {
    double spread = interval_ms < 1000 ? interval_ms : 1000;
    for (long i = 0; i < nslots; i++) {
      slots[i].state = S_WAIT_OPEN;
      slots[i].open_at = t0 + spread * (double)i / (double)nslots;
    }
    hi = nslots;
  }
  char buf[65536];

  /* finish a connection: log it, free (or, pooled, reopen) the slot; status NULL = ok */
#define FINISH(s, status, t)                                                                                   \
  do {                                                                                                         \
    slot_t *s_ = (s);                                                                                          \
    const char *st_ = (status);                                                                                \
    if (logf)                                                                                                  \
      fprintf(logf, "C %llu %s %u %.3f %.3f %.3f %ld %s\n", (unsigned long long)s_->id,                       \
              s_->src >= 0 ? sources[s_->src].text : "-", s_->lport, s_->start,                              \
              s_->connected > 0 ? s_->connected - s_->start : -1.0, (t), s_->reqs, st_ ? st_ : "ok");         \
    if (st_) {                                                                                                 \
      failed++;                                                                                                \
      if (!strcmp(st_, "refused")) f_refused++;                                                                \
      else if (!strcmp(st_, "timeout")) f_timeout++;                                                           \
      else if (!strcmp(st_, "reset")) f_reset++;                                                               \
      else f_other++;                                                                                          \
    } else {                                                                                                   \
      completed++;                                                                                             \
      if (!pool_mode) lat_add(&conn_lat, (t) - s_->start);                                                     \
    }                                                                                                          \
    close(s_->fd);                                                                                             \
    s_->fd = -1;                                                                                               \
    open_now--;                                                                                                \
    if (pool_mode && (t) + REOPEN_MS < end_arrivals && !stop_flag) {                                           \
      s_->state = S_WAIT_OPEN;                                                                                 \
      s_->open_at = (t) + REOPEN_MS;                                                                           \
      reopened++;                                                                                              \
    } else {                                                                                                   \
      s_->state = S_FREE;                                                                                      \
    }                                                                                                          \
  } while (0)

  char errbuf[32];
  for (;;) {
    double t = now_ms();
    bool arrivals_over = stop_flag || t >= end_arrivals;
    if (t >= hard_end) break;
    if (arrivals_over && open_now == 0) break;
    while (hi > 0 && slots[hi - 1].state == S_FREE) hi--;

    /* short mode: due arrivals */
    while (!pool_mode && !arrivals_over && next_arrival <= t) {
      double scheduled = next_arrival;
      next_arrival += (-log(1.0 - rng_unit()) / rate) * 1e3;
      if ((long)attempted >= max_conns) {
        skipped++;
        continue;
      }
      long k = -1;
      for (long i = 0; i < nslots; i++)
        if (slots[i].state == S_FREE) {
          k = i;
          break;
        }
      if (k >= hi) hi = k + 1;
      if (k < 0) {
        skipped++;
        continue;
      }
      double late = t - scheduled;
      late_sum += late;
      late_n++;
      if (late > late_max) late_max = late;
      slots[k].state = S_WAIT_OPEN;
      slots[k].open_at = t;
    }
    /* pool mode: closing time */
    if (pool_mode && arrivals_over) {
      for (long i = 0; i < nslots; i++) {
        slot_t *s = &slots[i];
        if (s->state == S_WAIT_OPEN) s->state = S_FREE;
        else if (s->state == S_IDLE) FINISH(s, (const char *)NULL, t);
      }
    }
    /* opens */
    for (long i = 0; i < hi; i++) {
      slot_t *s = &slots[i];
      if (s->state != S_WAIT_OPEN || s->open_at > t) continue;
      if ((long)attempted >= max_conns || (pool_mode && arrivals_over)) {
        s->state = S_FREE;
        if (!pool_mode) skipped++;
        continue;
      }
      memset(s, 0, sizeof *s);
      s->id = attempted++;
      s->src = pick_source();
      s->start = now_ms();
      s->deadline = s->start + timeout_ms;
      s->fd = socket(target.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      open_now++;
      s->state = S_CONNECTING;
      if (s->fd < 0) {
        snprintf(errbuf, sizeof errbuf, "error-%d", errno);
        FINISH(s, errbuf, s->start);
        continue;
      }
      int one = 1;
      setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (s->src >= 0) {
        source_conns[s->src]++;
        setsockopt(s->fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(s->fd, (struct sockaddr *)&sources[s->src].sa, sources[s->src].len) < 0) {
          snprintf(errbuf, sizeof errbuf, "error-%d", errno);
          FINISH(s, errbuf, now_ms());
          continue;
        }
      }
      int r = connect(s->fd, (struct sockaddr *)&target.sa, target.len);
      if (r < 0 && errno != EINPROGRESS) {
        const char *st = errno == ECONNREFUSED ? "refused" : (snprintf(errbuf, sizeof errbuf, "error-%d", errno), errbuf);
        FINISH(s, st, now_ms());
        continue;
      }
      struct sockaddr_storage la;
      socklen_t lalen = sizeof la;
      if (getsockname(s->fd, (struct sockaddr *)&la, &lalen) == 0)
        s->lport = ntohs(la.ss_family == AF_INET ? ((struct sockaddr_in *)&la)->sin_port
                                                 : ((struct sockaddr_in6 *)&la)->sin6_port);
    }
    /* pool mode: request ticks */
    t = now_ms();
    for (long i = 0; pool_mode && i < hi; i++) {
      slot_t *s = &slots[i];
      if (s->state != S_IDLE || s->next_send > t) continue;
      s->state = S_SENDING;
      s->sent = 0;
      s->send_t = t;
      s->deadline = t + timeout_ms;
      long ticks = 0;
      while (s->next_send <= t && ticks < 1000000) {
        s->next_send += interval_ms;
        ticks++;
      }
      if (ticks > 1) late_ticks += (uint64_t)(ticks - 1); /* ticks that found a request unanswered */
    }
    /* sends */
    for (long i = 0; i < hi; i++) {
      slot_t *s = &slots[i];
      if (s->state != S_SENDING) continue;
      while (s->sent < (size_t)request_bytes) {
        ssize_t n = send(s->fd, request + s->sent, (size_t)request_bytes - s->sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        s->sent += (size_t)n;
      }
      if (s->sent == (size_t)request_bytes) s->state = S_READING;
      else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        req_failed++;
        FINISH(s, "reset", now_ms());
      }
    }
    /* timeouts */
    t = now_ms();
    for (long i = 0; i < hi; i++) {
      slot_t *s = &slots[i];
      if (s->state < S_CONNECTING || s->state == S_IDLE || s->deadline > t) continue;
      if (s->state != S_CONNECTING) req_failed++;
      FINISH(s, "timeout", t);
    }
    if (t >= hard_end) break;
    if (arrivals_over && open_now == 0) break; /* (the closing above may have ended the last one) */

    /* poll */
    long np = 0;
    double wake = hard_end;
    if (!arrivals_over && next_arrival < wake) wake = next_arrival;
    if (!arrivals_over && end_arrivals < wake) wake = end_arrivals;
    for (long i = 0; i < hi; i++) {
      slot_t *s = &slots[i];
      switch (s->state) {
      case S_WAIT_OPEN:
        if (s->open_at < wake) wake = s->open_at;
        continue;
      case S_IDLE:
        if (s->next_send < wake) wake = s->next_send;
        pfd[np].events = POLLIN; /* the server may close an idle pooled connection */
        break;
      case S_CONNECTING:
      case S_SENDING:
        pfd[np].events = POLLOUT;
        if (s->deadline < wake) wake = s->deadline;
        break;
      case S_READING:
        pfd[np].events = POLLIN;
        if (s->deadline < wake) wake = s->deadline;
        break;
      default:
        continue;
      }
      pfd[np].fd = s->fd;
      pidx[np++] = i;
    }
    double wait_ms = wake - now_ms();
    if (wait_ms < 0) wait_ms = 0;
    struct timespec ts = {(time_t)(wait_ms / 1e3), (long)(fmod(wait_ms, 1e3) * 1e6)};
    int r = ppoll(pfd, (nfds_t)np, &ts, NULL);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("ppoll: %s", strerror(errno));
    }
    if (r == 0) continue;
    t = now_ms();
    for (long p = 0; p < np; p++) {
      if (!pfd[p].revents) continue;
      slot_t *s = &slots[pidx[p]];
      if (s->state == S_CONNECTING) {
        int err = 0;
        socklen_t elen = sizeof err;
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
        if (err) {
          const char *st = err == ECONNREFUSED ? "refused"
                           : err == ECONNRESET ? "reset"
                           : err == ETIMEDOUT  ? "timeout"
                                               : (snprintf(errbuf, sizeof errbuf, "error-%d", err), errbuf);
          FINISH(s, st, t);
          continue;
        }
        s->connected = t;
        lat_add(&connect_lat, t - s->start);
        if (pool_mode) {
          s->state = S_IDLE;
          s->next_send = t + rng_unit() * interval_ms; /* random phase */
        } else {
          s->state = S_SENDING;
          s->send_t = t;
          s->deadline = t + timeout_ms;
        }
        continue;
      }
      if (s->state == S_SENDING) continue; /* writable: the next round sends */
      if (s->state != S_READING && s->state != S_IDLE) continue;
      bool answered = false, closed = false;
      for (;;) {
        ssize_t n = recv(s->fd, buf, sizeof buf, 0);
        if (n > 0) {
          if (s->state == S_READING && memchr(buf, '\n', (size_t)n)) answered = true;
          continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed = true;
        break;
      }
      if (answered) {
        double lat = t - s->send_t;
        lat_add(&req_lat, lat);
        requests++;
        s->reqs++;
        if (logf)
          fprintf(logf, "R %llu %ld %s %u %.3f %.3f\n", (unsigned long long)s->id, s->reqs,
                  s->src >= 0 ? sources[s->src].text : "-", s->lport, s->send_t, lat);
        if (pool_mode) {
          s->state = S_IDLE;
          if (arrivals_over) {
            FINISH(s, (const char *)NULL, t);
            continue;
          }
        } else if (s->reqs < per_conn) {
          s->state = S_SENDING;
          s->sent = 0;
          s->send_t = t;
          s->deadline = t + timeout_ms;
        } else {
          FINISH(s, (const char *)NULL, t); /* close(): a normal FIN */
          continue;
        }
      }
      if (closed) {
        if (s->state == S_READING) req_failed++;
        /* the server closing an idle pooled connection (after its K-th answer) is normal */
        FINISH(s, s->state == S_IDLE ? (const char *)NULL : "reset", t);
      }
    }
    if (logf && (attempted & 0x3f) == 0) fflush(logf);
  }
  double t1 = now_ms();
  long open_at_end = open_now;
  if (open_at_end > 0) {
    fprintf(stderr, "lvclient %s: %ld connections still open at the end:", name, open_now);
    for (long i = 0; i < nslots; i++)
      if (slots[i].state != S_FREE) fprintf(stderr, " slot%ld=state%d", i, slots[i].state);
    fputc('\n', stderr);
  }
  for (long i = 0; i < nslots; i++) {
    slot_t *s = &slots[i];
    if (s->state >= S_CONNECTING) {
      if (s->state == S_READING || s->state == S_SENDING) req_failed++;
      FINISH(s, "timeout", t1);
    }
  }
  if (logf) fclose(logf);
  for (int i = 0; i < nsources; i++)
    printf("source %s weight=%g conns=%llu\n", sources[i].text, weights[i], (unsigned long long)source_conns[i]);
  double cn = conn_lat.n ? (double)conn_lat.n : 1, rn = req_lat.n ? (double)req_lat.n : 1;
  printf("summary name=%s mode=%s target=%s seconds=%.3f attempted=%llu completed=%llu failed=%llu "
         "skipped=%llu reopened=%llu fail_refused=%llu fail_timeout=%llu fail_reset=%llu fail_other=%llu "
         "requests=%llu req_failed=%llu late_ticks=%llu open_at_end=%ld",
         name, pool_mode ? "pool" : "short", target_s, (t1 - t0) / 1e3, (unsigned long long)attempted,
         (unsigned long long)completed, (unsigned long long)failed, (unsigned long long)skipped,
         (unsigned long long)reopened, (unsigned long long)f_refused, (unsigned long long)f_timeout,
         (unsigned long long)f_reset, (unsigned long long)f_other, (unsigned long long)requests,
         (unsigned long long)req_failed, (unsigned long long)late_ticks, open_at_end);
  if (!pool_mode)
    printf(" offered_rate=%g conn_p50_ms=%.3f conn_p99_ms=%.3f conn_mean_ms=%.3f conn_max_ms=%.3f "
           "arrival_late_mean_ms=%.3f arrival_late_max_ms=%.3f",
           rate, lat_q(&conn_lat, 0.5, &s_conn), lat_q(&conn_lat, 0.99, &s_conn), conn_lat.sum / cn, conn_lat.max,
           late_n ? late_sum / (double)late_n : 0, late_max);
  printf(" req_p50_ms=%.3f req_p99_ms=%.3f req_mean_ms=%.3f req_max_ms=%.3f connect_p50_ms=%.3f "
         "connect_p99_ms=%.3f\n",
         lat_q(&req_lat, 0.5, &s_req), lat_q(&req_lat, 0.99, &s_req), req_lat.sum / rn, req_lat.max,
         lat_q(&connect_lat, 0.5, &s_connect), lat_q(&connect_lat, 0.99, &s_connect));
  return 0;
}
