// The setup page's words, in Polish (the seed's language) and English. Section titles name the
// steps of the seed (Comarch e-Sklep's SALESmanago guide, steps 1 to 8) they correspond to.
export const LANGS = ['pl', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const pl = {
  htmlLang: 'pl',
  title: 'SALESmanago edge: konfiguracja',
  subtitle: 'Integracja sklepu z SALESmanago. Wszystko na jednej stronie, krok po kroku.',
  langSwitch: 'English',
  allSet: 'Gotowe! Integracja działa (krok 8).',
  toFix: (n: number) => `Do poprawienia: ${n}. Szczegóły poniżej.`,
  stepsOfSeed: (s: string) => `krok ${s} instrukcji`,
  set: 'ustawione',
  valid: 'poprawne',
  missing: 'brak',
  invalid: 'błędne',
  hidden: 'ukryte',
  off: 'wyłączone',
  yes: 'tak',
  no: 'nie',
  never: 'jeszcze nie',
  ok: 'OK',
  failed: 'Błąd',

  connectionTitle: 'Połączenie z SALESmanago',
  connectionIntro:
    'Cztery wartości z SALESmanago (Integracje > API). Ustawia się je jako zmienne i sekrety workera (wrangler.toml, wrangler secret put) i wdraża ponownie.',
  colValue: 'Wartość',
  colName: 'Zmienna',
  colState: 'Stan',
  labelEndpoint: 'Adres (EndPoint)',
  labelClientId: 'Unikatowy identyfikator aplikacji (Client ID)',
  labelApiSecret: 'Ukryty kod aplikacji (API Secret)',
  labelOwner: 'E-mail konta użytkownika SALESmanago (Owner)',
  otherProblems: 'Inne ustawienia do poprawienia',
  testConnection: 'Testuj połączenie',
  connectionOk: (owner: string, isContact: boolean) =>
    `Połączono. SALESmanago przyjęło dane logowania (${owner} ${isContact ? 'jest' : 'nie jest'} kontaktem na koncie).`,
  connectionFailed: 'Nie udało się połączyć:',

  callbacksTitle: 'Adresy callback opt-in i opt-out',
  callbacksIntro:
    'Skopiuj oba adresy do SALESmanago: Integracje > Callbacki, pola „Opt-in callback URL” i „Opt-out callback URL”, a następnie zapisz ustawienia (krok 6). SALESmanago wstawi e-mail kontaktu w miejsce $email$ i wyliczy klucz sha1.',
  optInUrl: 'Opt-in callback URL',
  optOutUrl: 'Opt-out callback URL',
  callbacksNoSecret: 'Ustaw sekret CALLBACK_SECRET (co najmniej 8 znaków), aby otrzymać adresy.',
  secretCharsWarning: 'CALLBACK_SECRET zawiera znaki inne niż litery, cyfry, „-” i „_”; mogą zepsuć adres w SALESmanago.',
  secretNote: 'Adresy zawierają CALLBACK_SECRET: tak działa zabezpieczenie callbacków SALESmanago. Nie publikuj ich.',

  testCallbacksTitle: 'Test callback URL',
  testCallbacksIntro: (email: string) =>
    `Wywołuje oba callbacki tego workera tak, jak zrobi to SALESmanago, z adresem testowym ${email}, i sprawdza zapisany status. Adres testowy nie trafia do listy zmian widocznej dla sklepu.`,
  testCallbacks: 'Testuj callback URL',
  callbacksOk: 'Callbacki działają: status opt-in i opt-out został zapisany.',
  callbacksFailed: 'Callbacki nie działają:',
  stepStored: 'zapisany status',

  tagsTitle: 'Tagi zdarzeń',
  tagsIntro: 'Tagi dodawane do kontaktu przy zdarzeniach. Pusta lista wyłącza tagowanie danego zdarzenia.',
  tagRegistration: 'Rejestracja',
  tagNewsletter: 'Zapis do newslettera',
  tagPurchaseLoggedIn: 'Zakup przez klienta zalogowanego',
  tagPurchaseGuest: 'Zakup przez klienta niezalogowanego',
  browserSignups: (doi: boolean, optIn: boolean) =>
    'Zapisy do newslettera z formularza w przeglądarce (BROWSER_SIGNUP_OPT_IN): adres wpisany w przeglądarce nie jest potwierdzony, każdy może wpisać cudzy. ' +
    'Znany wypis (opt-out) nigdy nie jest nadpisywany. ' +
    (doi
      ? 'Double opt-in jest włączony: zapis wysyła tylko e-mail z prośbą o potwierdzenie.'
      : optIn
        ? 'Włączone (true): zapis bez double opt-in od razu zapisuje kontakt do newslettera; ryzyko, że ktoś zapisze cudzy adres, bierzesz na siebie.'
        : 'Wyłączone (domyślnie): bez double opt-in zapis z przeglądarki nie zmienia zgody kontaktu. Włącz double opt-in albo ustaw BROWSER_SIGNUP_OPT_IN=true, akceptując ryzyko.'),

  snippetTitle: 'Kod do szablonu sklepu i domeny',
  snippetIntro:
    'Wklej ten kod do szablonu sklepu (przed </head>). Zdarzenia z przeglądarki są przyjmowane tylko z zarejestrowanych domen; zgłoś te domeny także w SALESmanago.',
  domains: 'Zarejestrowane domeny (SHOP_DOMAINS)',
  noDomains: 'Brak: ustaw SHOP_DOMAINS.',

  deliveryTitle: 'Dostarczanie do SALESmanago (ostatnie 24 h)',
  accepted: 'przyjęte',
  delivered: 'dostarczone',
  queued: 'w kolejce',
  held: 'wstrzymane (nieznany kontakt)',
  failedStatus: 'odrzucone',
  dead: 'porzucone po ponowieniach',
  expired: 'wygasłe',
  lastErrors: 'Ostatnie błędy',
  noErrors: 'Brak błędów.',
  figuresUnavailable: 'Statystyki są niedostępne:',
  lastCallback: 'Ostatni callback z SALESmanago',
  lastRefused: 'Ostatni odrzucony callback',
  webhook: 'Powiadomienia do sklepu (SHOP_WEBHOOK_URL)',

  lockedTitle: 'Strona konfiguracji jest zablokowana',
  lockedBody:
    'Ustaw hasło administratora (co najmniej 8 znaków), a strona się odblokuje. Logowanie: dowolny użytkownik, to hasło.',
  lockedLocal: 'Lokalnie: dopisz ADMIN_PASSWORD=… do pliku .dev.vars.',
};

export type Messages = typeof pl;

const en: Messages = {
  htmlLang: 'en',
  title: 'SALESmanago edge: setup',
  subtitle: "The shop's SALESmanago integration. Everything on one page, step by step.",
  langSwitch: 'Polski',
  allSet: 'Done! The integration works (step 8).',
  toFix: (n) => `${n} thing${n === 1 ? '' : 's'} to fix. Details below.`,
  stepsOfSeed: (s) => `guide step ${s}`,
  set: 'set',
  valid: 'valid',
  missing: 'missing',
  invalid: 'invalid',
  hidden: 'hidden',
  off: 'off',
  yes: 'yes',
  no: 'no',
  never: 'not yet',
  ok: 'OK',
  failed: 'Failed',

  connectionTitle: 'SALESmanago connection',
  connectionIntro:
    "The four values from SALESmanago (Integrations > API). They are the worker's vars and secrets (wrangler.toml, wrangler secret put); deploy again after changing them.",
  colValue: 'Value',
  colName: 'Variable',
  colState: 'State',
  labelEndpoint: 'Address (EndPoint)',
  labelClientId: 'Application identifier (Client ID)',
  labelApiSecret: 'Application secret (API Secret)',
  labelOwner: "SALESmanago user's account e-mail (Owner)",
  otherProblems: 'Other settings to fix',
  testConnection: 'Test connection',
  connectionOk: (owner, isContact) =>
    `Connected. SALESmanago accepted the credentials (${owner} is ${isContact ? '' : 'not '}a contact on the account).`,
  connectionFailed: 'Could not connect:',

  callbacksTitle: 'Opt-in and opt-out callback URLs',
  callbacksIntro:
    'Copy both URLs into SALESmanago: Integrations > Callbacks, fields "Opt-in callback URL" and "Opt-out callback URL", then save (step 6). SALESmanago puts the contact\'s e-mail in place of $email$ and computes the sha1 key.',
  optInUrl: 'Opt-in callback URL',
  optOutUrl: 'Opt-out callback URL',
  callbacksNoSecret: 'Set the CALLBACK_SECRET secret (at least 8 characters) to get the URLs.',
  secretCharsWarning: 'CALLBACK_SECRET has characters other than letters, digits, "-" and "_"; they may break the URL in SALESmanago.',
  secretNote: "The URLs contain CALLBACK_SECRET: that is how SALESmanago's callbacks are secured. Do not publish them.",

  testCallbacksTitle: 'Test callback URL',
  testCallbacksIntro: (email) =>
    `Calls both callbacks of this worker as SALESmanago will, with the test address ${email}, and checks the status stored. The test address never reaches the changes list the shop reads.`,
  testCallbacks: 'Test callback URL',
  callbacksOk: 'The callbacks work: opt-in and opt-out were stored.',
  callbacksFailed: 'The callbacks do not work:',
  stepStored: 'status stored',

  tagsTitle: 'Event tags',
  tagsIntro: 'Tags added to the contact on each event. An empty list switches tagging off for that event.',
  tagRegistration: 'Registration',
  tagNewsletter: 'Newsletter signup',
  tagPurchaseLoggedIn: 'Purchase by a logged-in customer',
  tagPurchaseGuest: 'Purchase by a guest',
  browserSignups: (doi: boolean, optIn: boolean) =>
    'Newsletter signups from a browser form (BROWSER_SIGNUP_OPT_IN): an address typed in a browser is not verified; anyone can type someone else\'s. ' +
    'A known opt-out is never overridden. ' +
    (doi
      ? 'Double opt-in is on: a signup only sends the confirmation e-mail.'
      : optIn
        ? 'On (true): without double opt-in a signup opts the contact in at once; you accept the risk that someone subscribes an address that is not theirs.'
        : 'Off (default): without double opt-in a browser signup changes no consent. Turn double opt-in on, or set BROWSER_SIGNUP_OPT_IN=true if you accept the risk.'),

  snippetTitle: 'Snippet for the shop theme, and domains',
  snippetIntro:
    "Paste this into the shop's theme (before </head>). Browser events are accepted only from the registered domains; register them in SALESmanago too.",
  domains: 'Registered domains (SHOP_DOMAINS)',
  noDomains: 'None: set SHOP_DOMAINS.',

  deliveryTitle: 'Delivery to SALESmanago (last 24 h)',
  accepted: 'accepted',
  delivered: 'delivered',
  queued: 'queued',
  held: 'held (contact not known yet)',
  failedStatus: 'refused',
  dead: 'given up after retries',
  expired: 'expired',
  lastErrors: 'Last errors',
  noErrors: 'No errors.',
  figuresUnavailable: 'Figures are unavailable:',
  lastCallback: 'Last callback from SALESmanago',
  lastRefused: 'Last refused callback',
  webhook: 'Push to the shop (SHOP_WEBHOOK_URL)',

  lockedTitle: 'The setup page is locked',
  lockedBody: 'Set an admin password (at least 8 characters) to unlock it. Sign in with any user name and that password.',
  lockedLocal: 'Locally: add ADMIN_PASSWORD=… to .dev.vars.',
};

export const MESSAGES: Record<Lang, Messages> = { pl, en };

export function messagesFor(lang: string | undefined): { lang: Lang; t: Messages } {
  const chosen: Lang = lang === 'pl' ? 'pl' : 'en';
  return { lang: chosen, t: MESSAGES[chosen] };
}
