/*
 * lvserver: a TCP server of known speed for the workload lab (test/kernel/workload), run in a
 * real server's network namespace inside the test VM. Built statically on the host.
 *
 *   lvserver --listen ADDR:PORT [--service-ms MS] [--exponential] [--seed N] [--workers C]
 *            [--response-bytes B] [--requests-per-conn K] [--max-conns N] [--duration S]
 *            [--log FILE] [--name NAME]
 *
 * Protocol (shared with lvclient): a request is any bytes up to and including '\n'; the response
 * is B bytes (default 64), the last one '\n' and no other. A connection may carry any number of
 * requests, one at a time (bytes after a request's '\n' are the next request, served after it).
 *
 * Service: at most C requests (--workers, default 4) are in service at once; the others wait in
 * one FIFO queue. A request's service time is MS milliseconds (--service-ms, default 50), or with
 * --exponential drawn from an exponential distribution of mean MS (xoshiro256** seeded by
 * --seed). A request in service only waits (no CPU); when its time is up the response is written.
 * With --requests-per-conn K > 0 the server closes a connection after its K-th response (pooled /
 * keep-alive connections with a limit); with 0 (the default) the client decides when to close,
 * and the server closes as soon as it reads the client's FIN.
 *
 * Bounds: at most N open connections (--max-conns, default 1024; beyond that the listener is not
 * polled and the kernel's backlog holds new ones), no allocation after start-up, and the server
 * exits after S seconds (--duration, default 600) or on SIGTERM/SIGINT.
 *
 * --log FILE: one line per served request (columns in the header line), times in ms of
 * CLOCK_MONOTONIC (the guest's monotonic clock, as lvclient and the lab's sampler use):
 *   conn peer req arrive_ms start_ms end_ms sent_ms target_ms queued
 *   arrive = request complete, start = a worker took it, end = its service time elapsed (the
 *   response write starts), sent = the last response byte written, target = drawn service time,
 *   queued = requests waiting when it arrived.
 * At exit a summary line goes to stdout: key=value pairs (requests, mean and max of the real
 * service time end-start, mean wait start-arrive, ...).
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

#define MAX_WORKERS 1024
#define MAX_CONNS_LIMIT 65536
#define MAX_RESPONSE (16 << 20)

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("lvserver: ", stderr);
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

/* "a.b.c.d:port" or "[v6]:port" */
static void parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len) {
  char host[64];
  const char *colon;
  memset(ss, 0, sizeof *ss);
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host) die("bad address %s", s);
    memcpy(host, s + 1, (size_t)(close - s - 1));
    host[close - s - 1] = 0;
    colon = close + 1;
  } else {
    colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host) die("bad address %s (ADDR:PORT)", s);
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
  }
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port <= 0 || port > 65535) die("bad port in %s", s);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
  } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *len = sizeof *a6;
  } else {
    die("bad address %s", host);
  }
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t n) {
  char h[INET6_ADDRSTRLEN] = "?";
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, h, sizeof h);
    snprintf(buf, n, "%s:%u", h, ntohs(a->sin_port));
  } else {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof h);
    snprintf(buf, n, "[%s]:%u", h, ntohs(a->sin6_port));
  }
}

static double parse_num(const char *opt, const char *s, double lo, double hi) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (!*s || *end || errno || !(v >= lo && v <= hi)) die("--%s: %s is not a number in [%g, %g]", opt, s, lo, hi);
  return v;
}

enum { C_FREE, C_READING, C_QUEUED, C_SERVING, C_WRITING };

typedef struct {
  int fd;
  int state;
  bool peer_closed;
  bool dead; /* reset or error: never polled again, closed when its request is done */
  uint64_t id;
  char peer[56];
  long pending;   /* complete requests received and not yet taken into the queue */
  long served;
  size_t out_left;
  double arrive, start, end, target;
  long queued_at_arrival;
} conn_t;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

int main(int argc, char **argv) {
  const char *listen_s = NULL, *log_path = NULL, *name = "lvserver";
  double service_ms = 50, duration_s = 600;
  bool exponential = false;
  uint64_t seed = 1;
  long workers = 4, response_bytes = 64, per_conn = 0, max_conns = 1024;
  static const struct option opts[] = {
      {"listen", required_argument, 0, 'l'},       {"service-ms", required_argument, 0, 's'},
      {"exponential", no_argument, 0, 'e'},        {"seed", required_argument, 0, 'S'},
      {"workers", required_argument, 0, 'c'},      {"response-bytes", required_argument, 0, 'r'},
      {"requests-per-conn", required_argument, 0, 'k'}, {"max-conns", required_argument, 0, 'm'},
      {"duration", required_argument, 0, 'd'},     {"log", required_argument, 0, 'L'},
      {"name", required_argument, 0, 'n'},         {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  int o;
  while ((o = getopt_long(argc, argv, "l:s:eS:c:r:k:m:d:L:n:h", opts, NULL)) != -1) {
    switch (o) {
    case 'l': listen_s = optarg; break;
    case 's': service_ms = parse_num("service-ms", optarg, 0, 3600e3); break;
    case 'e': exponential = true; break;
    case 'S': seed = (uint64_t)parse_num("seed", optarg, 0, 9e15); break;
    case 'c': workers = (long)parse_num("workers", optarg, 1, MAX_WORKERS); break;
    case 'r': response_bytes = (long)parse_num("response-bytes", optarg, 1, MAX_RESPONSE); break;
    case 'k': per_conn = (long)parse_num("requests-per-conn", optarg, 0, 1e12); break;
    case 'm': max_conns = (long)parse_num("max-conns", optarg, 1, MAX_CONNS_LIMIT); break;
    case 'd': duration_s = parse_num("duration", optarg, 0.001, 86400); break;
    case 'L': log_path = optarg; break;
    case 'n': name = optarg; break;
    default:
      fprintf(stderr, "usage: lvserver --listen ADDR:PORT [--service-ms MS] [--exponential] [--seed N] "
                      "[--workers C] [--response-bytes B] [--requests-per-conn K] [--max-conns N] "
                      "[--duration S] [--log FILE] [--name NAME]\n");
      return o == 'h' ? 0 : 2;
    }
  }
  if (!listen_s || optind != argc) die("--listen ADDR:PORT is required (see --help)");
  rng_seed(seed);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  /* room for every connection (the soft limit is often 1024) */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max_conns + 64) {
    rl.rlim_cur = (rlim_t)max_conns + 64 < rl.rlim_max ? (rlim_t)max_conns + 64 : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  struct sockaddr_storage la;
  socklen_t lalen;
  parse_listen(listen_s, &la, &lalen);
  int lfd = socket(la.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) die("socket: %s", strerror(errno));
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* IP_FREEBIND: the address may be added to the namespace after the server starts */
  setsockopt(lfd, SOL_IP, IP_FREEBIND, &one, sizeof one);
  if (bind(lfd, (struct sockaddr *)&la, lalen) < 0) die("bind %s: %s", listen_s, strerror(errno));
  if (listen(lfd, 4096) < 0) die("listen: %s", strerror(errno));

  FILE *logf = NULL;
  if (log_path) {
    logf = fopen(log_path, "w");
    if (!logf) die("%s: %s", log_path, strerror(errno));
    setvbuf(logf, NULL, _IOFBF, 1 << 16);
    fprintf(logf, "# lvserver %s listen=%s service_ms=%g dist=%s workers=%ld response_bytes=%ld "
                  "requests_per_conn=%ld seed=%llu\n",
            name, listen_s, service_ms, exponential ? "exponential" : "fixed", workers, response_bytes,
            per_conn, (unsigned long long)seed);
    fprintf(logf, "conn peer req arrive_ms start_ms end_ms sent_ms target_ms queued\n");
  }

  char *response = malloc((size_t)response_bytes);
  conn_t *conns = calloc((size_t)max_conns, sizeof *conns);
  long *queue = calloc((size_t)max_conns, sizeof *queue);        /* ring of conn indices */
  long *serving = calloc((size_t)workers, sizeof *serving);      /* conn index per worker, -1 idle */
  struct pollfd *pfd = calloc((size_t)max_conns + 1, sizeof *pfd);
  long *pidx = calloc((size_t)max_conns + 1, sizeof *pidx);
  long *freelist = calloc((size_t)max_conns, sizeof *freelist);
  if (!response || !conns || !queue || !serving || !pfd || !pidx || !freelist) die("out of memory");
  memset(response, 'x', (size_t)response_bytes);
  response[response_bytes - 1] = '\n';
  for (long w = 0; w < workers; w++) serving[w] = -1;
  long nfree = 0;
  for (long i = max_conns - 1; i >= 0; i--) freelist[nfree++] = i;
  long qhead = 0, qlen = 0, busy = 0, nopen = 0, max_qlen = 0, max_open = 0;
  long hi = 0; /* conns[hi..] are free (the free list hands out low indices first) */
  uint64_t next_id = 0, accepted = 0, requests = 0, closed_by_server = 0, closed_by_client = 0, errors = 0;
  double sum_real = 0, max_real = 0, sum_wait = 0, max_wait = 0, sum_target = 0, max_late = 0;
  double t0 = now_ms(), deadline = t0 + duration_s * 1e3, last_flush = t0, accept_pause_until = 0;

  printf("lvserver %s listening on %s (service %g ms %s, %ld workers, %ld-byte responses, %ld requests per "
         "connection)\n",
         name, listen_s, service_ms, exponential ? "exponential" : "fixed", workers, response_bytes, per_conn);
  fflush(stdout);

#define CLOSE_CONN(i)                                                                                          \
  do {                                                                                                         \
    close(conns[i].fd);                                                                                        \
    conns[i].state = C_FREE;                                                                                   \
    freelist[nfree++] = (i);                                                                                   \
    nopen--;                                                                                                   \
  } while (0)

  char buf[65536];
  while (!stop_flag) {
    double t = now_ms();
    if (t >= deadline) break;
    while (hi > 0 && conns[hi - 1].state == C_FREE) hi--;
    /* workers whose time is up: start writing their response */
    for (long w = 0; w < workers; w++) {
      long i = serving[w];
      if (i < 0 || conns[i].end > t) continue;
      conn_t *c = &conns[i];
      double late = t - c->end;
      if (late > max_late) max_late = late;
      c->end = t; /* the real end: when the response write starts */
      c->state = C_WRITING;
      c->out_left = (size_t)response_bytes;
      serving[w] = -1;
      busy--;
    }
    /* free workers take queued requests */
    for (long w = 0; w < workers && qlen > 0; w++) {
      if (serving[w] >= 0) continue;
      long i = queue[qhead];
      qhead = (qhead + 1) % max_conns;
      qlen--;
      conn_t *c = &conns[i];
      c->state = C_SERVING;
      c->start = t;
      c->target = exponential ? -service_ms * log(1.0 - rng_unit()) : service_ms;
      c->end = t + c->target;
      serving[w] = i;
      busy++;
    }
    /* responses: write what the socket takes */
    for (long i = 0; i < hi; i++) {
      conn_t *c = &conns[i];
      if (c->state != C_WRITING) continue;
      while (c->out_left > 0) {
        ssize_t n = send(c->fd, response + ((size_t)response_bytes - c->out_left), c->out_left, MSG_NOSIGNAL);
        if (n > 0) {
          c->out_left -= (size_t)n;
        } else {
          break;
        }
      }
      if (c->out_left > 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          errors++;
          CLOSE_CONN(i);
        }
        continue;
      }
      double sent = now_ms();
      c->served++;
      requests++;
      double real = c->end - c->start, wait = c->start - c->arrive;
      sum_real += real;
      sum_target += c->target;
      sum_wait += wait;
      if (real > max_real) max_real = real;
      if (wait > max_wait) max_wait = wait;
      if (logf)
        fprintf(logf, "%llu %s %ld %.3f %.3f %.3f %.3f %.3f %ld\n", (unsigned long long)c->id, c->peer, c->served,
                c->arrive, c->start, c->end, sent, c->target, c->queued_at_arrival);
      if (per_conn > 0 && c->served >= per_conn) {
        closed_by_server++;
        CLOSE_CONN(i);
        continue;
      }
      if (c->peer_closed && c->pending == 0) {
        closed_by_client++;
        CLOSE_CONN(i);
        continue;
      }
      c->state = C_READING;
    }
    /* connections holding a complete request join the queue */
    for (long i = 0; i < hi; i++) {
      conn_t *c = &conns[i];
      if (c->state != C_READING || c->pending == 0) continue;
      c->pending--;
      c->state = C_QUEUED;
      c->arrive = now_ms();
      c->queued_at_arrival = qlen;
      queue[(qhead + qlen) % max_conns] = i;
      qlen++;
      if (qlen > max_qlen) max_qlen = qlen;
    }
    if (qlen > 0 && busy < workers) continue; /* dispatch at once */

    /* poll: listener (while below the connection limit) and every open connection */
    long np = 0;
    if (nopen < max_conns && now_ms() >= accept_pause_until) {
      pfd[np].fd = lfd;
      pfd[np].events = POLLIN;
      pidx[np++] = -1;
    }
    for (long i = 0; i < hi; i++) {
      conn_t *c = &conns[i];
      if (c->state == C_FREE || c->dead) continue;
      short ev = 0;
      if (!c->peer_closed) ev |= POLLIN;
      if (c->state == C_WRITING) ev |= POLLOUT;
      pfd[np].fd = c->fd;
      pfd[np].events = ev;
      pidx[np++] = i;
    }
    t = now_ms();
    double wake = deadline;
    if (t - last_flush >= 1000 && logf) {
      fflush(logf);
      last_flush = t;
    }
    if (logf && last_flush + 1000 < wake) wake = last_flush + 1000;
    for (long w = 0; w < workers; w++)
      if (serving[w] >= 0 && conns[serving[w]].end < wake) wake = conns[serving[w]].end;
    if (accept_pause_until > t && accept_pause_until < wake) wake = accept_pause_until;
    double wait_ms = wake - t;
    if (wait_ms < 0) wait_ms = 0;
    struct timespec ts = {(time_t)(wait_ms / 1e3), (long)(fmod(wait_ms, 1e3) * 1e6)};
    int r = ppoll(pfd, (nfds_t)np, &ts, NULL);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("ppoll: %s", strerror(errno));
    }
    if (r == 0) continue;
    for (long p = 0; p < np; p++) {
      if (!pfd[p].revents) continue;
      long i = pidx[p];
      if (i < 0) {
        /* accept as many as we have room for */
        while (nopen < max_conns) {
          struct sockaddr_storage pa;
          socklen_t palen = sizeof pa;
          int fd = accept4(lfd, (struct sockaddr *)&pa, &palen, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) {
            /* out of descriptors or memory: leave the backlog alone for 10 ms (no busy loop) */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
              accept_pause_until = now_ms() + 10;
              errors++;
            }
            break;
          }
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          long k = freelist[--nfree];
          if (k + 1 > hi) hi = k + 1;
          conn_t *c = &conns[k];
          memset(c, 0, sizeof *c);
          c->fd = fd;
          c->state = C_READING;
          c->id = next_id++;
          peer_name(&pa, c->peer, sizeof c->peer);
          nopen++;
          accepted++;
          if (nopen > max_open) max_open = nopen;
        }
        continue;
      }
      conn_t *c = &conns[i];
      if (c->state == C_FREE) continue;
      if (pfd[p].revents & (POLLIN | POLLHUP | POLLERR)) {
        for (;;) {
          ssize_t n = recv(c->fd, buf, sizeof buf, 0);
          if (n > 0) {
            for (ssize_t j = 0; j < n; j++)
              if (buf[j] == '\n') c->pending++;
            continue;
          }
          if (n == 0) {
            c->peer_closed = true;
          } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            c->peer_closed = true;
            c->dead = true;
            errors++;
          }
          break;
        }
        if (pfd[p].revents & (POLLHUP | POLLERR)) c->peer_closed = c->dead = true;
        /* idle and nothing left to serve: done (a request in service still gets its answer) */
        if ((c->peer_closed && c->state == C_READING && c->pending == 0) || (c->dead && c->state != C_SERVING)) {
          if (c->state == C_QUEUED) continue; /* leaves when a worker takes it (its send then fails) */
          closed_by_client++;
          CLOSE_CONN(i);
        }
      }
    }
  }
  double t1 = now_ms();
  for (long i = 0; i < max_conns; i++)
    if (conns[i].state != C_FREE) CLOSE_CONN(i);
  if (logf) fclose(logf);
  double n = requests ? (double)requests : 1;
  printf("summary name=%s seconds=%.3f accepted=%llu requests=%llu closed_by_server=%llu closed_by_client=%llu "
         "errors=%llu target_mean_ms=%.3f service_mean_ms=%.3f service_max_ms=%.3f wait_mean_ms=%.3f "
         "wait_max_ms=%.3f timer_late_max_ms=%.3f queue_max=%ld open_max=%ld\n",
         name, (t1 - t0) / 1e3, (unsigned long long)accepted, (unsigned long long)requests,
         (unsigned long long)closed_by_server, (unsigned long long)closed_by_client, (unsigned long long)errors,
         sum_target / n, sum_real / n, max_real, sum_wait / n, max_wait, max_late, max_qlen, max_open);
  return 0;
}
