// How an upsert's force flags change a contact's e-mail marketing status (docs/salesmanago-api.md §2.2).

export type OptInStatus = 'opt-in' | 'opt-out' | 'pending' | 'unknown';

export interface ConsentFlags {
  forceOptIn?: boolean;
  forceOptOut?: boolean;
  useApiDoubleOptIn?: boolean;
}

/**
 * - forceOptOut → 'opt-out'.
 * - forceOptIn → 'opt-in', or 'pending' with useApiDoubleOptIn until the contact confirms (POST
 *   /__sim/contacts/confirm). Assumption: a contact already opted in stays 'opt-in' (no new confirmation).
 * - Both false ("no change") → status untouched. ASSUMPTION (undocumented, docs/salesmanago-api.md §2.2 [UNK]):
 *   a NEW contact created this way is 'unknown', i.e. not opted in.
 */
export function nextOptIn(current: OptInStatus | undefined, flags: ConsentFlags): OptInStatus {
  if (flags.forceOptOut === true) return 'opt-out';
  if (flags.forceOptIn === true) {
    if (current === 'opt-in') return 'opt-in';
    return flags.useApiDoubleOptIn === true ? 'pending' : 'opt-in';
  }
  return current ?? 'unknown';
}

/** Tags are added, never duplicated; removeTags takes them away. */
export function mergeTags(current: readonly string[], add: readonly string[] = [], remove: readonly string[] = []): string[] {
  const removed = new Set(remove);
  const tags = current.filter((t) => !removed.has(t));
  for (const tag of add) if (!tags.includes(tag) && !removed.has(tag)) tags.push(tag);
  return tags;
}
