"""Indicator test helpers: the 信阳–苏州 quarterly report and a full set of valid values."""

from duikou import testing
from duikou.indicators import services
from duikou.indicators.models import DataSet, Indicator

QUARTER = "2025Q3"
GOOD = {
    "consumption_aid_wan": "1200.5",
    "labour_coop_persons": "350",
    "training_persons": "800",
    "coop_parks": "2",
    "signed_projects": "6",
    "signed_amount_wan": "52000",
    "funds_in_place_wan": "18000",
    "cadre_exchange_persons": "12",
    "study_tour_persons": "4200",
    "hospital_pairs": "3",
    "school_pairs": "5",
}


def report(period: str = QUARTER, old: str = "信阳市", partner: str = "苏州市"):
    return services.get_report(
        pairing=testing.pairing(old, partner), dataset=DataSet.objects.get(pk="quarterly"), period=period
    )


def fill(user, rep, values: dict | None = None, **overrides):
    for code, value in {**GOOD, **(values or {}), **overrides}.items():
        services.save_value(user=user, report=rep, indicator=Indicator.objects.get(pk=code), value=value)
    rep.refresh_from_db()
    return rep
