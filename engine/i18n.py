"""Translation marker for engine messages: Django's lazy gettext when Django is present, identity otherwise."""
try:  # pragma: no cover - Django is always installed with partyflow
    from django.utils.translation import gettext_lazy as _
except ImportError:  # pragma: no cover
    def _(message):
        return message

__all__ = ["_"]
