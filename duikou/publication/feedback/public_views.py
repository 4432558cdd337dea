"""Feedback on the public site: the section a subject's public page shows below its content (the approved messages
with their replies, kept in the cache until a moderator's decision; the form, rendered per request for its CSRF
token), and the page the form posts to (``/public/feedback/<kind>/<id>/``), which works without JavaScript: it
answers with the thanks, or with the form again saying what to change, or 429 when the address posted too often."""

from django.conf import settings
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from duikou.core.public import RateLimited, check_rate, client_address, public_page

from ..cache import cached
from ..pages import render_public
from . import PublicSubject, queries, resolve, services
from .forms import FeedbackForm

HOUR = 3600
BIGGEST_ID = 2**63 - 1


def shown_html(subject: PublicSubject) -> SafeString:
    """The approved messages of ``subject`` as HTML, from the cache while no moderator decided anything."""

    def build() -> str:
        items = list(queries.shown_feedback(subject.kind, subject.id))
        return render_to_string("publication/feedback/shown.html", {"items": items})

    html = cached(f"feedback:{subject.kind}:{subject.id}", build)
    return mark_safe(html)  # rendered by our own template, escaped there  # noqa: S308


def section(request, subject: PublicSubject, form: FeedbackForm | None = None) -> SafeString:
    """The feedback section of ``subject``'s public page: what was approved, then the form."""
    return mark_safe(  # noqa: S308 (rendered by our own template)
        render_to_string(
            "publication/feedback/section.html",
            {"subject": subject, "shown": shown_html(subject), "form": form or FeedbackForm()},
            request=request,
        )
    )


def _subject(kind: str, subject_id: int) -> PublicSubject:
    subject = resolve(kind, subject_id) if 0 < subject_id <= BIGGEST_ID else None
    if subject is None:
        raise Http404("no public subject of that kind and id")
    return subject


def _form_page(request, subject: PublicSubject, form: FeedbackForm, *, error: str = "", status: int = 200):
    body = render_to_string(
        "publication/feedback/page.html",
        {"subject": subject, "form": form, "error": error},
        request=request,
    )
    title = _("留言：%(subject)s") % {"subject": subject.title}
    return render_public(request, title=title, body=mark_safe(body), section="", status=status)  # noqa: S308


def limit(request) -> None:
    """One message from the caller's address: ``RateLimited`` beyond ``DUIKOU_PUBLIC_FEEDBACK_PER_HOUR``. The count is
    kept under a keyed digest of the address, never the address itself (``core.public.check_rate``)."""
    check_rate(
        "public_feedback",
        {"address": client_address(request)},
        {"address": (settings.DUIKOU_PUBLIC_FEEDBACK_PER_HOUR, HOUR)},
    )


@public_page
@require_http_methods(["GET", "POST"])
def feedback(request, kind: str, subject_id: int):
    """The form on a page of its own (GET), and where the form on a subject's page posts to."""
    subject = _subject(kind, subject_id)
    if request.method == "GET":
        return _form_page(request, subject, FeedbackForm())
    form = FeedbackForm(request.POST)
    try:
        limit(request)
    except RateLimited as exc:
        response = _form_page(
            request, subject, FeedbackForm(initial={"body": form.data.get("body", "")}), error=str(exc), status=429
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    if form.trapped:  # a program filled the hidden field: thank it as a person, keep nothing
        return _thanks(request, subject)
    if not form.is_valid():
        return _form_page(request, subject, form)
    services.post_feedback(subject=subject, body=form.cleaned_data["body"], language=get_language() or "")
    return _thanks(request, subject)


def _thanks(request, subject: PublicSubject):
    body = render_to_string("publication/feedback/thanks.html", {"subject": subject}, request=request)
    return render_public(request, title=_("感谢留言"), body=mark_safe(body), section="")  # noqa: S308
