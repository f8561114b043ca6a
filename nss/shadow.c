/* shadow map: by name and enumeration (root, private socket only). */
#include <shadow.h>

#include "common.h"
#include "parse.h"
#include "protocol.h"

static struct stns_enum spent = STNS_ENUM_INIT;

/* getspnam_r(3) through the resolver. */
STNS_EXPORT enum nss_status _nss_stns_getspnam_r(const char *name, struct spwd *sp, char *buf,
                                                 size_t buflen, int *errnop) {
  return stns_lookup(STNS_OP_GETSPNAM, name, stns_parse_shadow, sp, buf, buflen, errnop);
}

/* setspent(3): fetch the whole list. */
STNS_EXPORT enum nss_status _nss_stns_setspent(int stayopen) {
  (void)stayopen;
  return stns_enum_set(&spent, STNS_OP_GETSPENT);
}

/* getspent_r(3): the next entry of the list. */
STNS_EXPORT enum nss_status _nss_stns_getspent_r(struct spwd *sp, char *buf, size_t buflen,
                                                 int *errnop) {
  return stns_enum_next(&spent, STNS_OP_GETSPENT, stns_parse_shadow, sp, buf, buflen, errnop);
}

/* endspent(3): drop the list. */
STNS_EXPORT enum nss_status _nss_stns_endspent(void) { return stns_enum_end(&spent); }
