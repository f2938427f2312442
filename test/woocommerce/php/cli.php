<?php
// The test shop's command line (test/woocommerce): `php cli.php <site> <command> [json]`, one JSON
// answer on stdout. Only what a merchant does in wp-admin without a form we can post to, and the
// Action Scheduler runner that WP-Cron would run; shop traffic goes through HTTP.
[, $site, $command] = $argv;
$args = json_decode($argv[3] ?? '{}', true) ?: [];
$_SERVER['HTTP_HOST'] = parse_url(getenv('SM_EDGE_TEST_SHOP_URL'), PHP_URL_HOST) . ':' . parse_url(getenv('SM_EDGE_TEST_SHOP_URL'), PHP_URL_PORT);
$_SERVER['REQUEST_METHOD'] = 'GET';
define('WP_INSTALLING', $command === 'install');
require $site . '/wp-load.php';

/** What WP-Cron would do (DISABLE_WP_CRON is set): run the due actions, webhook deliveries among them, until none is pending. */
function run_queue() {
    // Deliveries are queued at shutdown (wc_webhook_execute_queue); a command that changed an order
    // schedules its own at once, so the same process can deliver them.
    if (function_exists('wc_webhook_execute_queue')) {
        wc_webhook_execute_queue();
        $GLOBALS['wc_queued_webhooks'] = [];
    }
    $runs = 0;
    do {
        ActionScheduler_QueueRunner::instance()->run('WP CLI');
        $pending = as_get_scheduled_actions(['status' => ActionScheduler_Store::STATUS_PENDING, 'date' => gmdate('Y-m-d H:i:s', time() + 1), 'date_compare' => '<=', 'per_page' => 1], 'ids');
    } while ($pending && ++$runs < 20);
    return count($pending);
}

function answer($value) {
    echo "\n@@JSON@@" . json_encode($value);
    exit(0);
}

switch ($command) {
    case 'install':
        require_once ABSPATH . 'wp-admin/includes/upgrade.php';
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        wp_install('Test shop', 'admin', 'admin@shop.localhost', false, '', $args['adminPassword']);
        update_option('permalink_structure', '/%postname%/');
        $error = activate_plugin('woocommerce/woocommerce.php');
        if (is_wp_error($error)) { fwrite(STDERR, $error->get_error_message()); exit(1); }
        answer(['ok' => true]);

    case 'configure':
        WC_Install::install();
        WC_Install::create_pages();
        update_option('woocommerce_currency', 'PLN');
        update_option('woocommerce_default_country', 'PL');
        update_option('woocommerce_enable_myaccount_registration', 'yes');
        update_option('woocommerce_registration_generate_password', 'no');
        update_option('woocommerce_registration_generate_username', 'yes');
        update_option('woocommerce_enable_guest_checkout', 'yes');
        update_option('woocommerce_cod_settings', ['enabled' => 'yes', 'title' => 'Cash on delivery']);
        $zone = new WC_Shipping_Zone(0);
        if (!$zone->get_shipping_methods()) {
            $instance = $zone->add_shipping_method('flat_rate');
            update_option("woocommerce_flat_rate_{$instance}_settings", ['title' => 'Flat rate', 'cost' => '10', 'tax_status' => 'none']);
        }
        $ids = [];
        foreach ([['Mug', '49.90'], ['Tea', '25.00']] as [$name, $price]) {
            $p = new WC_Product_Simple();
            $p->set_name($name);
            $p->set_regular_price($price);
            $p->set_status('publish');
            $ids[] = $p->save();
        }
        flush_rewrite_rules();
        answer(['products' => $ids, 'myAccount' => get_permalink(wc_get_page_id('myaccount'))]);

    case 'run-queue':
        answer(['pending' => run_queue()]);

    // The merchant's order actions; each then delivers its webhooks (run_queue) as the next cron run would.
    case 'complete':
        wc_get_order($args['order'])->update_status('completed');
        answer(['pending' => run_queue()]);

    case 'cancel':
        wc_get_order($args['order'])->update_status('cancelled');
        answer(['pending' => run_queue()]);

    case 'refund':
        // What the order screen's "Refund" button does (wc_create_refund with the lines and amount).
        $order = wc_get_order($args['order']);
        $lines = [];
        $amount = 0;
        foreach ($order->get_items() as $item_id => $item) {
            $qty = $args['full'] ? $item->get_quantity() : 1;
            $total = wc_format_decimal($order->get_item_total($item, false, false) * $qty);
            $lines[$item_id] = ['qty' => $qty, 'refund_total' => $total];
            $amount += $total;
            if (!$args['full']) break;
        }
        if ($args['full']) {
            foreach ($order->get_shipping_methods() as $item_id => $item) {
                $lines[$item_id] = ['qty' => 1, 'refund_total' => $item->get_total()];
                $amount += $item->get_total();
            }
        }
        $refund = wc_create_refund(['order_id' => $order->get_id(), 'amount' => wc_format_decimal($amount), 'reason' => $args['reason'] ?? '', 'line_items' => $lines]);
        if (is_wp_error($refund)) { fwrite(STDERR, $refund->get_error_message()); exit(1); }
        $status = wc_get_order($order->get_id())->get_status();
        answer(['refund' => $refund->get_id(), 'amount' => (float) $refund->get_amount(), 'status' => $status, 'pending' => run_queue()]);

    // A read-only REST API key, as WooCommerce's own "Add key" makes it (class-wc-auth.php create_keys):
    // ck_/cs_ + wc_rand_hash(), the key stored as wc_api_hash(ck), the secret as is.
    case 'api-key':
        global $wpdb;
        $ck = 'ck_' . wc_rand_hash();
        $cs = 'cs_' . wc_rand_hash();
        $wpdb->insert($wpdb->prefix . 'woocommerce_api_keys', [
            'user_id' => 1, 'description' => 'SALESmanago (read)', 'permissions' => 'read',
            'consumer_key' => wc_api_hash($ck), 'consumer_secret' => $cs, 'truncated_key' => substr($ck, -7),
        ]);
        answer(['key' => $ck, 'secret' => $cs]);

    // Every webhook's delivery URL (the worker unreachable, then back); statuses and failure counts are left as they are.
    case 'webhooks-url':
        foreach ((new WC_Webhook_Data_Store())->search_webhooks(['limit' => -1]) as $id) {
            $w = wc_get_webhook($id);
            $w->set_delivery_url($args['url']);
            $w->save();
        }
        answer(['ok' => true]);

    case 'webhooks':
        $out = [];
        foreach ((new WC_Webhook_Data_Store())->search_webhooks(['limit' => -1]) as $id) {
            $w = wc_get_webhook($id);
            $out[] = ['id' => $id, 'topic' => $w->get_topic(), 'status' => $w->get_status(), 'failures' => $w->get_failure_count(), 'url' => $w->get_delivery_url(), 'apiVersion' => $w->get_api_version()];
        }
        answer($out);
}
fwrite(STDERR, "unknown command $command");
exit(2);
