"""The web console: server-rendered pages (Jinja2 + htmx) with ECharts charts, per role.

Assets are served by the app itself from ``static/`` (no CDN). The console authenticates with
the ``chanrong_token`` cookie holding an access token from the same identity service as the
API, and reads every other organisation's data through the same domain services (and so the
same consent check) as the API.
"""
