// Secrets saved on the setup page are stored in D1 encrypted with AES-GCM (WebCrypto), under a key
// derived from a worker secret that D1 never sees: SETTINGS_KEY when set (HKDF-SHA256: it is meant
// to be random, e.g. `openssl rand -base64 32`), otherwise ADMIN_PASSWORD (PBKDF2-SHA256, 100,000
// iterations, the most workerd allows, because a password may be guessable). Either way a leaked D1
// export or backup does not reveal the secrets. The source of the key is written into each sealed
// value, so setting SETTINGS_KEY later does not make older values unreadable; changing the secret a
// value was sealed under does, and the page then asks for that value again.
// The setting's name is the AES-GCM additional data: a sealed value cannot be moved to another field.
import type { Env } from '../env.ts';

type KeySource = 'k' | 'p';
const VERSION = 'v1';
const LABEL = new TextEncoder().encode('sm-edge settings v1');
const keys = new Map<string, Promise<CryptoKey>>();

function material(env: Env, source: KeySource): string | null {
  const value = (source === 'k' ? env.SETTINGS_KEY : env.ADMIN_PASSWORD)?.trim() ?? '';
  return value.length >= (source === 'k' ? 16 : 8) ? value : null;
}

/** The key new values are sealed under: SETTINGS_KEY if set (at least 16 characters), else ADMIN_PASSWORD. */
function sealingSource(env: Env): KeySource | null {
  if (material(env, 'k')) return 'k';
  if (material(env, 'p')) return 'p';
  return null;
}

function key(source: KeySource, secret: string): Promise<CryptoKey> {
  const id = `${source}:${secret}`;
  let found = keys.get(id);
  if (!found) {
    found = (async () => {
      const raw = new TextEncoder().encode(secret);
      const aes = { name: 'AES-GCM', length: 256 } as const;
      if (source === 'k') {
        const base = await crypto.subtle.importKey('raw', raw, 'HKDF', false, ['deriveKey']);
        return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: LABEL, info: LABEL }, base, aes, false, ['encrypt', 'decrypt']);
      }
      const base = await crypto.subtle.importKey('raw', raw, 'PBKDF2', false, ['deriveKey']);
      return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: LABEL, iterations: 100_000 }, base, aes, false, ['encrypt', 'decrypt']);
    })();
    found.catch(() => keys.delete(id));
    keys.set(id, found);
  }
  return found;
}

function toB64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${VERSION}.`);
}

/** "v1.<k|p>.<iv>.<ciphertext>" (base64url). Throws when neither SETTINGS_KEY nor ADMIN_PASSWORD is set. */
export async function seal(env: Env, name: string, plaintext: string): Promise<string> {
  const source = sealingSource(env);
  const secret = source ? material(env, source) : null;
  if (!source || !secret) throw new Error('no key to encrypt settings with: set SETTINGS_KEY or ADMIN_PASSWORD');
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new TextEncoder().encode(plaintext);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(name) }, await key(source, secret), data);
  return [VERSION, source, toB64(iv), toB64(new Uint8Array(ct))].join('.');
}

/** The plaintext, or null when the value cannot be opened (its key changed, or it was tampered with). */
export async function open(env: Env, name: string, sealed: string): Promise<string | null> {
  const [version, source, iv, ct] = sealed.split('.');
  if (version !== VERSION || (source !== 'k' && source !== 'p') || !iv || !ct) return null;
  const secret = material(env, source);
  if (!secret) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromB64(iv), additionalData: new TextEncoder().encode(name) },
      await key(source, secret),
      fromB64(ct),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

/** A random secret for the merchant (32 characters of base64url: 192 bits). */
export function generateSecret(): string {
  return toB64(crypto.getRandomValues(new Uint8Array(24)));
}
