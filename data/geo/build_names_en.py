"""Builds names_en.csv, the English names of provinces and prefecture-level divisions, from provinces.csv and
cities.csv: Hanyu Pinyin of the name's specific part (GB/T 16159-2012 and 《中国地名汉语拼音字母拼写规则》: syllables
written together, an apostrophe before a, o, e opening a later syllable), as pypinyin spells it; a 市 is named by its
specific part alone (信阳市 → Xinyang), a 地区 is a Prefecture, a 盟 a League, an 自治州 an Autonomous Prefecture
named by the place before its peoples' names (恩施土家族苗族自治州 → Enshi Autonomous Prefecture). Provinces take the
names in the State Council's and the Ministry of Foreign Affairs' English usage where those differ from plain Pinyin
(陕西 Shaanxi, 内蒙古 Inner Mongolia, 西藏 Xizang). Places whose names come from Mongolian, Tibetan, Uyghur and the
other languages of 内蒙古, 西藏, 青海, 新疆 and the Tibetan prefectures of 四川 and 云南 are spelt by their own rules of
transliteration (少数民族语地名汉语拼音字母音译转写法), not by the Pinyin of their Chinese characters: they get no
English name here and are shown in Chinese. Run once when the division files change (pypinyin is needed only
here, not by the platform): python data/geo/build_names_en.py > data/geo/names_en.csv"""

import csv
import re
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin

HERE = Path(__file__).parent
PROVINCES = {
    "北京市": "Beijing", "天津市": "Tianjin", "河北省": "Hebei", "山西省": "Shanxi", "内蒙古自治区": "Inner Mongolia",
    "辽宁省": "Liaoning", "吉林省": "Jilin", "黑龙江省": "Heilongjiang", "上海市": "Shanghai", "江苏省": "Jiangsu",
    "浙江省": "Zhejiang", "安徽省": "Anhui", "福建省": "Fujian", "江西省": "Jiangxi", "山东省": "Shandong",
    "河南省": "Henan", "湖北省": "Hubei", "湖南省": "Hunan", "广东省": "Guangdong", "广西壮族自治区": "Guangxi",
    "海南省": "Hainan", "重庆市": "Chongqing", "四川省": "Sichuan", "贵州省": "Guizhou", "云南省": "Yunnan",
    "西藏自治区": "Xizang", "陕西省": "Shaanxi", "甘肃省": "Gansu", "青海省": "Qinghai", "宁夏回族自治区": "Ningxia",
    "新疆维吾尔自治区": "Xinjiang",
}  # fmt: skip
# Peoples named in autonomous prefectures' names: the place's own name ends where the first of them begins.
PEOPLES = (
    "土家族 苗族 藏族 羌族 彝族 朝鲜族 白族 哈尼族 壮族 傣族 景颇族 傈僳族 回族 蒙古族 哈萨克 柯尔克孜 布依族 侗族 "
    "僳僳族 纳西族 怒族 独龙族 拉祜族 佤族 瑶族 黎族 仡佬族 水族 撒拉族 土族 东乡族 保安族 裕固族"
).split()
# Provinces and prefectures whose place names are transliterated from another language (see above).
TRANSLITERATED = {"15", "54", "63", "65", "5132", "5133", "5334"}
# Readings pypinyin's dictionary gives wrongly for these place names (a place's own reading).
READINGS = {
    "六安": "Lu'an", "蚌埠": "Bengbu", "丽水": "Lishui", "大理": "Dali", "长治": "Changzhi", "朝阳": "Chaoyang",
    "漯河": "Luohe", "哈尔滨": "Harbin", "齐齐哈尔": "Qiqihar",  # the last two: names from Manchu and Daur, spelt so
}  # fmt: skip


def pinyin(text: str) -> str:
    if text in READINGS:
        return READINGS[text]
    syllables = lazy_pinyin(text, style=Style.NORMAL, errors="ignore", v_to_u=True)
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if syllable[:1] in "aoe" else "") + syllable
    return word.capitalize()


def english(name: str) -> str:
    if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        return ""  # a place in the code tree only, never named
    if name.endswith("自治州"):
        cut = min((name.find(p) for p in PEOPLES if p in name), default=len(name) - 3)
        return f"{pinyin(name[:cut])} Autonomous Prefecture"
    if name.endswith("地区"):
        return f"{pinyin(name[:-2])} Prefecture"
    if name.endswith("盟"):
        return f"{pinyin(name[:-1])} League"
    if name.endswith("市"):
        return pinyin(name[:-1])
    return ""


def main() -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "name_en"])
    for row in csv.DictReader((HERE / "provinces.csv").open(encoding="utf-8")):
        out.writerow([row["code"].ljust(6, "0"), row["name"], PROVINCES[row["name"]]])
    for row in csv.DictReader((HERE / "cities.csv").open(encoding="utf-8")):
        if row["provinceCode"] in TRANSLITERATED or row["code"] in TRANSLITERATED:
            continue
        name_en = english(row["name"])
        if name_en and re.fullmatch(r"[A-Za-zü' ]+", name_en):
            out.writerow([row["code"].ljust(6, "0"), row["name"], name_en])


if __name__ == "__main__":
    main()
