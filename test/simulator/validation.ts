// What SALESmanago's legacy JSON API accepts in a contact or an event (docs/salesmanago-api.md §1.1, §3.3, §3.4).
// Pure functions: each returns the problems found, in SALESmanago's style (one message string each).

/** Copied from the documented list (docs/salesmanago-api.md §3.4); the simulator must not depend on worker code. */
const EVENT_TYPES: readonly string[] = [
  'PURCHASE',
  'CART',
  'VISIT',
  'PHONE_CALL',
  'OTHER',
  'RESERVATION',
  'CANCELLED',
  'ACTIVATION',
  'MEETING',
  'OFFER',
  'DOWNLOAD',
  'LOGIN',
  'TRANSACTION',
  'CANCELLATION',
  'RETURN',
  'SURVEY',
  'APP_STATUS',
  'APP_TYPE_WEB',
  'APP_TYPE_MANUAL',
  'APP_TYPE_RETENTION',
  'APP_TYPE_UPSALE',
  'LOAN_STATUS',
  'LOAN_ORDER',
  'FIRST_LOAN',
  'REPEATED_LOAN',
];

/** Field limits of contactEvent. Lengths are UTF-16 code units, as Java's String.length() counts them. */
const EVENT_LIMITS = {
  description: 2048,
  products: 512,
  externalId: 255,
  shopDomain: 255,
  contactExtEventType: 255,
  detail: 255,
  details: 20,
  value: 22,
} as const;

/** The official plugin's location rule, mixed case (plugin 3.11.1 `Admin/Model/AdminModel.php:1031`). */
const LOCATION_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]{2,35}$/;

/**
 * Event types the official code never sends without products or a value (SDK 3.8
 * `Entity/Event/Event.php` isEmpty(), checked by `Services/ContactAndEventTransferService.php:90`):
 * the simulator refuses them. Other types (VISIT, LOGIN, ...) carry neither by nature.
 */
const NEEDS_CONTENT: readonly string[] = ['CART', 'PURCHASE'];

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$|^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC-ish address check: dot-atom local part <= 64, at least two domain labels, whole <= 254. */
export function isValidEmail(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split('.');
  return local.length <= 64 && LOCAL_PART.test(local) && labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l));
}

/** The key SALESmanago identifies a contact by: addresses are case-insensitive. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A Unix time in milliseconds: an integer (or digit string) of exactly 13 digits. Seconds (10 digits) fail. */
export function isMillis(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1e12 && value < 1e13;
  return typeof value === 'string' && /^\d{13}$/.test(value);
}

export function emailProblems(value: unknown, field = 'email'): string[] {
  if (value === undefined || value === null || value === '') return [`${field} is required`];
  if (!isValidEmail(typeof value === 'string' ? value.trim() : value)) return [`${field} is not a valid e-mail address`];
  return [];
}

function textProblems(event: JsonObject, field: string, max: number): string[] {
  const value = event[field];
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string') return [`contactEvent.${field} must be a string`];
  if (value.length > max) return [`contactEvent.${field} is too long (${value.length} > ${max})`];
  return [];
}

/**
 * Problems of a contactEvent. For an add, type and date are required; for an update (partial), only the
 * fields present are checked.
 */
export function contactEventProblems(event: unknown, mode: 'add' | 'update'): string[] {
  if (!isObject(event)) return ['contactEvent is required'];
  const problems: string[] = [];
  const type = event.contactExtEventType;
  if (type === undefined || type === null) {
    if (mode === 'add') problems.push('contactEvent.contactExtEventType is required');
  } else if (typeof type !== 'string' || !EVENT_TYPES.includes(type)) {
    problems.push(`contactEvent.contactExtEventType is unknown: ${String(type).slice(0, 40)}`);
  }
  if (event.date === undefined || event.date === null) {
    if (mode === 'add') problems.push('contactEvent.date is required');
  } else if (!isMillis(event.date)) {
    problems.push('contactEvent.date must be a Unix time in milliseconds');
  }
  problems.push(...textProblems(event, 'description', EVENT_LIMITS.description));
  problems.push(...textProblems(event, 'products', EVENT_LIMITS.products));
  problems.push(...textProblems(event, 'externalId', EVENT_LIMITS.externalId));
  problems.push(...textProblems(event, 'shopDomain', EVENT_LIMITS.shopDomain));
  const location = event.location;
  if (location !== undefined && location !== null && (typeof location !== 'string' || !LOCATION_PATTERN.test(location))) {
    problems.push('contactEvent.location must match ^[a-zA-Z_][a-zA-Z0-9_]{2,35}$');
  }
  const value = event.value;
  if (value !== undefined && value !== null) {
    const numeric = typeof value === 'number' ? Number.isFinite(value) : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value);
    if (!numeric) problems.push('contactEvent.value must be a number');
    else if (String(value).length > EVENT_LIMITS.value) problems.push('contactEvent.value is too long');
  }
  for (const key of Object.keys(event)) {
    const match = /^detail(\d+)$/.exec(key);
    if (!match) continue;
    const n = Number(match[1]);
    if (n < 1 || n > EVENT_LIMITS.details) problems.push(`contactEvent.${key} is not allowed (detail1..detail20)`);
    else problems.push(...textProblems(event, key, EVENT_LIMITS.detail));
  }
  if (mode === 'add' && typeof type === 'string' && NEEDS_CONTENT.includes(type)) {
    const products = typeof event.products === 'string' ? event.products.trim() : '';
    const v = event.value;
    const hasValue = v !== undefined && v !== null && v !== '' && Number(v) !== 0;
    if (!products && !hasValue) problems.push(`contactEvent ${type} has neither products nor value`);
  }
  return problems;
}

/** detailN fields of a contactEvent, as stored. */
export function pickDetails(event: JsonObject): Record<string, string> {
  const details: Record<string, string> = {};
  for (let n = 1; n <= EVENT_LIMITS.details; n++) {
    const value = event[`detail${n}`];
    if (typeof value === 'string') details[`detail${n}`] = value;
  }
  return details;
}
