# A URL made of shell variables: the user information is escaped text and the rest references.
	HTTPD_URL_USER_PASS=$HTTPD_PROTO://user%40host:pass%40host@$HTTPD_DEST
