/* The one load generator for the resolver protocol (docs/PROTOCOL.md), in C
 * because the real clients are C (libnss_stns.so.2 inside glibc): a Node
 * generator would take half of this 2-core machine away from the daemon.
 * T threads share one request counter; each request opens its own
 * connection (as the NSS module does), sends one request line and reads the
 * whole length-framed response (header + body of the announced length).
 *
 *   loadgen <socket> <threads> <requests> <op> <arg-prefix> <distinct>
 *
 * Bench mode (scripts/bench-daemon.ts): request i is
 * `STNS1 <op> <prefix><i % distinct>`; any status other than 0, or a
 * short/invalid response, counts as an error. Prints one JSON line:
 * lookups/s, p50, p99, max in ms, errors. Exit 2 on bad arguments.
 *
 *   loadgen --cases <socket> <threads> <requests> <cases-file>
 *
 * Check mode (test/load/load.test.ts): the file holds records
 * "<request line>\n" then either "E <n>\n<n bytes>" (the whole response,
 * up to the server's close, must be exactly these bytes) or "S <prefix>\n"
 * (the response must start with this header prefix, e.g. "STNS1 2 ").
 * Prints "progress <percent>" at each tenth, then
 * "done lookups=N wrong=W errors=E ms=T"; exit 0 only when W = E = 0,
 * 3 on bad arguments or a malformed file.
 *
 *   loadgen --echo <socket>
 *
 * A single-threaded C server answering every connection with one fixed
 * passwd response: the floor of the machine, for context next to the Node
 * echo baseline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256

/* A growable per-thread buffer holding one response. */
struct response {
  char *data;
  size_t cap;
  size_t len;
};

struct lookup_case {
  char *request;
  size_t request_len;
  int exact;
  char *expect;
  size_t expect_len;
};

/* What one request does: 0 on success, -1 on a transport error, 1 on a wrong answer. */
typedef int (*request_fn)(long i, struct response *r);

static const char *socket_path;
static long total;
static atomic_long next_request, finished, errors, wrong;
static double *latencies_ms;
static int report_tenths;

static const char *op;
static const char *prefix;
static long distinct;

static struct lookup_case *cases;
static size_t ncases;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Connects to the socket with a 30 s receive timeout, so a hung server cannot hang the run. */
static int connect_to(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct timeval tv = {.tv_sec = 30};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Appends one read() to the response, growing it; the read's result. */
static ssize_t read_more(int fd, struct response *r) {
  if (r->len == r->cap) {
    r->data = realloc(r->data, r->cap *= 2);
    if (r->data == NULL) {
      perror("realloc");
      exit(3);
    }
  }
  ssize_t n;
  do n = read(fd, r->data + r->len, r->cap - r->len);
  while (n < 0 && errno == EINTR);
  if (n > 0) r->len += (size_t)n;
  return n;
}

/* Reads one length-framed response into r; its status, or -1 when short or invalid. */
static long read_framed(int fd, struct response *r) {
  long status = -1, length = -1;
  size_t header_end = 0;
  r->len = 0;
  for (;;) {
    if (length < 0) {
      char *nl = memchr(r->data, '\n', r->len);
      if (nl == NULL && r->len > 64) return -1;
      if (nl != NULL) {
        if (sscanf(r->data, "STNS1 %ld %ld", &status, &length) != 2 || length < 0) return -1;
        header_end = (size_t)(nl - r->data) + 1;
      }
    }
    if (length >= 0 && r->len - header_end >= (size_t)length) return status;
    if (read_more(fd, r) <= 0) return -1;
  }
}

/* One exchange: connect, send the line, read the framed response; its status or -1. */
static long exchange(const char *request, size_t len, struct response *r, int want_eof) {
  int fd = connect_to(socket_path);
  if (fd < 0) return -1;
  long status = send(fd, request, len, MSG_NOSIGNAL) == (ssize_t)len ? read_framed(fd, r) : -1;
  /* check mode compares everything up to the close, so trailing bytes are caught */
  if (status >= 0 && want_eof)
    while (read_more(fd, r) > 0) continue;
  close(fd);
  return status;
}

/* Bench request i: `STNS1 <op> <prefix><i % distinct>`, which must answer status 0. */
static int bench_request(long i, struct response *r) {
  char request[300];
  int len = snprintf(request, sizeof request, "STNS1 %s %s%ld\n", op, prefix, i % distinct);
  return exchange(request, (size_t)len, r, 0) == 0 ? 0 : -1;
}

/* Whether a response is the one the case expects. */
static int matches(const struct lookup_case *c, const struct response *r) {
  if (c->exact) return r->len == c->expect_len && memcmp(r->data, c->expect, r->len) == 0;
  return r->len >= c->expect_len && memcmp(r->data, c->expect, c->expect_len) == 0;
}

/* Check request i: case number i spread over the list, answer compared with the case. */
static int case_request(long i, struct response *r) {
  const struct lookup_case *c = &cases[(size_t)(i * 7919) % ncases];
  if (exchange(c->request, c->request_len, r, 1) < 0) return -1;
  if (matches(c, r)) return 0;
  if (atomic_load(&wrong) < 5)
    fprintf(stderr, "wrong answer to %.*s: %.*s\n", (int)c->request_len - 1, c->request,
            (int)(r->len > 200 ? 200 : r->len), r->data);
  return 1;
}

/* Prints "progress P" when this request completes a tenth of the total. */
static void report_progress(long done) {
  for (int q = 1; q <= 10; q++)
    if (done == total * q / 10) {
      printf("progress %d\n", q * 10);
      fflush(stdout);
    }
}

/* A worker: takes request numbers until `total` are taken, timing and counting each. */
static void *worker(void *arg) {
  request_fn request = *(request_fn *)arg;
  struct response r = {.cap = 65536};
  r.data = malloc(r.cap);
  for (;;) {
    long i = atomic_fetch_add(&next_request, 1);
    if (i >= total) break;
    double t0 = now_ms();
    int outcome = request(i, &r);
    latencies_ms[i] = now_ms() - t0;
    if (outcome < 0) atomic_fetch_add(&errors, 1);
    if (outcome > 0) atomic_fetch_add(&wrong, 1);
    long done = atomic_fetch_add(&finished, 1) + 1;
    if (report_tenths) report_progress(done);
  }
  free(r.data);
  return NULL;
}

/* Runs `threads` workers over `total` requests; the elapsed time in ms. */
static double run_threads(int threads, request_fn request) {
  pthread_t ids[MAX_THREADS];
  latencies_ms = calloc((size_t)total, sizeof *latencies_ms);
  if (latencies_ms == NULL) exit(3);
  double started = now_ms();
  for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, worker, &request);
  for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
  return now_ms() - started;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double q) {
  long index = (long)(q * (double)total);
  return latencies_ms[index >= total ? total - 1 : index];
}

/* `loadgen <socket> <threads> <requests> <op> <arg-prefix> <distinct>` */
static int run_bench(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: loadgen <socket> <threads> <requests> <op> <arg-prefix> <distinct>\n");
    return 2;
  }
  socket_path = argv[1];
  int threads = atoi(argv[2]);
  total = atol(argv[3]);
  op = argv[4];
  prefix = argv[5];
  distinct = atol(argv[6]);
  if (threads < 1 || total < 1 || distinct < 1) return 2;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  double elapsed_ms = run_threads(threads, bench_request);
  qsort(latencies_ms, (size_t)total, sizeof *latencies_ms, by_value);
  printf("{\"threads\":%d,\"requests\":%ld,\"errors\":%ld,\"lookupsPerSec\":%.0f,"
         "\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f}\n",
         threads, total, atomic_load(&errors), total / (elapsed_ms / 1e3), percentile(0.5),
         percentile(0.99), latencies_ms[total - 1]);
  free(latencies_ms);
  return 0;
}

/* Reads the whole cases file into memory or dies. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(3);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)size + 1);
  if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
    perror("read");
    exit(3);
  }
  fclose(f);
  buf[size] = '\0';
  *len = (size_t)size;
  return buf;
}

/* Dies on a malformed cases file. */
static void bad_cases(void) {
  fprintf(stderr, "bad cases file\n");
  exit(3);
}

/* Parses the records described at the top; dies on a malformed file. */
static void load_cases(const char *path) {
  size_t len, cap = 64;
  char *p = slurp(path, &len), *end = p + len;
  cases = malloc(cap * sizeof *cases);
  while (p < end) {
    if (ncases == cap) cases = realloc(cases, (cap *= 2) * sizeof *cases);
    struct lookup_case *c = &cases[ncases++];
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) bad_cases();
    c->request = p;
    c->request_len = (size_t)(nl - p) + 1;
    p = nl + 1;
    nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl || nl - p < 2) bad_cases();
    c->exact = p[0] == 'E';
    if (c->exact) {
      c->expect_len = strtoul(p + 2, NULL, 10);
      c->expect = nl + 1;
      p = nl + 1 + c->expect_len;
    } else {
      c->expect = p + 2;
      c->expect_len = (size_t)(nl - p) - 2;
      p = nl + 1;
    }
  }
  if (ncases == 0) bad_cases();
}

/* `loadgen --cases <socket> <threads> <requests> <cases-file>` */
static int run_cases(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: loadgen --cases <socket> <threads> <requests> <cases-file>\n");
    return 3;
  }
  socket_path = argv[2];
  int threads = atoi(argv[3]);
  total = atol(argv[4]);
  if (threads < 1 || threads > MAX_THREADS || total < 1) return 3;
  load_cases(argv[5]);
  report_tenths = 1;
  double elapsed_ms = run_threads(threads, case_request);
  printf("done lookups=%ld wrong=%ld errors=%ld ms=%ld\n", atomic_load(&finished),
         atomic_load(&wrong), atomic_load(&errors), (long)elapsed_ms);
  free(latencies_ms);
  return atomic_load(&wrong) == 0 && atomic_load(&errors) == 0 ? 0 : 1;
}

/* The echo baseline: accept, read the request line, answer, close. */
static int run_echo(const char *path) {
  static const char response[] = "STNS1 0 37\nu1:x:10001:20001::/home/u1:/bin/bash\n";
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(path);
  if (server < 0 || bind(server, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      listen(server, 511) != 0) {
    perror(path);
    return 1;
  }
  printf("listening\n");
  fflush(stdout);
  for (;;) {
    int fd = accept4(server, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) continue;
    char line[256];
    size_t have = 0;
    while (have < sizeof line) {
      ssize_t n = read(fd, line + have, sizeof line - have);
      if (n <= 0) break;
      have += (size_t)n;
      if (memchr(line, '\n', have)) {
        (void)!send(fd, response, sizeof response - 1, MSG_NOSIGNAL);
        break;
      }
    }
    close(fd);
  }
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--echo") == 0) return run_echo(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "--cases") == 0) return run_cases(argc, argv);
  return run_bench(argc, argv);
}
