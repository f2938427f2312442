// The setup page's "Shop platform" section: for each platform (worker/platforms), the webhook URL to
// paste, the topics to tick, whether its secret is set, and the last delivery received with its
// outcome (platform_deliveries). Reads D1 itself, so the page adds it with one line.
import { PLATFORMS } from '../platforms/index.ts';
import { lastDelivery, type PlatformDelivery } from '../platforms/deliveries.ts';
import type { Platform } from '../platforms/platform.ts';
import type { Child } from 'hono/jsx';
import type { SetupView } from './view.ts';
import { errorText } from '../log.ts';

const TEXT = {
  en: {
    title: 'Shop platform',
    intro: 'WooCommerce or Shopify: paste the URL into the shop\'s webhook settings, one webhook per topic, signed with the secret named here (docs/platforms.md "Shop platforms").',
    url: 'Webhook URL', topics: 'Topics to tick', secret: 'Secret', set: 'set', notSet: 'not set', shop: 'Shop',
    last: 'Last delivery', never: 'none received yet', unreadable: 'cannot be read:',
    where: { woocommerce: 'WooCommerce → Settings → Advanced → Webhooks → Add webhook (API version: WP REST API Integration v3)', shopify: 'Shopify admin → Settings → Notifications → Webhooks → Create webhook (format JSON)' },
  },
  pl: {
    title: 'Platforma sklepu',
    intro: 'WooCommerce lub Shopify: wklej adres w ustawieniach webhooków sklepu, jeden webhook na temat, podpisany sekretem podanym tutaj (docs/platforms.md "Shop platforms").',
    url: 'Adres webhooka', topics: 'Tematy do zaznaczenia', secret: 'Sekret', set: 'ustawiony', notSet: 'nieustawiony', shop: 'Sklep',
    last: 'Ostatnia dostawa', never: 'jeszcze żadnej', unreadable: 'nie można odczytać:',
    where: { woocommerce: 'WooCommerce → Ustawienia → Zaawansowane → Webhooki → Dodaj webhook (wersja API: WP REST API Integration v3)', shopify: 'Panel Shopify → Ustawienia → Powiadomienia → Webhooki → Utwórz webhook (format JSON)' },
  },
} as const;

function Last(props: { last: PlatformDelivery | null | { error: string }; text: (typeof TEXT)['en' | 'pl'] }) {
  const { last, text } = props;
  if (last === null) return <span class="muted">{text.never}</span>;
  if ('error' in last) return <span class="warn">{text.unreadable} {last.error}</span>;
  const ok = last.outcome !== 'refused';
  return (
    <span>
      {new Date(last.receivedAt).toISOString().slice(0, 19).replace('T', ' ')} UTC · <code>{last.topic ?? '—'}</code>{' '}
      <span class={`badge ${ok ? 'ok' : 'bad'}`}>{`${last.outcome} (${last.httpStatus})`}</span>
      {last.reason ? <> {last.reason}</> : null}
    </span>
  );
}

function secretSet(view: SetupView, p: Platform): boolean {
  return p.secret(view.config.platforms) !== null;
}

/** `children`: the platform settings' form rows, which the page passes in. */
export async function ShopPlatformSection({ view, children }: { view: SetupView; children?: Child }) {
  const text = TEXT[view.lang === 'pl' ? 'pl' : 'en'];
  const lasts = await Promise.all(
    PLATFORMS.map((p) => lastDelivery(view.env.LEDGER, p.name).catch((err: unknown) => ({ error: errorText(err) }))),
  );
  return (
    <section id="shop-platform">
      <h2>{text.title}</h2>
      <p class="intro">{text.intro}</p>
      {PLATFORMS.map((p, i) => (
        <div id={`platform-${p.name}`}>
          <h3>{p.label}</h3>
          <p class="muted">{text.where[p.name]}</p>
          <dl>
            <dt>{text.url}</dt>
            <dd><pre class="copy">{`${view.origin}${p.path}`}</pre></dd>
            <dt>{text.topics}</dt>
            <dd>{Object.keys(p.topics).map((t) => <><code>{t}</code> </>)}</dd>
            <dt>{text.secret} <code>{p.secretName}</code></dt>
            <dd class="secret-state">
              <span class={`badge ${secretSet(view, p) ? 'ok' : 'off'}`}>{secretSet(view, p) ? text.set : text.notSet}</span>
            </dd>
            {p.name === 'shopify' ? (
              <>
                <dt>{text.shop} <code>SHOPIFY_SHOP_DOMAIN</code></dt>
                <dd>{view.config.platforms.shopify.shopDomain ? <code>{view.config.platforms.shopify.shopDomain}</code> : <span class="badge off">{text.notSet}</span>}</dd>
              </>
            ) : null}
            <dt>{text.last}</dt>
            <dd class="last-delivery"><Last last={lasts[i] ?? null} text={text} /></dd>
          </dl>
        </div>
      ))}
      {children}
    </section>
  );
}
