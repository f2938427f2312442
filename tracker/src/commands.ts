// smEdge(command, argument): the JS interface for themes. Calls made before the script loaded wait
// in smEdge.q and are replayed in order. Any other command is an event for the collector to check.
import { setConsent } from './consent';
import { safe, w } from './env';
import { ev } from './events';
import { flush, push, queue } from './transport';
import { visit } from './visit';

export const run = (c: string, a?: unknown) => {
  if (c == 'consent') {
    setConsent(a);
    a ? flush() : queue.splice(0);
  } else c == 'visit' ? visit() : push(ev(c, a));
};

export const install = (f = safe(run)) => {
  for (const a of (w as any).smEdge?.q || []) f(...a);
  (w as any).smEdge = f;
};
