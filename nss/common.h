/* Shared transport, guards and status/errno rules of the stns NSS module. */
#ifndef STNS_COMMON_H
#define STNS_COMMON_H

#include <nss.h>
#include <pthread.h>
#include <stddef.h>

#define STNS_EXPORT __attribute__((visibility("default")))

/*
 * Internal functions return 0 or -errno; stns_nss_status() turns that into
 * the NSS status and *errnop at the exported edge, once:
 *
 *   0        SUCCESS      (errno untouched)
 *   -ENOENT  NOTFOUND     ENOENT  status 2 or 3, boot guard, impossible key
 *   -EAGAIN  TRYAGAIN     EAGAIN  status 69
 *   -ERANGE  TRYAGAIN     ERANGE  buffer too small, nothing written
 *   -EACCES  UNAVAIL      EACCES  status 77
 *   -EINVAL  UNAVAIL      EINVAL  status 1
 *   -ENXIO   UNAVAIL      ENOENT  status 78, loop guard, no resolver and no
 *                                 helper (glibc's "service not there")
 *   -ENOMEM  UNAVAIL      ENOMEM
 *   other    UNAVAIL      EAGAIN  timeout, I/O error, garbled answer or
 *                                 line, helper killed: transient, so nscd
 *                                 must not cache it as "no such entry"
 *
 * Why EAGAIN matters: glibc nss/getXXbyYY_r.c sets errno to 0 on NOTFOUND
 * and returns errno as is on TRYAGAIN/UNAVAIL; nscd/pwdcache.c
 * cache_addpw() (and grpcache.c cache_addgr()) then stores a negative entry
 * for negative-time-to-live seconds unless `errno == EAGAIN` (and an old
 * positive entry is kept on reload when errval == EAGAIN). So every
 * transient failure must leave errno EAGAIN, whatever the status.
 */

/* A status-0 answer: body is malloc'd, NUL-terminated and NUL-free. */
struct stns_answer {
  char *body;
  size_t len;
};

/* A line parser: fills result from line using buf, or -ERANGE / -EBADMSG. */
typedef int (*stns_parser)(const char *line, size_t len, void *result, char *buf,
                           size_t buflen);

/* Enumeration state of one map (setXXent/getXXent_r/endXXent). */
struct stns_enum {
  pthread_mutex_t lock;
  struct stns_answer answer;
  size_t offset;
  int loaded;
  int rc;
};

#define STNS_ENUM_INIT {PTHREAD_MUTEX_INITIALIZER, {NULL, 0}, 0, 0, 0}

int stns_loop_guarded(void);
int stns_ask(const char *op, const char *arg, struct stns_answer *answer);
void stns_answer_free(struct stns_answer *answer);
int stns_next_line(const struct stns_answer *answer, size_t *offset, const char **line,
                   size_t *len);
enum nss_status stns_nss_status(int rc, int *errnop);
enum nss_status stns_lookup(const char *op, const char *arg, stns_parser parse,
                            void *result, char *buf, size_t buflen, int *errnop);
enum nss_status stns_enum_set(struct stns_enum *state, const char *op);
enum nss_status stns_enum_next(struct stns_enum *state, const char *op, stns_parser parse,
                               void *result, char *buf, size_t buflen, int *errnop);
enum nss_status stns_enum_end(struct stns_enum *state);

#endif
