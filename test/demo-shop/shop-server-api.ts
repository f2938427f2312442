// The demo shop's server side talks to salesmanago-edge with the copy-paste Node example of docs/shop-server.md
// (test/shop-examples/sm-edge.mjs), unchanged, so the example is exercised by every demo and test.
import { postSigned as post } from '../shop-examples/sm-edge.mjs';

export { signature as signRequest, mintLoginToken } from '../shop-examples/sm-edge.mjs';

export function postSigned(collectorUrl: string, secret: string, path: string, payload: unknown) {
  return post(collectorUrl, path, payload, secret);
}
