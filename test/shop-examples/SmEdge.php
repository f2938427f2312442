<?php
// salesmanago-edge: calling the shop server API from PHP (8.0+, ext-curl, ext-json).
// Copy this file into your shop's code base; see docs/shop-server.md "Shop server API".

final class SmEdge
{
    public function __construct(private string $collectorUrl, private string $secret) {}

    /** The Sm-Edge-Signature header: HMAC-SHA256 over "<t>.<METHOD>.<path with query>.<raw body>". */
    public function signature(string $method, string $pathWithQuery, string $rawBody, ?int $t = null): string
    {
        $t = $t ?? time();
        $v1 = hash_hmac('sha256', $t . '.' . strtoupper($method) . '.' . $pathWithQuery . '.' . $rawBody, $this->secret);
        return "t={$t},v1={$v1}";
    }

    /** POSTs a JSON body, signed. The signed string is exactly the body sent. Returns [status, decoded body]. */
    public function post(string $path, array $body): array
    {
        $raw = json_encode($body, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
        $ch = curl_init(rtrim($this->collectorUrl, '/') . $path);
        curl_setopt_array($ch, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => $raw,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => 10,
            CURLOPT_HTTPHEADER => [
                'Content-Type: application/json',
                'Sm-Edge-Signature: ' . $this->signature('POST', $path, $raw),
            ],
        ]);
        $response = curl_exec($ch);
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        return [$status, is_string($response) ? json_decode($response, true) : null];
    }

    /** A login token for the storefront's smEdge('login', {token}), valid for $ttlSeconds. */
    public function loginToken(string $email, int $ttlSeconds = 600): string
    {
        $b64 = rtrim(strtr(base64_encode($email), '+/', '-_'), '=');
        $exp = time() + $ttlSeconds;
        $sig = hash_hmac('sha256', "login.{$b64}.{$exp}", $this->secret);
        return "{$b64}.{$exp}.{$sig}";
    }
}
