// /setup/events and /setup/contact in workerd: events delivered through the simulator, one refused by
// SALESmanago, one refused shop-API request; filters; the contact view; the hourly SVG chart.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { recordConsent } from '../consent/store.ts';
import { resetRefusalWindow } from '../http/refusals.ts';
import { asEvents, browserEvent, consume, email, env, orderEvent } from '../test/delivery-fixtures.ts';
import { sign } from '../identity/signature.ts';
import { app } from '../index.ts';

const ORIGIN = 'http://sm-edge.test';

async function get(path: string, auth = true) {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = auth ? { Authorization: `Basic ${btoa(`m:${env.ADMIN_PASSWORD}`)}` } : {};
  const res = await app.request(`${ORIGIN}${path}`, { headers }, env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, html: await res.text() };
}

describe('/setup/events and /setup/contact', () => {
  const buyer = email('buyer');
  const purchase = orderEvent('purchase', { email: buyer });
  // Other files may have used up this isolate's refusals per minute (http/refusals.ts) when they share it.
  beforeEach(() => resetRefusalWindow());

  it("lists every event newest first, with SALESmanago's answer; refused shop-API requests too", async () => {
    await consume([asEvents([purchase])]);
    // A refused order: no signature.
    const ctx = createExecutionContext();
    const refused = await app.request(`${ORIGIN}/api/v1/events`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } }, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(refused.status).toBe(401);

    const page = await get('/setup/events?lang=en');
    expect(page.status).toBe(200);
    expect(page.html).toMatch(new RegExp(`data-id="${purchase.id}" data-type="purchase" data-status="delivered"`));
    expect(page.html).toMatch(new RegExp(`data-id="${purchase.id}".*?accepted by SALESmanago`, 's'));
    expect(page.html).toMatch(/id="refused-table".*?POST \/api\/v1\/events.*?HTTP 401.*?Sm-Edge-Signature/s);
    // The setup page's "Last errors" does not hide it behind "No errors.": it counts and links the refusals.
    const setup = await get('/setup?lang=en');
    expect(setup.html).toMatch(
      /id="refused-count" class="warn"><a href="\/setup\/events\?lang=en#refused">Shop-server and platform requests refused \(24 h\): [1-9]/,
    );
    // Hourly chart: server-side SVG with the delivered purchase in the last hour.
    expect(page.html).toMatch(/<svg id="hourly-chart"[^>]*role="img"/);
    expect(page.html).toMatch(/<rect [^>]*fill="#137a3f" data-status="delivered" data-n="\d+"/);
    expect(page.html).not.toContain('style="'); // the CSP allows no style attributes
  });

  it('a Visit with viewed products shows their ids; a Visit without shows none', async () => {
    const products = ['KUB-1', 'TAL-2', '3', '4', '5', '6'].map((id) => ({ id, quantity: 1 }));
    const viewed = browserEvent('visit', { contactId: 'c0ffee-1', products });
    const plain = browserEvent('visit', { contactId: 'c0ffee-1' });
    await consume([asEvents([viewed, plain])]);
    const page = await get('/setup/events?lang=en&type=visit');
    expect(page.html).toMatch(
      new RegExp(
        `data-id="${viewed.id}"[^>]*>.*?<div class="small products" data-products="KUB-1,TAL-2,3,4,5,6">products: KUB-1, TAL-2, 3, 4, 5 \\(\\+1\\)</div>`,
        's',
      ),
    );
    const plainRow = page.html.slice(page.html.indexOf(`data-id="${plain.id}"`));
    expect(plainRow.slice(0, plainRow.indexOf('</tr>'))).not.toContain('data-products');
  });

  it('a conflicting repost (409, no `error` field) is listed with the fields that differ', async () => {
    const post = async (body: unknown) => {
      const raw = JSON.stringify(body);
      const header = await sign(env.SHOP_API_SECRET!, Math.floor(Date.now() / 1000), 'POST', '/api/v1/events', raw);
      const ctx = createExecutionContext();
      const res = await app.request(
        `${ORIGIN}/api/v1/events`,
        { method: 'POST', body: raw, headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': header } },
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res.status;
    };
    const orderId = `conflict-${crypto.randomUUID()}`;
    const order = {
      type: 'purchase',
      orderId,
      email: buyer,
      value: 10,
      currency: 'PLN',
      products: [{ id: 'sku-1', quantity: 1 }],
      occurredAt: '2026-11-20T14:03:00+01:00',
    };
    expect(await post(order)).toBe(202);
    await new Promise((r) => setTimeout(r, 1100)); // a new signature time: not a replay
    expect(await post({ ...order, value: 11 })).toBe(409);
    const page = await get('/setup/events?lang=en');
    expect(page.html).toMatch(/id="refused-table".*?HTTP 409.*?conflict: accepted before with another value/s);
  });

  it('shows a contact the same way on every row: the e-mail when known, the SALESmanago id in small print', async () => {
    // An order makes the contact known (its SALESmanago id recorded); a later Visit carries only that id.
    const known = email('known');
    const byEmail = orderEvent('purchase', { email: known });
    await consume([asEvents([byEmail])]);
    const contactId = (await env.LEDGER.prepare('SELECT contact_id FROM known_contacts WHERE email = ?1').bind(known).first<{ contact_id: string }>())!
      .contact_id;
    const byId = browserEvent('visit', { contactId });
    await consume([asEvents([byId])]);
    const page = await get('/setup/events?lang=pl');
    const row = (id: string) => {
      const from = page.html.slice(page.html.indexOf(`data-id="${id}"`));
      return from.slice(0, from.indexOf('</tr>'));
    };
    const shown = `<a href="/setup/contact?lang=pl&amp;email=${encodeURIComponent(known).replace(/&/g, '&amp;')}">${known}</a><span class="small muted contact-id"><br/>ID <code>${contactId}</code></span>`;
    expect(row(byId.id)).toContain(shown);
    expect(row(byEmail.id)).toContain(shown);
    // Types and sources in Polish, in the rows and in the filter.
    expect(row(byId.id)).toContain('<b class="event-type">odwiedziny</b> <span class="muted small source">przeglądarka</span>');
    expect(row(byEmail.id)).toContain('<b class="event-type">zakup</b> <span class="muted small source">serwer sklepu</span>');
    expect(page.html).toContain('<option value="cancellation">anulowanie</option>');
  });

  it('filters by type, status and e-mail, in Polish too', async () => {
    const other = orderEvent('cancellation');
    await consume([asEvents([other])]);
    const byEmail = await get(`/setup/events?lang=pl&email=${encodeURIComponent(buyer)}`);
    expect(byEmail.html).toContain('Zdarzenia (najnowsze najpierw)');
    expect(byEmail.html).toContain(`data-id="${purchase.id}"`);
    expect(byEmail.html).not.toContain(`data-id="${other.id}"`);
    const byType = await get('/setup/events?type=cancellation');
    expect(byType.html).toContain(`data-id="${other.id}"`);
    expect(byType.html).not.toContain(`data-id="${purchase.id}"`);
    const failed = await get('/setup/events?status=failed&lang=en');
    expect(failed.html).not.toContain(`data-id="${purchase.id}"`);
    // An unknown filter value is ignored, never an error.
    expect((await get('/setup/events?status=bogus')).status).toBe(200);
  });

  it('the contact view shows consent, the SALESmanago contact id and recent events', async () => {
    await recordConsent(env.CONSENTS, { email: buyer, status: 'opt-in', changedAt: Date.now(), source: 'salesmanago' }, { log: env.LEDGER });
    const page = await get(`/setup/contact?lang=en&email=${encodeURIComponent(buyer.toUpperCase())}`);
    expect(page.html).toMatch(/id="consent-status".*?opt-in.*?salesmanago/s);
    expect(page.html).toMatch(/id="contact-id"><code>[^<]+<\/code>/);
    expect(page.html).toContain(`data-id="${purchase.id}"`);
    const unknown = await get(`/setup/contact?lang=pl&email=${encodeURIComponent(email('nobody'))}`);
    expect(unknown.html).toContain('nieznana');
    expect(unknown.html).toContain('jeszcze nieznane');
  });

  it('is behind the admin password (personal data)', async () => {
    expect((await get('/setup/events', false)).status).toBe(401);
    expect((await get(`/setup/contact?email=${buyer}`, false)).status).toBe(401);
  });
});
