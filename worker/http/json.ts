// JSON request bodies: every body the API takes is one JSON object.
import type { Context } from 'hono';
import { InvalidRequest } from '../errors.ts';

// One decoder for every request: decode() without { stream } keeps no state between calls.
const decoder = new TextDecoder();

export async function readJson(c: Context): Promise<Record<string, unknown>> {
  // Decoded here rather than with .text(): beacons arrive as text/plain, shop bodies as JSON, and a
  // client's odd Content-Type must not change how the bytes are read.
  const text = decoder.decode(await c.req.arrayBuffer());
  if (text.trim() === '') throw new InvalidRequest('body: is empty (expected a JSON object)');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequest('body: is not valid JSON');
  }
  // valibot's object() would take an array for an object; every body here is a JSON object.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequest('body: must be a JSON object');
  }
  return value as Record<string, unknown>;
}
