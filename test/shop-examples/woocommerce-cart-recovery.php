<?php
// salesmanago-edge: rebuild a WooCommerce cart from a recovery link, CART_RECOVERY_URL=https://SHOP/?sm-edge-cart={items}
// (WooCommerce's own ?add-to-cart= adds one product per request). Put it into a small plugin or the theme's functions.php.
add_action('wp_loaded', function () {
    if (empty($_GET['sm-edge-cart']) || !function_exists('WC') || !WC()->cart) return;
    foreach (explode(',', wp_unslash($_GET['sm-edge-cart'])) as $line) {
        [$id, $quantity] = array_pad(explode(':', $line, 2), 2, 1);
        if (absint($id) > 0) WC()->cart->add_to_cart(absint($id), max(1, absint($quantity)));
    }
    wp_safe_redirect(wc_get_cart_url());
    exit;
});
