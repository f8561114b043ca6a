/*
 * A threaded caller of the stns module: THREADS threads each doing
 * ITERATIONS getpwnam_r + getgrgid_r pairs, every call starting from a tiny
 * buffer (1, 16, 64 or 1024 bytes) and doubling it on ERANGE, as glibc's
 * callers do. Every answer is checked field by field.
 * Usage: threads THREADS ITERATIONS
 * Prints "lookups=N eranges=N failures=N" and exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* glibc's hook behind `getent -s`: also makes lookups bypass nscd. */
extern int __nss_configure_lookup(const char *db, const char *service_line);

struct expected_user {
  const char *name;
  uid_t uid;
  gid_t gid;
  const char *dir;
};

struct expected_group {
  gid_t gid;
  const char *name;
  const char *members[3];
};

static const struct expected_user USERS[] = {
    {"alice", 1001, 2001, "/home/alice"},
    {"bob", 1002, 2001, "/home/bob"},
};
static const struct expected_group GROUPS[] = {
    {2001, "dev", {"alice", "bob", NULL}},
    {2002, "ops", {"alice", NULL, NULL}},
};
static const size_t START_SIZES[] = {1, 16, 64, 1024};

struct worker {
  pthread_t thread;
  int index;
  long iterations;
  long lookups;
  long eranges;
  long failures;
  char first_failure[256];
};

/* Records a failure, keeping the first message for the report. */
static void fail(struct worker *w, const char *what, const char *key, int rc) {
  if (w->failures++ == 0)
    snprintf(w->first_failure, sizeof w->first_failure, "thread %d: %s %s: rc=%d (%s)", w->index,
             what, key, rc, strerror(rc));
}

/* Grows *buf to *size bytes; exits on allocation failure (nothing to test then). */
static void grow(char **buf, size_t *size) {
  *size *= 2;
  *buf = realloc(*buf, *size);
  if (*buf == NULL) {
    perror("realloc");
    exit(70);
  }
}

/* One getpwnam_r from a small buffer, checked against the expected user. */
static void check_user(struct worker *w, const struct expected_user *u, size_t size) {
  char *buf = malloc(size);
  struct passwd pw, *result = NULL;
  int rc;

  while ((rc = getpwnam_r(u->name, &pw, buf, size, &result)) == ERANGE) {
    w->eranges++;
    grow(&buf, &size);
  }
  w->lookups++;
  if (rc != 0 || result != &pw)
    fail(w, "getpwnam_r", u->name, rc != 0 ? rc : ENOENT);
  else if (strcmp(pw.pw_name, u->name) != 0 || pw.pw_uid != u->uid || pw.pw_gid != u->gid ||
           strcmp(pw.pw_dir, u->dir) != 0)
    fail(w, "getpwnam_r wrong answer for", u->name, 0);
  free(buf);
}

/* Whether the group's member list is exactly the expected one, in order. */
static int same_members(char **got, const char *const *want) {
  size_t i;
  for (i = 0; want[i] != NULL; i++)
    if (got[i] == NULL || strcmp(got[i], want[i]) != 0) return 0;
  return got[i] == NULL;
}

/* One getgrgid_r from a small buffer, checked against the expected group. */
static void check_group(struct worker *w, const struct expected_group *g, size_t size) {
  char *buf = malloc(size);
  struct group gr, *result = NULL;
  int rc;

  while ((rc = getgrgid_r(g->gid, &gr, buf, size, &result)) == ERANGE) {
    w->eranges++;
    grow(&buf, &size);
  }
  w->lookups++;
  if (rc != 0 || result != &gr)
    fail(w, "getgrgid_r", g->name, rc != 0 ? rc : ENOENT);
  else if (gr.gr_gid != g->gid || strcmp(gr.gr_name, g->name) != 0 ||
           !same_members(gr.gr_mem, g->members))
    fail(w, "getgrgid_r wrong answer for", g->name, 0);
  free(buf);
}

/* The body of one thread: alternate users, groups and starting buffer sizes. */
static void *work(void *arg) {
  struct worker *w = arg;
  for (long i = 0; i < w->iterations; i++) {
    size_t size = START_SIZES[(i + w->index) % 4];
    check_user(w, &USERS[(i + w->index) % 2], size);
    check_group(w, &GROUPS[(i + w->index + 1) % 2], size);
  }
  return NULL;
}

int main(int argc, char **argv) {
  long lookups = 0, eranges = 0, failures = 0;
  int threads;
  struct worker *workers;

  if (argc != 3 || (threads = atoi(argv[1])) < 1) {
    fprintf(stderr, "usage: %s THREADS ITERATIONS\n", argv[0]);
    return 64;
  }
  if (__nss_configure_lookup("passwd", "stns") != 0 || __nss_configure_lookup("group", "stns") != 0) {
    perror("__nss_configure_lookup");
    return 70;
  }
  workers = calloc((size_t)threads, sizeof *workers);
  if (workers == NULL) return 70;
  for (int i = 0; i < threads; i++) {
    workers[i].index = i;
    workers[i].iterations = atol(argv[2]);
    if (pthread_create(&workers[i].thread, NULL, work, &workers[i]) != 0) return 70;
  }
  for (int i = 0; i < threads; i++) {
    pthread_join(workers[i].thread, NULL);
    lookups += workers[i].lookups;
    eranges += workers[i].eranges;
    failures += workers[i].failures;
    if (workers[i].failures > 0) fprintf(stderr, "%s\n", workers[i].first_failure);
  }
  printf("lookups=%ld eranges=%ld failures=%ld\n", lookups, eranges, failures);
  free(workers);
  return failures == 0 ? 0 : 1;
}
