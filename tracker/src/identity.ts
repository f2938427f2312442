// First-party visitor id (localStorage, a cookie where storage is blocked) and SALESmanago's smclient
// cookie (its contactId).
import { d } from './env';

const V = 'sm_v';
export const SMCLIENT = 'smclient';

/** ~30 digits: random ones and the time. Unlike crypto.randomUUID it works on plain-http pages too. */
export const rid = () => ('' + Math.random()).slice(2) + Date.now();

export const cookie = (n: string) => d.cookie.match('(^|; )' + n + '=([^;]*)')?.[2];

/** Values are ids (ours, or a checked contactId): nothing to encode. Secure wherever the browser allows it. */
export const setCookie = (n: string, v: string) => (d.cookie = n + '=' + v + ';path=/;max-age=315360000;SameSite=Lax' + (isSecureContext ? ';Secure' : ''));

/** localStorage get (one argument), set (a value: truthy when stored) or remove (''); undefined
 *  where storage is blocked. */
export const store = (k: string, v?: string): any => {
  try {
    return v ? (localStorage[k] = v) : v == null ? localStorage[k] : delete localStorage[k];
  } catch {}
};

let id: string;

/** The id kept in localStorage (else the cookie), or a new one. */
export const visitor = () => (id ||= store(V) || cookie(V) || rid());

/** Called only once storing is allowed (see consent.ts). */
export const keepVisitor = () => store(V, visitor()) || setCookie(V, visitor());
