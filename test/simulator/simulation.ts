// The simulator's whole state and the operations on it, shared by the HTTP control routes and by Node
// tests that hold the Simulator object directly.
import type { SimulatorAccount } from './auth.ts';
import { CallLog, type CallCounts } from './calls.ts';
import { renderCallbackUrl, sendCallback, templateProblems, type CallbackTemplates } from './callbacks.ts';
import { FaultInjector, type FaultConfig } from './faults.ts';
import type { OptInStatus } from './optin.ts';
import { AccountStore, type Contact, type StoredEvent } from './store.ts';
import { CatalogStore, type Catalog, type StoredProduct } from './catalog.ts';
import { emailProblems, normalizeEmail } from './validation.ts';

export interface SimulationOptions {
  accounts: SimulatorAccount[];
  seed?: number;
  callbacks?: CallbackTemplates;
  /** Calls kept in the log (counters are never bounded). */
  callLogLimit?: number;
}

interface ExternalIdCount {
  externalId: string;
  count: number;
  eventIds: string[];
}

interface SimulationCounts extends CallCounts {
  contacts: number;
  events: number;
  eventsByType: Record<string, number>;
  /** Stored events per "TYPE:externalId" (":returnId" added for a RETURN); events without one are not counted. */
  eventsByExternalId: Record<string, number>;
  /** Keys (as in eventsByExternalId) stored more than once: what an exactly-once check looks for. */
  duplicateExternalIds: ExternalIdCount[];
  eventUpdates: number;
  /** Products in all catalogs (API v3). */
  products: number;
}

export interface SentCallback {
  at: number;
  kind: 'optIn' | 'optOut';
  email: string;
  status: number | null;
  error?: string;
}

export interface SimulationState {
  contacts: Contact[];
  events: StoredEvent[];
  /** API v3 product catalogs, each with its products. */
  catalogs: (Catalog & { products: StoredProduct[] })[];
  faults: FaultConfig;
  callbacks: CallbackTemplates;
  callbacksSent: SentCallback[];
  /** Contacts deleted (/api/contact/delete), oldest first. */
  deletions: { email: string; contactId: string; at: number }[];
  counts: SimulationCounts;
}

export interface ConsentChange {
  contact: Contact;
  /** The callback call made, or null when no template is configured. */
  url: string | null;
  status: number | null;
  body: string | null;
}

/** A problem in a control request, answered as HTTP 400 {"error"}. */
export class ControlError extends Error {
  readonly status: number;

  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

const SENT_CALLBACKS_KEPT = 200;

export class Simulation {
  readonly store = new AccountStore();
  readonly catalog: CatalogStore;
  readonly calls: CallLog;
  readonly faults: FaultInjector;
  readonly accounts: readonly SimulatorAccount[];
  private templates: CallbackTemplates;
  private sent: SentCallback[] = [];

  constructor(options: SimulationOptions) {
    this.accounts = options.accounts;
    this.catalog = new CatalogStore(options.accounts.flatMap((a) => a.catalogs ?? []));
    this.calls = new CallLog(options.callLogLimit);
    this.faults = new FaultInjector(options.seed ?? 1);
    this.templates = { ...options.callbacks };
  }

  /** Clears contacts, events, products (catalogs go back to the accounts' own), calls and faults. Callback templates are configuration and stay. */
  reset(): void {
    this.store.reset();
    this.catalog.reset();
    this.calls.reset();
    this.faults.reset();
    this.sent = [];
  }

  setFaults(config: unknown): void {
    const problems = this.faults.configure(config);
    if (problems.length > 0) throw new ControlError(problems.join('; '));
  }

  /** Merges the templates given; null removes one. */
  setCallbacks(input: unknown): CallbackTemplates {
    const problems = templateProblems(input);
    if (problems.length > 0) throw new ControlError(problems.join('; '));
    for (const [key, value] of Object.entries(input as Record<string, string | null>)) {
      const kind = key as keyof CallbackTemplates;
      if (value === null) delete this.templates[kind];
      else this.templates[kind] = value;
    }
    return { ...this.templates };
  }

  callbacks(): CallbackTemplates {
    return { ...this.templates };
  }

  /** The contact clicked the confirmation link: opt-in, then the opt-in callback. */
  confirm(email: unknown): Promise<ConsentChange> {
    return this.changeConsent(email, 'opt-in', 'optIn');
  }

  /** The contact clicked an unsubscribe link: opt-out, then the opt-out callback. */
  unsubscribe(email: unknown): Promise<ConsentChange> {
    return this.changeConsent(email, 'opt-out', 'optOut');
  }

  state(): SimulationState {
    const events = this.store.allEvents();
    const byExternalId = new Map<string, string[]>();
    const eventsByType: Record<string, number> = {};
    let eventUpdates = 0;
    for (const event of events) {
      eventsByType[event.contactExtEventType] = (eventsByType[event.contactExtEventType] ?? 0) + 1;
      eventUpdates += event.updates;
      if (event.externalId === undefined) continue;
      // One order has a PURCHASE, a CANCELLATION and RETURNs under the same externalId (the plugin's
      // plain order id); the worker's returns carry their return id in detail12. So an event is
      // counted under "TYPE:externalId" (and ":returnId" for a RETURN).
      const returnId = event.contactExtEventType === 'RETURN' ? event.details.detail12 : undefined;
      const key = `${event.contactExtEventType}:${event.externalId}${returnId ? `:${returnId}` : ''}`;
      const ids = byExternalId.get(key) ?? [];
      ids.push(event.eventId);
      byExternalId.set(key, ids);
    }
    const contacts = this.store.allContacts();
    return {
      contacts,
      events,
      catalogs: this.catalog.state(),
      faults: this.faults.config(),
      callbacks: this.callbacks(),
      callbacksSent: [...this.sent],
      deletions: [...this.store.deletions],
      counts: {
        ...this.calls.counts(),
        contacts: contacts.length,
        events: events.length,
        eventsByType,
        eventsByExternalId: Object.fromEntries([...byExternalId].map(([id, ids]) => [id, ids.length])),
        duplicateExternalIds: [...byExternalId]
          .filter(([, ids]) => ids.length > 1)
          .map(([externalId, eventIds]) => ({ externalId, count: eventIds.length, eventIds })),
        eventUpdates,
        products: this.catalog.productCount(),
      },
    };
  }

  private async changeConsent(email: unknown, status: OptInStatus, kind: 'optIn' | 'optOut'): Promise<ConsentChange> {
    const problems = emailProblems(email);
    if (problems.length > 0) throw new ControlError(problems.join('; '));
    const owner = this.accounts[0]?.owner ?? 'owner@localhost';
    // A link click needs a contact; the simulator creates it so tests can start from any address.
    const contact = this.store.setOptIn(this.store.ensureContact(normalizeEmail(email as string), owner), status);
    const template = this.templates[kind];
    if (!template) return { contact, url: null, status: null, body: null };
    const url = renderCallbackUrl(template, contact.email);
    const record: SentCallback = { at: Date.now(), kind, email: contact.email, status: null };
    this.sent.push(record);
    if (this.sent.length > SENT_CALLBACKS_KEPT) this.sent.shift();
    try {
      const result = await sendCallback(url);
      record.status = result.status;
      return { contact, url, status: result.status, body: result.body };
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      throw new ControlError(`callback to ${new URL(url).origin} failed: ${record.error}`, 502);
    }
  }
}
