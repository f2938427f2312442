// Reads the worker's configuration and names every problem in it. Nothing here throws: a
// misconfigured worker keeps accepting and queueing events (design.md), and /health and /setup
// show what to fix.
import type { Env } from './env.ts';
import type { SalesmanagoConfig } from './salesmanago/types.ts';

export interface ConfigProblem {
  name: string;
  problem: string;
}

export interface Config {
  salesmanago: SalesmanagoConfig | null;
  location: string;
  shopDomains: string[];
  shopApiSecret: string | null;
  callbackSecret: string | null;
  adminPassword: string | null;
  tags: {
    registration: string[];
    newsletter: string[];
    purchaseLoggedIn: string[];
    purchaseGuest: string[];
  };
  doubleOptIn: { enabled: boolean; emailId?: string; language?: string };
  shopWebhookUrl: string | null;
  /** First retry delay of a transient delivery failure, in seconds. */
  retryBaseS: number;
  problems: ConfigProblem[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// SALESmanago location: a conservative rule that satisfies both documented constraints
// (see salesmanago-api.md §3.3): a letter or "_", then [a-z0-9_], 3 to 36 characters.
export const LOCATION = /^[a-z_][a-z0-9_]{2,35}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function text(value: string | undefined): string {
  return (value ?? '').trim();
}

export function tagList(value: string | undefined): string[] {
  // Tags are upper-cased with spaces as "_", as SALESmanago's own library normalises them.
  return text(value)
    .split(',')
    .map((t) => t.trim().toUpperCase().replace(/\s+/g, '_'))
    .filter((t) => t.length > 0);
}

function endpointProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL (expected e.g. https://app3.salesmanago.com)';
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
    return 'must use https';
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    return 'must be the base URL only, without a path (e.g. https://app3.salesmanago.com)';
  }
  return null;
}

export function readConfig(env: Env): Config {
  const problems: ConfigProblem[] = [];
  const need = (name: keyof Env, check?: (v: string) => string | null): string | null => {
    const value = text(env[name] as string | undefined);
    if (!value) {
      problems.push({ name, problem: 'is not set' });
      return null;
    }
    const problem = check?.(value) ?? null;
    if (problem) {
      problems.push({ name, problem });
      return null;
    }
    return value;
  };

  const endpoint = need('SALESMANAGO_ENDPOINT', endpointProblem);
  const clientId = need('SALESMANAGO_CLIENT_ID', (v) =>
    /^[a-z0-9]{4,40}$/i.test(v) ? null : 'must be the short client ID from SALESmanago (letters and digits)',
  );
  const apiSecret = need('SALESMANAGO_API_SECRET', (v) =>
    v.length >= 8 ? null : 'is too short to be an API secret',
  );
  const owner = need('SALESMANAGO_OWNER', (v) => (EMAIL.test(v) ? null : 'must be an e-mail address'));

  const locationValue = text(env.SALESMANAGO_LOCATION);
  let location = '';
  if (locationValue) {
    if (LOCATION.test(locationValue)) location = locationValue;
    else
      problems.push({
        name: 'SALESMANAGO_LOCATION',
        problem: 'must start with a letter or "_", then a-z, 0-9 or "_", 3 to 36 characters',
      });
  }

  const domains = text(env.SHOP_DOMAINS)
    .split(',')
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  if (domains.length === 0) problems.push({ name: 'SHOP_DOMAINS', problem: 'is not set' });
  for (const d of domains) {
    if (!DOMAIN.test(d)) problems.push({ name: 'SHOP_DOMAINS', problem: `"${d}" is not a domain name` });
  }
  if (!location && domains[0]) location = defaultLocation(domains[0]);

  const secret = (name: 'SHOP_API_SECRET' | 'CALLBACK_SECRET' | 'ADMIN_PASSWORD', min: number) =>
    need(name, (v) => (v.length >= min ? null : `must be at least ${min} characters long`));
  const shopApiSecret = secret('SHOP_API_SECRET', 16);
  const callbackSecret = secret('CALLBACK_SECRET', 8);
  const adminPassword = secret('ADMIN_PASSWORD', 8);

  const doubleOptIn = text(env.DOUBLE_OPT_IN).toLowerCase() === 'true';
  const doiEmailId = text(env.DOUBLE_OPT_IN_EMAIL_ID);
  const doiLanguage = text(env.DOUBLE_OPT_IN_LANGUAGE);
  if (doubleOptIn && !doiEmailId)
    problems.push({ name: 'DOUBLE_OPT_IN_EMAIL_ID', problem: 'is required when DOUBLE_OPT_IN is true' });

  let shopWebhookUrl: string | null = text(env.SHOP_WEBHOOK_URL) || null;
  if (shopWebhookUrl && !/^https?:$/.test(safeUrl(shopWebhookUrl)?.protocol ?? '')) {
    problems.push({ name: 'SHOP_WEBHOOK_URL', problem: 'is not an http(s) URL' });
    shopWebhookUrl = null;
  }

  const timeoutMs = Number(text(env.SALESMANAGO_TIMEOUT_MS)) || 30_000;
  const retryBaseS = Math.max(1, Math.round(Number(text(env.DELIVERY_RETRY_BASE_S)) || 30));
  return {
    salesmanago:
      endpoint && clientId && apiSecret && owner
        ? { endpoint: endpoint.replace(/\/$/, ''), clientId, apiSecret, owner, timeoutMs }
        : null,
    location,
    shopDomains: domains,
    shopApiSecret,
    callbackSecret,
    adminPassword,
    tags: {
      registration: tagList(env.TAGS_REGISTRATION),
      newsletter: tagList(env.TAGS_NEWSLETTER),
      purchaseLoggedIn: tagList(env.TAGS_PURCHASE_LOGGED_IN),
      purchaseGuest: tagList(env.TAGS_PURCHASE_GUEST),
    },
    doubleOptIn: {
      enabled: doubleOptIn,
      ...(doiEmailId ? { emailId: doiEmailId } : {}),
      ...(doiLanguage ? { language: doiLanguage } : {}),
    },
    shopWebhookUrl,
    retryBaseS,
    problems,
  };
}

function safeUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** The location used when SALESMANAGO_LOCATION is empty: derived from the first shop domain. */
export function defaultLocation(domain: string): string {
  const slug = domain.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const base = /^[a-z_]/.test(slug) ? slug : `_${slug}`;
  return (base.length >= 3 ? base : `${base}___`).slice(0, 36);
}
