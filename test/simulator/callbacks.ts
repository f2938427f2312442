// SALESmanago's opt-in/opt-out callbacks (docs/salesmanago-api.md §5): a GET to the URL template the merchant
// pasted, with $email$ replaced and every sha1(...) expression evaluated.
import { sha1Hex } from './auth.ts';

export interface CallbackTemplates {
  optIn?: string;
  optOut?: string;
}

export interface CallbackResult {
  url: string;
  status: number;
  body: string;
}

/**
 * Inside sha1(...) the raw e-mail is hashed (receivers check key == sha1(email + secret)); elsewhere
 * $email$ is URL-encoded with encodeURIComponent, the likely choice (the real encoding is undocumented).
 */
export function renderCallbackUrl(template: string, email: string): string {
  let url = '';
  let rest = template;
  for (;;) {
    const start = rest.indexOf('sha1(');
    const end = start < 0 ? -1 : rest.indexOf(')', start);
    if (start < 0 || end < 0) break;
    url += rest.slice(0, start).replaceAll('$email$', encodeURIComponent(email));
    url += sha1Hex(rest.slice(start + 5, end).replaceAll('$email$', email));
    rest = rest.slice(end + 1);
  }
  return url + rest.replaceAll('$email$', encodeURIComponent(email));
}

export function templateProblems(input: unknown): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['callbacks must be a JSON object'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (key !== 'optIn' && key !== 'optOut') problems.push(`callbacks.${key} is not known (optIn, optOut)`);
    else if (value !== null && (typeof value !== 'string' || !/^https?:\/\//.test(value))) {
      problems.push(`callbacks.${key} must be an http(s) URL template`);
    } else if (typeof value === 'string' && !value.includes('$email$')) problems.push(`callbacks.${key} must contain $email$`);
  }
  return problems;
}

export async function sendCallback(url: string, timeoutMs = 10_000): Promise<CallbackResult> {
  const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  return { url, status: response.status, body: await response.text() };
}
