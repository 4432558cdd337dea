from functools import partial

from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def owner_q(user, prefix: str | None, action, *, path: str = "") -> Q:
    """Who reads and who runs a scheme (and its items, reviews and runs).

    A national scheme is read by everyone signed in and changed, run and published only by the national
    overseer. A province scheme is read inside its province and changed, run and published by the province
    (or the nation). ``path`` leads from the model to its scheme.
    """
    from duikou.accounts.scoping import Action

    if prefix is None:
        return Q()
    if prefix == "":
        return Q(pk__in=[])
    national = Q(**{f"{path}level": "national"})
    own_province = Q(**{f"{path}level": "province", f"{path}province__code": prefix[:2] + "0000"})
    if action == Action.VIEW:
        return national | own_province
    if len(prefix) > 2:
        return Q(pk__in=[])
    return own_province


def outcome_q(user, prefix: str | None, action, *, ranking: bool) -> Q:
    """Who sees a run's outcome for a pairing.

    A province (and the nation) sees its cities' scores at once; a city sees its own before publication
    only when the scheme says so, and after publication. Once published, the ranking (results, not the
    explanations of others) is read by everyone who may read the run.
    """
    from duikou.accounts.scoping import Action, region_q

    if prefix is None:
        return Q()
    if prefix == "" or action != Action.VIEW:
        return Q(pk__in=[])
    own = region_q("pairing__old_region", prefix) | region_q("pairing__partner_region", prefix)
    if len(prefix) > 2:
        own &= Q(run__status="published") | Q(run__scheme__cities_see_before_publication=True)
    if ranking:
        own |= Q(run__status="published") & owner_q(user, prefix, Action.VIEW, path="run__scheme__")
    return own


class EvaluationConfig(AppConfig):
    name = "duikou.evaluation"
    verbose_name = _("成效评估与督促落实")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping

        from . import models

        scoping.register(models.Scheme, custom=owner_q)
        scoping.register(models.Item, custom=partial(owner_q, path="scheme__"))
        scoping.register(models.Review, custom=partial(_review_q))
        scoping.register(models.Run, custom=partial(owner_q, path="scheme__"))
        scoping.register(models.Result, custom=partial(outcome_q, ranking=True))
        scoping.register(models.Commendation, custom=partial(outcome_q, ranking=True))
        scoping.register(models.Score, custom=partial(outcome_q, ranking=False))
        scoping.register(models.Notice, region_paths=("pairing__old_region", "pairing__partner_region"))
        # a self-assessment is read and written within the pairing's places (each side only its own: the workflow);
        # a cross-check also by the reviewing organisation of another province
        sides = ("pairing__old_region", "pairing__partner_region")
        scoping.register(models.SelfAssessment, region_paths=sides)
        scoping.register(models.SelfAssessmentEntry, region_paths=[f"assessment__{p}" for p in sides])
        scoping.register(models.CrossCheck, region_paths=(*sides, "reviewer__region"))
        scoping.register(models.Finding, region_paths=[f"cross_check__{p}" for p in (*sides, "reviewer__region")])
        for model in models.EVALUATION_MODELS:
            auditlog.register(model)


def _review_q(user, prefix: str | None, action) -> Q:
    """Reviews are the evaluators' working papers: only those who run the scheme read and write them."""
    from duikou.accounts.scoping import Action

    return owner_q(user, prefix, Action.CHANGE, path="item__scheme__")
