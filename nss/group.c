/* group map: by name, by gid, enumeration, and initgroups_dyn. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "parse.h"
#include "protocol.h"

static struct stns_enum grent = STNS_ENUM_INIT;

/* getgrnam_r(3) through the resolver. */
STNS_EXPORT enum nss_status _nss_stns_getgrnam_r(const char *name, struct group *gr, char *buf,
                                                 size_t buflen, int *errnop) {
  return stns_lookup(STNS_OP_GETGRNAM, name, stns_parse_group, gr, buf, buflen, errnop);
}

/* getgrgid_r(3) through the resolver. */
STNS_EXPORT enum nss_status _nss_stns_getgrgid_r(gid_t gid, struct group *gr, char *buf,
                                                 size_t buflen, int *errnop) {
  char key[16];
  snprintf(key, sizeof key, "%u", (unsigned)gid);
  return stns_lookup(STNS_OP_GETGRGID, key, stns_parse_group, gr, buf, buflen, errnop);
}

/* setgrent(3): fetch the whole list. */
STNS_EXPORT enum nss_status _nss_stns_setgrent(int stayopen) {
  (void)stayopen;
  return stns_enum_set(&grent, STNS_OP_GETGRENT);
}

/* getgrent_r(3): the next entry of the list. */
STNS_EXPORT enum nss_status _nss_stns_getgrent_r(struct group *gr, char *buf, size_t buflen,
                                                 int *errnop) {
  return stns_enum_next(&grent, STNS_OP_GETGRENT, stns_parse_group, gr, buf, buflen, errnop);
}

/* endgrent(3): drop the list. */
STNS_EXPORT enum nss_status _nss_stns_endgrent(void) { return stns_enum_end(&grent); }

/* The caller's group list as glibc hands it over. */
struct gid_list {
  long *start;
  long *size;
  gid_t **groups;
  long limit;
};

/* Appends gid unless present; grows the array (never past limit) first. */
static int add_gid(struct gid_list *l, gid_t gid) {
  for (long i = 0; i < *l->start; i++)
    if ((*l->groups)[i] == gid) return 0;
  if (*l->start == *l->size) {
    if (l->limit > 0 && *l->size >= l->limit) return 0;
    long want = *l->size > 0 ? *l->size * 2 : 16;
    if (l->limit > 0 && want > l->limit) want = l->limit;
    gid_t *grown = realloc(*l->groups, (size_t)want * sizeof(gid_t));
    if (!grown) return -ENOMEM;
    *l->groups = grown;
    *l->size = want;
  }
  (*l->groups)[(*l->start)++] = gid;
  return 0;
}

/* One `initgroups USER` request; every gid but the primary one is added. */
static int add_member_gids(const char *user, gid_t primary, struct gid_list *l) {
  struct stns_answer answer = {NULL, 0};
  const char *line;
  size_t len, offset = 0;
  unsigned gid;
  int rc = stns_ask(STNS_OP_INITGROUPS, user, &answer);
  while (rc == 0 && stns_next_line(&answer, &offset, &line, &len) == 0) {
    rc = stns_parse_id(line, len, &gid);
    if (rc == 0 && gid != primary) rc = add_gid(l, gid);
  }
  stns_answer_free(&answer);
  return rc;
}

/* initgroups(3)/getgrouplist(3) without enumerating every group. */
STNS_EXPORT enum nss_status _nss_stns_initgroups_dyn(const char *user, gid_t group, long *start,
                                                     long *size, gid_t **groupsp, long limit,
                                                     int *errnop) {
  struct gid_list list = {start, size, groupsp, limit};
  return stns_nss_status(add_member_gids(user, group, &list), errnop);
}
