/* Load generator for the resolver protocol (docs/PROTOCOL.md), written in C
 * because the real clients are C (libnss_stns.so.2 inside glibc): a Node
 * generator would take half of this 2-core machine away from the daemon.
 *
 *   loadgen <socket> <threads> <requests> <op> <arg-prefix> <distinct>
 *
 * T threads share one request counter; each request opens its own
 * connection (as the NSS module does), sends `STNS1 <op> <prefix><i % distinct>\n`,
 * reads the whole response (header + body of the announced length) and
 * closes. Any status other than 0, or a short/invalid response, counts as an
 * error. Prints one JSON line: lookups/s, p50, p99, max in ms, errors.
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

static const char *socket_path;
static const char *op;
static const char *prefix;
static long distinct;
static long total;
static atomic_long next_request;
static atomic_long errors;
static double *latencies_ms;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int connect_to(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Reads one response; 0 when it is complete and has status 0. */
static int read_response(int fd) {
  char buf[65536];
  size_t have = 0;
  long status = -1, length = -1;
  size_t header_end = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof buf - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    have += (size_t)n;
    if (length < 0) {
      char *nl = memchr(buf, '\n', have);
      if (nl == NULL) {
        if (have > 64) return -1;
        continue;
      }
      *nl = '\0';
      if (sscanf(buf, "STNS1 %ld %ld", &status, &length) != 2) return -1;
      header_end = (size_t)(nl - buf) + 1;
    }
    if (have - header_end >= (size_t)length) return status == 0 ? 0 : -1;
    if (have == sizeof buf) {
      /* body larger than the buffer: keep counting, drop the bytes */
      length -= (long)(have - header_end);
      have = header_end = 0;
    }
  }
}

static int one_request(long i) {
  char request[300];
  int len = snprintf(request, sizeof request, "STNS1 %s %s%ld\n", op, prefix, i % distinct);
  int fd = connect_to(socket_path);
  if (fd < 0) return -1;
  int ok = send(fd, request, (size_t)len, MSG_NOSIGNAL) == len ? read_response(fd) : -1;
  close(fd);
  return ok;
}

static void *worker(void *unused) {
  (void)unused;
  for (;;) {
    long i = atomic_fetch_add(&next_request, 1);
    if (i >= total) return NULL;
    double t0 = now_ms();
    if (one_request(i) != 0) atomic_fetch_add(&errors, 1);
    latencies_ms[i] = now_ms() - t0;
  }
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double q) {
  long index = (long)(q * (double)total);
  return latencies_ms[index >= total ? total - 1 : index];
}

static int run_load(int argc, char **argv) {
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
  latencies_ms = calloc((size_t)total, sizeof *latencies_ms);
  pthread_t ids[256];
  if (threads > 256) threads = 256;
  double started = now_ms();
  for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, worker, NULL);
  for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
  double elapsed_ms = now_ms() - started;
  qsort(latencies_ms, (size_t)total, sizeof *latencies_ms, by_value);
  printf("{\"threads\":%d,\"requests\":%ld,\"errors\":%ld,\"lookupsPerSec\":%.0f,"
         "\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f}\n",
         threads, total, atomic_load(&errors), total / (elapsed_ms / 1e3), percentile(0.5),
         percentile(0.99), latencies_ms[total - 1]);
  free(latencies_ms);
  return 0;
}

/* The echo baseline: accept, read the request line, answer, close. */
static int run_echo(const char *path) {
  static const char response[] = "STNS1 0 37\nu1:x:10001:20001::/home/u1:/bin/bash\n";
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(path);
  if (server < 0 || bind(server, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(server, 511) != 0) {
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
  return run_load(argc, argv);
}
