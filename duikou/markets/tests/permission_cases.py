"""Permission-matrix cases of matching: produce (产销对接), labour (劳务协作) and the pairing review."""

from duikou.accounts import scoping
from duikou.markets import testing as markets_testing
from duikou.permission_matrix import SUPERVISOR, Case


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
    return {
        "markets:labour_postings": Case(f"{base}/postings/", present=[mine, theirs], scoped=("JobPosting",)),
        "markets:labour_posting_create": Case(
            f"{base}/postings/new/", action=A.CHANGE, present=["用工单位"], scoped=("may:change",)
        ),
        "markets:labour_posting_export": Case(
            f"{base}/postings/export.xlsx", present=[mine, theirs], scoped=("JobPosting",)
        ),
        "markets:labour_posting_template": Case(
            f"{base}/postings/template.xlsx",
            action=A.CHANGE,
            present=["用工单位", "320500 苏州市"],
            scoped=("may:change",),
        ),
        "markets:labour_posting_import": Case(
            f"{base}/postings/import/", action=A.CHANGE, present=["导入用工岗位"], scoped=("may:change",)
        ),
        "markets:labour_posting_detail": Case(
            f"{base}/postings/{p_in}/",
            f"{base}/postings/{p_out}/",
            out_status=200,
            present=[mine, person],
            absent=[stranger, *ids],
            scoped=("JobPosting", "JobSeeker"),
        ),
        "markets:labour_posting_edit": Case(
            f"{base}/postings/{p_in}/edit/",
            f"{base}/postings/{p_out}/edit/",
            action=SUPERVISOR,
            out_status=403,
            scoped=("JobPosting",),
        ),
        "markets:labour_posting_close": Case(
            f"{base}/postings/{p_in}/close/",
            f"{base}/postings/{p_out}/close/",
            method="post",
            action=SUPERVISOR,
            out_status=403,
            scoped=("JobPosting",),
        ),
        "markets:labour_seekers": Case(
            f"{base}/seekers/", present=[person], absent=[stranger, *ids], scoped=("JobSeeker",)
        ),
        "markets:labour_seeker_create": Case(
            f"{base}/seekers/new/", action=A.CHANGE, present=["身份证号"], scoped=("may:change",)
        ),
        "markets:labour_seeker_export": Case(
            f"{base}/seekers/export.xlsx", present=[person], absent=[stranger, *ids], scoped=("JobSeeker",)
        ),
        "markets:labour_seeker_template": Case(
            f"{base}/seekers/template.xlsx",
            action=A.CHANGE,
            present=["411526 潢川县"],
            absent=["610602"],
            scoped=("may:change",),
        ),
        "markets:labour_seeker_import": Case(
            f"{base}/seekers/import/", action=A.CHANGE, present=["导入求职者"], scoped=("may:change",)
        ),
        "markets:labour_seeker_detail": Case(
            f"{base}/seekers/{s_in}/",
            f"{base}/seekers/{s_out}/",
            present=[person, mine],
            absent=[*ids],
            scoped=("JobSeeker", "JobPosting"),
        ),
        "markets:labour_seeker_edit": Case(
            f"{base}/seekers/{s_in}/edit/",
            f"{base}/seekers/{s_out}/edit/",
            action=A.CHANGE,
            present=[person],
            absent=[*ids],
            scoped=("JobSeeker",),
        ),
        "markets:labour_placement_create": Case(
            f"{base}/place/{s_in}/{p_in}/",
            f"{base}/place/{s_out}/{p_in}/",
            action=A.CHANGE,
            present=[person, mine],
            scoped=("JobSeeker", "JobPosting"),
        ),
        "markets:labour_placements": Case(
            f"{base}/placements/", present=[mine], absent=[theirs], scoped=("Placement",)
        ),
        "markets:labour_placement_detail": Case(
            f"{base}/placements/{pl_in}/",
            f"{base}/placements/{pl_out}/",
            present=["信阳侧已安置", mine],
            absent=[*ids],
            scoped=("Placement", "FollowUp"),
        ),
        "markets:labour_followups": Case(f"{base}/followups/", present=[mine], absent=[theirs], scoped=("FollowUp",)),
        "markets:labour_followup_record": Case(
            f"{base}/followups/{f_in}/",
            f"{base}/followups/{f_out}/",
            action=A.CHANGE,
            present=[mine],
            scoped=("FollowUp",),
        ),
        "markets:labour_plan": Case(
            f"{base}/plan/?k=5&go=1", present=[person], absent=[stranger], scoped=("JobSeeker", "JobPosting")
        ),
        "api:list_labour_postings": Case(f"{api}/postings", api=True, present=[mine, theirs], scoped=("JobPosting",)),
        "api:get_labour_posting": Case(
            f"{api}/postings/{p_in}",
            f"{api}/postings/{p_out}",
            api=True,
            out_status=200,
            present=[mine],
            scoped=("JobPosting",),
        ),
        "api:create_labour_posting": Case(
            f"{api}/postings",
            api=True,
            method="post_json",
            data=posting,
            action=SUPERVISOR,
            scoped=("may:change",),
        ),
        "api:update_labour_posting": Case(
            f"{api}/postings/{p_in}",
            f"{api}/postings/{p_out}",
            api=True,
            method="put",
            data=posting | {"version": 1},
            action=SUPERVISOR,
            out_status=403,
            scoped=("JobPosting",),
        ),
        "api:close_labour_posting": Case(
            f"{api}/postings/{p_in}/close",
            f"{api}/postings/{p_out}/close",
            api=True,
            method="post_json",
            data={"version": 1},
            action=SUPERVISOR,
            out_status=403,
            scoped=("JobPosting",),
        ),
        "api:labour_posting_matches": Case(
            f"{api}/postings/{p_in}/matches",
            f"{api}/postings/{p_out}/matches",
            api=True,
            out_status=200,
            present=[person],
            absent=[stranger, *ids],
            scoped=("JobPosting", "JobSeeker"),
        ),
        "api:list_labour_seekers": Case(
            f"{api}/seekers", api=True, present=[person], absent=[stranger, *ids], scoped=("JobSeeker",)
        ),
        # an ID number is searched in the body (POST), never in the URL; 延安's seeker is not found from 信阳
        "api:search_labour_seekers": Case(
            f"{api}/seekers/search",
            api=True,
            method="post_json",
            data={"id_number": ids[0]},
            present=[person],
            absent=[*ids],
            scoped=("JobSeeker",),
        ),
        "api:get_labour_seeker": Case(
            f"{api}/seekers/{s_in}",
            f"{api}/seekers/{s_out}",
            api=True,
            present=[person],
            absent=[*ids],
            scoped=("JobSeeker",),
        ),
        "api:create_labour_seeker": Case(
            f"{api}/seekers",
            api=True,
            method="post_json",
            data=seeker,
            action=A.CHANGE,
            ok=201,
            scoped=("may:change",),
        ),
        "api:update_labour_seeker": Case(
            f"{api}/seekers/{s_in}",
            f"{api}/seekers/{s_out}",
            api=True,
            method="put",
            data={"name": person, "expected_wage": 5000, "skills": ["electrician"], "version": 1},
            action=A.CHANGE,
            present=[person],
            scoped=("JobSeeker",),
        ),
        "api:labour_seeker_matches": Case(
            f"{api}/seekers/{s_in}/matches",
            f"{api}/seekers/{s_out}/matches",
            api=True,
            present=[mine],
            scoped=("JobSeeker", "JobPosting"),
        ),
        "api:labour_plan": Case(
            f"{api}/plan?k=5", api=True, present=[person], absent=[stranger], scoped=("JobSeeker", "JobPosting")
        ),
        "api:list_labour_placements": Case(
            f"{api}/placements", api=True, present=[mine], absent=[theirs], scoped=("Placement",)
        ),
        "api:get_labour_placement": Case(
            f"{api}/placements/{pl_in}",
            f"{api}/placements/{pl_out}",
            api=True,
            present=[mine],
            scoped=("Placement",),
        ),
        "api:list_labour_placement_followups": Case(
            f"{api}/placements/{pl_in}/followups",
            f"{api}/placements/{pl_out}/followups",
            api=True,
            present=[f'"placement_id": {pl_in}, '],
            scoped=("Placement", "FollowUp"),
        ),
        "api:list_labour_followups_due": Case(
            f"{api}/followups",
            api=True,
            present=[f'"placement_id": {pl_in}, '],
            absent=[f'"placement_id": {pl_out}, '],
            scoped=("FollowUp",),
        ),
        "api:record_labour_followup": Case(
            f"{api}/followups/{f_in}",
            f"{api}/followups/{f_out}",
            api=True,
            method="put",
            data={"version": 1, "still_employed": True, "wage": 5600},
            action=A.CHANGE,
            present=["5600"],
            scoped=("FollowUp",),
        ),
        "api:create_labour_placement": Case(
            f"{api}/placements",
            f"{api}/placements",
            api=True,
            method="post_json",
            data=place | {"seeker_id": w["inside_waiting_seeker"].pk},
            data_out=place | {"seeker_id": s_out},
            action=A.CHANGE,
            ok=201,
            scoped=("JobSeeker", "JobPosting"),
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
            f"{base}/review/{w['inside'].pk}/",
            f"{base}/review/{w['outside'].pk}/",
            present=["现结对城市苏州市"],
            scoped=("Pairing", *rank_scope),
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
            f"{api}/review/{w['inside'].pk}",
            f"{api}/review/{w['outside'].pk}",
            api=True,
            present=["partner_rank"],
            scoped=("Pairing", *rank_scope),
        ),
        "api:recommend_assignment": Case(
            f"{api}/assignment",
            api=True,
            method="post_json",
            data={"regions": ["411500", "610600"], "cap": 1},
            present=["total"],
            scoped=rank_scope,
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
    return {
        "markets:produce_listings": Case(f"{p}/listings/", present=both, scoped=("ProductListing",)),
        "markets:produce_listing_export": Case(f"{p}/listings/export.xlsx", present=both, scoped=("ProductListing",)),
        "markets:produce_listing_template": Case(
            f"{p}/listings/template.xlsx", action=A.CHANGE, present=["产地县区代码"], scoped=("may:change", "Pairing")
        ),
        "markets:produce_listing_import": Case(f"{p}/listings/import/", action=A.CHANGE, scoped=("may:change",)),
        "markets:produce_listing_create": Case(f"{p}/listings/new/", action=A.CHANGE, scoped=("may:change",)),
        "markets:produce_listing_detail": Case(
            f"{p}/listings/{li}/", f"{p}/listings/999999/", present=["信阳侧产品"], scoped=("ProductListing", "Demand")
        ),
        "markets:produce_listing_edit": Case(
            f"{p}/listings/{li}/edit/",
            f"{p}/listings/{lo}/edit/",
            action=A.CHANGE,
            present=["信阳侧产品"],
            out_status=refused,
            scoped=("ProductListing",),
        ),
        "markets:produce_listing_close": Case(
            f"{p}/listings/{w['inside_spare_listing'].pk}/close/",
            f"{p}/listings/{lo}/close/",
            method="post",
            action=A.CHANGE,
            ok=302,
            out_status=refused,
            scoped=("ProductListing",),
        ),
        "markets:produce_demands": Case(
            f"{p}/demands/", present=["信阳侧采购单位", "延安侧采购单位"], scoped=("Demand",)
        ),
        "markets:produce_demand_export": Case(
            f"{p}/demands/export.xlsx", present=["信阳侧采购单位", "延安侧采购单位"], scoped=("Demand",)
        ),
        "markets:produce_demand_template": Case(
            f"{p}/demands/template.xlsx", action=A.CHANGE, present=["所在县区代码"], scoped=("may:change", "Pairing")
        ),
        "markets:produce_demand_import": Case(f"{p}/demands/import/", action=A.CHANGE, scoped=("may:change",)),
        "markets:produce_demand_create": Case(f"{p}/demands/new/", action=A.CHANGE, scoped=("may:change",)),
        "markets:produce_demand_detail": Case(
            f"{p}/demands/{di}/",
            f"{p}/demands/999999/",
            present=["信阳侧采购单位"],
            scoped=("Demand", "ProductListing"),
        ),
        "markets:produce_demand_edit": Case(
            f"{p}/demands/{di}/edit/",
            f"{p}/demands/{do}/edit/",
            action=A.CHANGE,
            present=["信阳侧采购单位"],
            out_status=refused,
            scoped=("Demand",),
        ),
        "markets:produce_demand_close": Case(
            f"{p}/demands/{w['inside_spare_demand'].pk}/close/",
            f"{p}/demands/{do}/close/",
            method="post",
            action=A.CHANGE,
            ok=302,
            out_status=refused,
            scoped=("Demand",),
        ),
        "markets:produce_plan": Case(
            f"{p}/plan/?side=all&k=5",
            present=["信阳侧产品"],
            scoped=("ProductListing", "Demand"),
        ),
        "markets:produce_agreements": Case(
            f"{p}/agreements/", present=["信阳侧产品 →"], absent=["延安侧产品"], scoped=("Agreement",)
        ),
        "markets:produce_agreement_create": Case(
            f"{p}/agreements/new/?listing={li}&demand={di}",
            f"{p}/agreements/new/?listing={lo}&demand={do}",
            action=A.CHANGE,
            present=["信阳侧产品"],
            out_status=refused,
            scoped=("ProductListing", "Demand"),
        ),
        "markets:produce_agreement_detail": Case(
            f"{p}/agreements/{ai}/", f"{p}/agreements/{ao}/", present=["信阳侧产品"], scoped=("Agreement", "Delivery")
        ),
        "markets:produce_delivery_create": Case(
            f"{p}/agreements/{ai}/deliveries/",
            f"{p}/agreements/{ao}/deliveries/",
            method="post",
            action=A.CHANGE,
            ok=302,
            data=delivery,
            scoped=("Agreement",),
        ),
        "api:produce_listings": Case(
            "/api/markets/produce/listings", api=True, present=both, scoped=("ProductListing",)
        ),
        "api:produce_create_listing": Case(
            "/api/markets/produce/listings",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data=listing,
            scoped=("may:change",),
        ),
        "api:produce_listing_recommendations": Case(
            f"/api/markets/produce/listings/{li}/recommendations",
            "/api/markets/produce/listings/999999/recommendations",
            api=True,
            present=[f'"demand_id": {di}'],
            scoped=("ProductListing", "Demand"),
        ),
        "api:produce_demands": Case(
            "/api/markets/produce/demands", api=True, present=["信阳侧采购单位"], scoped=("Demand",)
        ),
        "api:produce_create_demand": Case(
            "/api/markets/produce/demands",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=422,  # 苏州 is not an area the 信阳 users answer for
            data=demand,
            scoped=("may:change",),
        ),
        "api:produce_demand_recommendations": Case(
            f"/api/markets/produce/demands/{di}/recommendations",
            "/api/markets/produce/demands/999999/recommendations",
            api=True,
            present=[f'"listing_id": {li}'],
            scoped=("Demand", "ProductListing"),
        ),
        "api:produce_agreements": Case(
            "/api/markets/produce/agreements",
            api=True,
            present=[f'"id": {ai}'],
            absent=[f'"id": {ao},'],
            scoped=("Agreement",),
        ),
        "api:produce_sign_agreement": Case(
            "/api/markets/produce/agreements",
            "/api/markets/produce/agreements",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data=agreement,
            data_out=agreement | {"listing_id": lo, "demand_id": do},
            out_status=refused,
            scoped=("ProductListing", "Demand"),
        ),
        "api:produce_deliveries": Case(
            f"/api/markets/produce/agreements/{ai}/deliveries",
            f"/api/markets/produce/agreements/{ao}/deliveries",
            api=True,
            present=['"amount_wan": "0.60"'],
            scoped=("Agreement", "Delivery"),
        ),
        "api:produce_record_delivery": Case(
            f"/api/markets/produce/agreements/{ai}/deliveries",
            f"/api/markets/produce/agreements/{ao}/deliveries",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data=delivery,
            scoped=("Agreement",),
        ),
    }


# Routes for the supervising level only (a province or the national overseer): every 信阳 city role is refused.
