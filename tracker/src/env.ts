// The page's window and document (aliased so the bundle names them in one letter), and the
// guards every entry point goes through.
import { debug } from './config';

export const w = window as any;
export const d = document as any;

/** data-debug: shows in the console the collector's answers (what it refused, and why) and why the tracker is off. */
export const log = (a: unknown) => debug && console.log('smEdge', a);

/** Wraps an entry point so nothing the tracker does can throw into the shop's own JavaScript. */
export const safe =
  (f: (...a: any[]) => unknown) =>
  (...a: any[]) => {
    try {
      f(...a);
    } catch {}
  };

export const on = (t: EventTarget, type: string, f: (e: any) => unknown, capture?: boolean) => t.addEventListener(type, safe(f), capture);
