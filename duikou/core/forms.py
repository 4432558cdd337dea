"""Form helpers every app uses: service errors shown on forms, and Bootstrap classes on widgets."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .errors import StaleObjectError


def int_or(value, default: int | None = None) -> int | None:
    """An integer from a request value, or ``default`` when there is none or it is not a whole number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def apply_errors(form: forms.Form, exc: ValidationError | StaleObjectError) -> None:
    """Show a service's refusal on the form: a ValidationError at the field it names (or above the form), a stale
    version above the form."""
    if isinstance(exc, StaleObjectError):
        form.add_error(None, str(exc))
    elif hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def error_text(exc: Exception) -> str:
    """A service's refusal as one line for a message: a ValidationError's messages joined, otherwise its text (a bare
    PermissionDenied says the user may not do this)."""
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or _("您不能执行此操作")


class Styled:
    """Bootstrap classes on every widget, so templates render ``{{ field }}`` as it is."""

    def style(self, small: bool = False) -> None:
        size = "-sm" if small else ""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = f"form-select form-select{size}"
            else:
                css = f"form-control form-control{size}"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
