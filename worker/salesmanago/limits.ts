// SALESmanago's event field limits (docs/salesmanago-api.md §3.3). Over-long values are shortened here,
// before sending, and every change is recorded: a limit never turns into a rejected call.
import type { Truncation } from './types.ts';

export const LIMITS = {
  description: 2048,
  products: 512,
  detail: 255,
  details: 20,
  externalId: 255,
  shopDomain: 255,
  /** value as text, e.g. "1234.56" (the official library cuts it at 22 characters). */
  valueText: 22,
} as const;

/** Batch size: the official plugin exports 400 items per request; no documented maximum exists. */
export const CHUNK_SIZE = 400;

/**
 * The official plugin's location rule: a letter or "_", then letters, digits or "_", 3 to 36
 * characters, mixed case (plugin 3.11.1 `salesmanago/src/Admin/Model/AdminModel.php:1031`).
 */
export const LOCATION_RULE = /^[a-zA-Z_][a-zA-Z0-9_]{2,35}$/;

/** A date below this is taken as Unix seconds (1e12 ms is September 2001). */
export const SECONDS_BELOW = 1e12;

// Lengths are UTF-16 code units: a Java server (and the JS simulator) count them that way, and a
// string within the limit in code units is within it in code points too.
export function cutText(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // do not keep half of a surrogate pair
  return value.slice(0, end);
}

/** Fits a text field, recording the shortening. */
export function fitText(field: string, value: string, max: number, record: (t: Truncation) => void): string {
  const out = cutText(value, max);
  if (out.length !== value.length) record({ field, from: value.length, to: out.length, kind: 'shortened' });
  return out;
}

/** Products are comma-joined ids: cut after the last whole id when one fits, not inside an id. */
export function fitProducts(value: string, record: (t: Truncation) => void): string {
  const max = LIMITS.products;
  if (value.length <= max) return value;
  let out = cutText(value, max);
  if (value[out.length] !== ',') {
    const comma = out.lastIndexOf(',');
    if (comma > 0) out = out.slice(0, comma);
  }
  out = out.replace(/,+$/, '');
  record({ field: 'products', from: value.length, to: out.length, kind: 'shortened' });
  return out;
}
