// Named consents to SALESmanago (issue 23 "Sent to SALESmanago"): only the consents linked on /setup to
// a consent of the account go as consentDetails, named as the account names them, with the IP of the
// statement and the description id of the text version agreed to; a name SALESmanago refuses (the
// simulator's account has GDPR_MARKETING and GDPR_PROFILING only) is recorded, shown on /setup, not sent
// again, and the contact's other data still arrives.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';
import type { QueueMessage } from '../queue/messages.ts';
import { consume, env, sim } from '../test/delivery-fixtures.ts';
import { saveText } from './texts.ts';

const ORIGIN = 'http://localhost';
const admin = { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` };

async function signedPost(path: string, body: unknown) {
  const raw = JSON.stringify(body);
  const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'POST', path, raw);
  const ctx = createExecutionContext();
  const res = await app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header }, body: raw }, env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

async function setupPage(path: string) {
  const ctx = createExecutionContext();
  const res = await app.request(`${ORIGIN}${path}`, { headers: admin }, env, ctx);
  await waitOnExecutionContext(ctx);
  return res.text();
}

let spy: MockInstance<Queue<QueueMessage>['sendBatch']>;
let taken = 0;
beforeEach(() => {
  spy = vi.spyOn(env.EVENTS as Queue<QueueMessage>, 'sendBatch').mockImplementation(async () => undefined as never);
  taken = 0;
});
const take = () => {
  const all = spy.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body));
  const fresh = all.slice(taken);
  taken = all.length;
  return fresh;
};

type Detail = { consentName: string; consentAccept: boolean; agreementDate: number; ip?: string; optOut: boolean; consentDescriptionId?: number };
const simContactOf = async (address: string) =>
  (await sim<{ contacts: { email: string; name?: string; consentDetails?: Detail[] }[] }>('/__sim/state')).contacts.find((c) => c.email === address);
const person = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;

describe('consentDetails to SALESmanago', () => {
  it("sends only linked consents, under the account's name, with the IP and the agreed version's description id", async () => {
    const shopName = `marketing-${crypto.randomUUID().slice(0, 6)}`;
    expect(await saveText(env.LEDGER, { name: shopName, text: 'I agree to offers by e-mail.', smName: 'GDPR_MARKETING', smId: '71' })).toEqual({
      ok: true,
      added: true,
    });
    expect(await saveText(env.LEDGER, { name: shopName, text: 'I agree to offers by e-mail and SMS.', smName: 'GDPR_MARKETING', smId: '72' })).toEqual({
      ok: true,
      added: true,
    });
    const email = person('linked');
    const at = Date.now() - 60_000;
    const res = await signedPost('/api/v1/contacts', {
      email,
      name: 'Linked Person',
      ip: '198.51.100.23',
      consents: [
        { name: shopName, accepted: true, at: new Date(at).toISOString(), version: '1' },
        { name: `unlinked-${crypto.randomUUID().slice(0, 6)}`, accepted: true, at: new Date(at).toISOString() },
      ],
    });
    expect(res.status).toBe(202);
    const run = await consume(take());
    expect(run.acked.size).toBe(1);
    const contact = await simContactOf(email);
    expect(contact?.consentDetails).toEqual([
      { consentName: 'GDPR_MARKETING', consentAccept: true, agreementDate: at, ip: '198.51.100.23', optOut: false, consentDescriptionId: 71 },
    ]);
  });

  it("a withdrawal goes with optOut, and without a version the current version's id", async () => {
    const shopName = `profiling-${crypto.randomUUID().slice(0, 6)}`;
    await saveText(env.LEDGER, { name: shopName, text: 'Profiling v1.', smName: 'GDPR_PROFILING', smId: '5' });
    await saveText(env.LEDGER, { name: shopName, text: 'Profiling v2.', smName: 'GDPR_PROFILING', smId: '6' });
    const email = person('withdrawn');
    const at = Date.now() - 1000;
    expect((await signedPost('/api/v1/contacts', { email, consents: [{ name: shopName, accepted: false, at: new Date(at).toISOString() }] })).status).toBe(202);
    await consume(take());
    expect((await simContactOf(email))?.consentDetails).toEqual([
      { consentName: 'GDPR_PROFILING', consentAccept: false, agreementDate: at, optOut: true, consentDescriptionId: 6 },
    ]);
  });

  it('a name SALESmanago refuses is recorded and shown on /setup (pl, en), the contact still arrives, and it is not sent again until the text is saved anew', async () => {
    const shopName = `partners-${crypto.randomUUID().slice(0, 6)}`;
    const smName = `PARTNERS_${crypto.randomUUID().slice(0, 6).toUpperCase()}`;
    await saveText(env.LEDGER, { name: shopName, text: 'I agree to partner offers.', smName });
    const email = person('refused');
    expect(
      (await signedPost('/api/v1/contacts', { email, name: 'Still Here', consents: [{ name: shopName, accepted: true, at: new Date().toISOString() }] }))
        .status,
    ).toBe(202);
    const { seq } = (await sim<{ seq: number }[]>('/__sim/calls')).at(-1) ?? { seq: 0 };
    const run = await consume(take());
    expect(run.acked.size).toBe(1);
    const contact = await simContactOf(email);
    expect(contact).toMatchObject({ name: 'Still Here' });
    expect(contact?.consentDetails).toBeUndefined();
    // SALESmanago was asked twice: with the consent (refused), then without it.
    const calls = (await sim<{ path: string; ok: boolean; messages?: string[] }[]>(`/__sim/calls?since=${seq}`)).filter(
      (c) => c.path === '/api/contact/batchupsert',
    );
    expect(calls.map((c) => c.ok)).toEqual([false, true]);
    expect(calls[0]?.messages?.join(' ')).toContain(smName);

    const en = await setupPage('/setup/consents?lang=en');
    expect(en).toContain(`SALESmanago refused the consent &quot;${smName}&quot;`);
    expect(await setupPage('/setup/consents?lang=pl')).toContain(`SALESmanago odrzuciło zgodę „${smName}”`);
    expect(en).not.toContain(email);

    // The next contact naming it: one call, without the consent.
    const next = person('refused-next');
    await signedPost('/api/v1/contacts', { email: next, consents: [{ name: shopName, accepted: true, at: new Date().toISOString() }] });
    const { seq: seq2 } = (await sim<{ seq: number }[]>('/__sim/calls')).at(-1) ?? { seq: 0 };
    await consume(take());
    const again = (await sim<{ path: string; ok: boolean }[]>(`/__sim/calls?since=${seq2}`)).filter((c) => c.path === '/api/contact/batchupsert');
    expect(again.map((c) => c.ok)).toEqual([true]);
    expect((await simContactOf(next))?.consentDetails).toBeUndefined();

    // Saved anew (e.g. after creating it in SALESmanago, or with a corrected name): tried again.
    await saveText(env.LEDGER, { name: shopName, text: 'I agree to partner offers.', smName: 'GDPR_MARKETING' });
    expect(await setupPage('/setup/consents?lang=en')).not.toContain(`SALESmanago refused the consent &quot;${smName}&quot;`);
    const relinked = person('relinked');
    const at = Date.now() - 1000;
    await signedPost('/api/v1/contacts', { email: relinked, consents: [{ name: shopName, accepted: true, at: new Date(at).toISOString() }] });
    await consume(take());
    expect((await simContactOf(relinked))?.consentDetails).toEqual([{ consentName: 'GDPR_MARKETING', consentAccept: true, agreementDate: at, optOut: false }]);
  });
});
