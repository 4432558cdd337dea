"""Pairing test helpers."""

import datetime

from duikou import testing
from duikou.pairings import services


def repair_with_wuxi(pairing, user, reason="动态优化"):
    """``user`` re-pairs ``pairing`` with 无锡 (延安's partner) from 1 January 2027; the new pairing."""
    return services.repair(
        pairing=pairing,
        user=user,
        partner_region=testing.pairing("延安市", "无锡市").partner_region,
        effective=datetime.date(2027, 1, 1),
        reason=reason,
    )
