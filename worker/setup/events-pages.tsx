// /setup/events (every event, filterable, with the refused requests), /setup/contact (one e-mail),
// and the hourly chart, drawn server-side as SVG (no script, no external asset).
import { EVENT_STATUSES, EVENT_TYPES, type ContactView, type EventFilter, type EventRow, type HourlyFigures, type RefusedRequest } from './events.ts';
import { problemText, type Lang, type Messages } from './i18n.ts';
import { formatTime, SETUP_PATH } from './format.ts';
import type { Child } from 'hono/jsx';

const COLORS: Record<string, string> = {
  delivered: '#137a3f',
  queued: '#0b5cad',
  held: '#c98a04',
  failed: '#b3261e',
  dead: '#6d1a14',
  expired: '#9aa3b2',
};

/** The legend's colours, as CSS (the CSP allows no style attributes); the bars use SVG fill. */
export const CHART_STYLE = Object.entries(COLORS)
  .map(([st, c]) => `.legend i.s-${st}{background:${c}}`)
  .join('');

export function PageNav({ t, lang, current }: { t: Messages; lang: Lang; current: 'setup' | 'events' | 'contact' }) {
  const items = [
    { id: 'setup', href: `${SETUP_PATH}?lang=${lang}`, label: t.navSetup },
    { id: 'events', href: `${SETUP_PATH}/events?lang=${lang}`, label: t.navEvents },
    { id: 'contact', href: `${SETUP_PATH}/contact?lang=${lang}`, label: t.navContact },
  ] as const;
  return (
    <nav class="pages" id="pages">
      {items.map((i) => (i.id === current ? <b>{i.label}</b> : <a href={i.href}>{i.label}</a>))}
    </nav>
  );
}

export function HourlyChart({ t, figures }: { t: Messages; figures: HourlyFigures }) {
  const W = 720,
    H = 180,
    left = 34,
    bottom = 22,
    top = 8;
  const totals = figures.hours.map((_, i) => EVENT_STATUSES.reduce((s, st) => s + (figures.counts[st][i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = (W - left) / 24;
  const y = (n: number) => ((H - bottom - top) * n) / max;
  const all = totals.reduce((a, b) => a + b, 0);
  return (
    <figure class="chart">
      <svg id="hourly-chart" viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={t.chartLabel(all)} xmlns="http://www.w3.org/2000/svg">
        <line x1={left} y1={H - bottom} x2={W} y2={H - bottom} stroke="#c9d0db" />
        <text x={left - 6} y={top + 10} text-anchor="end" font-size="11" fill="#5b6475">
          {max}
        </text>
        <text x={left - 6} y={H - bottom} text-anchor="end" font-size="11" fill="#5b6475">
          0
        </text>
        {figures.hours.map((h, i) => {
          let base = H - bottom;
          const x = left + i * step + 2;
          return (
            <g data-hour={new Date(h).toISOString().slice(11, 13)} data-total={totals[i]}>
              {EVENT_STATUSES.map((st) => {
                const n = figures.counts[st][i] ?? 0;
                if (!n) return null;
                const hgt = Math.max(1, y(n));
                base -= hgt;
                return (
                  <rect x={x} y={base} width={step - 4} height={hgt} fill={COLORS[st]} data-status={st} data-n={n}>
                    <title>{`${new Date(h).toISOString().slice(11, 16)} UTC: ${n} ${t.statusNames[st] ?? st}`}</title>
                  </rect>
                );
              })}
              {i % 3 === 0 ? (
                <text x={x + (step - 4) / 2} y={H - 6} text-anchor="middle" font-size="11" fill="#5b6475">
                  {new Date(h).toISOString().slice(11, 13)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        {EVENT_STATUSES.map((st) => (
          <span>
            <i class={`s-${st}`} /> {t.statusNames[st] ?? st}
          </span>
        ))}
        <span class="muted">UTC</span>
      </figcaption>
    </figure>
  );
}

function StatusBadge({ t, status }: { t: Messages; status: string }) {
  const kind = status === 'delivered' ? 'ok' : status === 'failed' || status === 'dead' ? 'bad' : 'off';
  return (
    <span class={`badge ${kind}`} data-status={status}>
      {t.statusNames[status] ?? status}
    </span>
  );
}

/** A contact, the same way on every row: the e-mail when known (a link to its view), the SALESmanago id in small print. */
function ContactCell({ t, lang, row }: { t: Messages; lang: Lang; row: EventRow }) {
  if (!row.email && !row.contactId) return <span class="muted">—</span>;
  return (
    <span class="contact">
      {row.email ? (
        <a href={`${SETUP_PATH}/contact?lang=${lang}&email=${encodeURIComponent(row.email)}`}>{row.email}</a>
      ) : (
        <span class="muted">{t.emailUnknown}</span>
      )}
      {row.contactId ? (
        <span class="small muted contact-id">
          <br />
          ID <code>{row.contactId}</code>
        </span>
      ) : null}
    </span>
  );
}

/** A refusal reason as the page's language has it ("field: problem" is translated where known). */
function reasonText(lang: Lang, error: string): string {
  const whole = problemText(lang, error);
  if (whole !== error) return whole;
  const m = /^([\w.[\]-]+): (.+)$/.exec(error);
  return m ? `${m[1]}: ${problemText(lang, m[2]!)}` : error;
}

/** An event's product ids (a Visit's: the products viewed), the first few. */
function Products({ t, ids }: { t: Messages; ids: string[] }) {
  const shown = ids.slice(0, 5).join(', ');
  return (
    <div class="small products" data-products={ids.join(',')}>
      {t.eventProducts}: {shown}
      {ids.length > 5 ? ` (+${ids.length - 5})` : ''}
    </div>
  );
}

function typeName(t: Messages, type: string): string {
  return t.eventTypeNames[type] ?? type;
}

function EventsTable({ t, lang, events }: { t: Messages; lang: Lang; events: EventRow[] }) {
  if (events.length === 0)
    return (
      <p class="muted" id="no-events">
        {t.noEvents}
      </p>
    );
  return (
    <div class="scroll">
      <table id="events-table">
        <thead>
          <tr>
            <th>{t.colTime}</th>
            <th>{t.colEvent}</th>
            <th>{t.colContact}</th>
            <th>{t.colStatus}</th>
            <th>{t.colAnswer}</th>
            <th>{t.colLastStep}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr data-id={e.id} data-type={e.type} data-status={e.status}>
              <td class="nowrap">{formatTime(e.acceptedAt)}</td>
              <td>
                <b class="event-type">{typeName(t, e.type)}</b> <span class="muted small source">{t.sourceNames[e.source] ?? e.source}</span>
                {e.products.length > 0 ? <Products t={t} ids={e.products} /> : null}
              </td>
              <td>
                <ContactCell t={t} lang={lang} row={e} />
              </td>
              <td>
                <StatusBadge t={t} status={e.status} />
              </td>
              <td class="answer">
                {e.error ? <span class={e.status === 'failed' || e.status === 'dead' ? 'warn' : ''}>{e.error}</span> : null}
                {e.smEventId ? (
                  <span class="small">
                    {' '}
                    eventId <code>{e.smEventId}</code>
                  </span>
                ) : null}
                {!e.error && !e.smEventId ? (
                  e.status === 'delivered' ? (
                    <span class="ok-text">{t.answerAccepted}</span>
                  ) : e.status === 'held' ? (
                    <span class="muted">{t.held}</span>
                  ) : (
                    <span class="muted">—</span>
                  )
                ) : null}
              </td>
              <td class="nowrap small">
                {formatTime(e.updatedAt)}
                <br />
                <span class="muted">{t.attempts(e.attempts)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EventsPage(props: { t: Messages; lang: Lang; filter: EventFilter; events: EventRow[]; refused: RefusedRequest[]; hourly: HourlyFigures }) {
  const { t, lang, filter } = props;
  return (
    <>
      <PageNav t={t} lang={lang} current="events" />
      <section id="events">
        <h2>{t.eventsTitle}</h2>
        <p class="intro">{t.eventsIntro}</p>
        <HourlyChart t={t} figures={props.hourly} />
        <form method="get" action={`${SETUP_PATH}/events`} class="filters" id="events-filter">
          <input type="hidden" name="lang" value={lang} />
          <label>
            {t.filterType}{' '}
            <select name="type">
              <option value="">{t.filterAll}</option>
              {EVENT_TYPES.map((v) => (
                <option value={v} selected={filter.type === v}>
                  {typeName(t, v)}
                </option>
              ))}
            </select>
          </label>{' '}
          <label>
            {t.filterStatus}{' '}
            <select name="status">
              <option value="">{t.filterAll}</option>
              {EVENT_STATUSES.map((v) => (
                <option value={v} selected={filter.status === v}>
                  {t.statusNames[v] ?? v}
                </option>
              ))}
            </select>
          </label>{' '}
          <label>
            {t.filterEmail} <input type="email" name="email" value={filter.email ?? ''} />
          </label>{' '}
          <button type="submit">{t.filterApply}</button>
        </form>
        <EventsTable t={t} lang={lang} events={props.events} />
      </section>
      <section id="refused">
        <h2>{t.refusedTitle}</h2>
        <p class="intro">{t.refusedIntro}</p>
        {props.refused.length === 0 ? (
          <p class="muted">{t.noRefused}</p>
        ) : (
          <div class="scroll">
            <table id="refused-table">
              <tbody>
                {props.refused.map((r) => (
                  <tr data-status={r.status}>
                    <td class="nowrap">{formatTime(r.at)}</td>
                    <td>
                      <code>
                        {r.method} {r.path}
                      </code>
                    </td>
                    <td>
                      <span class="badge bad">HTTP {r.status}</span>
                    </td>
                    <td class="warn">{reasonText(lang, r.error ?? '')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

export function ContactPage(props: { t: Messages; lang: Lang; email: string; view: ContactView | null; privacy?: Child }) {
  const { t, lang, view } = props;
  return (
    <>
      <PageNav t={t} lang={lang} current="contact" />
      <section id="contact">
        <h2>{t.contactTitle}</h2>
        <p class="intro">{t.contactIntro}</p>
        <form method="get" action={`${SETUP_PATH}/contact`} class="filters" id="contact-form">
          <input type="hidden" name="lang" value={lang} />
          <label>
            {t.filterEmail} <input type="email" name="email" id="contact-email" value={props.email} required />
          </label>{' '}
          <button type="submit">{t.contactShow}</button>
        </form>
        {view ? (
          <>
            <dl id="contact-details">
              <dt>{t.consentStatus}</dt>
              <dd id="consent-status">
                {view.consent ? (
                  <>
                    <span class={`badge ${view.consent.status === 'opt-in' ? 'ok' : 'bad'}`}>{view.consent.status}</span> {t.consentSource}:{' '}
                    <code>{view.consent.source}</code> · {formatTime(view.consent.changedAt)}
                  </>
                ) : (
                  <span class="muted">{t.consentUnknown}</span>
                )}
              </dd>
              <dt>{t.contactId}</dt>
              <dd id="contact-id">{view.contactId ? <code>{view.contactId}</code> : <span class="muted">{t.contactIdUnknown}</span>}</dd>
              <dt>{t.visitorsLinked}</dt>
              <dd id="visitors-linked">{view.visitors}</dd>
            </dl>
            <h3>{t.recentEvents}</h3>
            <EventsTable t={t} lang={lang} events={view.events} />
          </>
        ) : null}
        {props.privacy}
      </section>
    </>
  );
}
