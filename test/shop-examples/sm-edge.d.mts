// Types for sm-edge.mjs (used by the project's own test of the example).
export function signature(secret: string, method: string, pathWithQuery: string, rawBody: string, t?: number): string;
export function postSigned(collectorUrl: string, path: string, body: unknown, secret: string): Promise<{ status: number; body: unknown }>;
export function mintLoginToken(secret: string, email: string, ttlSeconds?: number, now?: number): string;
