/*
 * One getpwnam() through the stns module only, timed inside the process.
 * The boot-guard test runs a copy of this binary named dbus-daemon.
 * Prints "found NAME:UID:GID:DIR elapsed_us=N" (exit 0) or
 * "notfound errno=E elapsed_us=N" (exit 2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <time.h>

/* glibc's hook behind `getent -s`: also makes lookups bypass nscd. */
extern int __nss_configure_lookup(const char *db, const char *service_line);

/* Microseconds between two monotonic instants. */
static long elapsed_us(const struct timespec *start, const struct timespec *end) {
  return (end->tv_sec - start->tv_sec) * 1000000L + (end->tv_nsec - start->tv_nsec) / 1000;
}

int main(int argc, char **argv) {
  struct timespec start, end;
  struct passwd *pw;
  int saved;

  if (argc != 2) {
    fprintf(stderr, "usage: %s NAME\n", argv[0]);
    return 64;
  }
  if (__nss_configure_lookup("passwd", "stns") != 0) {
    perror("__nss_configure_lookup");
    return 70;
  }
  clock_gettime(CLOCK_MONOTONIC, &start);
  errno = 0;
  pw = getpwnam(argv[1]);
  saved = errno;
  clock_gettime(CLOCK_MONOTONIC, &end);
  if (pw == NULL) {
    printf("notfound errno=%d elapsed_us=%ld\n", saved, elapsed_us(&start, &end));
    return 2;
  }
  printf("found %s:%u:%u:%s elapsed_us=%ld\n", pw->pw_name, (unsigned)pw->pw_uid,
         (unsigned)pw->pw_gid, pw->pw_dir, elapsed_us(&start, &end));
  return 0;
}
