"""The spreadsheet side of the pairing recommendation: the columns of an import file, the industry vocabulary and
the industries the policy documents name for each old area (``data/markets/old_area_industries.csv``). The
reading and checking machinery is ``duikou.core.tables``."""

import functools
from dataclasses import dataclass

from django.utils.translation import gettext_noop as N_

from duikou.core.datafiles import data_path, read_csv
from duikou.core.errors import DataFileError
from duikou.core.tables import cell_text
from duikou.geo.models import Region

# The industries a profile or a named list may use: the words of fgzx-2022-766 三（五） and ssw-2021-xczx
# （十）（十一）, plus 新材料 (named by 沪府发〔2022〕10号 （五）) for what a candidate city brings.
# Chinese, as the file holds them; marked for translation so that a page can gloss them in English
INDUSTRIES = (
    N_("清洁能源"),
    N_("有色金属"),
    N_("能源资源"),
    N_("装备制造"),
    N_("纺织服装"),
    N_("生物医药"),
    N_("电子信息"),
    N_("农产品加工"),
    N_("绿色产业"),
    N_("特色资源精深加工"),
    N_("文化旅游"),
    N_("商贸物流"),
    N_("新材料"),
)
SEPARATORS = "、,，;；/ "
PROFILE_COLUMNS = (
    N_("区划代码"),
    N_("年份"),
    N_("第一产业占比（%）"),
    N_("第二产业占比（%）"),
    N_("第三产业占比（%）"),
    N_("优势产业"),
)
TIE_COLUMNS = (N_("老区城市或县代码"), N_("候选城市代码"), N_("联系类型"), N_("强度（1–5）"), N_("说明"))
KINDS = {"profiles": (N_("城市概况"), PROFILE_COLUMNS), "ties": (N_("既有经济联系"), TIE_COLUMNS)}

INDUSTRIES_FILE = "old_area_industries.csv"


def split_industries(value) -> list[str]:
    text = cell_text(value) if value is not None else ""
    for sep in SEPARATORS[1:]:
        text = text.replace(sep, SEPARATORS[0])
    return [part for part in text.split(SEPARATORS[0]) if part]


# ---- the industries the documents name ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    industries: tuple[str, ...]
    sources: tuple[str, ...]  # "clause id：quote"


@functools.cache
def industry_rows() -> tuple[dict, ...]:
    path = data_path("markets", INDUSTRIES_FILE)
    rows = []
    for line, row in read_csv(path, ["scope", "name", "industries", "clause", "quote"]):
        unknown = [i for i in split_industries(row["industries"]) if i not in INDUSTRIES]
        if row["scope"] not in ("all", "area", "city") or unknown:
            raise DataFileError(path, line, f"适用范围或产业不在词表内：{row['scope']} {'、'.join(unknown)}")
        rows.append({**row, "line": line, "list": tuple(split_industries(row["industries"]))})
    return tuple(rows)


def check_industry_quotes() -> list[str]:
    """Rows whose quote is not in the text of the clause they cite (empty when the file is faithful)."""
    from duikou.policy.models import Clause

    texts = dict(Clause.objects.filter(pk__in={r["clause"] for r in industry_rows()}).values_list("pk", "text"))
    return [
        f"{INDUSTRIES_FILE}:{r['line']}"
        for r in industry_rows()
        if r["quote"].replace(" ", "") not in texts.get(r["clause"], "").replace(" ", "")
    ]


def named_industries(city: Region, areas: list[str]) -> Named:
    """What the documents name for an old-area city: its areas' industries and its own, else the general list."""
    rows = industry_rows()
    area_rows = [r for r in rows if r["scope"] == "area" and r["name"] in areas]
    city_rows = [r for r in rows if r["scope"] == "city" and r["name"] == city.code]
    own = (area_rows or [r for r in rows if r["scope"] == "all"]) + city_rows
    industries: list[str] = []
    for r in own:
        industries += [i for i in r["list"] if i not in industries]
    return Named(tuple(industries), tuple(f"{r['clause']}：{r['quote']}" for r in own))
