// Loads a fresh copy of the tracker source into a fresh happy-dom window for each page, with the
// collector's fetch and navigator.sendBeacon replaced by recorders. The tracker uses the page's
// globals (window, document, location, ...), so while a page is loaded those globals lead to its
// window; loading the next page stops the previous one's timers (as leaving a page would).
import { Window } from 'happy-dom';
import { afterEach, beforeEach, vi } from 'vitest';

export const COLLECTOR = 'https://collector.example/e';

/** Beacon format 2 (docs/contracts.md "Beacon format"): {v: 2, u: visitor, c?: smclient, p?: cart path, e: events}; an event is
 *  {i: id, k: type, t: time, u: url, h: title, r: referrer, ...the command's argument as given}. */
interface Payload {
  v: number;
  u: string;
  c?: string;
  p?: string;
  e: Array<Record<string, any>>;
}

export interface Page {
  win: any;
  doc: any;
  /** Bodies POSTed with fetch, parsed, in order. */
  posts: Payload[];
  /** The RequestInit of each fetch. */
  inits: RequestInit[];
  /** Bodies sent with sendBeacon, parsed, in order. */
  beacons: Payload[];
  /** Every event sent by either way, in order. */
  events(): Array<Record<string, any>>;
  /** Lets the batching tick (500 ms) fire and the answers arrive. */
  settle(): Promise<void>;
  smEdge(...a: unknown[]): unknown;
}

export interface Options {
  url?: string;
  attrs?: Record<string, string>;
  /** Answer of the collector to each fetch (default 202 {accepted}). Throw to simulate a network error. */
  answer?: (body: Payload, n: number) => Response | Promise<Response>;
  beacon?: boolean | null;
  /** Runs on the window before the tracker starts (e.g. a queued smEdge stub, storage). */
  before?: (win: any) => void;
  webdriver?: boolean;
  /** localStorage to start with (a "next page" gets the previous page's, see storageOf). */
  storage?: Record<string, string>;
  cookie?: string;
}

const open: any[] = [];

/** The globals the tracker reads, forwarded to the window of the page loaded last. */
const GLOBALS = ['window', 'document', 'location', 'history', 'localStorage', 'navigator', 'fetch', 'isSecureContext'];
const saved = new Map<string, PropertyDescriptor | undefined>();
const point = (win: any) => {
  for (const k of GLOBALS) {
    if (!saved.has(k)) saved.set(k, Object.getOwnPropertyDescriptor(globalThis, k));
    Object.defineProperty(globalThis, k, { get: () => (k === 'window' ? win : win[k]), configurable: true });
  }
};
const restore = () => {
  for (const [k, d] of saved) d ? Object.defineProperty(globalThis, k, d) : delete (globalThis as any)[k];
  saved.clear();
};

/** Fake timers (and Date) for the batching delay and the outbox clock; windows closed afterwards. */
export const useHarness = () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
  });
  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    restore();
    for (const w of open.splice(0)) await w.happyDOM.close();
  });
};

export async function load(o: Options = {}): Promise<Page> {
  vi.resetModules();
  // Stops the previous page's batching tick; clearAllTimers also resets the fake clock, which must go on.
  const now = Date.now();
  vi.clearAllTimers();
  vi.setSystemTime(now);
  const win: any = new Window({ url: o.url ?? 'https://shop.example/' });
  open.push(win);
  const doc = win.document;
  doc.title = 'Shop';
  Object.defineProperty(win.navigator, 'webdriver', { value: o.webdriver ?? false, configurable: true });
  for (const [k, v] of Object.entries(o.storage ?? {})) win.localStorage.setItem(k, v);
  if (o.cookie) for (const c of o.cookie.split('; ')) doc.cookie = `${c};path=/`;
  const posts: Payload[] = [];
  const inits: RequestInit[] = [];
  const beacons: Payload[] = [];
  win.fetch = vi.fn(async (url: string | URL, init: RequestInit) => {
    if (String(url) !== COLLECTOR) throw new Error(`unexpected URL ${url}`);
    const body = JSON.parse(init.body as string) as Payload;
    posts.push(body);
    inits.push(init);
    return o.answer ? o.answer(body, posts.length) : new Response(JSON.stringify({ accepted: body.e.length, rejected: [] }), { status: 202 });
  });
  if (o.beacon === null) Object.defineProperty(win.navigator, 'sendBeacon', { value: undefined });
  else
    win.navigator.sendBeacon = vi.fn((url: string | URL, body: string) => {
      if (String(url) !== COLLECTOR) throw new Error(`unexpected URL ${url}`);
      if (o.beacon === false) return false;
      beacons.push(JSON.parse(body));
      return true;
    });
  const script = doc.createElement('script');
  script.src = 'https://collector.example/s.js';
  for (const [k, v] of Object.entries(o.attrs ?? {})) script.setAttribute(`data-${k}`, v);
  Object.defineProperty(doc, 'currentScript', { value: script, configurable: true });
  o.before?.(win);
  point(win);
  const { init } = await import('../src/index');
  init();
  return {
    win,
    doc,
    posts,
    inits,
    beacons,
    events: () => [...posts, ...beacons].flatMap((p) => p.e),
    settle: async () => {
      await vi.advanceTimersByTimeAsync(1000);
    },
    smEdge: (...a) => win.smEdge(...a),
  };
}

/** The localStorage of a page as a plain object, to start the "next page" with it. */
export const storageOf = (win: any): Record<string, string> =>
  Object.fromEntries(Array.from({ length: win.localStorage.length }, (_, i) => win.localStorage.key(i)).map((k) => [k, win.localStorage.getItem(k)]));

export const fire = (target: any, win: any, type: string, props: Record<string, unknown> = {}) => {
  const e = new win.Event(type, { bubbles: true, cancelable: true });
  for (const [k, v] of Object.entries(props)) Object.defineProperty(e, k, { value: v });
  target.dispatchEvent(e);
};

export const hide = (win: any) => {
  Object.defineProperty(win.document, 'hidden', { value: true, configurable: true });
  Object.defineProperty(win.document, 'visibilityState', { value: 'hidden', configurable: true });
  fire(win.document, win, 'visibilitychange');
};
