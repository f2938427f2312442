// The demo storefront for `npm start` and the browser tests: storefront pages with the snippet, plus
// the two things a shop server does — mint a login token after login, post the order when it is placed.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_SECRETS } from '../stack/local-values.ts';
import * as pages from './pages.ts';
import { mintLoginToken, postSigned } from './shop-server-api.ts';

export interface DemoShop {
  url: string;
  close: () => Promise<void>;
}

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(new URLSearchParams(body)));
  });
}

function cookies(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('=').map(decodeURIComponent) as [string, string])
      .filter(([k]) => k),
  );
}

export async function startDemoShop(options: { port: number; collectorUrl: string; host?: string }): Promise<DemoShop> {
  const secret = LOCAL_SECRETS.SHOP_API_SECRET;
  // Order ids unique across restarts (and never the README's 1001-1003): a time-based prefix.
  const orderPrefix = `D${Date.now().toString(36).toUpperCase()}`;
  let orderNo = 0;

  const send = (res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
    res.end(html);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    const user = cookies(req)['demo-user'];
    const ctx: pages.PageContext = { collectorUrl: options.collectorUrl, ...(user ? { user } : {}) };
    try {
      if (req.method === 'POST' && url.pathname === '/logowanie') {
        const email = (await readBody(req)).get('email')?.trim().toLowerCase() ?? '';
        // A real shop checks the password here; then it mints the token for the page to pass on.
        return send(res, 200, pages.home({ ...ctx, user: email, loginToken: mintLoginToken(secret, email), notice: 'Zalogowano.' }), {
          'Set-Cookie': `demo-user=${encodeURIComponent(email)}; Path=/; SameSite=Lax`,
        });
      }
      if (req.method === 'POST' && url.pathname === '/zamowienie') {
        const form = await readBody(req);
        const items = JSON.parse(form.get('cart') || '[]') as { id: string; name: string; quantity: number; price: number }[];
        if (items.length === 0) return send(res, 400, pages.orderFailed(ctx, 'Koszyk jest pusty: dodaj produkt przed zamówieniem.'));
        const orderId = `${orderPrefix}-${++orderNo}`;
        const email = user ?? form.get('email') ?? '';
        const value = Math.round(items.reduce((s, i) => s + i.quantity * i.price, 0) * 100) / 100;
        const result = await postSigned(options.collectorUrl, secret, '/api/v1/events', {
          type: 'purchase',
          orderId,
          email,
          loggedIn: Boolean(user),
          value,
          currency: 'PLN',
          lang: 'pl',
          products: items.map((i) => ({ id: i.id, name: i.name, quantity: i.quantity, price: i.price })),
          occurredAt: new Date().toISOString(),
          paymentMethod: 'przelew',
          shippingMethod: 'kurier',
        });
        if (result.status >= 400) {
          return send(res, 502, pages.orderFailed(ctx, `Zamówienie ${orderId}: HTTP ${result.status} ${JSON.stringify(result.body)}`));
        }
        const status = String((result.body as { status?: unknown } | null)?.status ?? result.status);
        return send(res, 200, pages.orderPlaced(ctx, { orderId, email, items, value, status }));
      }
      const page =
        url.pathname === '/'
          ? pages.home(ctx)
          : url.pathname.startsWith('/produkt/')
            ? pages.product(ctx, decodeURIComponent(url.pathname.slice(9)))
            : url.pathname === '/koszyk'
              ? pages.cart(ctx, pages.recoveredCart(url.searchParams.get('sm-edge-cart')))
              : url.pathname === '/logowanie'
                ? pages.login(ctx)
                : url.pathname === '/kontakt'
                  ? pages.contact(ctx)
                  : url.pathname === '/zapytanie'
                    ? pages.quote(ctx)
                    : url.pathname === '/dziekujemy'
                      ? pages.thanks(ctx)
                      : url.pathname === '/zgoda'
                        ? pages.consentBanner(ctx)
                        : null;
      if (page) return send(res, 200, page);
      return send(res, 404, pages.layout(ctx, 'Nie znaleziono', '<h1>404</h1>'));
    } catch (err) {
      return send(res, 500, `<pre>${String(err)}</pre>`);
    }
  });
  // A port taken meanwhile (free ports are picked before wrangler starts) must fail startStack, not crash it.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
