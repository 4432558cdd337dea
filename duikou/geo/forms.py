from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Region


class RegionField(forms.CharField):
    """A region by its code; the page suggests 「411526 潢川县」 and anything after the code is ignored.
    ``levels`` limits which levels are accepted (any level when empty)."""

    def __init__(self, *args, levels=(), **kwargs):
        self.levels = levels
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        code = text.split()[0]
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationError(_("区划代码「%(code)s」不存在"), params={"code": code})
        if self.levels and region.level not in self.levels:
            raise ValidationError(
                _("「%(name)s」是%(level)s，不符合要求"),
                params={"name": region.name, "level": region.get_level_display()},
            )
        return region

    def prepare_value(self, value):
        if isinstance(value, Region):
            return f"{value.code} {value.name}"
        return value
