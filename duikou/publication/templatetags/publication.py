"""``{% publication_box item %}``: the publication state of a plan, project, report or province-internal pairing on its
staff page, with the publish or withdraw form the workflow allows the user (``publication.workflow``)."""

from django import template
from django.urls import reverse

from duikou.indicators.models import Report
from duikou.pairings.models import Pairing
from duikou.plans.models import Plan
from duikou.projects.models import Project

from ..forms import PublishForm, WithdrawForm
from ..services import subject_of
from ..workflow import WORKFLOW, why_not_publishable

register = template.Library()


def item_url(item) -> str:
    """The staff page of ``item``."""
    if isinstance(item, Plan):
        return reverse("plans:detail", args=[item.pk])
    if isinstance(item, Project):
        return reverse("projects:detail", args=[item.pk])
    if isinstance(item, Report):
        return reverse("indicators:entry", args=[item.pairing_id, item.dataset_id, item.period])
    return reverse("pairings:detail", args=[item.pk])


@register.inclusion_tag("publication/partials/box.html", takes_context=True)
def publication_box(context, item):
    request = context["request"]
    if isinstance(item, Pairing) and item.level != Pairing.Level.PROVINCE:
        return {"shown": False}
    subject = subject_of(item)
    steps = {s.name for s in WORKFLOW.allowed_steps(request.user, subject)}
    pairing = subject.pairing
    return {
        "shown": True,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "subject": subject,
        "kind": subject.kind,
        "item": item,
        "steps": steps,
        "why_not": why_not_publishable(item),
        "public_url": reverse("public:pairing", args=[pairing.pk]),
        "publish_form": PublishForm(auto_id=f"id_pub_{subject.kind}_{item.pk}_%s"),
        "withdraw_form": WithdrawForm(auto_id=f"id_wd_{subject.kind}_{item.pk}_%s"),
        "next": request.get_full_path(),
    }
