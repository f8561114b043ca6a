// The one in-memory model every server generation is normalised into.
// Ids here are already shifted (uid_shift / gid_shift applied) and validated.

/** A passwd entry plus the STNS-only fields (hash, ssh keys). */
export interface User {
  name: string;
  uid: number;
  gid: number;
  /** GECOS comment; may be empty. */
  gecos: string;
  /** Home directory; `/home/<name>` when the server sent none. */
  dir: string;
  /** Login shell; `/bin/bash` when the server sent none. */
  shell: string;
  /** Password hash from the server, `''` when none. Only ever printed to root. */
  password: string;
  /** SSH public keys, one per element, never containing a newline. */
  keys: string[];
}

/** A group entry. */
export interface Group {
  name: string;
  gid: number;
  /** Member user names; never containing `,`, `:` or a newline. */
  members: string[];
}

/** What the caller asks for: one entry by name or id, or the whole list. */
export type Query =
  | { kind: 'user' | 'group'; by: 'name'; name: string }
  | { kind: 'user' | 'group'; by: 'id'; id: number }
  | { kind: 'user' | 'group'; by: 'list' };
