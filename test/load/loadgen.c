/* Load generator for the resolver's unix socket: THREADS threads share
 * TOTAL lookups over the cases in CASES, one connection per lookup as the
 * NSS module makes them, and check every answer.
 *
 *   loadgen SOCKET THREADS TOTAL CASES
 *
 * CASES holds records "<request line>\n" then either "E <n>\n<n bytes>"
 * (the whole response must be exactly these bytes) or "S <prefix>\n" (the
 * response must start with this header prefix, e.g. "STNS1 2 ").
 * Prints "progress <percent>" at each tenth, then
 * "done lookups=N wrong=W errors=E ms=T"; exit 0 only when W = E = 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct lookup_case {
  char *request;
  size_t request_len;
  int exact;
  char *expect;
  size_t expect_len;
};

static struct lookup_case *cases;
static size_t ncases;
static const char *socket_path;
static long total;
static atomic_long started, finished, wrong, errors;

/* Reads the whole cases file into memory or dies. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(3); }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)size + 1);
  if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) { perror("read"); exit(3); }
  fclose(f);
  buf[size] = '\0';
  *len = (size_t)size;
  return buf;
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
    if (!nl) { fprintf(stderr, "bad cases file\n"); exit(3); }
    c->request = p;
    c->request_len = (size_t)(nl - p) + 1;
    p = nl + 1;
    nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl || nl - p < 2) { fprintf(stderr, "bad cases file\n"); exit(3); }
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
}

/* One lookup: connect, send, read to EOF into *buf. -1 on a transport error. */
static long exchange(const struct lookup_case *c, char **buf, size_t *cap) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, socket_path, sizeof addr.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct timeval tv = {.tv_sec = 30};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      send(fd, c->request, c->request_len, MSG_NOSIGNAL) != (ssize_t)c->request_len) {
    close(fd);
    return -1;
  }
  size_t used = 0;
  for (;;) {
    if (used == *cap) *buf = realloc(*buf, *cap *= 2);
    ssize_t n = read(fd, *buf + used, *cap - used);
    if (n < 0) { close(fd); return -1; }
    if (n == 0) break;
    used += (size_t)n;
  }
  close(fd);
  return (long)used;
}

/* Whether a response is the one the case expects. */
static int matches(const struct lookup_case *c, const char *got, size_t len) {
  if (c->exact) return len == c->expect_len && memcmp(got, c->expect, len) == 0;
  return len >= c->expect_len && memcmp(got, c->expect, c->expect_len) == 0;
}

/* Prints "progress P" when this lookup completes a tenth of the total. */
static void report_progress(long done) {
  for (int q = 1; q <= 10; q++)
    if (done == total * q / 10) {
      printf("progress %d\n", q * 10);
      fflush(stdout);
    }
}

/* A worker: takes lookup numbers until TOTAL are taken; case = number spread over the list. */
static void *worker(void *arg) {
  (void)arg;
  size_t cap = 65536;
  char *buf = malloc(cap);
  for (;;) {
    long i = atomic_fetch_add(&started, 1);
    if (i >= total) break;
    const struct lookup_case *c = &cases[(size_t)(i * 7919) % ncases];
    long len = exchange(c, &buf, &cap);
    if (len < 0) atomic_fetch_add(&errors, 1);
    else if (!matches(c, buf, (size_t)len) && atomic_fetch_add(&wrong, 1) < 5)
      fprintf(stderr, "wrong answer to %.*s: %.*s\n", (int)c->request_len - 1, c->request,
              (int)(len > 200 ? 200 : len), buf);
    report_progress(atomic_fetch_add(&finished, 1) + 1);
  }
  free(buf);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: loadgen SOCKET THREADS TOTAL CASES\n");
    return 3;
  }
  socket_path = argv[1];
  int threads = atoi(argv[2]);
  total = atol(argv[3]);
  load_cases(argv[4]);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pthread_t tid[256];
  if (threads < 1 || threads > 256) return 3;
  for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, worker, NULL);
  for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("done lookups=%ld wrong=%ld errors=%ld ms=%ld\n", (long)finished, (long)wrong,
         (long)errors, ms);
  return wrong == 0 && errors == 0 ? 0 : 1;
}
