"""Permission-matrix cases of indicators: the 信阳–苏州 report and dashboard are in scope, the 延安–无锡 ones are
not."""

from duikou.accounts import scoping
from duikou.indicators import services as indicator_services
from duikou.indicators.models import DataSet, Indicator, SavedChart
from duikou.permission_matrix import REFERENCE, SUPERVISOR, Case, api, api_write, by_pk, form_post


def world(w) -> dict:
    make_indicator_values(w["users"]["editor"], w["stranger"], w["inside"], w["outside"])
    # each organisation's own DHIS2 uid mapping: 信阳's is in scope, 延安's is not
    made = [
        indicator_services.add_dhis2_id(user=user, kind="dataElement", uid=uid, code=code)
        for user, uid, code in (
            (w["users"]["editor"], "f7n9E0hX8qk", "signed_projects"),
            (w["stranger"], "Ix2HsbDMLea", "signed_projects"),
            (w["users"]["editor"], "eY5ehpbEsB7", "training_persons"),  # the API retires this one, the page the first
            (w["stranger"], "ImspTQPwCqd", "training_persons"),
        )
    ]
    return dict(
        zip(["inside_mapping", "outside_mapping", "inside_api_mapping", "outside_api_mapping"], made, strict=True)
    ) | import_values(w["users"]["editor"], w["stranger"], w["inside"], w["outside"])


def import_values(editor, stranger, inside, outside) -> dict:
    """One import on each side (its value history, its record): 信阳's in scope, 延安's not."""
    from duikou.indicators import transfer
    from duikou.indicators.models import DataValueHistory, ValueImport

    made = {}
    for side, user, pairing, note in (
        ("inside", editor, inside, "信阳侧导入说明"),
        ("outside", stranger, outside, "延安侧导入说明"),
    ):
        body = f"dataElement,period,orgUnit,value,comment\ntraining_persons,2025Q2,{pairing.code},12,{note}\n"
        filename = f"{note[:3]}导入.csv"
        transfer.import_values(user=user, data=body.encode(), filename=filename)
        made[f"{side}_value_import"] = ValueImport.objects.get(filename=filename)
        made[f"{side}_imported_value"] = DataValueHistory.objects.get(value_import=made[f"{side}_value_import"]).value
    return made


def make_indicator_values(editor, stranger, inside, outside):
    dataset, amount = DataSet.objects.get(pk="quarterly"), Indicator.objects.get(pk="signed_amount_wan")
    for user, pairing, value, comment in (
        (editor, inside, "4321.5", "信阳侧指标说明"),
        (stranger, outside, "9876", "延安侧指标说明"),
    ):
        report = indicator_services.get_report(pairing=pairing, dataset=dataset, period="2025Q3")
        indicator_services.save_value(user=user, report=report, indicator=amount, value=value, comment=comment)
    for user, title in ((editor, "信阳侧仪表板"), (stranger, "延安侧仪表板")):
        indicator_services.save_chart(user=user, title=title, indicator=amount, rows="pairing", cols="year")


def cases(w) -> dict[str, Case]:
    A = scoping.Action
    inside, outside = w["inside"], w["outside"]
    chart_in, chart_out = (SavedChart.objects.get(title=t) for t in ("信阳侧仪表板", "延安侧仪表板"))
    entry_in, entry_out = (
        f"/indicators/entry/{inside.pk}/quarterly/2025Q3/",
        f"/indicators/entry/{outside.pk}/quarterly/2025Q3/",
    )
    report_in, report_out = (
        f"/api/indicators/reports/{inside.pk}/quarterly/2025Q3",
        f"/api/indicators/reports/{outside.pk}/quarterly/2025Q3",
    )
    pairing_names = {"present": ["信阳市—苏州市"], "absent": ["延安市—无锡市"]}
    value_in = {"pairing_id": inside.pk, "indicator": "training_persons", "period": "2025Q3", "value": "7"}
    value_out = value_in | {"pairing_id": outside.pk}
    dvs = {
        "dataValues": [{"dataElement": "training_persons", "period": "2025Q4", "orgUnit": inside.code, "value": "8"}]
    }
    comments = {"present": ["信阳侧指标说明"], "absent": ["延安侧指标说明"]}
    analysis, analysed = "?indicator=signed_amount_wan&rows=pairing", ("Indicator", "Pairing")
    cell = {"data": {"indicator": "signed_projects", "value": "5"}, "present": ['"indicator": "signed_projects"']}
    chart = {"indicator": "signed_amount_wan", "rows": "province", "cols": "year"}
    dvs_url = "/api/indicators/dataValueSets"
    timeliness, rated = "/indicators/timeliness/?dataset=quarterly&year=2025", ("DataSet", "Pairing", "Report")
    values = ("/api/indicators/values", "/api/indicators/values")
    mapping_in, mapping_out = w["inside_mapping"], w["outside_mapping"]
    uids = {"present": ["f7n9E0hX8qk"], "absent": ["Ix2HsbDMLea"]}
    new_mapping = {"kind": "dataElement", "uid": "Prlt0C1RF0s", "code": "signed_amount_wan"}
    return {
        "indicators:library": Case("/indicators/", present=["fgzx-2022-766/3/5"], scoped=("Indicator",)),
        "indicators:reports": Case(
            "/indicators/reports/?period=2025Q3", **pairing_names, scoped=("Pairing", "DataSet")
        ),
        "indicators:reminders": Case("/indicators/reminders/?period=2025Q3", **pairing_names, scoped=("Pairing",)),
        # the reporting-rate chart: 河南 (信阳's province) is in scope, 陕西 (延安's) is not
        "indicators:timeliness": Case(
            f"{timeliness}", present=['data-province="410000"'], absent=['data-province="610000"'], scoped=rated
        ),
        "indicators:timeliness_data": Case(
            f"{timeliness}".replace("/?", "/data/?"), present=['"410000"'], absent=['"610000"'], scoped=rated
        ),
        "api:indicator_timeliness": api(
            "/api/indicators/timeliness?dataset=quarterly&year=2025",
            present=['"410000"'],
            absent=['"610000"'],
            scoped=rated,
        ),
        # a data set's due days are reference data: no role of the matrix may change them
        "indicators:dataset_due": form_post(
            "/indicators/datasets/quarterly/due/", data={"due_days": "20"}, action=REFERENCE, scoped=("DataSet",)
        ),
        # reminding the unreported: a province's editors and approvers or the national overseer, no city
        "indicators:remind": form_post(
            "/indicators/reminders/send?dataset=quarterly&period=2025Q3", action=SUPERVISOR, scoped=("may:change",)
        ),
        "indicators:entry": Case(entry_in, entry_out, present=["信阳侧指标说明"], scoped=("Pairing", "DataSet")),
        "indicators:cell": form_post(f"{entry_in}cell/", f"{entry_out}cell/", ok=200, **cell, scoped=("Pairing",)),
        # submitting an incomplete report is refused with the list, then redirected back to the grid
        "indicators:step": form_post(f"{entry_in}step/submit/", f"{entry_out}step/submit/", scoped=("Pairing",)),
        # a value's history (its cell saves and the imports that set it): the value's page is scoped as the value
        "indicators:value_history": Case(
            *by_pk("/indicators/values/{}/history/", w["inside_imported_value"], w["outside_imported_value"]),
            present=["信阳侧导入说明"],
            absent=["延安侧导入说明"],
            scoped=("DataValue",),
        ),
        "indicators:import": Case(
            "/indicators/import/", action=A.CHANGE, present=['name="file"'], scoped=("may:change",)
        ),
        "indicators:export": Case(
            "/indicators/export/?format=json", present=["4321.5"], absent=["9876"], scoped=("DataValue",)
        ),
        "indicators:pivot": Case(f"/indicators/analytics/{analysis}&cols=period", **pairing_names, scoped=analysed),
        "indicators:dashboard": Case(
            "/indicators/dashboard/", present=["信阳侧仪表板"], absent=["延安侧仪表板"], scoped=("SavedChart",)
        ),
        # the dashboard is the organisation's shared data: saving and removing a chart needs CHANGE
        "indicators:chart_save": form_post("/indicators/dashboard/save/", data=chart, scoped=("Indicator",)),
        "indicators:chart_remove": form_post(
            *by_pk("/indicators/dashboard/{}/remove/", chart_in, chart_out), scoped=("SavedChart",)
        ),
        "api:indicator_definitions": api(
            "/api/indicators/definitions", present=["fgzx-2022-766/3/5"], scoped=("Indicator",)
        ),
        "api:indicator_values": api("/api/indicators/values", **comments, scoped=("DataValue",)),
        "api:put_indicator_value": api_write(
            *values, "put", value_in, data_out=value_out, present=["training_persons"], scoped=("Pairing",)
        ),
        "api:indicator_report": api(
            report_in, report_out, present=[f'"pairing_id": {inside.pk}'], scoped=("Pairing", "DataSet")
        ),
        # the report is incomplete, so an allowed submission is refused with its violations (422)
        "api:indicator_report_step": api_write(
            f"{report_in}/steps/submit", f"{report_out}/steps/submit", "post_json", {}, ok=422, scoped=("Pairing",)
        ),
        "api:indicator_analytics": api(f"/api/indicators/analytics{analysis}", **pairing_names, scoped=analysed),
        "api:export_data_value_sets": api(dvs_url, **comments, scoped=("DataValue",)),
        "indicators:dhis2_ids": Case("/indicators/dhis2-ids/", **uids, scoped=("Dhis2Id",)),
        "indicators:dhis2_ids_export": Case("/indicators/dhis2-ids/export/", **uids, scoped=("Dhis2Id",)),
        "indicators:dhis2_ids_import": Case(
            "/indicators/dhis2-ids/import/", action=A.CHANGE, present=['name="file"'], scoped=("may:change",)
        ),
        "api:list_dhis2_ids": api("/api/indicators/dhis2-ids", **uids, scoped=("Dhis2Id",)),
        "api:add_dhis2_id": api_write(
            "/api/indicators/dhis2-ids", None, "post_json", new_mapping, scoped=("may:change",)
        ),
        # an out-of-scope orgUnit is a conflict of the import (409, nothing written): see indicators test_transfer
        "api:import_data_value_sets": api_write(
            dvs_url, None, "post_json", dvs, ok=200, present=["导入完成"], scoped=("may:change", "Pairing")
        ),
        # retiring comes last: the listings above show the mapping while it is active
        "indicators:dhis2_id_retire": form_post(
            *by_pk("/indicators/dhis2-ids/{}/retire/", mapping_in, mapping_out),
            data={"version": "MAPPING_VERSION"},
            scoped=("Dhis2Id",),
        ),
        "api:retire_dhis2_id": api_write(
            *by_pk("/api/indicators/dhis2-ids/{}/retire", w["inside_api_mapping"], w["outside_api_mapping"]),
            "post_json",
            {"version": "API_MAPPING_VERSION"},
            ok=200,
            scoped=("Dhis2Id",),
        ),
    }
