/**
 * Errors by layer (STYLE.md principle 4): the core throws only for programmer or configuration
 * mistakes. Errors are plain `Error` objects with a `code`, made by one factory, because
 * `extends Error` needs a tslib helper and Espruino's built-in errors are not `instanceof Error`.
 */

/** Every error code the core uses. Codes are stable strings that tools may match on. */
export type AimErrorCode =
  | 'INVALID_CONFIGURATION'
  | 'INVALID_KEY'
  | 'DUPLICATE_KEY'
  | 'NOT_BUILT'
  | 'ALREADY_BUILT'
  | 'ALREADY_STARTED'
  | 'NOT_FOUND'
  | 'NOT_WRITABLE'
  | 'INVALID_ARGUMENT'
  | 'BAD_FRAME'
  | 'BAD_PAYLOAD'
  | 'CLOSED'
  | 'TIMEOUT'
  | 'ATTACH_FAILED'
  | 'DETACH_FAILED'
  | 'SET_TIMEOUT'
  | 'GET_TIMEOUT'
  | 'RUNTIME_SHUTDOWN'
  | 'VERSION_MISMATCH'
  | 'DENIED'
  | 'INTERNAL';

/** An `Error` carrying a machine-readable `code` and optional details. */
export interface AimError extends Error {
  code: AimErrorCode;
  details?: unknown;
}

/**
 * Makes an error with a `code`.
 *
 * @example
 * throw aimError('NOT_FOUND', "record 'sensor.temp' is not configured");
 */
export function aimError(code: AimErrorCode, message: string, details?: unknown): AimError {
  const e = new Error(message) as AimError;
  e.code = code;
  // Espruino built-in errors carry no `name`; set it so logs read the same on every engine.
  e.name = 'AimError';
  if (details !== undefined) e.details = details;
  return e;
}

/** One configuration mistake found by `build()`. */
export interface ConfigProblem {
  /** The record key the mistake belongs to (empty for database-wide mistakes). */
  key: string;
  /** The link URL or input key involved, when there is one. */
  url?: string;
  /** What is wrong, in words. */
  message: string;
}

/** The error `build()` throws, listing every configuration mistake at once. */
export interface InvalidConfiguration extends AimError {
  code: 'INVALID_CONFIGURATION';
  problems: ConfigProblem[];
}

/** Formats one problem as `record 'k' (url): message`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.key ? "record '" + p.key + "'" : 'database';
  return where + (p.url ? ' (' + p.url + ')' : '') + ': ' + p.message;
}

/** Makes the `InvalidConfiguration` error for a non-empty list of problems. */
export function invalidConfiguration(problems: ConfigProblem[]): InvalidConfiguration {
  const lines: string[] = [];
  for (let i = 0; i < problems.length; i++) lines.push('  - ' + formatProblem(problems[i]));
  const e = aimError(
    'INVALID_CONFIGURATION',
    'InvalidConfiguration: ' + problems.length + ' problem(s)\n' + lines.join('\n'),
  ) as InvalidConfiguration;
  e.problems = problems;
  return e;
}

/** True when `e` is an error made by {@link aimError} with the given code. */
export function isAimError(e: unknown, code?: AimErrorCode): e is AimError {
  return !!e && typeof (e as AimError).code === 'string' && (code === undefined || (e as AimError).code === code);
}
