// One error hierarchy for the whole project. Every class carries a stable
// `code` (for scripts and logs) and the CLI exit status it maps to, so the
// NSS three-way outcome (found / not found / unavailable) survives every layer.
// Messages name the URL, file, key or value involved — never a password or token.

const kStnsError = Symbol.for('stns-query.error');

/** CLI exit statuses (sysexits.h where one fits; 2 and 3 follow getent). */
export const ExitCode = {
  OK: 0,
  USAGE: 1,
  NOT_FOUND: 2,
  ENUMERATION_DISABLED: 3,
  UNAVAILABLE: 69, // EX_UNAVAILABLE
  SOFTWARE: 70, // EX_SOFTWARE: a bug, never expected
  PERMISSION: 77, // EX_NOPERM
  CONFIG: 78, // EX_CONFIG
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class StnsError extends Error {
  readonly code: string = 'STNS_ERR';
  readonly exitCode: ExitCode = ExitCode.SOFTWARE;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StnsError';
  }

  /** Works across copies of this package (instanceof does not). */
  static isStnsError(value: unknown): value is StnsError {
    return (
      typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kStnsError] === true
    );
  }

  get [kStnsError](): true {
    return true;
  }
}

/** Bad command line: unknown flag, missing argument. */
export class UsageError extends StnsError {
  override readonly code = 'STNS_ERR_USAGE';
  override readonly exitCode = ExitCode.USAGE;
  override name = 'UsageError';
}

/** The configuration file is missing, unreadable, or has a bad key or value. */
export class ConfigError extends StnsError {
  override readonly code: string = 'STNS_ERR_CONFIG';
  override readonly exitCode = ExitCode.CONFIG;
  override name = 'ConfigError';
}

/**
 * The configuration file exists but this user may not read it (0600 root: it
 * holds credentials). Lookups still work through the resolver's public socket.
 */
export class ConfigUnreadableError extends ConfigError {
  override readonly code = 'STNS_ERR_CONFIG_UNREADABLE';
  override name = 'ConfigUnreadableError';
  constructor(
    message: string,
    /** The file that could not be read. */
    readonly path: string,
  ) {
    super(message);
  }
}

/** Enumeration (`passwd` with no key) is switched off by `enumerate = false`. */
export class EnumerationDisabledError extends StnsError {
  override readonly code = 'STNS_ERR_ENUMERATION_DISABLED';
  override readonly exitCode = ExitCode.ENUMERATION_DISABLED;
  override name = 'EnumerationDisabledError';
}

/** The server refused our credentials (401/403). Not retried, no failover. */
export class AuthError extends StnsError {
  override readonly code = 'STNS_ERR_AUTH';
  override readonly exitCode = ExitCode.PERMISSION;
  override name = 'AuthError';
}

/** The caller may not see this data (shadow hashes for non-root). */
export class PermissionError extends StnsError {
  override readonly code = 'STNS_ERR_PERMISSION';
  override readonly exitCode = ExitCode.PERMISSION;
  override name = 'PermissionError';
}

/**
 * One endpoint failed in a way that moves on to the next endpoint.
 * Subclasses say why; all of them mean "unavailable", never "not found".
 */
export class EndpointError extends StnsError {
  override readonly code: string = 'STNS_ERR_ENDPOINT';
  override readonly exitCode = ExitCode.UNAVAILABLE;
  override name = 'EndpointError';
}

/** The whole attempt (connect + headers + body) exceeded request_timeout. */
export class TimeoutError extends EndpointError {
  override readonly code = 'STNS_ERR_TIMEOUT';
  override name = 'TimeoutError';
}

/** Connection refused / reset, DNS failure, proxy failure. */
export class ConnectError extends EndpointError {
  override readonly code = 'STNS_ERR_CONNECT';
  override name = 'ConnectError';
}

/** Certificate verification or handshake failed. */
export class TlsError extends EndpointError {
  override readonly code = 'STNS_ERR_TLS';
  override name = 'TlsError';
}

/** 5xx, 429, 3xx or any other status the protocol does not define. */
export class HttpStatusError extends EndpointError {
  override readonly code = 'STNS_ERR_HTTP_STATUS';
  override name = 'HttpStatusError';
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The body is not what this server generation sends (bad JSON, wrong shape, too large). */
export class ProtocolError extends EndpointError {
  override readonly code = 'STNS_ERR_PROTOCOL';
  override name = 'ProtocolError';
}

/** Every endpoint failed on every round; `errors` holds the last failure of each. */
export class UnavailableError extends StnsError {
  override readonly code = 'STNS_ERR_UNAVAILABLE';
  override readonly exitCode = ExitCode.UNAVAILABLE;
  override name = 'UnavailableError';
  constructor(
    message: string,
    readonly errors: readonly StnsError[] = [],
  ) {
    super(message, { cause: errors[errors.length - 1] });
  }
}

/** Exit status for anything thrown: typed errors carry theirs, the rest is a bug. */
export function exitCodeOf(error: unknown): ExitCode {
  return StnsError.isStnsError(error) ? error.exitCode : ExitCode.SOFTWARE;
}
