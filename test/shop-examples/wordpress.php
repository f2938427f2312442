<?php
// salesmanago-edge in WordPress / WooCommerce: the storefront snippet in every page's <head>, and the
// login token after a customer logs in. Paste into the (child) theme's functions.php, or into a
// code-snippet plugin as a PHP snippet that runs everywhere (without the "<?php" line).
// In wp-config.php: define('SM_EDGE_COLLECTOR', 'https://collector.example.com');
//                   define('SM_EDGE_SHOP_API_SECRET', '...the worker\'s SHOP_API_SECRET...');

// data-consent="required" (as on the setup page): nothing is sent until the shop's consent banner
// calls smEdge('consent', true); see docs/theme.md.
add_action('wp_head', function () {
    printf("<script async src=\"%s/s.js\" data-cart-path=\"/cart\" data-consent=\"required\"></script>\n", esc_url(SM_EDGE_COLLECTOR));
    echo "<script>window.smEdge=window.smEdge||function(){(smEdge.q=smEdge.q||[]).push(arguments)}</script>\n";
}, 1);

// A login is told to the tracker once, on the first page after it.
add_action('wp_login', function ($login, $user) {
    update_user_meta($user->ID, 'sm_edge_login', time());
}, 10, 2);

add_action('wp_footer', function () {
    $user = wp_get_current_user();
    if (!$user->ID || !get_user_meta($user->ID, 'sm_edge_login', true)) {
        return;
    }
    delete_user_meta($user->ID, 'sm_edge_login');
    $b64 = rtrim(strtr(base64_encode($user->user_email), '+/', '-_'), '=');
    $exp = time() + 600;
    $token = "$b64.$exp." . hash_hmac('sha256', "login.$b64.$exp", SM_EDGE_SHOP_API_SECRET);
    echo '<script>smEdge("login",{token:' . wp_json_encode($token) . '})</script>' . "\n";
});
