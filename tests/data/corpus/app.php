<?php

return [
    'name' => env('APP_NAME', 'Acme Shop'),
    'env' => env('APP_ENV', 'production'),
    'debug' => (bool) env('APP_DEBUG', false),
    'url' => env('APP_URL', 'http://localhost'),
    'timezone' => 'UTC',
    'locale' => 'en',
    'cipher' => 'AES-256-CBC',
    'key' => env('APP_KEY', 'base64:zEBTMj0x0vAdSnnzjv+cPCWOoamAANlHB9X1fyzK0DA='),
    'previous_keys' => [
        ...array_filter(explode(',', env('APP_PREVIOUS_KEYS', ''))),
    ],
    'key_for_tests' => 'base64:' . str_repeat('A', 43) . '=',
];
