// Log lines as structured objects (Workers Logs indexes their fields): a message, the ids it concerns,
// and the error as text. Never an e-mail, a key or a secret (docs/operations.md "What the platform records").

/** An error's message, or the thrown value as text. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function logError(msg: string, fields: Record<string, unknown> = {}, err?: unknown): void {
  console.error({ msg, ...fields, ...(err === undefined ? {} : { error: errorText(err) }) });
}

export function logWarn(msg: string, fields: Record<string, unknown> = {}, err?: unknown): void {
  console.warn({ msg, ...fields, ...(err === undefined ? {} : { error: errorText(err) }) });
}
