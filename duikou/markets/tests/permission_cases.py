"""Permission-matrix cases of matching: produce (产销对接), labour (劳务协作) and the pairing review."""

from duikou.accounts import scoping
from duikou.markets import testing as markets_testing
from duikou.permission_matrix import SUPERVISOR, Case, api, api_write, by_pk, form_post


def world(w) -> dict:
    return markets_testing.matrix_world(w["users"]["editor"], w["stranger"], w["inside"], w["outside"])


def cases(w) -> dict[str, Case]:
    """Matching (duikou.markets.testing.matrix_world). Listings are offers meant to be found: every user with an
    organisation reads both sides' listings, only their own side changes them (the out-of-scope call of a change is
    refused with 403, not hidden); job seekers are personal data and scoped to their home area."""
    cases = {
        "markets:home": Case("/markets/", scoped=("ProductListing", "JobSeeker")),
    }
    # produce cases
    cases |= produce_cases(w)
    # labour cases
    cases.update(labour_cases(w))
    # recommend cases
    cases.update(recommend_cases(w))
    return cases


def labour_cases(w) -> dict[str, Case]:
    """劳务协作 (duikou.markets.labour.testing.matrix_world): postings in 苏州 and 无锡 are read by everyone and changed
    only by their own area (so every 信阳 role is refused a change, in and out of scope, with 403); job seekers, their
    placements and follow-ups are scoped to the seeker's home (延安's answer 404); a seeker from another area appears
    in a match list only masked, and no answer ever holds an ID number."""
    A = scoping.Action
    base, api = "/markets/labour", "/api/markets/labour"
    p_in, p_out = w["inside_posting"].pk, w["outside_posting"].pk
    s_in, s_out = w["inside_seeker"].pk, w["outside_seeker"].pk
    pl_in, pl_out = w["inside_placement"].pk, w["outside_placement"].pk
    f_in, f_out = w["inside_followup"].pk, w["outside_followup"].pk
    mine, theirs = "信阳侧可见苏州岗位", "无锡矩阵岗位"
    person, stranger = "信阳侧求职者", "延安侧求职者"
    ids = [markets_testing.labour_id(901, "411526"), markets_testing.labour_id(902, "610602")]
    posting = {
        "employer": "矩阵接口单位",
        "title": "矩阵接口岗位",
        "region": "320505",
        "occupation": "manufacturing",
        "skills": ["electrician"],
        "wage_min": 4000,
        "wage_max": 5000,
        "headcount": 2,
        "valid_until": "2099-12-31",
    }
    seeker = {
        "name": "矩阵接口求职者",
        "home": "411526",
        "id_number": markets_testing.labour_id(950, "411526"),
        "expected_wage": 5000,
    }
    place = {"posting_id": p_in, "start_date": "2025-05-01", "wage": 5000}
    postings, seekers = (mine, theirs), {"present": [person], "absent": [stranger, *ids]}
    private = {"absent": [*ids]}
    changes = {"action": A.CHANGE, "scoped": ("may:change",)}
    supervised = {"action": SUPERVISOR, "out_status": 403, "scoped": ("JobPosting",)}
    matched, placed_in = ("JobSeeker", "JobPosting"), f'"placement_id": {pl_in}, '
    seeker_change = {"name": person, "expected_wage": 5000, "skills": ["electrician"], "version": 1}
    followed_up = {"version": 1, "still_employed": True, "wage": 5600}
    placing = {"data": place | {"seeker_id": w["inside_waiting_seeker"].pk}, "data_out": place | {"seeker_id": s_out}}

    def both(template: str) -> tuple[str, str]:
        """``template``'s in-scope and out-of-scope URL: {p}, {s}, {pl}, {f} for the posting, the seeker, the
        placement and the follow-up of each side."""
        return tuple(
            template.format(p=p, s=s, pl=pl, f=f)
            for p, s, pl, f in ((p_in, s_in, pl_in, f_in), (p_out, s_out, pl_out, f_out))
        )

    return {
        "markets:labour_postings": Case(f"{base}/postings/", present=[*postings], scoped=("JobPosting",)),
        "markets:labour_posting_create": Case(f"{base}/postings/new/", present=["用工单位"], **changes),
        "markets:labour_posting_export": Case(
            f"{base}/postings/export.xlsx", present=[*postings], scoped=("JobPosting",)
        ),
        "markets:labour_posting_template": Case(
            f"{base}/postings/template.xlsx", present=["用工单位", "320500 苏州市"], **changes
        ),
        "markets:labour_posting_import": Case(f"{base}/postings/import/", present=["导入用工岗位"], **changes),
        "markets:labour_posting_detail": Case(
            *both(f"{base}/postings/{{p}}/"),
            out_status=200,
            present=[mine, person],
            absent=[stranger, *ids],
            scoped=matched[::-1],
        ),
        "markets:labour_posting_edit": Case(*both(f"{base}/postings/{{p}}/edit/"), **supervised),
        "markets:labour_posting_close": Case(*both(f"{base}/postings/{{p}}/close/"), method="post", **supervised),
        "markets:labour_seekers": Case(f"{base}/seekers/", **seekers, scoped=("JobSeeker",)),
        "markets:labour_seeker_create": Case(f"{base}/seekers/new/", present=["身份证号"], **changes),
        "markets:labour_seeker_export": Case(f"{base}/seekers/export.xlsx", **seekers, scoped=("JobSeeker",)),
        "markets:labour_seeker_template": Case(
            f"{base}/seekers/template.xlsx", present=["411526 潢川县"], absent=["610602"], **changes
        ),
        "markets:labour_seeker_import": Case(f"{base}/seekers/import/", present=["导入求职者"], **changes),
        "markets:labour_seeker_detail": Case(
            *both(f"{base}/seekers/{{s}}/"), present=[person, mine], **private, scoped=matched
        ),
        "markets:labour_seeker_edit": Case(
            *both(f"{base}/seekers/{{s}}/edit/"), action=A.CHANGE, present=[person], **private, scoped=("JobSeeker",)
        ),
        "markets:labour_placement_create": Case(
            f"{base}/place/{s_in}/{p_in}/",
            f"{base}/place/{s_out}/{p_in}/",
            action=A.CHANGE,
            present=[person, mine],
            scoped=matched,
        ),
        "markets:labour_placements": Case(
            f"{base}/placements/", present=[mine], absent=[theirs], scoped=("Placement",)
        ),
        "markets:labour_placement_detail": Case(
            *both(f"{base}/placements/{{pl}}/"),
            present=["信阳侧已安置", mine],
            **private,
            scoped=("Placement", "FollowUp"),
        ),
        "markets:labour_followups": Case(f"{base}/followups/", present=[mine], absent=[theirs], scoped=("FollowUp",)),
        "markets:labour_followup_record": Case(
            *both(f"{base}/followups/{{f}}/"), action=A.CHANGE, present=[mine], scoped=("FollowUp",)
        ),
        "markets:labour_plan": Case(f"{base}/plan/?k=5&go=1", present=[person], absent=[stranger], scoped=matched),
        "api:list_labour_postings": Case(f"{api}/postings", api=True, present=[*postings], scoped=("JobPosting",)),
        "api:get_labour_posting": Case(
            *both(f"{api}/postings/{{p}}"), api=True, out_status=200, present=[mine], scoped=("JobPosting",)
        ),
        "api:create_labour_posting": Case(
            f"{api}/postings", api=True, method="post_json", data=posting, action=SUPERVISOR, scoped=("may:change",)
        ),
        "api:update_labour_posting": Case(
            *both(f"{api}/postings/{{p}}"), api=True, method="put", data=posting | {"version": 1}, **supervised
        ),
        "api:close_labour_posting": Case(
            *both(f"{api}/postings/{{p}}/close"), api=True, method="post_json", data={"version": 1}, **supervised
        ),
        "api:labour_posting_matches": Case(
            *both(f"{api}/postings/{{p}}/matches"), api=True, out_status=200, **seekers, scoped=matched[::-1]
        ),
        "api:list_labour_seekers": Case(f"{api}/seekers", api=True, **seekers, scoped=("JobSeeker",)),
        # an ID number is searched in the body (POST), never in the URL; 延安's seeker is not found from 信阳
        "api:search_labour_seekers": Case(
            f"{api}/seekers/search",
            api=True,
            method="post_json",
            data={"id_number": ids[0]},
            present=[person],
            **private,
            scoped=("JobSeeker",),
        ),
        "api:get_labour_seeker": Case(
            *both(f"{api}/seekers/{{s}}"), api=True, present=[person], **private, scoped=("JobSeeker",)
        ),
        "api:create_labour_seeker": Case(
            f"{api}/seekers", api=True, method="post_json", data=seeker, ok=201, **changes
        ),
        "api:update_labour_seeker": Case(
            *both(f"{api}/seekers/{{s}}"),
            api=True,
            method="put",
            data=seeker_change,
            action=A.CHANGE,
            present=[person],
            scoped=("JobSeeker",),
        ),
        "api:labour_seeker_matches": Case(
            *both(f"{api}/seekers/{{s}}/matches"), api=True, present=[mine], scoped=matched
        ),
        "api:labour_plan": Case(f"{api}/plan?k=5", api=True, present=[person], absent=[stranger], scoped=matched),
        "api:list_labour_placements": Case(
            f"{api}/placements", api=True, present=[mine], absent=[theirs], scoped=("Placement",)
        ),
        "api:get_labour_placement": Case(
            *both(f"{api}/placements/{{pl}}"), api=True, present=[mine], scoped=("Placement",)
        ),
        "api:list_labour_placement_followups": Case(
            *both(f"{api}/placements/{{pl}}/followups"), api=True, present=[placed_in], scoped=("Placement", "FollowUp")
        ),
        "api:list_labour_followups_due": Case(
            f"{api}/followups",
            api=True,
            present=[placed_in],
            absent=[f'"placement_id": {pl_out}, '],
            scoped=("FollowUp",),
        ),
        "api:record_labour_followup": Case(
            *both(f"{api}/followups/{{f}}"),
            api=True,
            method="put",
            data=followed_up,
            action=A.CHANGE,
            present=["5600"],
            scoped=("FollowUp",),
        ),
        "api:create_labour_placement": Case(
            f"{api}/placements",
            f"{api}/placements",
            api=True,
            method="post_json",
            **placing,
            action=A.CHANGE,
            ok=201,
            scoped=matched,
        ),
    }


def recommend_cases(w) -> dict[str, Case]:
    """Pairing recommendation: data sources and profiles are read by everyone with an organisation and imported by the
    nation only; ties are read by everyone and entered by either side; a pairing's review is scoped by the pairing."""
    A = scoping.Action
    base, api = "/markets/recommend", "/api/markets/recommend"
    example = "城市三次产业结构与优势产业（示例）"
    rank_scope = ("CityProfile", "EconomicTie")
    tie = {"old_region": "411500", "partner_region": "320500", "kind": "trade", "strength": 2}
    tie["description"] = "矩阵联系"
    reviewed, assigning = ("Pairing", *rank_scope), {"regions": ["411500", "610600"], "cap": 1}
    return {
        "markets:recommend_sources": Case(f"{base}/sources/", present=[example], scoped=("DataSource",)),
        "markets:recommend_import": Case(f"{base}/sources/import/", action=SUPERVISOR, scoped=("may:change",)),
        "markets:recommend_profiles": Case(
            f"{base}/profiles/?q=信阳", present=["411500 信阳市", example], scoped=("CityProfile",)
        ),
        "markets:recommend_ties": Case(
            f"{base}/ties/", present=["信阳侧经济联系", "延安侧经济联系"], scoped=("EconomicTie",)
        ),
        "markets:recommend_tie_create": Case(
            f"{base}/ties/new/", method="post", action=A.CHANGE, data=tie, ok=302, scoped=("may:change", "EconomicTie")
        ),
        "markets:recommend_rank": Case(
            f"{base}/rank/?region=411500", present=["苏州市", "产业结构互补"], scoped=rank_scope
        ),
        "markets:recommend_rank_export": Case(
            f"{base}/rank/export.xlsx?county=411526", present=["产业结构互补", "潢川县"], scoped=rank_scope
        ),
        "markets:recommend_review": Case(
            *by_pk(f"{base}/review/{{}}/", w["inside"], w["outside"]), present=["现结对城市苏州市"], scoped=reviewed
        ),
        "markets:recommend_assign": Case(
            f"{base}/assign/?regions=411500&regions=610600&cap=1", present=["总得分", "延安市"], scoped=rank_scope
        ),
        "api:recommend_sources": Case(f"{api}/sources", api=True, present=[example], scoped=("DataSource",)),
        "api:recommend_profiles": Case(f"{api}/profiles?q=信阳", api=True, present=["411500"], scoped=("CityProfile",)),
        "api:recommend_ties": Case(
            f"{api}/ties", api=True, present=["信阳侧经济联系", "延安侧经济联系"], scoped=("EconomicTie",)
        ),
        "api:recommend_add_tie": Case(
            f"{api}/ties",
            api=True,
            method="post_json",
            action=A.CHANGE,
            data=tie,
            ok=201,
            scoped=("may:change", "EconomicTie"),
        ),
        "api:recommend_ranking": Case(f"{api}/ranking/411500", api=True, present=["320500"], scoped=rank_scope),
        "api:recommend_review": Case(
            *by_pk(f"{api}/review/{{}}", w["inside"], w["outside"]), api=True, present=["partner_rank"], scoped=reviewed
        ),
        "api:recommend_assignment": Case(
            f"{api}/assignment", api=True, method="post_json", data=assigning, present=["total"], scoped=rank_scope
        ),
    }


def produce_cases(w) -> dict[str, Case]:
    """产销对接 (duikou.markets.produce.testing.matrix_world): listings and demands are read by all, changed by
    their own side (so the 延安 one answers 403 to a 信阳 change); agreements and deliveries are seen by their
    parties only (404 for the others)."""
    A = scoping.Action
    li, lo = w["inside_listing"].pk, w["outside_listing"].pk
    di, do = w["inside_demand"].pk, w["outside_demand"].pk
    ai, ao = w["inside_agreement"].pk, w["outside_agreement"].pk
    p = "/markets/produce"
    both = ["信阳侧产品", "延安侧产品"]
    listing = {
        "supplier": "接口合作社",
        "name": "接口新建产品",
        "category": "tea",
        "origin": "411502",
        "volume_tonnes": "3",
        "season_start": 3,
        "season_end": 5,
        "price_yuan_kg": "300",
    }
    demand = {
        "buyer": "接口采购单位",
        "buyer_kind": "canteen",
        "region": "320508",
        "category": "tea",
        "volume_tonnes": "2",
        "period_start": "2025-03-01",
        "period_end": "2025-05-31",
    }
    agreement = {
        "listing_id": li,
        "demand_id": di,
        "volume_tonnes": "0.01",
        "price_yuan_kg": "6",
        "signed_on": "2025-03-02",
    }
    delivery = {"date": "2025-03-20", "volume_tonnes": "0.01", "amount_wan": "0.01"}
    refused = 403
    deliveries = (
        f"/api/markets/produce/agreements/{ai}/deliveries",
        f"/api/markets/produce/agreements/{ao}/deliveries",
    )
    demanders = ["信阳侧采购单位", "延安侧采购单位"]
    produce_api = "/api/markets/produce"
    changing = {"action": A.CHANGE, "out_status": refused}
    closing = {"method": "post", "ok": 302, **changing}
    spare_listing, spare_demand = w["inside_spare_listing"].pk, w["inside_spare_demand"].pk

    def offers(kind, models, shown, every, column, pks):
        """The pages of listings or of demands: the same routes and rights for both. ``models``: the offer's and the
        other kind's; ``pks``: the in-scope offer, the out-of-scope one and an in-scope one to close."""
        at, model, (inside, outside, spare) = f"{p}/{kind}s/", models[0], pks
        new = {"action": A.CHANGE, "scoped": ("may:change",)}
        return {
            f"markets:produce_{kind}s": Case(at, present=every, scoped=(model,)),
            f"markets:produce_{kind}_export": Case(f"{at}export.xlsx", present=every, scoped=(model,)),
            f"markets:produce_{kind}_template": Case(
                f"{at}template.xlsx", action=A.CHANGE, present=[column], scoped=("may:change", "Pairing")
            ),
            f"markets:produce_{kind}_import": Case(f"{at}import/", **new),
            f"markets:produce_{kind}_create": Case(f"{at}new/", **new),
            f"markets:produce_{kind}_detail": Case(f"{at}{inside}/", f"{at}999999/", present=[shown], scoped=models),
            f"markets:produce_{kind}_edit": Case(
                f"{at}{inside}/edit/", f"{at}{outside}/edit/", **changing, present=[shown], scoped=(model,)
            ),
            f"markets:produce_{kind}_close": Case(
                f"{at}{spare}/close/", f"{at}{outside}/close/", **closing, scoped=(model,)
            ),
        }

    recommended = tuple(f"{produce_api}/demands/{x}/recommendations" for x in (di, 999999))
    sign = {"data": agreement, "data_out": agreement | {"listing_id": lo, "demand_id": do}, **changing}
    return {
        **offers("listing", ("ProductListing", "Demand"), "信阳侧产品", both, "产地县区代码", (li, lo, spare_listing)),
        **offers(
            "demand", ("Demand", "ProductListing"), "信阳侧采购单位", demanders, "所在县区代码", (di, do, spare_demand)
        ),
        "markets:produce_plan": Case(
            f"{p}/plan/?side=all&k=5", present=["信阳侧产品"], scoped=("ProductListing", "Demand")
        ),
        "markets:produce_agreements": Case(
            f"{p}/agreements/", present=["信阳侧产品 →"], absent=["延安侧产品"], scoped=("Agreement",)
        ),
        "markets:produce_agreement_create": Case(
            *(f"{p}/agreements/new/?listing={lx}&demand={dx}" for lx, dx in ((li, di), (lo, do))),
            **changing,
            present=["信阳侧产品"],
            scoped=("ProductListing", "Demand"),
        ),
        "markets:produce_agreement_detail": Case(
            f"{p}/agreements/{ai}/", f"{p}/agreements/{ao}/", present=["信阳侧产品"], scoped=("Agreement", "Delivery")
        ),
        "markets:produce_delivery_create": form_post(
            f"{p}/agreements/{ai}/deliveries/", f"{p}/agreements/{ao}/deliveries/", data=delivery, scoped=("Agreement",)
        ),
        "api:produce_listings": Case(f"{produce_api}/listings", api=True, present=both, scoped=("ProductListing",)),
        "api:produce_create_listing": api_write(
            f"{produce_api}/listings", None, "post_json", listing, scoped=("may:change",)
        ),
        "api:produce_listing_recommendations": Case(
            f"{produce_api}/listings/{li}/recommendations",
            f"{produce_api}/listings/999999/recommendations",
            api=True,
            present=[f'"demand_id": {di}'],
            scoped=("ProductListing", "Demand"),
        ),
        "api:produce_demands": Case(f"{produce_api}/demands", api=True, present=["信阳侧采购单位"], scoped=("Demand",)),
        # 苏州 is not an area the 信阳 users answer for
        "api:produce_create_demand": api_write(
            f"{produce_api}/demands", None, "post_json", demand, ok=422, scoped=("may:change",)
        ),
        "api:produce_demand_recommendations": api(
            *recommended, present=[f'"listing_id": {li}'], scoped=("Demand", "ProductListing")
        ),
        "api:produce_agreements": api(
            f"{produce_api}/agreements", present=[f'"id": {ai}'], absent=[f'"id": {ao},'], scoped=("Agreement",)
        ),
        "api:produce_sign_agreement": api_write(
            f"{produce_api}/agreements",
            f"{produce_api}/agreements",
            "post_json",
            **sign,
            scoped=("ProductListing", "Demand"),
        ),
        "api:produce_deliveries": api(*deliveries, present=['"amount_wan": "0.60"'], scoped=("Agreement", "Delivery")),
        "api:produce_record_delivery": api_write(*deliveries, "post_json", delivery, scoped=("Agreement",)),
        **certification_cases(w),
    }


def certification_cases(w) -> dict[str, Case]:
    """消费帮扶产品认定: a draft is read and changed only by its county's areas (延安's draft answers 404 to 信阳);
    the county's review steps are the county government's (tested in produce/tests/test_certification.py)."""
    A = scoping.Action
    ci, co = w["inside_certification"], w["outside_certification"]
    at, api_at = "/markets/produce/certifications/", "/api/markets/produce/certifications"
    mine, theirs = "信阳侧认定产品", "延安侧认定产品"
    new = {"action": A.CHANGE, "scoped": ("may:change",)}
    applying = {
        "supplier": "接口合作社",
        "county": "411526",
        "name": "接口认定产品",
        "category": "tea",
        "basis": ["gi"],
        "annual_value_wan": "60",
        "traceability": "扫码可查",
    }
    form = applying | {"basis": "gi", "version": "CERTIFICATION_VERSION"}
    submit = {"step": "submit", "version": "CERTIFICATION_VERSION"}
    return {
        "markets:produce_certifications": Case(at, present=[mine], absent=[theirs], scoped=("ProductCertification",)),
        "markets:produce_certification_export": Case(
            f"{at}export.xlsx", present=[mine], absent=[theirs], scoped=("ProductCertification",)
        ),
        "markets:produce_certification_template": Case(
            f"{at}template.xlsx", action=A.CHANGE, present=["所在县区代码"], scoped=("may:change", "Pairing")
        ),
        "markets:produce_certification_import": Case(f"{at}import/", **new),
        "markets:produce_certification_create": Case(f"{at}new/", **new),
        "markets:produce_certification_detail": Case(
            *by_pk(at + "{}/", ci, co), present=[mine], absent=[theirs], scoped=("ProductCertification", "Delivery")
        ),
        "markets:produce_certification_edit": form_post(
            *by_pk(at + "{}/edit/", ci, co), data=form | {"name": mine}, scoped=("ProductCertification",)
        ),
        "markets:produce_certification_step": form_post(
            *by_pk(at + "{}/step/", ci, co), data=submit, scoped=("ProductCertification",)
        ),
        "markets:produce_reserved": Case(
            "/markets/produce/reserved/",
            present=["预算单位预留份额"],
            absent=["延安侧对口采购单位"],
            scoped=("Delivery",),
        ),
        "markets:produce_reserved_export": Case(
            "/markets/produce/reserved/export.xlsx", present=["认定产品占比"], scoped=("Delivery",)
        ),
        "api:produce_certifications": api(api_at, present=[mine], absent=[theirs], scoped=("ProductCertification",)),
        "api:produce_certification": api(
            *by_pk(api_at + "/{}", ci, co), present=[mine], scoped=("ProductCertification",)
        ),
        "api:produce_create_certification": api_write(api_at, None, "post_json", applying, scoped=("may:change",)),
        "api:produce_certification_step": api_write(
            *by_pk(api_at + "/{}/steps/submit", w["inside_api_certification"], w["outside_api_certification"]),
            "post_json",
            {"version": "API_CERTIFICATION_VERSION"},
            ok=200,
            scoped=("ProductCertification",),
        ),
    }


# Routes for the supervising level only (a province or the national overseer): every 信阳 city role is refused.
