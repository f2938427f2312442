// The setup page's sections, in the order of the seed's steps (Comarch e-Sklep guide, steps 1-8).
import type { Config } from '../config.ts';
import type { CallbackSeen } from '../consent/activity.ts';
import type { Env } from '../env.ts';
import type { CallbackTest, ConnectionTest } from './checks.ts';
import type { DeliveryFigures } from './figures.ts';
import type { Lang, Messages } from './i18n.ts';

export const SETUP_PATH = '/setup';

export interface SetupView {
  lang: Lang;
  t: Messages;
  origin: string;
  env: Env;
  config: Config;
  connection?: ConnectionTest;
  callbackTest?: CallbackTest;
  figures: DeliveryFigures | { error: string };
  activity: { accepted: CallbackSeen | null; refused: CallbackSeen | null };
}

export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function Badge(props: { kind: 'ok' | 'bad' | 'off'; text: string }) {
  return <span class={`badge ${props.kind}`}>{props.text}</span>;
}

function Heading(props: { n: number; title: string; seed: string; t: Messages; ok?: boolean }) {
  return (
    <h2>
      <span class="num">{props.n}</span>
      {props.title}
      <span class="seed">{props.t.stepsOfSeed(props.seed)}</span>
      {props.ok === undefined ? null : <Badge kind={props.ok ? 'ok' : 'bad'} text={props.ok ? props.t.ok : props.t.failed} />}
    </h2>
  );
}

function action(view: SetupView, path: string): string {
  return `${SETUP_PATH}/${path}?lang=${view.lang}`;
}

const CONNECTION_VALUES = [
  { name: 'SALESMANAGO_ENDPOINT', label: 'labelEndpoint', secret: false },
  { name: 'SALESMANAGO_CLIENT_ID', label: 'labelClientId', secret: false },
  { name: 'SALESMANAGO_API_SECRET', label: 'labelApiSecret', secret: true },
  { name: 'SALESMANAGO_OWNER', label: 'labelOwner', secret: false },
] as const;

export function ConnectionSection({ view }: { view: SetupView }) {
  const { t, config } = view;
  const problemOf = (name: string) => config.problems.find((p) => p.name === name);
  const others = config.problems.filter((p) => !p.name.startsWith('SALESMANAGO_') || p.name === 'SALESMANAGO_LOCATION');
  const result = view.connection;
  return (
    <section id="connection">
      <Heading n={1} title={t.connectionTitle} seed="1–3" t={t} ok={config.salesmanago !== null && result?.ok !== false} />
      <p class="intro">{t.connectionIntro}</p>
      <table>
        <thead>
          <tr><th>{t.colValue}</th><th>{t.colName}</th><th>{t.colState}</th></tr>
        </thead>
        <tbody>
          {CONNECTION_VALUES.map((v) => {
            const raw = String(view.env[v.name] ?? '').trim();
            const problem = problemOf(v.name);
            return (
              <tr data-name={v.name}>
                <td>
                  {t[v.label]}
                  <br />
                  {raw ? <code>{v.secret ? `•••••••• (${t.hidden})` : raw}</code> : <span class="muted">{t.missing}</span>}
                </td>
                <td><code>{v.name}</code></td>
                <td>
                  {!raw ? (
                    <Badge kind="bad" text={t.missing} />
                  ) : problem ? (
                    <>
                      <Badge kind="bad" text={t.invalid} /> <span class="warn">{problem.problem}</span>
                    </>
                  ) : (
                    <Badge kind="ok" text={`${t.set}, ${t.valid}`} />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {others.length > 0 ? (
        <div id="other-problems">
          <p><b>{t.otherProblems}</b></p>
          <ul>
            {others.map((p) => (
              <li><code>{p.name}</code> {p.problem}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <form method="post" action={action(view, 'test-connection')}>
        <button id="test-connection" type="submit">{t.testConnection}</button>
      </form>
      {result ? (
        <div id="test-connection-result" class="result" data-ok={String(result.ok)}>
          {result.ok ? t.connectionOk(result.owner, result.ownerIsContact) : `${t.connectionFailed} ${result.error}`}
        </div>
      ) : null}
    </section>
  );
}

export function callbackTemplates(origin: string, secret: string): { optIn: string; optOut: string } {
  const template = (kind: string) => `${origin}/callbacks/${kind}?email=$email$&key=sha1($email$${secret})`;
  return { optIn: template('opt-in'), optOut: template('opt-out') };
}

export function CallbackUrlsSection({ view }: { view: SetupView }) {
  const { t, config } = view;
  const secret = config.callbackSecret;
  const urls = secret ? callbackTemplates(view.origin, secret) : null;
  return (
    <section id="callback-urls">
      <Heading n={2} title={t.callbacksTitle} seed="4, 6" t={t} ok={urls !== null} />
      <p class="intro">{t.callbacksIntro}</p>
      {urls && secret ? (
        <>
          <label class="field" for="opt-in-url">{t.optInUrl}</label>
          <code class="copy" id="opt-in-url">{urls.optIn}</code>
          <label class="field" for="opt-out-url">{t.optOutUrl}</label>
          <code class="copy" id="opt-out-url">{urls.optOut}</code>
          {/^[A-Za-z0-9_-]+$/.test(secret) ? null : <p class="warn">{t.secretCharsWarning}</p>}
          <p class="muted">{t.secretNote}</p>
        </>
      ) : (
        <p class="warn">{t.callbacksNoSecret}</p>
      )}
    </section>
  );
}

export function TestCallbacksSection({ view }: { view: SetupView }) {
  const { t } = view;
  const result = view.callbackTest;
  return (
    <section id="test-callbacks-section">
      <Heading n={3} title={t.testCallbacksTitle} seed="5" t={t} ok={result ? result.ok : undefined} />
      <p class="intro">{t.testCallbacksIntro(result?.email ?? 'sm-edge-test@example.com')}</p>
      <form method="post" action={action(view, 'test-callbacks')}>
        <button id="test-callbacks" type="submit">{t.testCallbacks}</button>
      </form>
      {result ? (
        <div id="test-callbacks-result" class="result" data-ok={String(result.ok)}>
          {result.ok ? t.callbacksOk : `${t.callbacksFailed} ${result.error ?? ''}`}
          <ul>
            {result.steps.map((s) => (
              <li data-kind={s.kind} data-ok={String(s.ok)}>
                <code>{s.url}</code> → HTTP {s.httpStatus} <code>{s.answer}</code>, {t.stepStored}: <b>{s.stored}</b>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}

export function TagsSection({ view }: { view: SetupView }) {
  const { t, config } = view;
  const rows = [
    { label: t.tagRegistration, name: 'TAGS_REGISTRATION', tags: config.tags.registration },
    { label: t.tagNewsletter, name: 'TAGS_NEWSLETTER', tags: config.tags.newsletter },
    { label: t.tagPurchaseLoggedIn, name: 'TAGS_PURCHASE_LOGGED_IN', tags: config.tags.purchaseLoggedIn },
    { label: t.tagPurchaseGuest, name: 'TAGS_PURCHASE_GUEST', tags: config.tags.purchaseGuest },
  ];
  return (
    <section id="tags">
      <Heading n={4} title={t.tagsTitle} seed="7" t={t} />
      <p class="intro">{t.tagsIntro}</p>
      <table>
        <tbody>
          {rows.map((r) => (
            <tr data-name={r.name}>
              <td>{r.label}</td>
              <td><code>{r.name}</code></td>
              <td>{r.tags.length ? r.tags.map((tag) => <><code>{tag}</code> </>) : <Badge kind="off" text={t.off} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p id="browser-signups" class="intro">{t.browserSignups(config.doubleOptIn.enabled, config.browserSignupOptIn)}</p>
    </section>
  );
}

export function snippet(origin: string): string {
  return (
    `<script async src="${origin}/s.js" data-cart-path="/koszyk"></script>\n` +
    `<script>window.smEdge=window.smEdge||function(){(smEdge.q=smEdge.q||[]).push(arguments)}</script>`
  );
}

export function SnippetSection({ view }: { view: SetupView }) {
  const { t, config } = view;
  return (
    <section id="snippet">
      <Heading n={5} title={t.snippetTitle} seed="7–8" t={t} ok={config.shopDomains.length > 0} />
      <p class="intro">{t.snippetIntro}</p>
      <pre class="copy" id="snippet-code">{snippet(view.origin)}</pre>
      <p><b>{t.domains}</b></p>
      {config.shopDomains.length ? (
        <ul id="domains">
          {config.shopDomains.map((d) => (
            <li><code>{d}</code></li>
          ))}
        </ul>
      ) : (
        <p class="warn">{t.noDomains}</p>
      )}
    </section>
  );
}

function Seen(props: { seen: CallbackSeen | null; t: Messages }) {
  if (!props.seen) return <span class="muted">{props.t.never}</span>;
  return (
    <span>
      {formatTime(props.seen.at)} · <code>{props.seen.kind}</code> · {props.seen.outcome}
    </span>
  );
}

export function DeliverySection({ view }: { view: SetupView }) {
  const { t, figures, config } = view;
  const cards = (f: DeliveryFigures) => [
    { id: 'accepted', label: t.accepted, n: f.accepted },
    { id: 'delivered', label: t.delivered, n: f.byStatus.delivered },
    { id: 'queued', label: t.queued, n: f.byStatus.queued },
    { id: 'held', label: t.held, n: f.byStatus.held },
    { id: 'failed', label: t.failedStatus, n: f.byStatus.failed },
    { id: 'dead', label: t.dead, n: f.byStatus.dead },
    { id: 'expired', label: t.expired, n: f.byStatus.expired },
  ];
  return (
    <section id="delivery">
      <Heading n={6} title={t.deliveryTitle} seed="8" t={t} />
      {'error' in figures ? (
        <p class="warn">{t.figuresUnavailable} {figures.error}</p>
      ) : (
        <>
          <div class="figures">
            {cards(figures).map((c) => (
              <div class="figure" id={`figure-${c.id}`}>
                <b>{c.n}</b>
                <span>{c.label}</span>
              </div>
            ))}
          </div>
          <p><b>{t.lastErrors}</b></p>
          {figures.lastErrors.length ? (
            <table id="last-errors">
              <tbody>
                {figures.lastErrors.map((e) => (
                  <tr>
                    <td>{formatTime(e.at)}</td>
                    <td><code>{e.type}</code> <Badge kind="bad" text={e.status} /></td>
                    <td>{e.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">{t.noErrors}</p>
          )}
        </>
      )}
      <dl>
        <dt>{t.lastCallback}</dt>
        <dd id="last-callback"><Seen seen={view.activity.accepted} t={t} /></dd>
        <dt>{t.lastRefused}</dt>
        <dd id="last-refused-callback"><Seen seen={view.activity.refused} t={t} /></dd>
        <dt>{t.webhook}</dt>
        <dd>{config.shopWebhookUrl ? <code>{config.shopWebhookUrl}</code> : <Badge kind="off" text={t.off} />}</dd>
      </dl>
    </section>
  );
}

export function SetupPage({ view }: { view: SetupView }) {
  const { t, config } = view;
  const toFix = config.problems.length;
  return (
    <>
      <p id="overall" class={`banner ${toFix === 0 ? 'ok' : 'bad'}`}>{toFix === 0 ? t.allSet : t.toFix(toFix)}</p>
      <ConnectionSection view={view} />
      <CallbackUrlsSection view={view} />
      <TestCallbacksSection view={view} />
      <TagsSection view={view} />
      <SnippetSection view={view} />
      <DeliverySection view={view} />
    </>
  );
}

export function LockedPage({ t }: { t: Messages }) {
  return (
    <section id="locked">
      <h2>{t.lockedTitle}</h2>
      <p>{t.lockedBody}</p>
      <pre class="copy">npx wrangler secret put ADMIN_PASSWORD</pre>
      <p class="muted">{t.lockedLocal}</p>
    </section>
  );
}
