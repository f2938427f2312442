// Whether the tracker may send and store now. With data-consent set it may not until consent is
// given: by smEdge('consent', true) or, with "gcm"/"tcf", by the consent tool's signal (cmp.ts).
// smEdge('consent', false) stops it in every mode.
// A consent given by smEdge('consent', true) is remembered for the next pages in localStorage (sm_c,
// whose value is its own name: the decision only, nothing about the visitor) and forgotten on
// smEdge('consent', false). Not with "gcm" and "tcf" (s.cmp.js): the consent tools keep their own
// decision, read again on every page.
import { mode } from './config';
import { CMP } from './flags';
import { store } from './identity';

const K = 'sm_c';
/** In s.js, smEdge('consent') is the only way to consent, whatever data-consent says. */
const remember = !CMP || mode == 'required';

let given: unknown;

export const setConsent = (v: unknown) => ((given = !!v), remember && store(K, given ? K : ''));

export const can = () => given ?? (!mode || (remember && store(K)));

/** After smEdge('consent', false) events are not even held. */
export const refused = () => given === false;
