// Turns valibot issues into the one-line 400 message the contracts promise, naming the field the way a
// developer would write it in code: `events[3].products[0].quantity: must be greater than 0`.
import type { BaseIssue } from 'valibot';

const SHOWN = 3;

export function fieldPath(issue: BaseIssue<unknown>, prefix = ''): string {
  let path = prefix;
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === 'number') path += `[${key}]`;
    else path += path ? `.${String(key)}` : String(key);
  }
  return path || 'body';
}

function issueText(issue: BaseIssue<unknown>): string {
  // valibot reports a missing key as an invalid key of the enclosing object.
  if (issue.kind === 'schema' && issue.type === 'object' && issue.input === undefined && issue.path?.length) {
    return 'is required';
  }
  if (!issue.path?.length && issue.kind === 'schema') return 'must be a JSON object';
  return issue.message;
}

/** One line naming the first few problems, e.g. `items[2].email: must be a valid e-mail address`. */
export function describeIssues(issues: readonly BaseIssue<unknown>[], prefix = ''): string {
  const shown = issues.slice(0, SHOWN).map((i) => `${fieldPath(i, prefix)}: ${issueText(i)}`);
  const more = issues.length - SHOWN;
  return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}
