// The SALESmanago legacy JSON API client (contract B). Every failure comes out as a
// SalesmanagoError classified transient or permanent; batch methods report per chunk and never throw.
import { authFields } from './auth.ts';
import { kindOfRejection, kindOfStatus, parseRetryAfter, redact, SalesmanagoError } from './errors.ts';
import { CHUNK_SIZE } from './limits.ts';
import { contactEventBody, contactRefFields, normaliseEmail, upsertDetail } from './payloads.ts';
import type { ContactEventBody, ContactRefFields, UpsertDetail } from './payloads.ts';
import type { ChunkResult, ContactEvent, ContactUpsert, EventItem, SalesmanagoConfig, Truncation } from './types.ts';

export { SalesmanagoError } from './errors.ts';
export type { ChunkResult } from './types.ts';

export const PATHS = {
  upsert: '/api/contact/upsert',
  batchUpsert: '/api/contact/batchupsert',
  addEvent: '/api/v2/contact/addContactExtEvent',
  updateEvent: '/api/v2/contact/updateContactExtEvent',
  batchAddEvents: '/api/v2/contact/addBatchContactExtEvent',
  hasContact: '/api/contact/hasContact',
} as const;

type Reply = Record<string, unknown>;

export class SalesmanagoClient {
  readonly #config: SalesmanagoConfig;
  readonly #fetch: typeof fetch;

  constructor(config: SalesmanagoConfig, fetcher?: typeof fetch) {
    this.#config = config;
    // Wrapped so the platform fetch is never called with a foreign `this`.
    this.#fetch = fetcher ?? ((input, init) => fetch(input, init));
  }

  async upsertContact(c: ContactUpsert): Promise<{ contactId: string; truncations: Truncation[] }> {
    const { body, truncations } = upsertDetail(c, this.#config.owner);
    const contactId = await this.#call(PATHS.upsert, body, 'contactId', (r) => nonEmpty(r.contactId));
    return { contactId, truncations };
  }

  async batchUpsertContacts(
    cs: ContactUpsert[],
  ): Promise<ChunkResult<{ contactIds: Record<string, string> }>[]> {
    return this.#chunked(cs, (chunk, start) => {
      const details: UpsertDetail[] = [];
      const truncations: Truncation[] = [];
      chunk.forEach((c, i) => {
        const fitted = upsertDetail(c, this.#config.owner);
        details.push(fitted.body);
        for (const t of fitted.truncations) truncations.push({ ...t, item: start + i });
      });
      return {
        truncations,
        run: () =>
          this.#call(PATHS.batchUpsert, { upsertDetails: details }, 'contactIds', (r) => {
            const contactIds = emailMap(r.contactIds);
            return contactIds ? { contactIds } : undefined;
          }),
      };
    });
  }

  async addEvent(item: EventItem): Promise<{ eventId: string; truncations: Truncation[] }> {
    const { body, truncations } = contactEventBody(item.event);
    const eventId = await this.#call(
      PATHS.addEvent,
      { ...contactRefFields(item.contact), contactEvent: body },
      'eventId',
      (r) => nonEmpty(r.eventId),
    );
    return { eventId, truncations };
  }

  async updateEvent(eventId: string, event: ContactEvent): Promise<{ eventId: string; truncations: Truncation[] }> {
    const { body, truncations } = contactEventBody(event, eventId);
    const id = await this.#call(PATHS.updateEvent, { contactEvent: body }, 'eventId', (r) => nonEmpty(r.eventId));
    return { eventId: id, truncations };
  }

  async batchAddEvents(items: EventItem[]): Promise<ChunkResult<{ created: number; failed: string[] }>[]> {
    return this.#chunked(items, (chunk, start) => {
      const events: (ContactRefFields & { contactEvent: ContactEventBody })[] = [];
      const truncations: Truncation[] = [];
      chunk.forEach((item, i) => {
        let fitted;
        try {
          fitted = contactEventBody(item.event);
        } catch (err) {
          // Name the item so the caller can find the bad one among up to 400.
          if (err instanceof SalesmanagoError) {
            throw new SalesmanagoError('permanent', err.messages.map((m) => `item ${start + i}: ${m}`), {
              path: PATHS.batchAddEvents,
            });
          }
          throw err;
        }
        events.push({ ...contactRefFields(item.contact), contactEvent: fitted.body });
        for (const t of fitted.truncations) truncations.push({ ...t, item: start + i });
      });
      return {
        truncations,
        run: () =>
          this.#call(PATHS.batchAddEvents, { events }, 'createdAmount', (r) => {
            if (typeof r.createdAmount !== 'number') return undefined;
            const failed = Array.isArray(r.failedContacts) ? r.failedContacts.map(failedName) : [];
            return { created: r.createdAmount, failed };
          }),
      };
    });
  }

  /** A harmless authenticated call: proves endpoint, client ID, secret and owner work together. */
  async hasContact(email: string): Promise<boolean> {
    return this.#call(PATHS.hasContact, { email: normaliseEmail(email) }, 'result', (r) =>
      typeof r.result === 'boolean' ? r.result : undefined,
    );
  }

  // Splits into chunks and runs them one after another (no burst against an undocumented rate
  // limit). Preparing a chunk may throw (a bad event type): that chunk fails, the others still go.
  async #chunked<I, T>(
    items: readonly I[],
    prepare: (chunk: I[], start: number) => { truncations: Truncation[]; run: () => Promise<T> },
  ): Promise<ChunkResult<T>[]> {
    const results: ChunkResult<T>[] = [];
    for (let start = 0; start < items.length; start += CHUNK_SIZE) {
      const end = Math.min(start + CHUNK_SIZE, items.length);
      let truncations: Truncation[] = [];
      try {
        const prepared = prepare(items.slice(start, end), start);
        truncations = prepared.truncations;
        results.push({ start, end, truncations, ok: true, value: await prepared.run() });
      } catch (err) {
        results.push({ start, end, truncations, ok: false, error: asSalesmanagoError(err) });
      }
    }
    return results;
  }

  async #call<T>(path: string, body: object, expected: string, pick: (reply: Reply) => T | undefined): Promise<T> {
    const config = this.#config;
    const auth = await authFields(config);
    const secrets = [config.apiSecret, auth.sha];
    const clean = (text: string) => redact(text, secrets);
    const signal = AbortSignal.timeout(config.timeoutMs);

    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(config.endpoint + path, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json;charset=UTF-8' },
        body: JSON.stringify({ ...auth, owner: config.owner, ...body }),
        signal,
        // A POST that is redirected comes back as a GET elsewhere: report the wrong endpoint instead.
        redirect: 'manual',
      });
      text = await res.text();
    } catch (err) {
      if (signal.aborted) {
        throw new SalesmanagoError('transient', [`no answer within ${config.timeoutMs} ms (timeout)`], { path });
      }
      throw new SalesmanagoError('transient', [`network error: ${clean(errorText(err))}`], { path });
    }

    const status = res.status;
    const reply = parseObject(text);
    const messages = reply ? replyMessages(reply).map(clean) : [];
    const statusKind = kindOfStatus(status);
    if (statusKind) {
      const retryAfterS = statusKind === 'transient' ? parseRetryAfter(res.headers.get('Retry-After')) : undefined;
      throw new SalesmanagoError(statusKind, messages.length > 0 ? messages : [`HTTP ${status}`], {
        status,
        path,
        ...(retryAfterS !== undefined ? { retryAfterS } : {}),
      });
    }
    if (status >= 300) {
      const location = res.headers.get('Location');
      throw new SalesmanagoError(
        'permanent',
        [`the endpoint redirects${location ? ` to ${location}` : ''}: set SALESMANAGO_ENDPOINT to the final address`],
        { status, path },
      );
    }
    if (!reply) throw new SalesmanagoError('transient', ['malformed reply: not a JSON object'], { status, path });
    if (reply.success !== true) {
      const said = messages.length > 0 ? messages : ['success is not true and no message was given'];
      throw new SalesmanagoError(kindOfRejection(said), said, { status, path });
    }
    const value = pick(reply);
    if (value === undefined) {
      throw new SalesmanagoError('transient', [`malformed reply: no ${expected}`], { status, path });
    }
    return value;
  }
}

function parseObject(text: string): Reply | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Reply) : null;
  } catch {
    return null;
  }
}

// The legacy API answers `message: string[]`; tolerate a single string too.
function replyMessages(reply: Reply): string[] {
  const m = reply.message ?? reply.messages;
  if (Array.isArray(m)) return m.filter((x) => x !== null && x !== undefined && x !== '').map((x) => String(x));
  if (typeof m === 'string' && m) return [m];
  return [];
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function emailMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [email, id] of Object.entries(value)) if (typeof id === 'string') out[normaliseEmail(email)] = id;
  return out;
}

// failedContacts' element shape is undocumented: strings, or objects naming the contact.
function failedName(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (typeof entry === 'object' && entry !== null) {
    const e = entry as Record<string, unknown>;
    for (const key of ['email', 'contactId', 'externalId']) if (typeof e[key] === 'string') return e[key];
  }
  return JSON.stringify(entry);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function asSalesmanagoError(err: unknown): SalesmanagoError {
  if (err instanceof SalesmanagoError) return err;
  // Anything else is a bug of ours; reported as permanent so it is recorded rather than retried forever.
  return new SalesmanagoError('permanent', [`unexpected error: ${errorText(err)}`]);
}
