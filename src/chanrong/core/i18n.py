"""One message catalog for user-facing text, zh-CN by default, English on request.

Domains register their messages at import with ``register``; look-ups fall back from the
asked locale to zh-CN and then to the key itself, so a missing translation never raises.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")

_CATALOG: dict[str, dict[str, str]] = {loc: {} for loc in LOCALES}


def register(messages: dict[str, dict[str, str]]) -> None:
    """Add messages: ``{"key": {"zh-CN": "...", "en": "..."}}``.

    The words live in several catalogs (one per area); a key registered again with other words
    is refused, since which text won would otherwise depend on import order.
    """
    for key, texts in messages.items():
        for loc, text in texts.items():
            known = _CATALOG.setdefault(loc, {})
            if key in known and known[key] != text:
                raise ValueError(f"message {key!r} ({loc}) is already registered with other words")
            known[key] = text


def normalise_locale(value: str | None) -> str:
    """Map ``en-US``, ``en``, ``zh``, ``zh-Hans`` … onto a supported locale."""
    if not value:
        return DEFAULT_LOCALE
    v = value.strip().lower()
    return "en" if v.startswith("en") else DEFAULT_LOCALE


def t(key: str, locale: str | None = None, **params: Any) -> str:
    """Translate ``key`` into ``locale``, formatting ``params`` into it."""
    loc = normalise_locale(locale)
    text = _CATALOG.get(loc, {}).get(key) or _CATALOG[DEFAULT_LOCALE].get(key) or key
    return text.format(**params) if params else text


register(
    {
        "app.name": {"zh-CN": "产融", "en": "Chanrong"},
        "app.tagline": {
            "zh-CN": "让企业真实经营数据成为可信的金融凭据",
            "en": "Real operating data as trusted evidence for finance",
        },
    }
)
