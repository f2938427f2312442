// Whether the tracker may send and store now. With data-consent="required" it may not until
// smEdge('consent', true); smEdge('consent', false) stops it in either mode.
import { required } from './config';

let given: boolean | undefined;

export const setConsent = (v: unknown) => (given = !!v);

export const can = () => given ?? !required;

/** After smEdge('consent', false) events are not even held. */
export const refused = () => given === false;
