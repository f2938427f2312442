// The setup page's "Shop platform" section: for each platform (worker/platforms), the webhook URL to
// paste, the topics to tick, whether its secret is set, and the last delivery received with its
// outcome (platform_deliveries). Reads D1 itself, so the page adds it with one line.
import { PLATFORMS } from '../platforms/index.ts';
import { lastDelivery, type PlatformDelivery } from '../platforms/deliveries.ts';
import type { Platform } from '../platforms/platform.ts';
import type { Child } from 'hono/jsx';
import type { SetupView } from './view.ts';
import { errorText } from '../log.ts';
import { signatureReport, type SignatureReport } from '../platforms/signature-state.ts';
import { keptSummary } from '../ledger/platform-deliveries.ts';
import { pullState, type PullState } from '../ledger/platform-pulls.ts';
import { PULL_SETTINGS, pullConfigured } from '../platforms/reconcile.ts';

const TEXT = {
  en: {
    title: 'Shop platform',
    intro:
      'WooCommerce or Shopify: paste the URL into the shop\'s webhook settings, one webhook per topic, signed with the secret named here (docs/platforms.md "Shop platforms").',
    url: 'Webhook URL',
    topics: 'Topics to tick',
    secret: 'Secret',
    set: 'set',
    notSet: 'not set',
    shop: 'Shop',
    last: 'Last delivery',
    never: 'none received yet',
    unreadable: 'cannot be read:',
    signature: 'Signature',
    matched: (at: string, topic: string) => `matched: the last signed delivery (${topic}, ${at} UTC) used this secret`,
    mismatch: (label: string) =>
      `${label} is sending with a different secret: copy this one (the secret saved here, field "${label} webhook secret") into each webhook's Secret field, or save the shop's secret here`,
    unsigned: (reason: string) => `the last delivery was refused: ${reason}`,
    unknown: 'not known yet: no order or customer delivery received',
    pingNote:
      'WooCommerce\'s ping (sent when a webhook is saved) carries no signature: "ping (200)" proves the URL, not the secret. The first order or customer delivery does.',
    kept: 'Needs attention',
    keptNone: 'nothing kept',
    keptCount: (n: number) =>
      `${n} signed ${n === 1 ? 'delivery' : 'deliveries'} kept: answered 200 so the shop does not disable its webhook, but not processed yet. Fix what the reason names, then replay: npm run replay -- --status kept (or POST /admin/replay?status=kept); they are also retried hourly.`,
    pull: 'Missed orders (reconciliation)',
    pullButton: 'Pull missed orders now',
    pullOff: (names: string) => `off: ${names} not set (a read-only API key; docs/platforms.md "Reconciliation")`,
    pullNever: 'no pull yet: the first runs within the hour, or press the button',
    pullLast: (at: string, found: number, missing: number) => `last pull ${at} UTC: ${found} found, ${missing} missing (newly accepted)`,
    pullSuccess: (at: string) => `last complete pull: ${at} UTC`,
    pullError: 'last error:',
    pullRunning: (at: string) => `a pull is running (started ${at} UTC): reload the page in a moment for its figures`,
    where: {
      woocommerce: 'WooCommerce → Settings → Advanced → Webhooks → Add webhook (API version: WP REST API Integration v3)',
      shopify: 'Shopify admin → Settings → Notifications → Webhooks → Create webhook (format JSON)',
    },
  },
  pl: {
    title: 'Platforma sklepu',
    intro:
      'WooCommerce lub Shopify: wklej adres w ustawieniach webhooków sklepu, jeden webhook na temat, podpisany sekretem podanym tutaj (docs/platforms.md "Shop platforms").',
    url: 'Adres webhooka',
    topics: 'Tematy do zaznaczenia',
    secret: 'Sekret',
    set: 'ustawiony',
    notSet: 'nieustawiony',
    shop: 'Sklep',
    last: 'Ostatnia dostawa',
    never: 'jeszcze żadnej',
    unreadable: 'nie można odczytać:',
    signature: 'Podpis',
    matched: (at: string, topic: string) => `zgodny: ostatnia podpisana dostawa (${topic}, ${at} UTC) użyła tego sekretu`,
    mismatch: (label: string) =>
      `${label} wysyła z innym sekretem: skopiuj ten (sekret zapisany tutaj, pole "Sekret webhooków ${label}") do pola Secret każdego webhooka albo zapisz tutaj sekret sklepu`,
    unsigned: (reason: string) => `ostatnia dostawa została odrzucona: ${reason}`,
    unknown: 'jeszcze nieznany: nie przyszło żadne zamówienie ani klient',
    pingNote:
      'Ping WooCommerce (wysyłany przy zapisie webhooka) nie ma podpisu: "ping (200)" potwierdza adres, nie sekret. Potwierdza go dopiero pierwsze zamówienie lub klient.',
    kept: 'Wymaga uwagi',
    keptNone: 'nic nie czeka',
    keptCount: (n: number) =>
      `podpisane dostawy zachowane (${n}): odpowiedź 200, więc sklep nie wyłącza webhooka, ale jeszcze nieprzetworzone. Napraw to, co podaje powód, i odtwórz: npm run replay -- --status kept (lub POST /admin/replay?status=kept); co godzinę są też ponawiane.`,
    pull: 'Brakujące zamówienia (uzgadnianie)',
    pullButton: 'Pobierz brakujące zamówienia teraz',
    pullOff: (names: string) => `wyłączone: brak ${names} (klucz API tylko do odczytu; docs/platforms.md "Reconciliation")`,
    pullNever: 'jeszcze nie pobierano: pierwsze pobranie w ciągu godziny albo przyciskiem',
    pullLast: (at: string, found: number, missing: number) => `ostatnie pobranie ${at} UTC: znaleziono ${found}, brakowało ${missing} (przyjęte teraz)`,
    pullSuccess: (at: string) => `ostatnie pełne pobranie: ${at} UTC`,
    pullError: 'ostatni błąd:',
    pullRunning: (at: string) => `trwa pobieranie (od ${at} UTC): odśwież stronę za chwilę, by zobaczyć wynik`,
    where: {
      woocommerce: 'WooCommerce → Ustawienia → Zaawansowane → Webhooki → Dodaj webhook (wersja API: WP REST API Integration v3)',
      shopify: 'Panel Shopify → Ustawienia → Powiadomienia → Webhooki → Utwórz webhook (format JSON)',
    },
  },
} as const;

type Text = (typeof TEXT)['en' | 'pl'];

function Last(props: { last: PlatformDelivery | null | { error: string }; text: Text }) {
  const { last, text } = props;
  if (last === null) return <span class="muted">{text.never}</span>;
  if ('error' in last)
    return (
      <span class="warn">
        {text.unreadable} {last.error}
      </span>
    );
  const ok = last.outcome !== 'refused' && last.outcome !== 'kept';
  return (
    <span>
      {new Date(last.receivedAt).toISOString().slice(0, 19).replace('T', ' ')} UTC · <code>{last.topic ?? '—'}</code>{' '}
      <span class={`badge ${ok ? 'ok' : 'bad'}`}>{`${last.outcome} (${last.httpStatus})`}</span>
      {last.reason ? <> {last.reason}</> : null}
    </span>
  );
}

const when = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function Signature(props: { report: SignatureReport | { error: string }; label: string; text: Text }) {
  const { report, label, text } = props;
  if ('error' in report)
    return (
      <span class="warn">
        {text.unreadable} {report.error}
      </span>
    );
  switch (report.state) {
    case 'matched':
      return <span class="badge ok">{text.matched(when(report.lastSigned!.receivedAt), report.lastSigned!.topic ?? '—')}</span>;
    case 'mismatch':
      return <strong class="badge bad">{text.mismatch(label)}</strong>;
    case 'unsigned':
      return <span class="badge bad">{text.unsigned(report.lastRefused?.reason ?? '')}</span>;
    default:
      return <span class="muted">{text.unknown}</span>;
  }
}

function Kept(props: { kept: Awaited<ReturnType<typeof keptSummary>> | { error: string }; text: Text }) {
  const { kept, text } = props;
  if ('error' in kept)
    return (
      <span class="warn">
        {text.unreadable} {kept.error}
      </span>
    );
  if (kept.count === 0) return <span class="muted">{text.keptNone}</span>;
  return (
    <>
      <span class="badge bad">{text.keptCount(kept.count)}</span>
      <ul>
        {kept.latest.map((k) => (
          <li>
            {when(k.receivedAt)} UTC · <code>{k.topic ?? '—'}</code> {k.reason}
          </li>
        ))}
      </ul>
    </>
  );
}

function Pull(props: { platform: 'woocommerce' | 'shopify'; configured: boolean; state: PullState | null | { error: string }; text: Text }) {
  const { platform, configured, state, text } = props;
  // Plain text, not a badge: a badge does not wrap, and the three setting names are wider than a phone.
  if (!configured) return <span class="muted">{text.pullOff(PULL_SETTINGS[platform])}</span>;
  return (
    <>
      {state !== null && 'error' in state ? (
        <span class="warn">
          {text.unreadable} {state.error}
        </span>
      ) : null}
      {state === null || 'error' in state || state.lastRunAt === null ? (
        state === null || !('error' in state) ? (
          <span class="muted">{text.pullNever}</span>
        ) : null
      ) : (
        <>
          <span>{text.pullLast(when(state.lastRunAt), state.lastFound, state.lastMissing)}</span>
          {state.lastSuccessAt !== null ? <span class="muted"> · {text.pullSuccess(when(state.lastSuccessAt))}</span> : null}
          {state.lastError ? (
            <span class="badge bad">
              {text.pullError} {state.lastError}
            </span>
          ) : null}
        </>
      )}
      {state !== null && !('error' in state) && state.runningSince !== null ? <p class="badge ok">{text.pullRunning(when(state.runningSince))}</p> : null}
      <form method="post" action={`/setup/reconcile?platform=${platform}#platform-${platform}`}>
        <button type="submit">{text.pullButton}</button>
      </form>
    </>
  );
}

function secretSet(view: SetupView, p: Platform): boolean {
  return p.secret(view.config.platforms) !== null;
}

/** `children`: the platform settings' form rows, which the page passes in. */
export async function ShopPlatformSection({ view, children }: { view: SetupView; children?: Child }) {
  const text = TEXT[view.lang === 'pl' ? 'pl' : 'en'];
  const reads = view.reads ?? view.env.LEDGER;
  const lasts = await Promise.all(PLATFORMS.map((p) => lastDelivery(reads, p.name).catch((err: unknown) => ({ error: errorText(err) }))));
  const signatures = await Promise.all(PLATFORMS.map((p) => signatureReport(reads, p.name).catch((err: unknown) => ({ error: errorText(err) }))));
  const kept = await Promise.all(PLATFORMS.map((p) => keptSummary(reads, p.name).catch((err: unknown) => ({ error: errorText(err) }))));
  const pulls = await Promise.all(PLATFORMS.map((p) => pullState(view.env.LEDGER, p.name).catch((err: unknown) => ({ error: errorText(err) }))));
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
            <dd>
              <pre class="copy">{`${view.origin}${p.path}`}</pre>
            </dd>
            <dt>{text.topics}</dt>
            <dd>
              {Object.keys(p.topics).map((t) => (
                <>
                  <code>{t}</code>{' '}
                </>
              ))}
            </dd>
            <dt>
              {text.secret} <code>{p.secretName}</code>
            </dt>
            <dd class="secret-state">
              <span class={`badge ${secretSet(view, p) ? 'ok' : 'off'}`}>{secretSet(view, p) ? text.set : text.notSet}</span>
            </dd>
            {p.name === 'shopify' ? (
              <>
                <dt>
                  {text.shop} <code>SHOPIFY_SHOP_DOMAIN</code>
                </dt>
                <dd>
                  {view.config.platforms.shopify.shopDomain ? (
                    <code>{view.config.platforms.shopify.shopDomain}</code>
                  ) : (
                    <span class="badge off">{text.notSet}</span>
                  )}
                </dd>
              </>
            ) : null}
            <dt>{text.last}</dt>
            <dd class="last-delivery">
              <Last last={lasts[i] ?? null} text={text} />
            </dd>
            <dt>{text.signature}</dt>
            <dd class="signature-state">
              <Signature report={signatures[i]!} label={p.label} text={text} />
              {p.name === 'woocommerce' ? <p class="muted">{text.pingNote}</p> : null}
            </dd>
            <dt>{text.kept}</dt>
            <dd class="kept-deliveries">
              <Kept kept={kept[i]!} text={text} />
            </dd>
            <dt>{text.pull}</dt>
            <dd class="reconciliation">
              <Pull platform={p.name} configured={pullConfigured(view.config, p.name)} state={pulls[i] ?? null} text={text} />
            </dd>
          </dl>
        </div>
      ))}
      {children}
    </section>
  );
}
