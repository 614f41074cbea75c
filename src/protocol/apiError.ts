/**
 * The error of a failed call to the Kairos REST API, shared by the extension's client and the
 * Account page. Pure: no DOM, no vscode, no node imports.
 */

/** An error answered by the server (`code` from its body) or raised reaching it. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The `code` and `message` of an `{ error: { code, message } }` answer body, each only where it is a string. */
export function errorBodyFields(body: unknown): { code?: string; message?: string } {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
  return {
    ...(typeof err?.code === 'string' ? { code: err.code } : {}),
    ...(typeof err?.message === 'string' ? { message: err.message } : {}),
  };
}
