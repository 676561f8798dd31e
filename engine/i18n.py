"""Translation marker for engine messages.

`_` is lazy: the message is translated when it is read (Django's `gettext` under the active language
once settings are configured), so the engine and its errors work without Django settings
(`RuleViolation(code="x")` in a plain Python process) and, without Django installed, return the
Chinese message as written. `makemessages` finds the `_("…")` calls as usual.
"""

try:
    from django.conf import settings
    from django.utils.functional import lazy
    from django.utils.translation import gettext
except ImportError:  # pragma: no cover - Django is always installed with partyflow

    def _(message: str) -> str:
        return message

else:

    def _translate(message: str) -> str:
        return gettext(message) if settings.configured else message

    _ = lazy(_translate, str)

__all__ = ["_"]
