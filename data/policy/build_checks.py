#!/usr/bin/env python3
"""Re-check the policy reference data against the seed texts.  Stdlib only.

    python3 data/policy/build_checks.py [SEEDS_DIR]

Checks
* every JSON file loads, every CSV has its columns;
* nothing invented: every text (title, preamble, section heading, intro,
  clause, box, front matter, closing, Shanghai task) is found in its seed
  once all whitespace is removed from both.  Texts that the PDF cut apart
  (a clause interleaved with a box, a page number inside a clause) carry
  several line ranges: each range is seed text and the clause is exactly
  their concatenation;
* nothing lost: each element equals the whitespace-free text of its seed
  lines except a leading clause number / heading marker, and the elements of
  a document together use every non-blank seed line exactly once (page
  numbers are the only lines dropped);
* numbering: no duplicates, no gaps;
* tasks / old areas / Shanghai tasks point at existing clauses;
* every CSV code exists in data/geo/areas.csv (county) or cities.csv
  (XXXX00 = the city), names agree with the code, and ``line`` is the seed
  line where the name starts.
Exit status 1 on any failure.  Prints a count summary.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GEO = HERE.parent / "geo"
SEEDS_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/seeds")
CN = "一二三四五六七八九十"
FW = str.maketrans("０１２３４５６７８９", "0123456789")
MARKER = re.compile(rf"^#*(?:[（(][{CN}]+[）)]|[0-9]+[.．]|[{CN}]+、|-)?$")

failures: list[str] = []
counts: dict[str, int] = {}


def fail(msg: str) -> None:
    failures.append(msg)


def nows(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def cn2int(s: str) -> int:
    if "十" not in s:
        return CN.index(s) + 1
    a, _, b = s.partition("十")
    return (CN.index(a) + 1 if a else 1) * 10 + (CN.index(b) + 1 if b else 0)


def load_json(name):
    try:
        return json.loads((HERE / name).read_text(encoding="utf-8"))
    except Exception as e:  # noqa: BLE001
        fail(f"{name}: does not load: {e}")
        return None


def load_csv(name, cols):
    with open(HERE / name, encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        if r.fieldnames != cols:
            fail(f"{name}: columns {r.fieldnames} != {cols}")
        return list(r)


class Seed:
    def __init__(self, path: Path, artefacts):
        self.lines = path.read_text(encoding="utf-8").split("\n")
        self.all = nows("".join(self.lines))
        self.artefacts = set(artefacts)
        self.nonblank = {i + 1 for i, l in enumerate(self.lines) if l.strip()}

    def line(self, n):
        return nows(self.lines[n - 1])

    def ranges_text(self, ranges):
        out = []
        for a, b in ranges:
            seg = "".join(self.line(n) for n in range(a, b + 1) if n not in self.artefacts)
            if seg not in self.all:
                fail(f"range {a}-{b} is not seed text")
            out.append(seg)
        return "".join(out)


def check_element(where, seed: Seed, text, ranges, used, allow_prefix=True, multi_counter=None):
    """text must be the whitespace-free text of its lines (minus a marker)."""
    t = nows(text)
    if not t:
        fail(f"{where}: empty text")
        return
    w = seed.ranges_text(ranges)
    if len(ranges) == 1 and t not in seed.all:
        fail(f"{where}: text not found in seed")
    if len(ranges) > 1 and multi_counter is not None:
        multi_counter.append(where)
    if not w.endswith(t):
        fail(f"{where}: text is not the text of lines {ranges}")
    else:
        prefix = w[: len(w) - len(t)]
        if prefix and not (allow_prefix and MARKER.match(prefix)):
            fail(f"{where}: lines {ranges} hold extra text {prefix!r}")
    for a, b in ranges:
        for n in range(a, b + 1):
            if n in seed.nonblank and n not in seed.artefacts:
                used.setdefault(n, []).append(where)


def check_sequence(where, numbers, kind):
    if kind == "cn":
        vals = [cn2int(re.sub(r"[（）()、]", "", n)) for n in numbers]
    else:
        vals = [int(n.rstrip(".")) for n in numbers]
    if len(set(vals)) != len(vals):
        fail(f"{where}: duplicate numbers {numbers}")
    if vals and vals != list(range(vals[0], vals[0] + len(vals))):
        fail(f"{where}: numbering not consecutive {numbers}")
    if vals and vals[0] != 1:
        fail(f"{where}: numbering does not start at 1 {numbers}")


def main() -> int:
    docs = load_json("documents.json") or []
    tasks = load_json("tasks.json") or []
    areas_j = load_json("old_areas.json") or []
    sh = load_json("shanghai_tasks.json") or {}
    seeds_all = {}
    multi: list[str] = []
    by_id = {}
    n_clauses = n_boxes = 0

    if len({d["id"] for d in docs}) != len(docs):
        fail("documents.json: duplicate document ids")
    for d in docs:
        did = d["id"]
        by_id[did] = d
        seed = Seed(SEEDS_DIR / d["seed_file"], d.get("artefact_lines", []))
        seeds_all[did] = seed
        used: dict[int, list[str]] = {}
        # artefact lines must really be page numbers
        for n in seed.artefacts:
            if not re.fullmatch(r"[—\-–]\d+[—\-–]", seed.line(n)):
                fail(f"{did}: artefact line {n} is not a page number: {seed.line(n)!r}")
        # title: contiguous in seed (own title lines may overlap preamble / front matter)
        if nows(d["title"]) not in seed.all:
            fail(f"{did}: title not in seed")
        if d.get("date") and int(d["date"][:4]) != d["year"]:
            fail(f"{did}: date/year disagree")
        if d.get("doc_number"):
            dn = nows(d["doc_number"])
            if not any(dn in s.all.translate(FW) for s in seeds_all.values()) and not any(
                    dn in nows((SEEDS_DIR / x).read_text(encoding="utf-8")).translate(FW)
                    for x in [dd["seed_file"] for dd in docs]):
                fail(f"{did}: doc_number {dn} not stated in any seed")
        if d.get("preamble"):
            check_element(f"{did}/preamble", seed, d["preamble"], d["preamble_lines"], used, allow_prefix=False)
        for fm in d.get("front_matter", []):
            check_element(f"{did}/front", seed, fm["text"], [[fm["line"], fm["line"]]], used)
        for cl in d.get("closing", []):
            check_element(f"{did}/closing", seed, cl["text"], cl["lines"], used, allow_prefix=False)
        secnums = [s["number"] for s in d["sections"] if s["number"]]
        if secnums:
            check_sequence(f"{did} sections", secnums, "cn")
        all_cl = []
        for si, s in enumerate(d["sections"], 1):
            check_element(f"{did}/{si}/heading", seed, s["title"], [[s["line"], s["line"]]], used)
            if s.get("subtitle"):
                check_element(f"{did}/{si}/subtitle", seed, s["subtitle"],
                              [[s["subtitle_line"], s["subtitle_line"]]], used, allow_prefix=False)
            if s.get("intro"):
                check_element(f"{did}/{si}/intro", seed, s["intro"], s["intro_lines"], used, allow_prefix=False)
            elif not s["clauses"]:
                fail(f"{did}/{si}: section with neither intro nor clauses")
            for ci, c in enumerate(s["clauses"], 1):
                n_clauses += 1
                check_element(f"{did}/{si}/{ci}", seed, c["text"], c["lines"], used, multi_counter=multi)
                lead = re.sub(rf"^[（(][{CN}]+[）)]", "", nows(c["text"]))
                if c.get("title") and not lead.startswith(nows(c["title"])):
                    fail(f"{did}/{si}/{ci}: title is not the lead of the text")
                all_cl.append((si, c))
        # clause numbering: across the document when numbers never repeat, else per section
        cn_nums = [c["number"] for _, c in all_cl if c["number"] and c["number"].startswith("（")]
        if cn_nums and len(set(cn_nums)) == len(cn_nums):
            check_sequence(f"{did} clauses", cn_nums, "cn")
        else:
            for si, s in enumerate(d["sections"], 1):
                nums = [c["number"] for c in s["clauses"] if c["number"] and c["number"].startswith("（")]
                if nums:
                    check_sequence(f"{did}/{si} clauses", nums, "cn")
        for si, s in enumerate(d["sections"], 1):
            nums = [c["number"] for c in s["clauses"] if c["number"] and c["number"][0].isdigit()]
            if nums:
                check_sequence(f"{did}/{si} numbered items", nums, "int")
        boxnums = [b["number"] for b in d["boxes"]]
        if len(set(boxnums)) != len(boxnums):
            fail(f"{did}: duplicate boxes")
        for b in d["boxes"]:
            n_boxes += 1
            t, w = nows(b["text"]), seed.ranges_text(b["lines"])
            if len(b["lines"]) > 1:
                multi.append(f"{did}/{b['number']}")
            elif t not in seed.all:
                fail(f"{did}/{b['number']}: text not in seed")
            if w != nows(b["number"]) + nows(b["title"]) + t:
                fail(f"{did}/{b['number']}: box is not exactly the text of its lines")
            for a, z in b["lines"]:
                for n in range(a, z + 1):
                    if n in seed.nonblank and n not in seed.artefacts:
                        used.setdefault(n, []).append(f"{did}/{b['number']}")
        # nothing lost: every non-blank line is used exactly once
        title_lines = set(d.get("title_lines", []))
        for n in sorted(seed.nonblank - seed.artefacts):
            who = used.get(n, [])
            if not who and n not in title_lines:
                fail(f"{did}: seed line {n} is used by no element: {seed.lines[n - 1].strip()[:30]!r}")
            if len(who) > 1:
                fail(f"{did}: seed line {n} used twice: {who}")

    # ---- tasks ------------------------------------------------------------
    codes = [t["code"] for t in tasks]
    if len(set(codes)) != len(codes):
        fail("tasks.json: duplicate codes")
    for t in tasks:
        d = by_id.get(t["doc"])
        try:
            c = d["sections"][t["section"] - 1]["clauses"][t["clause"] - 1]
        except (TypeError, IndexError, KeyError):
            fail(f"tasks {t['code']}: points at no clause")
            continue
        if c["title"] != t["name"]:
            fail(f"tasks {t['code']}: name {t['name']} != clause title {c['title']}")
    kt = [t for t in tasks if t["kind"] == "key_task"]
    y26 = [t for t in tasks if t["kind"] == "opinion_item"]
    if len(kt) != 5 or len(y26) != 20:
        fail(f"tasks: expected 5 key tasks and 20 opinion items, got {len(kt)}/{len(y26)}")

    # ---- old areas ---------------------------------------------------------
    if len(areas_j) != 12 or len({a["key"] for a in areas_j}) != 12:
        fail("old_areas.json: expected 12 distinct areas")
    for a in areas_j:
        found = any(nows(a["name"]) in s.all for s in seeds_all.values())
        if a.get("name_attested", True) != found:
            fail(f"old area {a['key']}: name_attested={a.get('name_attested')} but found={found}")
        if not any(a["short_name"] in s.all for s in seeds_all.values()):
            fail(f"old area {a['key']}: short name not in seeds")

    # ---- Shanghai tasks ----------------------------------------------------
    s3 = seeds_all.get(sh.get("doc"))
    if s3 is None:
        fail("shanghai_tasks.json: unknown doc")
    else:
        ids = [t["id"] for t in sh["tasks"]]
        if len(set(ids)) != len(ids):
            fail("shanghai tasks: duplicate ids")
        for t in sh["tasks"]:
            if nows(t["text"]) not in s3.all:
                fail(f"shanghai task {t['id']}: text not in seed")
            if t["key_task"] not in (None, *[k["code"] for k in kt]):
                fail(f"shanghai task {t['id']}: bad key_task")
            if not t["responsible_units"]:
                fail(f"shanghai task {t['id']}: no responsible units")
            for u in t["responsible_units"]:
                if u not in t["text"]:
                    fail(f"shanghai task {t['id']}: unit {u} not in text")
            doc, si, ci = t["id"].rsplit("/", 2)
            c = by_id[doc]["sections"][int(si) - 1]["clauses"][int(ci) - 1]
            if c["text"] != t["text"] or c["number"] != t["number"]:
                fail(f"shanghai task {t['id']}: differs from documents.json")
        for p in sh.get("sub_pairings", []):
            if p["shanghai_district"] not in s3.line(p["line"]):
                fail(f"sub pairing {p}: not on its line")

    # ---- CSVs --------------------------------------------------------------
    def rows(name):
        with open(GEO / name, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    area = {r["code"]: r for r in rows("areas.csv")}
    city = {r["code"]: r for r in rows("cities.csv")}

    def official(code):
        if code in area:
            return area[code]["name"]
        if len(code) == 6 and code.endswith("00") and code[:4] in city:
            return city[code[:4]]["name"]
        return None

    seed4 = next((s for d, s in seeds_all.items() if by_id[d]["boxes"]), None)

    def starts_on_line(name, n):
        here = seed4.line(n)
        nxt = next((seed4.line(m) for m in range(n + 1, len(seed4.lines) + 1) if seed4.line(m)), "")
        k = (here + nxt).find(name)
        return 0 <= k < len(here)

    def check_csv(name, cols, namecol):
        rs = load_csv(name, cols)
        ok = 0
        for r in rs:
            nm = r[namecol]
            if r["code"]:
                off = official(r["code"])
                if off is None:
                    fail(f"{name}: code {r['code']} ({nm}) not in areas.csv/cities.csv")
                    continue
                stem = re.sub(r"(县|市|区|州)$", "", nm if namecol != "zone" else r["region_name"])
                if not off.startswith(stem):
                    fail(f"{name}: {nm} -> {r['code']} {off}: names disagree")
                if namecol == "zone" and off != r["region_name"]:
                    fail(f"{name}: region_name {r['region_name']} != {off}")
                ok += 1
            probe = nm if namecol != "zone" else nm[:2]
            if not starts_on_line(probe, int(r["line"])):
                fail(f"{name}: {nm} does not start on line {r['line']}")
        counts[name] = (len(rs), ok)
        return rs

    if seed4:
        check_csv("zhuanlan1_counties.csv", ["province", "city", "county", "code", "line"], "county")
        check_csv("zhuanlan2_county_towns.csv", ["province", "city", "county", "code", "line", "note"], "county")
        check_csv("zhuanlan4_zones.csv", ["province", "zone", "region_name", "code", "line"], "zone")
    else:
        fail("no document with boxes")

    # ---- summary -----------------------------------------------------------
    print(f"documents: {len(docs)}")
    for d in docs:
        print(f"  {d['id']:18s} sections={len(d['sections'])} "
              f"clauses={sum(len(s['clauses']) for s in d['sections'])} "
              f"{[len(s['clauses']) for s in d['sections']]} boxes={len(d['boxes'])}")
    print(f"clauses: {n_clauses}, boxes: {n_boxes}; texts rebuilt from several seed ranges "
          f"(de-interleaved / page number removed): {len(multi)} {multi}")
    print(f"tasks: {len(tasks)} ({len(kt)} key tasks, {len(y26)} opinion items); old areas: {len(areas_j)}; "
          f"shanghai tasks: {len(sh.get('tasks', []))}, sub-pairings: {len(sh.get('sub_pairings', []))}")
    for name, (n, ok) in counts.items():
        print(f"{name}: {n} rows, {ok} codes resolved, {n - ok} unresolved")
    if failures:
        print(f"FAILED: {len(failures)}")
        for f in failures:
            print("  -", f)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
