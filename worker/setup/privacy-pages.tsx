// The contact view's privacy part (issue 23): the consent proof timeline (each statement with the
// text version the person agreed to), the download of everything held (art. 15) and the erasure
// button (art. 17), which asks for a confirmation first. No script: the confirmation is a checkbox.
import type { ProofItem } from '../consent/proof.ts';
import type { ErasureRecord } from '../ledger/erasure.ts';
import type { Lang } from './i18n.ts';
import { formatTime, SETUP_PATH } from './format.ts';

const pl = {
  proofTitle: 'Zgody: dowód (oś czasu)',
  proofNone: 'Brak zapisanych oświadczeń o zgodzie.',
  textsLink: 'Treści zgód i ich wersje',
  colWhen: 'Złożono',
  colConsent: 'Zgoda',
  colChoice: 'Wybór',
  colVersion: 'Wersja treści',
  colSource: 'Źródło',
  colProof: 'Dowód',
  accepted: 'wyrażona',
  withdrawn: 'wycofana',
  rightsTitle: 'Prawa osoby',
  download: 'Pobierz wszystkie dane (JSON)',
  downloadHint: 'Prawo dostępu (art. 15 RODO): zgody z dowodem, zdarzenia i ich dostarczenie, dane kontaktu, powiązani odwiedzający.',
  erase: 'Usuń tę osobę',
  eraseHint: 'Prawo do usunięcia (art. 17 RODO): usuwa wszystko, co dotyczy tego adresu, tutaj i w SALESmanago. Nie można tego cofnąć.',
  eraseConfirm: 'Potwierdzam usunięcie wszystkich danych tej osoby',
  eraseNeedsConfirm: 'Zaznacz potwierdzenie, aby usunąć dane.',
  erased: 'Dane usunięte. Usunięcie kontaktu w SALESmanago jest w kolejce. Identyfikator usunięcia:',
  withdraw: 'Wycofaj zgodę w imieniu tej osoby',
  withdrawNewsletter: 'newsletter (e-mail)',
  withdrawSms: 'SMS',
  withdrawHint:
    'Gdy osoba wycofała zgodę inną drogą (telefon, list): trafia do SALESmanago jak wypisanie ze sklepu i jest zapisywana jako dowód ze źródłem „setup”.',
  withdrawDone: 'Zgoda wycofana; zmiana jest w kolejce do SALESmanago.',
  withdrawErased: 'Ta osoba została usunięta: nic nie zapisano.',
  erasuresTitle: 'Ostatnie usunięcia',
  colRequested: 'Zlecono',
  colRemoved: 'Usunięto wierszy',
  colSalesmanago: 'SALESmanago',
};

type PrivacyMessages = typeof pl;

const en: PrivacyMessages = {
  proofTitle: 'Consent proof (timeline)',
  proofNone: 'No consent statement recorded.',
  textsLink: 'Consent texts and their versions',
  colWhen: 'Stated',
  colConsent: 'Consent',
  colChoice: 'Choice',
  colVersion: 'Text version',
  colSource: 'Source',
  colProof: 'Proof',
  accepted: 'accepted',
  withdrawn: 'withdrawn',
  rightsTitle: "The person's rights",
  download: 'Download everything held (JSON)',
  downloadHint: 'Right of access (GDPR art. 15): consents with proof, events and their delivery, contact fields, linked visitors.',
  erase: 'Erase this person',
  eraseHint: 'Right to erasure (GDPR art. 17): removes everything about this address, here and in SALESmanago. This cannot be undone.',
  eraseConfirm: "I confirm erasing all of this person's data",
  eraseNeedsConfirm: 'Tick the confirmation to erase.',
  erased: "Erased. SALESmanago's contact delete is queued. Erasure id:",
  withdraw: "Withdraw a consent on this person's behalf",
  withdrawNewsletter: 'newsletter (e-mail)',
  withdrawSms: 'SMS',
  withdrawHint:
    'When the person withdrew another way (phone, letter): it reaches SALESmanago like the shop\'s unsubscribe and is recorded as proof with source "setup".',
  withdrawDone: 'Consent withdrawn; the change is queued to SALESmanago.',
  withdrawErased: 'This person was erased: nothing was recorded.',
  erasuresTitle: 'Recent erasures',
  colRequested: 'Requested',
  colRemoved: 'Rows removed',
  colSalesmanago: 'SALESmanago',
};

const PRIVACY_MESSAGES: Record<Lang, PrivacyMessages> = { pl, en };

export function ProofTimeline({ lang, items }: { lang: Lang; items: ProofItem[] }) {
  const t = PRIVACY_MESSAGES[lang];
  return (
    <section id="consent-proof">
      <h3>{t.proofTitle}</h3>
      <p>
        <a href={`${SETUP_PATH}/consents?lang=${lang}`} id="consent-texts-link">
          {t.textsLink}
        </a>
      </p>
      {items.length === 0 ? (
        <p class="muted">{t.proofNone}</p>
      ) : (
        <div class="scroll">
          <table>
            <tr>
              <th>{t.colWhen}</th>
              <th>{t.colConsent}</th>
              <th>{t.colChoice}</th>
              <th>{t.colVersion}</th>
              <th>{t.colSource}</th>
              <th>{t.colProof}</th>
            </tr>
            {items.map((p) => (
              <tr>
                <td>{formatTime(Date.parse(p.at))}</td>
                <td>
                  <code>{p.name}</code>
                </td>
                <td>
                  <span class={`badge ${p.accepted ? 'ok' : 'bad'}`}>{p.accepted ? t.accepted : t.withdrawn}</span>
                </td>
                <td>
                  {p.version ? <code>{p.version}</code> : <span class="muted">—</span>}
                  {p.text ? <div class="muted">{p.text}</div> : null}
                </td>
                <td>
                  <code>{p.source}</code>
                </td>
                <td class="muted">{[p.pageUrl, p.formId && `form ${p.formId}`, p.ip, p.userAgent].filter(Boolean).join(' · ') || '—'}</td>
              </tr>
            ))}
          </table>
        </div>
      )}
    </section>
  );
}

export function PersonRights({
  lang,
  email,
  erasedId,
  needsConfirm,
  withdrawn,
}: {
  lang: Lang;
  email: string;
  erasedId?: string;
  needsConfirm?: boolean;
  withdrawn?: 'queued' | 'erased';
}) {
  const t = PRIVACY_MESSAGES[lang];
  return (
    <section id="person-rights">
      <h3>{t.rightsTitle}</h3>
      {erasedId ? (
        <p class="badge ok" id="erased">
          {t.erased} <code>{erasedId}</code>
        </p>
      ) : null}
      {withdrawn ? (
        <p class={withdrawn === 'queued' ? 'badge ok' : 'badge bad'} id="withdrawn">
          {withdrawn === 'queued' ? t.withdrawDone : t.withdrawErased}
        </p>
      ) : null}
      {email ? (
        <form method="post" action={`${SETUP_PATH}/contact/withdraw?lang=${lang}`} id="withdraw-form">
          <input type="hidden" name="email" value={email} />
          {t.withdraw}:{' '}
          <button type="submit" name="consent" value="newsletter">
            {t.withdrawNewsletter}
          </button>{' '}
          <button type="submit" name="consent" value="sms">
            {t.withdrawSms}
          </button>{' '}
          <span class="muted">{t.withdrawHint}</span>
        </form>
      ) : null}
      <form method="post" action={`${SETUP_PATH}/contact/export?lang=${lang}`} id="export-form">
        <input type="hidden" name="email" value={email} />
        <button type="submit">{t.download}</button> <span class="muted">{t.downloadHint}</span>
      </form>
      <form method="post" action={`${SETUP_PATH}/contact/erase?lang=${lang}`} id="erase-form">
        <input type="hidden" name="email" value={email} />
        {needsConfirm ? <p class="badge bad">{t.eraseNeedsConfirm}</p> : null}
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> {t.eraseConfirm}
        </label>{' '}
        <button type="submit">{t.erase}</button> <span class="muted">{t.eraseHint}</span>
      </form>
    </section>
  );
}

export function ErasureList({ lang, erasures }: { lang: Lang; erasures: ErasureRecord[] }) {
  const t = PRIVACY_MESSAGES[lang];
  if (erasures.length === 0) return null;
  return (
    <section id="erasures">
      <h3>{t.erasuresTitle}</h3>
      <div class="scroll">
        <table>
          <tr>
            <th>{t.colRequested}</th>
            <th>id</th>
            <th>{t.colSource}</th>
            <th>{t.colRemoved}</th>
            <th>{t.colSalesmanago}</th>
          </tr>
          {erasures.map((e) => (
            <tr>
              <td>{formatTime(e.requestedAt)}</td>
              <td>
                <code>{e.id}</code>
              </td>
              <td>
                <code>{e.source}</code>
              </td>
              <td>{Object.values(e.removed).reduce((a, b) => a + b, 0)}</td>
              <td>
                <code>{e.smStatus}</code> ({e.smAttempts}){e.smError ? <span class="muted"> {e.smError}</span> : null}
              </td>
            </tr>
          ))}
        </table>
      </div>
    </section>
  );
}

const textsPl = {
  textsTitle: 'Treści zgód i ich wersje',
  textsIntro:
    'Zmiana treści tworzy nową wersję; starsze wersje pozostają do odczytu. Oświadczenie bez podanej wersji otrzymuje wersję aktualną w chwili przyjęcia.',
  textName: 'Nazwa zgody',
  textBody: 'Treść',
  textSmName: 'Nazwa zgody w SALESmanago',
  textSmId: 'ID opisu zgody w SALESmanago',
  textSave: 'Zapisz (nowa wersja)',
  textSaved: 'Zapisano nową wersję.',
  textUnchanged: 'Bez zmian: treść jest taka sama jak w bieżącej wersji.',
  textVersion: 'Wersja',
  textNone: 'Nie zdefiniowano jeszcze treści zgód.',
  textSent:
    'Zgody z nazwą lub ID w SALESmanago trafiają do SALESmanago jako consentDetails (nazwa, akceptacja, data, IP, ID opisu wersji); pozostałe są tylko dowodem tutaj. Zgoda musi istnieć na koncie SALESmanago (Ustawienia > Zgody).',
  textRefused: (smName: string, when: string, message: string) =>
    `SALESmanago odrzuciło zgodę „${smName}” (${when}): ${message}. Nie jest wysyłana; utwórz ją w SALESmanago albo popraw nazwę i zapisz ponownie.`,
};
const textsEn: typeof textsPl = {
  textsTitle: 'Consent texts and their versions',
  textsIntro:
    'Changing a text makes a new version; older versions stay readable. A statement given without a version gets the version current when it was received.',
  textName: 'Consent name',
  textBody: 'Text',
  textSmName: 'SALESmanago consent name',
  textSmId: 'SALESmanago consent description id',
  textSave: 'Save (new version)',
  textSaved: 'Saved as a new version.',
  textUnchanged: 'No change: the text equals the current version.',
  textVersion: 'Version',
  textNone: 'No consent text defined yet.',
  textSent:
    "Consents with a SALESmanago name or id reach SALESmanago as consentDetails (name, accepted, date, IP, the version's description id); the others are proof here only. The consent must exist in the SALESmanago account (Settings > Consents).",
  textRefused: (smName: string, when: string, message: string) =>
    `SALESmanago refused the consent "${smName}" (${when}): ${message}. It is not sent; create it in SALESmanago or correct the name, then save again.`,
};

export function ConsentTextsPage(props: {
  lang: Lang;
  texts: Map<string, import('../consent/texts.ts').ConsentText[]>;
  outcome?: { error?: string; added?: boolean };
  posted?: Record<string, string>;
  refusals?: import('../consent/account-consents.ts').ConsentRefusal[];
}) {
  const t = props.lang === 'pl' ? textsPl : textsEn;
  const p = props.posted ?? {};
  return (
    <section id="consent-texts">
      <h2>{t.textsTitle}</h2>
      <p class="intro">{t.textsIntro}</p>
      <p class="intro">{t.textSent}</p>
      {(props.refusals ?? []).map((r) => (
        <p class="badge bad consent-refused">{t.textRefused(r.smName, formatTime(r.refusedAt), r.message)}</p>
      ))}
      {props.outcome?.error ? (
        <p class="badge bad" id="text-error">
          {props.outcome.error}
        </p>
      ) : null}
      {props.outcome?.added === true ? (
        <p class="badge ok" id="text-saved">
          {t.textSaved}
        </p>
      ) : null}
      {props.outcome?.added === false ? (
        <p class="badge" id="text-unchanged">
          {t.textUnchanged}
        </p>
      ) : null}
      <form method="post" action={`${SETUP_PATH}/consents?lang=${props.lang}`} id="text-form">
        <label>
          {t.textName} <input name="name" required maxlength={255} value={p.name ?? ''} />
        </label>
        <br />
        <label>
          {t.textBody}{' '}
          <textarea name="text" required maxlength={10000} rows={4} cols={80}>
            {p.text ?? ''}
          </textarea>
        </label>
        <br />
        <label>
          {t.textSmName} <input name="smName" maxlength={255} value={p.smName ?? ''} />
        </label>{' '}
        <label>
          {t.textSmId} <input name="smId" maxlength={18} value={p.smId ?? ''} />
        </label>{' '}
        <button type="submit">{t.textSave}</button>
      </form>
      {props.texts.size === 0 ? <p class="muted">{t.textNone}</p> : null}
      {[...props.texts].map(([name, versions]) => (
        <>
          <h3>
            <code>{name}</code>
          </h3>
          <div class="scroll">
            <table>
              <tr>
                <th>{t.textVersion}</th>
                <th>{t.textBody}</th>
                <th>{t.textSmName}</th>
                <th>{t.textSmId}</th>
                <th></th>
              </tr>
              {versions.map((v) => (
                <tr>
                  <td>
                    <code>{v.version}</code>
                  </td>
                  <td>{v.text}</td>
                  <td>{v.smName ?? '—'}</td>
                  <td>{v.smId ?? '—'}</td>
                  <td class="muted">{formatTime(v.createdAt)}</td>
                </tr>
              ))}
            </table>
          </div>
        </>
      ))}
    </section>
  );
}
