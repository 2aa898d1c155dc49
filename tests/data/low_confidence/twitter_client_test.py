TOKENS = {
    'oauth_token': '3h0w5n9qxw30',
    'oauth_token_secret': 'EbNm7zyo4725a4uuOo5ozjJY',
    'oauth_verifier': 'v7a2b4zed0p',
    'oauth_callback': 'http://localhost/callback',
}
FAKE = {
    'oauth_token': 'fake-key',
    'oauth_verifier': 'xxxxxxxxxx',
    'oauth_token': 'my_token_here',
}
CONSUMER = {'oauth_consumer_secret': 'IgxLd6GncfBAepfJBd0Kh8oOOL8d'}
