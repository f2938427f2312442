import { describe, expect, it } from 'vitest';
import { load, storageOf, useHarness } from './harness';

useHarness();

const CONTACT = 'c0ffee00-1111-2222-3333-444455556666';
const answerWithContact = () => new Response(JSON.stringify({ accepted: 1, rejected: [], contactId: CONTACT }), { status: 202 });

/** Records what the tracker writes to document.cookie, and still stores it. */
const recordCookies = (writes: string[]) => (w: any) => {
  let proto = Object.getPrototypeOf(w.document);
  while (!Object.getOwnPropertyDescriptor(proto, 'cookie')) proto = Object.getPrototypeOf(proto);
  const desc = Object.getOwnPropertyDescriptor(proto, 'cookie')!;
  Object.defineProperty(w.document, 'cookie', {
    get: () => desc.get!.call(w.document),
    set: (v: string) => {
      writes.push(v);
      desc.set!.call(w.document, v);
    },
    configurable: true,
  });
};

describe('identity', () => {
  it('keeps the visitor id in localStorage and reuses it on the next page', async () => {
    const a = await load();
    await a.settle();
    const id = a.posts[0]!.u;
    expect(id).toMatch(/^[\w-]{16,64}$/);
    expect(storageOf(a.win).sm_v).toBe(id);
    const b = await load({ storage: storageOf(a.win) });
    await b.settle();
    expect(b.posts[0]!.u).toBe(id);
  });

  it('falls back to a cookie when localStorage is blocked', async () => {
    // As in a browser that blocks storage: touching window.localStorage throws.
    const block = (w: any) =>
      Object.defineProperty(w, 'localStorage', {
        get() {
          throw new Error('SecurityError');
        },
      });
    const a = await load({ before: block });
    await a.settle();
    const id = a.posts[0]!.u;
    expect(a.doc.cookie).toContain(`sm_v=${id}`);
    const b = await load({ before: block, cookie: `sm_v=${id}` });
    await b.settle();
    expect(b.posts[0]!.u).toBe(id);
  });

  it('sets the smclient cookie from the answer: path=/, 10 years, SameSite=Lax, Secure on https', async () => {
    const writes: string[] = [];
    const p = await load({ answer: answerWithContact, before: (w) => ((w.isSecureContext = true), recordCookies(writes)(w)) });
    await p.settle();
    expect(writes).toContain(`smclient=${CONTACT};path=/;max-age=315360000;SameSite=Lax;Secure`);
    expect(p.doc.cookie).toContain(`smclient=${CONTACT}`);
  });

  it('sets the smclient cookie without Secure on plain http', async () => {
    const writes: string[] = [];
    await (await load({ url: 'http://shop.example/', answer: answerWithContact, before: recordCookies(writes) })).settle();
    expect(writes).toContain(`smclient=${CONTACT};path=/;max-age=315360000;SameSite=Lax`);
  });

  // The collector answers only id-shaped contactIds (worker/routes/ingest.test.ts, "answers only an
  // id-shaped contactId"): the tracker takes the one it gets.
  it('sets no smclient cookie from answers without a contactId, nor from answers that are not JSON', async () => {
    const writes: string[] = [];
    const p = await load({
      answer: (_, n) => new Response(n === 1 ? JSON.stringify({ accepted: 1, rejected: [] }) : 'oops', { status: 202 }),
      before: recordCookies(writes),
    });
    await p.settle();
    p.smEdge('login', { token: 't' });
    await p.settle();
    expect(writes.filter((c) => c.startsWith('smclient'))).toEqual([]);
  });

  it('sends the smclient cookie SALESmanago (or an earlier answer) set', async () => {
    const p = await load({ cookie: `smclient=${CONTACT}` });
    await p.settle();
    expect(p.posts[0]!.c).toBe(CONTACT);
    const q = await load({ cookie: 'smclient=' });
    await q.settle();
    expect(q.posts[0]!.c).toBeFalsy(); // an empty cookie: nothing to send (the collector ignores "")
  });
});
