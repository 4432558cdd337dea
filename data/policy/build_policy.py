#!/usr/bin/env python3
"""Build the policy reference data of duikou from the five seed texts.

Stdlib only (Python 3.11).  Usage:

    python3 data/policy/build_policy.py [SEEDS_DIR]

SEEDS_DIR defaults to /work/shared/seeds.  Output goes next to this script
(data/policy/).  Division codes are resolved from data/geo/*.csv.

Principles (see SOURCES.md):
* text is never invented: every output text is a run of seed characters with
  only whitespace / line-break / page-number artefacts removed (plus the
  Markdown '#' markers and one '- ' bullet of the web extracts, and the
  clause numbers, which are kept in the separate ``number`` field);
* every clause / box carries ``lines`` = the seed line ranges it was taken
  from, so build_checks.py can re-prove it and also prove nothing was lost;
* hand fixes are listed in HAND_* tables below, each anchored on the text it
  expects to find, so a changed seed fails loudly instead of silently.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GEO = HERE.parent / "geo"
DEFAULT_SEEDS = Path("/work/shared/seeds")

SEEDS = {
    "000": "000_940fbe1e4a25c8bc.txt",
    "001": "001_bb7c29b154120d65.txt",
    "002": "002_79bcdf21a6f3beaa.txt",
    "003": "003_9152c1e5dcb49420.txt",
    "004": "004_12b5ae08d147a7c1.txt",
}

DOC_IDS = {
    "000": "fgzx-2022-766",      # 发改振兴〔2022〕766号
    "001": "zsdxt-2022-15",      # 周四大学堂 学习资料(十五)
    "002": "zbgb-2026-yijian",   # 中办 国办 意见 (no document number in the text)
    "003": "hff-2022-10",        # 沪府发〔2022〕10号
    "004": "ssw-2021-xczx",      # "十四五" … 乡村振兴实施方案 (no number / issuer in the text)
}

CN_NUM = "一二三四五六七八九十"
FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

# ----------------------------------------------------------------------------
# hand fixes (anchored)
# ----------------------------------------------------------------------------
# (seed key, line) -> (tidied text expected, replacement).  Spaces between two
# CJK characters are normally kept (they separate names, e.g. "周毅仁 中国…"),
# these two are letter-spacing / line-wrap artefacts of a title.
HAND_LINE_FIXES = {
    ("001", 5): ("学 习 资 料(十五)", "学习资料(十五)"),
    ("001", 9): ("目 录", "目录"),
    ("001", 175): ("苏州信阳两市革命老区重点城市对口合作 工作座谈会精神",
                   "苏州信阳两市革命老区重点城市对口合作工作座谈会精神"),
}

# 004: boxes (专栏) whose text is cut by page breaks and interleaved with body
# text.  Each box is a list of segments (first-line prefix, last-line suffix).
# Boxes not listed run from their "专栏 N" line to the next section / clause.
HAND_BOX_SEGMENTS = {
    ("004", 1): [("专栏1", "环江县、"), ("巴马县、都安县", "中卫市海原县。")],
    ("004", 2): [("专栏2", "建设县域经济百强县。")],
}

# 001 is a study pack: its parts start at these title lines (prefix match,
# searched in order) and may have a subtitle line starting with "——".
PARTS_001 = [
    "革命老区重点城市对口合作工作方案",
    "通过对口合作创新推动革命老区振兴发展",
    "构建革命老区重点城市对口合作新格局",
    "苏州信阳两市革命老区重点城市对口合作",
]

# facts about documents that are stated in the seeds but not inside the
# document's own text (where they are stated is recorded in SOURCES.md)
META = {
    "000": dict(title_en="Work Plan for Pairing Cooperation of Key Cities in Old Revolutionary Areas",
                doc_number="发改振兴〔2022〕766号", issuer="国家发展改革委", year=2022, date=None),
    "001": dict(title_en="Thursday Academy Study Materials (No. 15): the Work Plan for Pairing Cooperation "
                         "of Key Cities in Old Revolutionary Areas, two expert readings, and the Suzhou–Xinyang "
                         "pairing cooperation meeting",
                doc_number=None, issuer="周四大学堂", year=2022),
    "002": dict(title_en="Opinions of the General Office of the CPC Central Committee and the General Office "
                         "of the State Council on Accelerating the Revitalization and Development of Old "
                         "Revolutionary Areas",
                doc_number=None, issuer="中共中央办公厅 国务院办公厅", year=2026),
    "003": dict(title_en="Implementation Opinions of the Shanghai Municipal People's Government on Supporting "
                         "the Revitalization and Development of Old Revolutionary Areas in the New Era",
                issuer="上海市人民政府", year=2022),
    "004": dict(title_en="Implementation Plan for Supporting Old Revolutionary Areas in Consolidating and "
                         "Expanding the Achievements of Poverty Alleviation and Advancing Rural Revitalization "
                         "during the 14th Five-Year Plan Period",
                doc_number=None, issuer=None, year=2021, date=None),
}

# ----------------------------------------------------------------------------
# text helpers
# ----------------------------------------------------------------------------

def is_cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def is_narrow(c: str) -> bool:
    return ord(c) < 0x2000 and c not in "«»"


def tidy(s: str) -> str:
    """Strip a line and drop the spaces PDF extraction put around CJK text.

    A space survives only between two CJK ideographs (name separators such as
    "周毅仁 中国宏观…") or between two narrow (ASCII/Latin) characters."""
    s = re.sub(r"[\s\u3000\u00a0]+", " ", s.strip())
    out = []
    for i, ch in enumerate(s):
        if ch == " ":
            left, right = s[i - 1], s[i + 1]
            if (is_cjk(left) and is_cjk(right)) or (is_narrow(left) and is_narrow(right)):
                out.append(ch)
            continue
        out.append(ch)
    return "".join(out)


def nows(s: str) -> str:
    return re.sub(r"\s+", "", s)


PAGE_NO = re.compile(r"^[—\-–]\s*\d+\s*[—\-–]$")
SEC_RE = re.compile(rf"^([{CN_NUM}]+)、(.+)$")
CL_RE = re.compile(rf"^[（(]([{CN_NUM}]+)[）)](.*)$")
PAIR_RE = re.compile(r"^([0-9]+)[.．](.*)$")
SUBITEM_RE = re.compile(r"^[０-９0-9]+[．.]")
SHI_RE = re.compile(rf"^[{CN_NUM}]+是")


class Line:
    __slots__ = ("n", "raw", "text")

    def __init__(self, key: str, n: int, raw: str):
        self.n = n
        self.raw = raw
        s = raw.strip()
        s = re.sub(r"^#+\s*", "", s)          # Markdown heading markers (002)
        s = re.sub(r"^-\s+", "", s)           # one Markdown bullet (001 l.47)
        t = tidy(s)
        fix = HAND_LINE_FIXES.get((key, n))
        if fix:
            if t != fix[0]:
                raise SystemExit(f"hand fix {key}:{n}: expected {fix[0]!r}, found {t!r}")
            t = fix[1]
        self.text = t

    def __repr__(self):
        return f"<{self.n}:{self.text[:20]}>"


def load_lines(path: Path, key: str):
    raw = path.read_text(encoding="utf-8").split("\n")
    lines = [Line(key, i + 1, r) for i, r in enumerate(raw)]
    blank = {l.n for l in lines if not l.text}
    artefacts = {l.n for l in lines if l.text and PAGE_NO.match(l.text)}
    body = [l for l in lines if l.text and l.n not in artefacts]
    return lines, body, blank, artefacts


class Ctx:
    """Per-document context used to turn line numbers into ranges."""

    def __init__(self, key, path):
        self.key = key
        self.path = path
        self.all, self.body, self.blank, self.artefacts = load_lines(path, key)

    def ranges(self, ns):
        ns = sorted(set(ns))
        out = []
        for n in ns:
            if out and all(m in self.blank for m in range(out[-1][1] + 1, n)):
                out[-1][1] = n
            else:
                out.append([n, n])
        return out


def join(lines, sep=""):
    return sep.join(l.text for l in lines)


def lead_title(text: str, enders="。", maxlen=40) -> str | None:
    m = re.match(rf"^(.{{2,{maxlen}}}?)[{enders}]", text)
    return m.group(1) if m else None


def cn2int(s: str) -> int:
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + CN_NUM.index(s[1]) + 1
    if s.endswith("十"):
        return (CN_NUM.index(s[0]) + 1) * 10
    if "十" in s:
        a, b = s.split("十")
        return (CN_NUM.index(a) + 1) * 10 + CN_NUM.index(b) + 1
    return CN_NUM.index(s) + 1


# ----------------------------------------------------------------------------
# official documents (000, 002, 003, 004)
# ----------------------------------------------------------------------------

def parse_body(ctx: Ctx, lines, *, pairings_in=(), title_enders="。", subitems=False):
    """Group body lines (after preamble) into sections and clauses."""
    sections = []
    sec = None
    clause = None   # dict with _lines
    pair_mode = False

    def close_clause():
        nonlocal clause
        if clause is not None:
            sec["clauses"].append(clause)
        clause = None

    for l in lines:
        t = l.text
        m = SEC_RE.match(t)
        if m and len(t) <= 40 and "。" not in t:
            close_clause()
            sec = {"number": m.group(1), "title": m.group(2), "line": l.n,
                   "_intro": [], "clauses": []}
            sections.append(sec)
            pair_mode = m.group(1) in pairings_in
            continue
        if sec is None:
            raise SystemExit(f"{ctx.key}:{l.n}: text before first section in body")
        m = CL_RE.match(t)
        if m:
            close_clause()
            clause = {"number": f"（{m.group(1)}）", "_lines": [l], "_heads": [], "_first": m.group(2)}
            continue
        if pair_mode:
            m = PAIR_RE.match(t)
            if m:
                close_clause()
                clause = {"number": f"{m.group(1)}.", "_lines": [l], "_first": m.group(2), "_single": True}
                continue
            if clause is not None and clause.get("_single"):
                close_clause()
                clause = {"number": None, "_lines": [l], "_first": t}
                continue
        if clause is None:
            sec["_intro"].append(l)
        else:
            clause["_lines"].append(l)
    close_clause()

    for sec in sections:
        intro = sec.pop("_intro")
        sec["intro"] = join(intro) or None
        sec["intro_lines"] = ctx.ranges(l.n for l in intro)
        out = []
        for c in sec["clauses"]:
            ls = c["_lines"]
            first = c["_first"]
            parts = [first]
            title = None
            heading_only = (c["number"] and c["number"].startswith("（") and first
                            and not re.search(r"[。.，,]", first) and len(first) <= 12)
            for i, l in enumerate(ls[1:]):
                sep = ""
                if subitems and SUBITEM_RE.match(l.text):
                    sep = "\n"
                if heading_only and i == 0:
                    sep = "\n"
                parts.append(sep + l.text)
            text = "".join(parts)
            if c["number"] and c["number"].startswith("（"):
                title = first if heading_only else lead_title(text, title_enders)
            out.append({"number": c["number"], "title": title, "text": text,
                        "lines": ctx.ranges(l.n for l in ls)})
        sec["clauses"] = out
    return sections


def extract_boxes(ctx: Ctx):
    """Pull 专栏 boxes out of the body stream (004)."""
    body = ctx.body
    starts = [i for i, l in enumerate(body) if re.match(r"^专栏\s*\d+", l.text)]
    taken = set()
    boxes = []
    for i in starts:
        head = body[i]
        m = re.match(r"^专栏\s*(\d+)\s*(.*)$", head.text)
        num = int(m.group(1))
        segs = HAND_BOX_SEGMENTS.get((ctx.key, num))
        idxs = []
        if segs:
            pos = 0
            for a, b in segs:
                j = next((k for k in range(pos, len(body)) if body[k].text.startswith(a)), None)
                if j is None:
                    raise SystemExit(f"{ctx.key} box {num}: segment start {a!r} not found")
                k = next((k for k in range(j, len(body)) if body[k].text.endswith(b)), None)
                if k is None:
                    raise SystemExit(f"{ctx.key} box {num}: segment end {b!r} not found")
                idxs.extend(range(j, k + 1))
                pos = k + 1
        else:
            k = i + 1
            while k < len(body) and not (SEC_RE.match(body[k].text) or CL_RE.match(body[k].text)
                                         or re.match(r"^专栏\s*\d+", body[k].text)):
                k += 1
            idxs = list(range(i, k))
        taken.update(idxs)
        ls = [body[k] for k in idxs[1:]]
        # a box is a list of items: a line ending with 。 ends an item
        paras, cur = [], []
        for l in ls:
            cur.append(l)
            if l.text.endswith("。"):
                paras.append(cur)
                cur = []
        if cur:
            paras.append(cur)
        boxes.append({"number": f"专栏{num}", "title": m.group(2), "text": "\n".join(join(p) for p in paras),
                      "lines": ctx.ranges(body[k].n for k in idxs),
                      "_chars": [(l.n, l.text) for l in ls]})
    ctx.body = [l for k, l in enumerate(body) if k not in taken]
    return boxes


def doc_000(ctx):
    b = ctx.body
    title = b[0]
    i = next(k for k, l in enumerate(b) if SEC_RE.match(l.text))
    pre = b[1:i]
    secs = parse_body(ctx, b[i:], pairings_in=("二",))
    return dict(title=title.text, title_lines=[title.n], preamble=join(pre),
                preamble_lines=ctx.ranges(l.n for l in pre), sections=secs)


def doc_002(ctx):
    b = ctx.body
    # front matter: headline, dateline, agency line, repeated title with date
    i = next(k for k, l in enumerate(b) if SEC_RE.match(l.text))
    front = b[:4]
    pre = b[4:i]
    title = front[0].text
    m = re.search(r"[（(](\d{4})年(\d{1,2})月(\d{1,2})日[）)]", front[3].text)
    date = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    secs = parse_body(ctx, b[i:])
    return dict(title=title, title_lines=[front[0].n], date=date,
                front_matter=[{"text": l.text, "line": l.n} for l in front],
                preamble=join(pre), preamble_lines=ctx.ranges(l.n for l in pre), sections=secs)


def doc_003(ctx):
    b = ctx.body
    front = b[:2]                        # 上海市人民政府文件 / 沪府发〔２０２２〕１０号
    assert front[0].text == "上海市人民政府文件", front[0].text
    docno = front[1].text.translate(FW_DIGITS)
    assert re.fullmatch(r"沪府发〔\d{4}〕\d+号", docno), docno
    tl = b[2:4]                          # title over two lines
    i = next(k for k, l in enumerate(b) if SEC_RE.match(l.text))
    pre = b[4:i]
    # closing: from the signature date on
    j = next(k for k, l in enumerate(b) if re.fullmatch(r"[０-９0-9]{4}年[０-９0-9]{1,2}月[０-９0-9]{1,2}日", l.text))
    closing_lines = b[j:]
    paras, cur = [], []
    for l in closing_lines:
        cur.append(l)
        if re.search(r"[。.)）日]$|印发$", l.text):
            paras.append(cur)
            cur = []
    if cur:
        paras.append(cur)
    d = closing_lines[0].text.translate(FW_DIGITS)
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", d)
    date = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    # preamble: the salutation line is its own paragraph
    preamble = pre[0].text + "\n" + join(pre[1:])
    secs = parse_body(ctx, b[i:j], title_enders="。.", subitems=True)
    return dict(title=join(tl), title_lines=[l.n for l in tl], doc_number=docno, date=date,
                front_matter=[{"text": l.text, "line": l.n} for l in front],
                preamble=preamble, preamble_lines=ctx.ranges(l.n for l in pre), sections=secs,
                closing=[{"text": join(p), "lines": ctx.ranges(l.n for l in p)} for p in paras])


def doc_004(ctx):
    boxes = extract_boxes(ctx)
    b = ctx.body
    tl = b[:2]
    i = next(k for k, l in enumerate(b) if SEC_RE.match(l.text))
    pre = b[2:i]
    secs = parse_body(ctx, b[i:])
    return dict(title=join(tl), title_lines=[l.n for l in tl], preamble=join(pre),
                preamble_lines=ctx.ranges(l.n for l in pre), sections=secs, boxes=boxes)


# ----------------------------------------------------------------------------
# 001: study pack
# ----------------------------------------------------------------------------
TERMINAL = tuple("。！？）)")


def doc_001(ctx):
    b = ctx.body
    # part starts
    starts = []
    pos = 0
    for p in PARTS_001:
        k = next((k for k in range(pos, len(b)) if b[k].text.startswith(p)), None)
        if k is None:
            raise SystemExit(f"001: part title {p!r} not found")
        starts.append(k)
        pos = k + 1
    pre = b[:starts[0]]
    m = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日", join(pre, "\n"))
    date = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    sections = []
    for si, k in enumerate(starts):
        end = starts[si + 1] if si + 1 < len(starts) else len(b)
        head = b[k]
        sub = b[k + 1] if b[k + 1].text.startswith("——") else None
        body = b[k + (2 if sub else 1):end]
        paras, cur = [], []

        def is_head(l):
            return (SEC_RE.match(l.text) and "。" not in l.text) or PAIR_RE.match(l.text)

        for l in body:
            if cur and is_head(l):
                paras.append(cur)
                cur = []
            cur.append(l)
            if is_head(l) or l.text.endswith(TERMINAL):
                paras.append(cur)
                cur = []
        if cur:
            paras.append(cur)
        clauses = []
        for p in paras:
            text = join(p)
            if SEC_RE.match(text) and "。" not in text:
                kind, title = "heading", None
            elif PAIR_RE.match(text):
                kind, title = "pairing", None
            elif re.match(r"^[（(]作者", text):
                kind, title = "byline", None
            else:
                kind = "paragraph"
                m = CL_RE.match(text)
                if m:
                    title = lead_title(m.group(2))
                elif SHI_RE.match(text):
                    title = lead_title(text, maxlen=60)
                else:
                    title = None
            clauses.append({"number": None, "title": title, "kind": kind, "text": text,
                            "lines": ctx.ranges(l.n for l in p)})
        sec = {"number": None, "title": head.text, "line": head.n}
        if sub:
            sec["subtitle"] = sub.text
            sec["subtitle_line"] = sub.n
        sec.update({"intro": None, "intro_lines": [], "clauses": clauses})
        sections.append(sec)
    tl = next(l for l in pre if l.text == "学习资料(十五)")
    return dict(title=tl.text, title_lines=[tl.n], date=date,
                preamble="\n".join(l.text for l in pre), preamble_lines=ctx.ranges(l.n for l in pre),
                sections=sections)


# ----------------------------------------------------------------------------
# geo resolution
# ----------------------------------------------------------------------------

class Geo:
    def __init__(self):
        def rows(name):
            with open(GEO / name, encoding="utf-8", newline="") as f:
                return list(csv.DictReader(f))
        self.provinces = rows("provinces.csv")
        self.cities = rows("cities.csv")
        self.areas = rows("areas.csv")
        self.city_by_code = {c["code"]: c for c in self.cities}
        self.prov_by_code = {p["code"]: p for p in self.provinces}

    def province(self, token):
        """Province whose name starts with the (short) token of the text."""
        c = [p for p in self.provinces if p["name"].startswith(token)]
        return c[0] if len(c) == 1 else None

    def province_prefix(self, text):
        """Longest province short name the text starts with."""
        best = None
        for p in self.provinces:
            short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$", "", p["name"])
            if text.startswith(short) and (best is None or len(short) > len(best[1])):
                best = (p, short)
        return best

    @staticmethod
    def name_matches(token, name, kind):
        """exact, or official suffix added, or 'XX县/州' for an autonomous county/prefecture."""
        if name == token:
            return "exact"
        if kind == "county":
            if not token.endswith(("县", "市", "区")) and name in (token + s for s in ("县", "市", "区", "自治县")):
                return "suffix"
            if token.endswith("县") and name.startswith(token[:-1]) and name.endswith("自治县"):
                return "autonomous"
        else:
            if token.endswith("州") and name.startswith(token[:-1]) and name.endswith("自治州"):
                return "autonomous"
            if not token.endswith(("市", "州")) and name == token + "市":
                return "suffix"
        return None

    def city(self, prov_code, token):
        c = [(x, self.name_matches(token, x["name"], "city")) for x in self.cities
             if x["provinceCode"] == prov_code]
        c = [x for x in c if x[1]]
        return c

    def county(self, prov_code, city_code, token):
        pool = [a for a in self.areas if a["provinceCode"] == prov_code
                and (city_code is None or a["cityCode"] == city_code)]
        exact = [a for a in pool if a["name"] == token]
        if exact:
            return exact, "exact"
        c = [a for a in pool if self.name_matches(token, a["name"], "county")]
        return c, ("suffix/autonomous" if c else None)

    def stem_candidates(self, prov_code, token):
        stem = re.sub(r"(县|市|区)$", "", token)
        return [a for a in self.areas if a["provinceCode"] == prov_code and a["name"].startswith(stem)]


def char_lines(box):
    """Per-character source line of the box text (newlines excluded)."""
    out = []
    for n, t in box["_chars"]:
        out.extend([n] * len(t))
    return out


def sentences(box):
    """The box text's sentences (split at 。, empty ones left out), each with its offset in the text."""
    text = "".join(t for _, t in box["_chars"])
    pos = 0
    for sent in text.split("。"):
        start = pos
        pos += len(sent) + 1
        if sent:
            yield start, sent


def zhuanlan1(box, geo, report):
    lines = char_lines(box)
    rows = []
    for start_sent, sent in sentences(box):
        pp = geo.province_prefix(sent)
        if not pp:
            raise SystemExit(f"专栏1: no province at {sent[:10]!r}")
        prov, short = pp
        off = start_sent + len(short)
        rest = sent[len(short):]
        for grp in rest.split("，"):
            goff = off
            off += len(grp) + 1
            city = None
            city_tok = ""
            items = grp.split("、")
            # city prefix on the first item: the shortest prefix ending in 市/州
            # that names a city of that province
            first = items[0]
            for k in range(2, len(first)):
                if first[k - 1] in "市州":
                    cand = geo.city(prov["code"], first[:k])
                    if len(cand) == 1:
                        city, city_tok = cand[0][0], first[:k]
                        break
            ioff = goff
            for it in items:
                name = it[len(city_tok):] if it is first else it
                noff = ioff + (len(city_tok) if it is first else 0)
                ioff += len(it) + 1
                cand, how = geo.county(prov["code"], city["code"] if city else None, name)
                code = cand[0]["code"] if len(cand) == 1 else ""
                if len(cand) != 1:
                    report.append(("专栏1", short, city_tok, name, [(a["code"], a["name"]) for a in cand]))
                rows.append({"province": short, "city": city_tok, "county": name, "code": code,
                             "line": lines[noff], "_official": cand[0]["name"] if len(cand) == 1 else "",
                             "_how": how})
    return rows


def zhuanlan2(box, geo, report):
    lines = char_lines(box)
    rows = []
    for s0, sent in sentences(box):
        assert sent.startswith("支持"), sent
        k = sent.index("等")
        listpart, category = sent[2:k], sent[k + 1:]
        off = s0 + 2
        for grp in listpart.split("，"):
            goff = off
            off += len(grp) + 1
            prov, short = geo.province_prefix(grp)
            items = grp[len(short):].split("、")
            ioff = goff + len(short)
            for it in items:
                noff = ioff
                ioff += len(it) + 1
                cand, how = geo.county(prov["code"], None, it)
                note = category
                code = ""
                if len(cand) == 1:
                    code = cand[0]["code"]
                else:
                    sc = geo.stem_candidates(prov["code"], it)
                    cs = "; ".join(f"{a['name']} {a['code']}" for a in sc) or "none"
                    note += f"; UNRESOLVED: no division named {it} in {prov['name']} (candidates by stem: {cs})"
                    report.append(("专栏2", short, "", it, [(a["code"], a["name"]) for a in sc]))
                rows.append({"province": short, "city": "", "county": it, "code": code,
                             "line": lines[noff], "note": note,
                             "_official": cand[0]["name"] if len(cand) == 1 else "", "_how": how})
    return rows


# zones whose name-based resolution is known to point at the wrong place:
# left unresolved on purpose (see SOURCES.md)
HAND_ZONE_UNRESOLVED = {
    "井冈山": "name matches 井冈山市 360881, but the 井冈山经济技术开发区 is in the urban area of "
              "吉安市 (360800), not in 井冈山市; not decidable from the seeds",
}


def zhuanlan4(box, geo, report, notes):
    text = "".join(t for _, t in box["_chars"])
    lines = char_lines(box)
    assert text.endswith("。")
    body = text[:-1]
    rows = []
    # split into clauses on "，" and "以及"
    pieces = []
    pos = 0
    for part in re.split(r"(，|以及)", body):
        if part in ("，", "以及"):
            pos += len(part)
            continue
        pieces.append((pos, part))
        pos += len(part)
    for off, piece in pieces:
        m = re.match(r"^(支持建设|加快建设)?(.*)$", piece)
        lead = len(m.group(1) or "")
        rest = m.group(2)
        off += lead
        if "等" in rest:
            k = rest.index("等")
            places, category = rest[:k].split("、"), rest[k + 1:]
            poff = off
            for p in places:
                rows.append((poff, p, p + category))
                poff += len(p) + 1
        else:
            m2 = re.search(r"[（(](.+?)[）)]", rest)
            rows.append((off + m2.start(1), m2.group(1), rest))
    out = []
    for off, place, zone in rows:
        city = [c for c in geo.cities if c["name"] in (place + "市",)
                or (c["name"].startswith(place) and c["name"].endswith("自治州"))]
        code, region, prov = "", "", ""
        if place in HAND_ZONE_UNRESOLVED:
            report.append(("专栏4", "", "", place, HAND_ZONE_UNRESOLVED[place]))
        elif len(city) == 1:
            c = city[0]
            code, region, prov = c["code"] + "00", c["name"], geo.prov_by_code[c["provinceCode"]]["name"]
            same = [a for a in geo.areas if a["cityCode"] == c["code"] and
                    a["name"] in (place + "县", place + "区", place + "市")]
            if same:
                notes.append(f"专栏4 {zone}: '{place}' also names " +
                             ", ".join(f"{a['name']} {a['code']}" for a in same) +
                             f" inside {c['name']}; city code {code} used (correct in either reading)")
        else:
            areas = [a for a in geo.areas if a["name"] in (place + "县", place + "区", place + "市")]
            if len(areas) == 1:
                a = areas[0]
                code, region = a["code"], a["name"]
                prov = geo.prov_by_code[a["provinceCode"]]["name"]
            else:
                report.append(("专栏4", "", "", place, [(a["code"], a["name"]) for a in city + areas]))
        out.append({"province": prov, "zone": zone, "region_name": region, "code": code,
                    "line": lines[off]})
    return out


# ----------------------------------------------------------------------------
# taxonomy, old areas, Shanghai tasks
# ----------------------------------------------------------------------------
KT_EN = {
    "KT1": "Inherit and carry forward red culture",
    "KT2": "Advance rural revitalization and new-type urbanization in an integrated way",
    "KT3": "Improve infrastructure and basic public services",
    "KT4": "Promote ecological protection and restoration and green, low-carbon development",
    "KT5": "Jointly build platforms for industrial cooperation",
}
Y26_EN = [
    "Strengthen and improve distinctive high-efficiency agriculture",
    "Promote the transformation and upgrading of key competitive industries",
    "Promote the deep integration of culture and tourism",
    "Strengthen industrial cooperation between old revolutionary areas and developed regions",
    "Strengthen coordinated regional linkage",
    "Raise the level of new-type urbanization",
    "Solidly advance all-round rural revitalization",
    "Improve the modern infrastructure system",
    "Strengthen employment services for key groups",
    "Improve basic public services and the social security system",
    "Advance ecological and environmental protection systematically",
    "Improve the quality of higher education and vocational education",
    "Strengthen the capacity for innovation-driven development",
    "Step up talent assistance",
    "Protect red resources",
    "Tell red stories well",
    "Strengthen red education",
    "Strengthen policy support",
    "Increase funding input",
    "Improve the mechanisms of assistance and cooperation",
]

OLD_AREAS = [
    # key, short name (as used in the seeds), English name
    ("ganminyue", "赣闽粤", "Former Central Soviet Area of Jiangxi, Fujian and Guangdong"),
    ("shaanganning", "陕甘宁", "Shaanxi-Gansu-Ningxia Old Revolutionary Area"),
    ("dabieshan", "大别山", "Dabie Mountains Old Revolutionary Area"),
    ("zuoyoujiang", "左右江", "Zuojiang-Youjiang Old Revolutionary Area"),
    ("chuanshan", "川陕", "Sichuan-Shaanxi Old Revolutionary Area"),
    ("xiangganbian", "湘赣边", "Hunan-Jiangxi Border Old Revolutionary Area"),
    ("xiangeyuqian", "湘鄂渝黔", "Hunan-Hubei-Chongqing-Guizhou Old Revolutionary Area"),
    ("taihang", "太行", "Taihang Old Revolutionary Area"),
    ("hailufeng", "海陆丰", "Hailufeng Old Revolutionary Area"),
    ("yimeng", "沂蒙", "Yimeng Old Revolutionary Area"),
    ("zhexinan", "浙西南", "Southwestern Zhejiang Old Revolutionary Area"),
    ("qiongya", "琼崖", "Qiongya Old Revolutionary Area"),
]


def old_areas(docs, seeds_dir):
    d0 = docs["000"]
    sec2 = d0["sections"][1]
    out = []
    for key, short, en in OLD_AREAS:
        found = None
        for ci, c in enumerate(sec2["clauses"], 1):
            m = re.search(rf"[（(]({short}[^）)]*)[）)]", c["text"])
            if c["number"] and m:
                found = (m.group(1), ci, c)
                break
        if found:
            name, ci, c = found
            out.append({"key": key, "name": name, "short_name": short, "name_en": en,
                        "name_attested": True,
                        "source": f"{DOC_IDS['000']} 二、结对关系 clause {c['number']} "
                                  f"(id {DOC_IDS['000']}/2/{ci}, seed {SEEDS['000']} line {c['lines'][0][0]})"})
            continue
        # not in the pairings: quote the enumerations of 004 that name it
        d4 = docs["004"]
        hits = []
        for si, sct in enumerate(d4["sections"], 1):
            for ci, c in enumerate(sct["clauses"], 1):
                m = re.search(rf"[^，。；]*{short}[^，。；]*?革命老区", c["text"])
                if m:
                    hits.append(f"{c['number']} (id {DOC_IDS['004']}/{si}/{ci}): '{m.group(0)}'")
        out.append({"key": key, "name": short + "革命老区", "short_name": short, "name_en": en,
                    "name_attested": False,
                    "source": f"{DOC_IDS['004']} (seed {SEEDS['004']}) names it only by the short form "
                              f"'{short}' inside enumerations: " + "; ".join(hits) +
                              f". The full form '{short}革命老区' follows that pattern but does not occur "
                              f"verbatim in any seed"})
    return out


def tasks(docs):
    out = []
    d0 = docs["000"]
    s3 = d0["sections"][2]
    assert s3["title"] == "重点任务"
    for ci, c in enumerate(s3["clauses"], 1):
        out.append({"code": f"KT{ci}", "name": c["title"], "name_en": KT_EN[f"KT{ci}"], "kind": "key_task",
                    "doc": DOC_IDS["000"], "section": 3, "clause": ci})
    d2 = docs["002"]
    k = 0
    for si, s in enumerate(d2["sections"], 1):
        for ci, c in enumerate(s["clauses"], 1):
            k += 1
            assert cn2int(c["number"][1:-1]) == k
            out.append({"code": f"Y26-{k:02d}", "name": c["title"], "name_en": Y26_EN[k - 1],
                        "kind": "opinion_item", "doc": DOC_IDS["002"], "section": si, "clause": ci})
    assert k == 20, k
    return out


SH_KT = {("二", "（一）"): "KT1", ("二", "（二）"): "KT2", ("二", "（三）"): "KT3",
         ("二", "（四）"): "KT4", ("二", "（五）"): "KT5"}
# the content words that tie each Shanghai heading to its key task
SH_KT_WORDS = {"KT1": "红色文化", "KT2": "乡村振兴", "KT3": "基础设施", "KT4": "生态保护修复", "KT5": "产业合作平台"}


def shanghai(docs):
    d3 = docs["003"]
    out = []
    for si, s in enumerate(d3["sections"], 1):
        if s["number"] not in ("二", "三"):
            continue
        for ci, c in enumerate(s["clauses"], 1):
            m = re.search(r"[（(]责任单位[:：](.+?)[）)]$", c["text"])
            units = m.group(1).split("、") if m else []
            kt = SH_KT.get((s["number"], c["number"]))
            if kt:
                assert SH_KT_WORDS[kt] in c["title"], (kt, c["title"])
            out.append({"id": f"{DOC_IDS['003']}/{si}/{ci}", "section": f"{s['number']}、{s['title']}",
                        "number": c["number"], "title": c["title"], "text": c["text"],
                        "key_task": kt,
                        "responsible_units": units, "lines": c["lines"]})
    # district-level sub-pairings (区与县结对): the text only says pairings are to
    # be organised (三(二) 做实结对工作); it names no district/county pairs.
    return {"doc": DOC_IDS["003"], "tasks": out, "sub_pairings": []}


# ----------------------------------------------------------------------------

def main(argv):
    seeds_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_SEEDS
    docs = {}
    builders = {"000": doc_000, "001": doc_001, "002": doc_002, "003": doc_003, "004": doc_004}
    ctxs = {}
    for key, fn in builders.items():
        ctx = Ctx(key, seeds_dir / SEEDS[key])
        ctxs[key] = ctx
        d = fn(ctx)
        meta = dict(META[key])
        doc = {"id": DOC_IDS[key], "seed_file": SEEDS[key], "title": d["title"],
               "title_en": meta["title_en"],
               "doc_number": d.get("doc_number", meta.get("doc_number")),
               "issuer": meta["issuer"], "year": meta["year"],
               "date": d.get("date", meta.get("date")),
               "preamble": d["preamble"], "sections": d["sections"], "boxes": d.get("boxes", [])}
        doc["title_lines"] = d["title_lines"]
        doc["preamble_lines"] = d["preamble_lines"]
        if "front_matter" in d:
            doc["front_matter"] = d["front_matter"]
        if "closing" in d:
            doc["closing"] = d["closing"]
        doc["artefact_lines"] = sorted(ctx.artefacts)
        docs[key] = doc

    # cross-check the metadata that comes from other seeds
    t3 = docs["003"]["preamble"].translate(FW_DIGITS)
    assert "发改振兴〔2022〕766号" in t3 and "国家发展改革委印发的«革命老区重点城市对口合作工作方案»" in t3

    geo = Geo()
    report, notes = [], []
    boxes = {b["number"]: b for b in docs["004"]["boxes"]}
    z1 = zhuanlan1(boxes["专栏1"], geo, report)
    z2 = zhuanlan2(boxes["专栏2"], geo, report)
    z4 = zhuanlan4(boxes["专栏4"], geo, report, notes)
    for d in docs.values():
        for b in d["boxes"]:
            b.pop("_chars", None)

    out = HERE
    out.mkdir(parents=True, exist_ok=True)

    def dump(name, obj):
        (out / name).write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    dump("documents.json", [docs[k] for k in sorted(docs)])
    dump("tasks.json", tasks(docs))
    dump("old_areas.json", old_areas(docs, seeds_dir))
    dump("shanghai_tasks.json", shanghai(docs))

    def write_csv(name, cols, rows):
        with open(out / name, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
            w.writeheader()
            w.writerows(rows)

    write_csv("zhuanlan1_counties.csv", ["province", "city", "county", "code", "line"], z1)
    write_csv("zhuanlan2_county_towns.csv", ["province", "city", "county", "code", "line", "note"], z2)
    write_csv("zhuanlan4_zones.csv", ["province", "zone", "region_name", "code", "line"], z4)

    # summary
    for k in sorted(docs):
        d = docs[k]
        print(f"{d['id']}: sections={len(d['sections'])} clauses={[len(s['clauses']) for s in d['sections']]} "
              f"boxes={len(d['boxes'])}")
    for name, rows in (("专栏1", z1), ("专栏2", z2), ("专栏4", z4)):
        print(f"{name}: {len(rows)} rows, {sum(1 for r in rows if r['code'])} resolved")
    for r in z1 + z2:
        if r.get("_how") not in ("exact", None):
            print(f"  resolved by {r['_how']}: {r['province']}{r['city']}{r['county']} -> {r['_official']} {r['code']}")
    for n in notes:
        print("  note:", n)
    for r in report:
        print("  UNRESOLVED:", r)


if __name__ == "__main__":
    main(sys.argv)
