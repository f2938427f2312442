// The /setup pages and buttons called as plain functions, without HTTP (routes/setup.tsx only reads the
// request into a PageRequest and answers with what these return).
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import { InvalidRequest } from '../errors.ts';
import { env } from '../test/delivery-fixtures.ts';
import { contactExport, startReconcile } from './actions.ts';
import { consentsPage, contactPage, erasePage, lockedPage, type PageRequest } from './pages.tsx';

const request = (over: Partial<PageRequest> = {}): PageRequest => ({
  env,
  config: readConfig(env),
  reads: env.LEDGER,
  ledgers: [env.LEDGER],
  language: 'en',
  nonce: 'n0nce',
  url: 'http://sm-edge.test/setup/consents?lang=en',
  method: 'GET',
  ...over,
});

describe('setup pages as plain functions', () => {
  it('a page is the whole document in the layout, with the language switch on the same page', async () => {
    const page = await consentsPage(request());
    expect(page.status).toBe(200);
    const html = String(await page.html);
    expect(html.startsWith('<!doctype html><html lang="en"')).toBe(true);
    expect(html).toContain('nonce="n0nce"');
    expect(html).toContain('href="/setup/consents?lang=pl"');
  });

  it('after a POST the switch leads to the setup page', async () => {
    const html = await consentsPage(request({ method: 'POST', language: 'pl' })).then(async (p) => String(await p.html));
    expect(html).toContain('<html lang="pl"');
    expect(html).toContain('href="/setup?lang=en"');
  });

  it('the locked page answers 403', async () => {
    expect(lockedPage(request()).status).toBe(403);
  });

  it('the contact page without an e-mail shows no contact; an erasure without an e-mail is refused (400)', async () => {
    expect((await contactPage(request(), {})).status).toBe(200);
    expect((await erasePage(request({ method: 'POST' }), { email: 'not-an-address', confirm: 'yes' })).status).toBe(400);
  });

  it('the download needs an e-mail address in the form', async () => {
    expect(await contactExport(env, readConfig(env), { email: 'not-an-address' })).toBeNull();
    expect(await contactExport(env, readConfig(env), {})).toBeNull();
  });

  it('the reconciliation button refuses an unknown platform before any pull starts', () => {
    expect(() => startReconcile(env, readConfig(env), 'magento')).toThrow(InvalidRequest);
  });
});
