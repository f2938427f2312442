<?php
// Must-use plugin of the test shop only (test/woocommerce). A deployed worker on https://… needs none
// of it: WordPress's wp_safe_remote_post(), which webhooks use, refuses loopback hosts and ports other
// than 80, 443 and 8080, and this machine has no mail transport.
add_filter('http_request_host_is_external', function ($external, $host) {
    return $external || $host === '127.0.0.1';
}, 10, 2);
add_filter('http_allowed_safe_ports', function ($ports) {
    $ports[] = (int) SM_EDGE_TEST_WORKER_PORT;
    return $ports;
});
add_filter('pre_wp_mail', '__return_true');

// Stands in for a newsletter plugin: the registration form's "newsletter" checkbox, kept in the
// customer's meta data under the key the merchant enters as WOOCOMMERCE_NEWSLETTER_META_KEY.
add_action('woocommerce_register_form', function () {
    echo '<p><label><input type="checkbox" name="sm_newsletter" value="yes"> Newsletter</label></p>';
});
add_action('woocommerce_created_customer', function ($customer_id) {
    // phpcs:ignore WordPress.Security.NonceVerification.Missing -- WooCommerce checked the form's nonce.
    update_user_meta($customer_id, 'sm_newsletter', !empty($_POST['sm_newsletter']) ? 'yes' : 'no');
});
