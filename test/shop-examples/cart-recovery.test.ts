// test/shop-examples/woocommerce-cart-recovery.php under just enough of WordPress and WooCommerce: a
// recovery link's {items} (worker/shop/cart-url.ts) becomes one add_to_cart per line, then the cart page.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../stack/processes.ts';

const FILE = join(ROOT, 'test/shop-examples/woocommerce-cart-recovery.php');
const HAS_PHP = !spawnSync('php', ['-v']).error;

const WOOCOMMERCE = `
$actions = []; $added = [];
function add_action($hook, $fn) { global $actions; $actions[$hook][] = $fn; }
function do_action($hook) { global $actions; foreach ($actions[$hook] ?? [] as $fn) $fn(); }
function wp_unslash($v) { return $v; }
function absint($v) { return abs((int) $v); }
function wc_get_cart_url() { return 'https://shop.example/cart/'; }
function wp_safe_redirect($url) { echo "REDIRECT $url\\n"; }
class Cart { function add_to_cart($id, $quantity) { echo "ADD $id x $quantity\\n"; return 'key'; } }
function WC() { static $wc; return $wc ??= (object) ['cart' => new Cart()]; }
`;

function run(query: Record<string, string>): string {
  const script = `${WOOCOMMERCE}$_GET = json_decode($argv[1], true);\nrequire '${FILE}';\ndo_action('wp_loaded');\necho "END\\n";`;
  return execFileSync('php', ['-r', script, JSON.stringify(query)]).toString();
}

describe.skipIf(!HAS_PHP && process.env.CI !== 'true')('WooCommerce cart-recovery snippet', () => {
  it('adds every line of ?sm-edge-cart=<id>:<quantity>,… and redirects to the cart', () => {
    expect(run({ 'sm-edge-cart': '123:2,456:1,789' })).toBe('ADD 123 x 2\nADD 456 x 1\nADD 789 x 1\nREDIRECT https://shop.example/cart/\n');
  });
  it('skips lines without a product id, and leaves other requests alone', () => {
    expect(run({ 'sm-edge-cart': 'abc:2,5:0' })).toBe('ADD 5 x 1\nREDIRECT https://shop.example/cart/\n');
    expect(run({ page: '2' })).toBe('END\n');
  });
});
