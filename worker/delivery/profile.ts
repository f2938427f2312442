// Who may change a contact's profile (docs/trust.md, "Who may change what"). POST /e is open to anyone
// who sends a shop Origin header, so the name, phone, company, language and address a browser form gives
// are unverified: a stranger can type someone else's e-mail next to them. The rule, per field:
//   - name, phone, company, lang, address: a browser's value is sent only while the contact is not
//     known to hold data from a trusted source; once it is, the browser's upsert goes without them;
//   - the e-mail itself, tags and the event: always (a browser may create a contact and add to one);
//   - consent: consent/browser-signup.ts (never an opt-out overridden, no opt-in without DOI or the
//     merchant's explicit BROWSER_SIGNUP_OPT_IN).
// A trusted source is the shop (signed API, platform webhook: a need with origin 'shop', remembered in
// known_contacts.trusted once SALESmanago confirmed it) or SALESmanago (a consent store record: it
// called back about the address, or the shop stated a choice).
// Dropping the fields is enough: SALESmanago's upsert leaves a field it is not given unchanged (its
// own library drops empty and null fields before every upsert: sanis/salesmanago-api-sso-util
// src/Model/ContactModel.php toArray → src/Helper/DataHelper.php filterDataArray, line 29).
import { readConsent } from '../consent/store.ts';
import { trustedContacts } from '../ledger/visitors.ts';
import { ledgerIndexOfKey } from '../ledger/databases.ts';
import { emailKey } from '../queue/shards.ts';
import { logWarn } from '../log.ts';
import type { ContactUpsert } from '../salesmanago/types.ts';
import type { ContactNeed } from './contacts.ts';

// The last three never come from a browser today; listed so that a future browser field cannot slip past.
const PROFILE = ['name', 'phone', 'company', 'lang', 'address', 'birthday', 'externalId', 'properties'] as const;

function hasProfile(u: ContactUpsert): boolean {
  return PROFILE.some((field) => u[field] !== undefined);
}

/** The need without its profile fields; its only news may have been those: then it only makes sure the contact exists. */
export function withoutProfile(n: ContactNeed): ContactNeed {
  if (!hasProfile(n.upsert)) return n;
  const upsert: ContactUpsert = { ...n.upsert };
  for (const field of PROFILE) delete upsert[field];
  const news = upsert.consent !== 'no-change' || (upsert.tags?.length ?? 0) > 0;
  return { ...n, upsert, always: n.always && news };
}

/**
 * Drops the browser's profile fields from the needs of every contact known to hold trusted data (in
 * this batch, in known_contacts, or in the consent store). Changes `needs` in place. A failed consent
 * store read counts as trusted: the fields are dropped rather than risked.
 */
export async function guardProfiles(ledgers: readonly D1Database[], kv: KVNamespace | undefined, needs: Map<string, ContactNeed[]>): Promise<void> {
  const risky = [...needs.entries()].filter(([, list]) => list.some((n) => n.origin === 'browser' && hasProfile(n.upsert)));
  if (risky.length === 0) return;
  const trusted = new Set(risky.filter(([, list]) => list.some((n) => n.origin === 'shop')).map(([email]) => email));
  const unsure = risky.map(([email]) => email).filter((email) => !trusted.has(email));
  if (unsure.length > 0) {
    // Marked by the consumer that upserted the shop's data: the e-mail's shard, so its database (ledger/databases.ts).
    const byDatabase = new Map<number, string[]>();
    for (const email of unsure) {
      const i = ledgerIndexOfKey(emailKey(email), ledgers.length);
      byDatabase.set(i, [...(byDatabase.get(i) ?? []), email]);
    }
    for (const found of await Promise.all([...byDatabase].map(([i, emails]) => trustedContacts(ledgers[i]!, emails)))) {
      for (const email of found) trusted.add(email);
    }
    if (kv) {
      await Promise.all(
        unsure
          .filter((email) => !trusted.has(email))
          .map(async (email) => {
            const stored = await readConsent(kv, email).catch(() => 'unreadable' as const);
            if (stored) trusted.add(email);
          }),
      );
    }
  }
  if (trusted.size === 0) return;
  let dropped = 0;
  for (const email of trusted) {
    const list = needs.get(email) ?? [];
    needs.set(
      email,
      list.map((n) => {
        if (n.origin !== 'browser' || !hasProfile(n.upsert)) return n;
        dropped++;
        return withoutProfile(n);
      }),
    );
  }
  // Counts only: the e-mails are personal data.
  logWarn('browser profile fields not sent: the contact holds data from the shop or SALESmanago', { needs: dropped });
}
