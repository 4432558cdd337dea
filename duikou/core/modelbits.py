"""Pieces every app's models are built from: the fields that mean the same everywhere (who did it, when, the version
an edit is checked against) and rows that refuse to change once what they belong to is frozen.

The factories return plain Django fields, so a field made here deconstructs (and migrates) exactly as the same field
written out in full; they are called where the field stands, so the model's field order is the order written.
"""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def protected_fk(to, label, *, optional: bool = False, **options) -> models.ForeignKey:
    """A foreign key that keeps what it points at (``PROTECT``: nothing that matters is deleted); ``optional``: the
    reference may be empty, in forms and in the database."""
    if optional:
        options.update(null=True, blank=True)
    return models.ForeignKey(to, verbose_name=label, on_delete=models.PROTECT, **options)


def user_fk(label, *, optional: bool = False, **options) -> models.ForeignKey:
    """The user who took a step (created, approved, filed …); a user does not list these rows back (``related_name``
    ``"+"`` unless given)."""
    options.setdefault("related_name", "+")
    return protected_fk(settings.AUTH_USER_MODEL, label, optional=optional, **options)


def version_field() -> models.PositiveIntegerField:
    """The version an edit names and bumps: a stale edit is refused (``core.concurrency.save_versioned``)."""
    return models.PositiveIntegerField(_("版本"), default=1)


def created_field(label=None) -> models.DateTimeField:
    """When the row was written (「创建时间」 unless named otherwise), set once."""
    return models.DateTimeField(_("创建时间") if label is None else label, auto_now_add=True)


def updated_field(label=None, **options) -> models.DateTimeField:
    """When the row was last saved (「更新时间」 unless named otherwise)."""
    return models.DateTimeField(_("更新时间") if label is None else label, auto_now=True, **options)


class WriteGuarded(models.Model):
    """A row that may refuse to change: ``check_writable`` runs before every save and delete of one row and raises
    (a ValidationError saying why) when the row may not be written, such as once what it belongs to is filed or
    published. Bulk updates and deletes through a QuerySet do not pass here."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.check_writable(deleting=False)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.check_writable(deleting=True)
        return super().delete(*args, **kwargs)

    def check_writable(self, *, deleting: bool) -> None:
        """Raise when this row may not be saved (or, with ``deleting``, deleted); by default it may."""


def english_active() -> bool:
    return (translation.get_language() or "").startswith("en")


def english_name_field(max_length: int = 200) -> models.CharField:
    """The English beside a Chinese ``name`` (``EnglishNamed``); empty where none is known yet, also for rows written
    by hand-written bulk inserts that do not name it (the database's default)."""
    return models.CharField(_("英文名称"), max_length=max_length, blank=True, default="", db_default="")


class EnglishNamed:
    """A model whose ``name`` has an English form in ``name_en``: the one place that chooses which a reader sees.
    ``display_name`` (and ``str()``, unless the model says otherwise) is the English name when the active language
    is English and the name is known in English, else the Chinese; a name without English is data held in Chinese
    and is shown as it is. Lookups, imports and exports that match names keep using ``name``."""

    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and english_active() else self.name

    def __str__(self) -> str:
        return self.display_name
