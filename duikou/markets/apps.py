from functools import partial

from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def listing_q(user, prefix: str | None, action, *, path: str) -> Q:
    """A listing is an offer meant to be found: every user with an organisation reads it; only the organisations
    answering for its region (and their province, and the nation) change it."""
    from duikou.accounts.scoping import Action, region_q

    if prefix == "":
        return Q(pk__in=[])
    if action == Action.VIEW:
        return Q()
    return region_q(path, prefix)


def certification_q(user, prefix: str | None, action) -> Q:
    """A product certification under 公示 or decided (certified, revoked) is read by every user with an organisation,
    as buyers look for certified products; an application in draft or review only by its county's areas, which alone
    change it."""
    from duikou.accounts.scoping import Action, region_q

    from .models import ProductCertification

    if prefix == "":
        return Q(pk__in=[])
    mine = region_q("county", prefix)
    if action == Action.VIEW:
        S = ProductCertification.Status
        return mine | Q(status__in=[S.PUBLICITY, S.CERTIFIED, S.REVOKED])
    return mine


def reference_q(user, prefix: str | None, action) -> Q:
    """Data sources and city profiles feed the national pairing review: everyone with an organisation reads them,
    only the nation imports or changes them."""
    from duikou.accounts.scoping import Action

    if prefix == "" or (action != Action.VIEW and prefix is not None):
        return Q(pk__in=[])
    return Q()


def tie_q(user, prefix: str | None, action) -> Q:
    """A tie is read by everyone (it is a term of the pairing review) and changed by either side's areas."""
    from duikou.accounts.scoping import Action, region_q

    if prefix == "":
        return Q(pk__in=[])
    if action == Action.VIEW:
        return Q()
    return region_q("old_region", prefix) | region_q("partner_region", prefix)


class MarketsConfig(AppConfig):
    name = "duikou.markets"
    verbose_name = _("产销与劳务对接")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping

        from . import models

        scoping.register(models.ProductListing, custom=partial(listing_q, path="origin"))
        scoping.register(models.Demand, custom=partial(listing_q, path="region"))
        scoping.register(models.JobPosting, custom=partial(listing_q, path="region"))
        # both parties to an agreement or a placement answer for it
        scoping.register(models.Agreement, region_paths=("listing__origin", "demand__region"))
        scoping.register(models.Delivery, region_paths=("agreement__listing__origin", "agreement__demand__region"))
        # a job seeker is personal data: only the areas answering for the seeker's home read the record; employers
        # see seekers only through the masked rows of a match list
        scoping.register(models.JobSeeker, region_paths=("home",))
        scoping.register(models.Placement, region_paths=("seeker__home", "posting__region"))
        scoping.register(models.FollowUp, region_paths=("placement__seeker__home", "placement__posting__region"))
        scoping.register(models.ProductCertification, custom=certification_q)
        scoping.register(models.DataSource, custom=reference_q)
        scoping.register(models.CityProfile, custom=reference_q)
        # a tie is read by everyone (it is a term of the national review) and changed by either city's side
        scoping.register(models.EconomicTie, custom=tie_q)

        for model in (
            models.ProductListing,
            models.Demand,
            models.Agreement,
            models.Delivery,
            models.ProductCertification,
            models.JobPosting,
            models.Placement,
            models.FollowUp,
            models.DataSource,
            models.CityProfile,
            models.EconomicTie,
        ):
            auditlog.register(model)
        # the encrypted columns and their digests never enter the audit diff; only the masked values do
        auditlog.register(models.JobSeeker, exclude_fields=list(models.JobSeeker.ENCRYPTED))

        from duikou.indicators import records

        from .labour.queries import placed_by_group
        from .produce.queries import certified_purchases

        # the placements beside the reported 劳务协作人数, per group of its breakdown (人群) and in total (their sum)
        records.register("labour_coop_persons", _("就业安置记录"), None, by_option=placed_by_group)
        # the deliveries counted as certified products, beside the reported 消费帮扶金额 (its certified part)
        records.register("consumption_aid_wan", _("其中认定产品采购"), certified_purchases)
