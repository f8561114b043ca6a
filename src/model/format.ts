// getent-exact line formatting (shared/STNS.md §5). The one formatter: the
// CLI, the resolver and therefore the NSS module all print through here.
// Entries reaching it were validated by normalize.ts, so no field holds `:`,
// a newline or NUL and members hold no `,`.
import type { Group, User } from './types.js';

/** `name:x:uid:gid:gecos:dir:shell` */
export function formatPasswd(user: User): string {
  return `${user.name}:x:${user.uid}:${user.gid}:${user.gecos}:${user.dir}:${user.shell}`;
}

/** `name:x:gid:m1,m2` */
export function formatGroup(group: Group): string {
  return `${group.name}:x:${group.gid}:${group.members.join(',')}`;
}

/**
 * `name:hash:lastchg:min:max:warn:inact:expire:flag`; STNS has no aging data,
 * so those fields are empty, and a user with no hash gets `!!` (locked), as upstream.
 */
export function formatShadow(user: User): string {
  return `${user.name}:${user.password === '' ? '!!' : user.password}:::::::`;
}
