// The contact stage of a delivery run (delivery/deliver.ts): one batch upsert for every contact the
// batch needs, before any of its events, each contact's needs merged (contacts.ts) and sent only when
// SALESmanago does not know the contact yet or there is something new to say.
import { CHUNK_SIZE } from '../salesmanago/limits.ts';
import { readConsent } from '../consent/store.ts';
import { forAccount, recordRefused, refusedNames, withoutRefused } from '../consent/account-consents.ts';
import type { ChunkResult, ContactUpsert } from '../salesmanago/types.ts';
import { markContactDoneStep } from '../ledger/deliveries/rows.ts';
import { together } from '../ledger/parts.ts';
import { knownContacts, markTrustedContactsStep } from '../ledger/visitors.ts';
import { logWarn } from '../log.ts';
import {
  claimDoubleOptIns,
  contactNeedOfEvent,
  contactNeedOfShopContact,
  mergeContactNeeds,
  plainContactNeed,
  releaseDoubleOptIns,
  withoutConsent,
  withoutDoubleOptIn,
  type ContactNeed,
} from './contacts.ts';
import { guardProfiles } from './profile.ts';
import type { DeliveryRun } from './run.ts';
import { rememberContacts } from './visitors.ts';
import type { WorkItem } from './work.ts';

/** One batch upsert for every contact this batch needs, before any of its events. */
export async function upsertContacts(run: DeliveryRun, all: WorkItem[]): Promise<void> {
  const needs = new Map<string, ContactNeed[]>();
  const dependents = new Map<string, WorkItem[]>();
  const add = (email: string, need: ContactNeed, item: WorkItem) => {
    needs.set(email, [...(needs.get(email) ?? []), need]);
    dependents.set(email, [...(dependents.get(email) ?? []), item]);
  };
  for (const item of all) {
    if (item.outcome) continue;
    if (item.contact) {
      const need = contactNeedOfShopContact(item.contact, run.deps.config);
      add(need.upsert.email, need, item);
    } else if (item.event && item.ref && 'email' in item.ref && !item.contactDone) {
      // (An event whose upsert succeeded on an earlier attempt does not repeat it.)
      const own = contactNeedOfEvent(item.event, run.deps.config);
      const need = own && own.upsert.email === item.ref.email ? own : plainContactNeed(item.ref.email, item.event.occurredAt);
      add(item.ref.email, need, item);
    }
  }
  if (needs.size === 0) return;
  // A browser's profile fields never change a contact whose data came from the shop or SALESmanago.
  await guardProfiles(run.ledgers, run.deps.consents, needs);

  const known = await knownContacts(run.db, [...needs.keys()]);
  const wanted = [...needs.entries()].map(([email, list]) => ({ email, need: mergeContactNeeds(list) })).filter((x) => x.need.always || !known.has(x.email));
  if (run.deps.consents) await dropOvertakenConsents(run.deps.consents, wanted);
  // At most one double opt-in mail per subscribe, also on retry (contacts.ts).
  const claimed = await claimDoubleOptIns(
    run.home,
    wanted.map((x) => x.need),
    run.now(),
  );
  for (const [i, x] of wanted.entries()) x.need = claimed[i] ?? x.need;
  // Named consents go as the SALESmanago account knows them, or not at all (consent/account-consents.ts).
  const linked = await forAccount(
    run.home,
    wanted.map((x) => x.need.upsert),
    wanted.map((x) => (dependents.get(x.email) ?? []).flatMap((i) => (i.contact ? [i.contact.id] : []))),
  );
  for (const [i, x] of wanted.entries()) x.need = { ...x.need, upsert: linked[i] ?? x.need.upsert };
  const releases: Promise<void>[] = [];
  // A quick retry after an answer that may hide a stored call (a timeout, a 5xx) must not ask for the
  // double opt-in mail again, and its claim is then never given back (contacts.ts).
  const mayHaveAsked = new Set<string>();

  for (let start = 0; start < wanted.length; start += CHUNK_SIZE) {
    await run.settle(
      wanted.slice(start, start + CHUNK_SIZE),
      (xs, after) => {
        if (after?.maybeStored) for (const x of xs) mayHaveAsked.add(x.email);
        return upsertRefusingConsents(
          run,
          xs.map((x) => (mayHaveAsked.has(x.email) ? withoutDoubleOptIn(x.need) : x.need).upsert),
        );
      },
      async (xs, value) => {
        const items = xs.flatMap((x) => dependents.get(x.email) ?? []);
        await run.delivered(items.filter((i) => i.contact).map((item) => ({ item })));
        const events = items.filter((i) => i.event);
        for (const item of events) item.contactDone = true;
        // What the answer tells: contactIds, contacts holding the shop's data, events whose upsert is done.
        await together(
          run.db,
          rememberContacts(run.db, value.contactIds, run.now()),
          markTrustedContactsStep(
            run.db,
            xs.filter((x) => x.need.origin === 'shop').map((x) => x.email),
          ),
          markContactDoneStep(
            run.db,
            events.map((i) => i.id),
            run.now(),
          ),
        );
      },
      (xs, err) => {
        releases.push(
          releaseDoubleOptIns(
            run.home,
            xs.filter((x) => !mayHaveAsked.has(x.email)).map((x) => x.need),
            err,
          ),
        );
        for (const x of xs) {
          for (const item of dependents.get(x.email) ?? []) item.outcome = run.failure(err, item, 'contact upsert');
        }
      },
      { idempotent: true },
    );
  }
  await Promise.all(releases);
}

/**
 * An explicit e-mail consent older than the change the consent store holds for that address (a
 * callback, or the shop's later choice, stored first while this one waited for a retry) is not sent:
 * the upsert goes as "no change" for the e-mail pair. A failed read keeps the consent as it is.
 */
async function dropOvertakenConsents(kv: KVNamespace, wanted: { email: string; need: ContactNeed }[]): Promise<void> {
  const explicit = wanted.filter((x) => x.need.upsert.consent !== 'no-change');
  await Promise.all(
    explicit.map(async (x) => {
      const stored = await readConsent(kv, x.email).catch(() => null);
      const wants = x.need.upsert.consent === 'subscribe' ? 'opt-in' : 'opt-out';
      if (!stored || stored.changedAt <= x.need.at || stored.status === wants) return;
      logWarn('consent overtaken by a later stored change: sent as no change', { stored: stored.status, storedAt: stored.changedAt, at: x.need.at });
      x.need = withoutConsent(x.need);
    }),
  );
}

type UpsertResult = ChunkResult<{ contactIds: Record<string, string> }>;

/**
 * The batch upsert; a chunk SALESmanago refuses because it names a consent the account does not have
 * is recorded (shown on /setup, not sent again) and sent once more without that consent, so the
 * contacts' other data still arrives.
 */
async function upsertRefusingConsents(run: DeliveryRun, upserts: ContactUpsert[]): Promise<UpsertResult[]> {
  const out: UpsertResult[] = [];
  for (const r of await run.deps.client.batchUpsertContacts(upserts)) {
    const names = r.ok || r.error.kind !== 'permanent' ? [] : refusedNames(r.error.messages, upserts.slice(r.start, r.end));
    if (r.ok || names.length === 0) {
      out.push(r);
      continue;
    }
    await recordRefused(run.home, names, r.error.messages, run.now());
    logWarn('SALESmanago refused a consent name: recorded, sent without it', { consents: names });
    const again = await run.deps.client.batchUpsertContacts(upserts.slice(r.start, r.end).map((u) => withoutRefused(u, names)));
    for (const a of again) {
      out.push({
        ...a,
        start: a.start + r.start,
        end: a.end + r.start,
        truncations: a.truncations.map((t) => (t.item === undefined ? t : { ...t, item: t.item + r.start })),
      });
    }
  }
  return out;
}
