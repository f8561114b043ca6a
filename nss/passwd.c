/* passwd map: by name, by uid, and enumeration. */
#include <pwd.h>
#include <stdio.h>

#include "common.h"
#include "parse.h"
#include "protocol.h"

static struct stns_enum pwent = STNS_ENUM_INIT;

/* getpwnam_r(3) through the resolver. */
STNS_EXPORT enum nss_status _nss_stns_getpwnam_r(const char *name, struct passwd *pw,
                                                 char *buf, size_t buflen, int *errnop) {
  return stns_lookup(STNS_OP_GETPWNAM, name, stns_parse_passwd, pw, buf, buflen, errnop);
}

/* getpwuid_r(3) through the resolver. */
STNS_EXPORT enum nss_status _nss_stns_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
                                                 size_t buflen, int *errnop) {
  char key[16];
  snprintf(key, sizeof key, "%u", (unsigned)uid);
  return stns_lookup(STNS_OP_GETPWUID, key, stns_parse_passwd, pw, buf, buflen, errnop);
}

/* setpwent(3): fetch the whole list. */
STNS_EXPORT enum nss_status _nss_stns_setpwent(int stayopen) {
  (void)stayopen;
  return stns_enum_set(&pwent, STNS_OP_GETPWENT);
}

/* getpwent_r(3): the next entry of the list. */
STNS_EXPORT enum nss_status _nss_stns_getpwent_r(struct passwd *pw, char *buf, size_t buflen,
                                                 int *errnop) {
  return stns_enum_next(&pwent, STNS_OP_GETPWENT, stns_parse_passwd, pw, buf, buflen, errnop);
}

/* endpwent(3): drop the list. */
STNS_EXPORT enum nss_status _nss_stns_endpwent(void) { return stns_enum_end(&pwent); }
