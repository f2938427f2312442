// What a newsletter signup typed into a browser form may do to the contact's consent (docs/shop-server.md
// "Consents"). POST /e is open to anyone who sends a shop Origin header, so the e-mail in such a
// signup is unverified: a stranger can type someone else's address.
//   1. A known opt-out (consent store: SALESmanago callback or the shop) is never overridden: the
//      contact is only made to exist, with no consent flag, no double opt-in mail, no newsletter tag.
//   2. Double opt-in on (DOUBLE_OPT_IN): the signup asks SALESmanago to send its confirmation mail,
//      nothing else (no newsletter tag). The upsert is the subscribe that SALESmanago's library sends
//      with API double opt-in (useApiDoubleOptIn with the e-mail id and language, only on a subscribe:
//      salesmanago/payloads.ts upsertDetail); we assume, as that mode's purpose is, that the
//      contact is opted in only when its owner clicks the link, and SALESmanago then calls
//      /callbacks/opt-in.
//   3. Double opt-in off: no consent change at all, unless the merchant accepted the risk with
//      BROWSER_SIGNUP_OPT_IN=true (off by default; explained on the setup page).
// Signups from the shop server (POST /api/v1/contacts, signed) are not affected.
import type { Config } from '../config.ts';
import type { ContactUpsert } from '../salesmanago/types.ts';

type BrowserSignup = 'no-change' | 'confirm' | 'opt-in';

export type SignupSettings = Pick<Config, 'tags' | 'doubleOptIn'> & Partial<Pick<Config, 'browserSignupOptIn'>>;

function browserSignup(config: SignupSettings, knownOptOut: boolean): BrowserSignup {
  if (knownOptOut) return 'no-change';
  if (config.doubleOptIn.enabled) return 'confirm';
  return config.browserSignupOptIn === true ? 'opt-in' : 'no-change';
}

/** The contact upsert of a browser newsletter signup; `always` false means "only make sure it exists". */
export function browserSignupUpsert(base: ContactUpsert, config: SignupSettings, knownOptOut: boolean): { upsert: ContactUpsert; always: boolean } {
  switch (browserSignup(config, knownOptOut)) {
    case 'confirm': {
      const doubleOptIn: NonNullable<ContactUpsert['doubleOptIn']> = {};
      if (config.doubleOptIn.emailId) doubleOptIn.emailId = config.doubleOptIn.emailId;
      if (config.doubleOptIn.language) doubleOptIn.language = config.doubleOptIn.language;
      return { upsert: { ...base, consent: 'subscribe', doubleOptIn }, always: true };
    }
    case 'opt-in': {
      const tags = config.tags.newsletter;
      return { upsert: { ...base, consent: 'subscribe', ...(tags.length > 0 ? { tags: [...tags] } : {}) }, always: true };
    }
    case 'no-change':
      return { upsert: { ...base, consent: 'no-change' }, always: Boolean(base.name || base.phone || base.company) };
  }
}
