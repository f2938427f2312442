// The SALESmanago legacy JSON API client (contract B). Every failure comes out as a
// SalesmanagoError classified transient or permanent; batch methods report per chunk and never throw.
import { authFields } from './auth.ts';
import { kindOfRejection, kindOfStatus, parseRetryAfter, redact, SalesmanagoError } from './errors.ts';
import { CHUNK_SIZE } from './limits.ts';
import { contactEventBody, contactRefFields, doubleOptInFields, normaliseEmail, upsertDetail, wantsDoubleOptIn } from './payloads.ts';
import type { ContactEventBody, ContactRefFields, UpsertDetail } from './payloads.ts';
import type { ChunkResult, ContactEvent, ContactUpsert, EventItem, SalesmanagoConfig, Truncation } from './types.ts';

export { SalesmanagoError } from './errors.ts';
export type { ChunkResult } from './types.ts';

/** What a batch of events did, as the reply says it (SDK reads createdAmount, failedAmount, failedContacts). */
export interface BatchEventsReply {
  created: number;
  /** Contacts (e-mail or contactId, as sent) whose events were not created. */
  failed: string[];
  /** failedAmount as answered (or failed.length when missing). */
  failedAmount: number;
  /** Failures counted by failedAmount that failedContacts does not name. */
  unnamedFailures: number;
}

export const PATHS = {
  upsert: '/api/contact/upsert',
  batchUpsert: '/api/contact/batchupsert',
  addEvent: '/api/v2/contact/addContactExtEvent',
  updateEvent: '/api/v2/contact/updateContactExtEvent',
  batchAddEvents: '/api/v2/contact/addBatchContactExtEvent',
  hasContact: '/api/contact/hasContact',
  deleteContact: '/api/contact/delete',
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

  /**
   * One contact. A subscribe under API double opt-in carries useApiDoubleOptIn, doubleOptInEmailId and
   * doubleOptInLanguage at the top level, as the SDK's single upsert does (SDK 3.8
   * `Model/ContactModel.php:256-264`); any other single upsert carries none of them.
   */
  async upsertContact(c: ContactUpsert): Promise<{ contactId: string; truncations: Truncation[] }> {
    const { body, truncations } = upsertDetail(c, this.#config.owner);
    const doi = doubleOptInFields(c);
    const contactId = await this.#call(PATHS.upsert, doi ? { ...body, ...doi } : body, 'contactId', (r) => nonEmpty(r.contactId) ?? '');
    return { contactId, truncations };
  }

  /**
   * Many contacts. Every batchupsert carries a top-level `useApiDoubleOptIn: false` and no double
   * opt-in key in its items, as the SDK's batch export does (SDK 3.8 `Services/ExportService.php:57-60`):
   * SALESmanago never mails from a batch. A subscribe that needs double opt-in goes as its own single
   * upsert instead (a chunk of one item). Chunks keep the caller's order, so [start, end) ranges stay
   * contiguous.
   */
  async batchUpsertContacts(cs: ContactUpsert[]): Promise<ChunkResult<{ contactIds: Record<string, string> }>[]> {
    const results: ChunkResult<{ contactIds: Record<string, string> }>[] = [];
    let start = 0;
    while (start < cs.length) {
      const first = cs[start]!;
      if (wantsDoubleOptIn(first)) {
        try {
          const { contactId, truncations } = await this.upsertContact(first);
          const contactIds: Record<string, string> = contactId ? { [normaliseEmail(first.email)]: contactId } : {};
          results.push({ start, end: start + 1, truncations, ok: true, value: { contactIds } });
        } catch (err) {
          results.push({ start, end: start + 1, truncations: [], ok: false, error: asSalesmanagoError(err) });
        }
        start += 1;
        continue;
      }
      let end = start;
      while (end < cs.length && end - start < CHUNK_SIZE && !wantsDoubleOptIn(cs[end]!)) end += 1;
      const offset = start;
      const run = await this.#chunked(cs.slice(start, end), (chunk, at) => {
        const details: UpsertDetail[] = [];
        const truncations: Truncation[] = [];
        chunk.forEach((c, i) => {
          const fitted = upsertDetail(c, this.#config.owner);
          details.push(fitted.body);
          for (const t of fitted.truncations) truncations.push({ ...t, item: offset + at + i });
        });
        return {
          truncations,
          run: () =>
            this.#call(PATHS.batchUpsert, { useApiDoubleOptIn: false, upsertDetails: details }, 'contactIds', (r) => ({
              contactIds: emailMap(r.contactIds) ?? {},
            })),
        };
      });
      for (const r of run) results.push({ ...r, start: r.start + offset, end: r.end + offset });
      start = end;
    }
    return results;
  }

  async addEvent(item: EventItem): Promise<{ eventId: string; truncations: Truncation[] }> {
    const { body, truncations } = contactEventBody(item.event);
    const eventId = await this.#call(PATHS.addEvent, { ...contactRefFields(item.contact), contactEvent: body }, 'eventId', (r) => nonEmpty(r.eventId) ?? '');
    return { eventId, truncations };
  }

  async updateEvent(eventId: string, event: ContactEvent): Promise<{ eventId: string; truncations: Truncation[] }> {
    // An event stored without an id in the reply cannot be updated: the caller then adds a new one.
    if (!eventId) throw new SalesmanagoError('permanent', ['no eventId to update'], { path: PATHS.updateEvent });
    const { body, truncations } = contactEventBody(event, eventId);
    const id = await this.#call(PATHS.updateEvent, { contactEvent: body }, 'eventId', (r) => nonEmpty(r.eventId) ?? eventId);
    return { eventId: id, truncations };
  }

  /**
   * Events in chunks of 400. The reply's `failedContacts` names the contacts whose events were not
   * created; only those items are failures. `failedAmount` is cross-checked: failures it counts that
   * no name explains are reported in `unnamedFailures` (and logged), never turned into a failed chunk.
   */
  async batchAddEvents(items: EventItem[]): Promise<ChunkResult<BatchEventsReply>[]> {
    return this.#chunked(items, (chunk, start) => {
      const events: (ContactRefFields & { contactEvent: ContactEventBody })[] = [];
      const truncations: Truncation[] = [];
      chunk.forEach((item, i) => {
        let fitted: ReturnType<typeof contactEventBody>;
        try {
          fitted = contactEventBody(item.event);
        } catch (err) {
          // Name the item so the caller can find the bad one among up to 400.
          if (err instanceof SalesmanagoError) {
            throw new SalesmanagoError(
              'permanent',
              err.messages.map((m) => `item ${start + i}: ${m}`),
              {
                path: PATHS.batchAddEvents,
              },
            );
          }
          throw err;
        }
        events.push({ ...contactRefFields(item.contact), contactEvent: fitted.body });
        for (const t of fitted.truncations) truncations.push({ ...t, item: start + i });
      });
      return {
        truncations,
        run: () => this.#call(PATHS.batchAddEvents, { events }, 'createdAmount', (r) => batchEventsReply(r, events.length)),
      };
    });
  }

  /** A harmless authenticated call: proves endpoint, client ID, secret and owner work together. */
  async hasContact(email: string): Promise<boolean> {
    // success:true is the proof; `result` says whether the contact exists, else a contactId does.
    return this.#call(PATHS.hasContact, { email: normaliseEmail(email) }, 'result', (r) =>
      typeof r.result === 'boolean' ? r.result : nonEmpty(r.contactId) !== undefined,
    );
  }

  /**
   * Deletes the contact of an e-mail (an erasure, consent/erasure.ts). Body {owner, email} besides the
   * auth fields, as pixers/salesmanago-api's `ContactService::delete` posts to `contact/delete`
   * (`src/Pixers/SalesManagoAPI/Service/ContactService.php`); SALESmanago's own SDK has no delete
   * method (docs/salesmanago-api.md §2.1). success:true is the proof; `message` is read only on failure.
   */
  async deleteContact(email: string): Promise<void> {
    await this.#call(PATHS.deleteContact, { email: normaliseEmail(email) }, 'success', () => undefined);
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

  async #call<T>(path: string, body: object, expected: string, pick: (reply: Reply) => T): Promise<T> {
    const config = this.#config;
    const auth = await authFields(config);
    const secrets = [config.apiSecret, auth.sha];
    const clean = (text: string) => redact(text, secrets);
    const signal = AbortSignal.timeout(config.timeoutMs);
    const payload = JSON.stringify({ ...auth, owner: config.owner, ...body });

    let url = config.endpoint + path;
    let res: Response;
    let text: string;
    for (let redirects = 0; ; redirects += 1) {
      try {
        res = await this.#fetch(url, {
          method: 'POST',
          headers: { Accept: 'application/json', 'Content-Type': 'application/json;charset=UTF-8' },
          body: payload,
          signal,
          // Followed by hand below: fetch would turn a 301/302/303 POST into a GET elsewhere.
          redirect: 'manual',
        });
        text = await res.text();
      } catch (err) {
        if (signal.aborted) {
          // SALESmanago may have stored it and answered late (the official SDK waits 30 s and does
          // not retry a timeout: `Helper/ConnectionClients/cURLClient.php:14-17`).
          throw new SalesmanagoError('transient', [`no answer within ${config.timeoutMs} ms (timeout)`], { path, maybeStored: true });
        }
        const said = clean(errorText(err));
        // Only a connection that was never made is certainly not processed.
        const neverSent = /refused|ENOTFOUND|getaddrinfo|DNS|resolve/i.test(said);
        throw new SalesmanagoError('transient', [`network error: ${said}`], { path, maybeStored: !neverSent });
      }
      const location = res.headers.get('Location');
      // 307/308 keep the method and body (RFC 9110 §15.4.8-9): followed once, to where it points.
      if ((res.status === 307 || res.status === 308) && location && redirects === 0) {
        try {
          url = new URL(location, url).toString();
          continue;
        } catch {
          // an unreadable Location: reported below as any other redirect
        }
      }
      break;
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
        // A 5xx may come from a proxy after SALESmanago stored the request; 408 and 429 were refused.
        maybeStored: status >= 500,
      });
    }
    if (status >= 300) {
      // Transient, not permanent: a moved endpoint is a set-up problem the setup page shows
      // (the message says what to change); nothing is lost meanwhile.
      const location = res.headers.get('Location');
      throw new SalesmanagoError(
        'transient',
        [`the endpoint redirects${location ? ` to ${clean(location)}` : ''}: set SALESMANAGO_ENDPOINT to the final address`],
        { status, path },
      );
    }
    if (!reply) throw new SalesmanagoError('transient', ['malformed reply: not a JSON object'], { status, path, maybeStored: true });
    if (reply.success !== true) {
      const said = messages.length > 0 ? messages : ['success is not true and no message was given'];
      throw new SalesmanagoError(kindOfRejection(said), said, { status, path });
    }
    // success:true means stored, whatever else the reply lacks (the plugin reads no more either):
    // never re-send it. A missing field is an oddity worth a log line, not a failure.
    if (reply[expected] === undefined) console.warn({ msg: 'SALESmanago answered success without an expected field', path, field: expected });
    return pick(reply);
  }
}

/** A batch events reply read as the SDK does, tolerant of missing counts. */
function batchEventsReply(r: Reply, sent: number): BatchEventsReply {
  const failed = Array.isArray(r.failedContacts) ? r.failedContacts.map(failedName) : [];
  const failedAmount = typeof r.failedAmount === 'number' ? r.failedAmount : failed.length;
  const created = typeof r.createdAmount === 'number' ? r.createdAmount : Math.max(0, sent - failedAmount);
  const unnamedFailures = Math.max(0, failedAmount - failed.length);
  if (unnamedFailures > 0) {
    console.warn({ msg: 'SALESmanago batch events: failedAmount and failedContacts disagree', failedAmount, named: failed.length });
  }
  return { created, failed, failedAmount, unnamedFailures };
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
