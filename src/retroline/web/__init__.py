"""The local web app over the library (``retroline serve``): `app` builds it on the
public API, `pages` renders its HTML, `security` guards it (token, CSRF, hosts, headers)."""
