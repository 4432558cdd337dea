"""Loading the policy library (documents → sections → clauses, boxes, the task taxonomy, Shanghai's tasks)."""

import datetime

from django.db import transaction

from duikou.core.datafiles import data_path, read_json
from duikou.core.errors import DataFileError

from .models import Box, Clause, DecomposedTask, Document, Section, Task


def _require(path, item: dict, keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if item.get(key) in (None, ""):
            raise DataFileError(path, None, f"{where} 缺少「{key}」")


def load_policy_documents() -> int:
    """Upsert the five documents with stable ids; returns the number of clauses in the library."""
    path = data_path("policy", "documents.json")
    docs = read_json(path)
    if not isinstance(docs, list) or not docs:
        raise DataFileError(path, None, "应为文件列表")
    clause_count = 0
    with transaction.atomic():
        for order, doc in enumerate(docs, 1):
            _require(path, doc, ("id", "title", "year", "seed_file"), f"第 {order} 个文件")
            try:
                date = datetime.date.fromisoformat(doc["date"]) if doc.get("date") else None
            except ValueError as exc:
                raise DataFileError(path, None, f"文件 {doc['id']} 的日期「{doc['date']}」无效") from exc
            document, _c = Document.objects.update_or_create(
                id=doc["id"],
                defaults=dict(
                    title=doc["title"],
                    year=doc["year"],
                    date=date,
                    seed_file=doc["seed_file"],
                    order=order,
                    **_texts(doc, "title_en", "doc_number", "issuer", "preamble"),
                ),
            )
            for s_ord, sec in enumerate(doc.get("sections") or [], 1):
                section, _c = Section.objects.update_or_create(
                    id=f"{document.id}/{s_ord}",
                    defaults=dict(document=document, ordinal=s_ord, **_texts(sec, "number", "title", "intro")),
                )
                for c_ord, cl in enumerate(sec.get("clauses") or [], 1):
                    where = f"{document.id} 第 {s_ord} 章第 {c_ord} 条"
                    _require(path, cl, ("text",), where)
                    Clause.objects.update_or_create(
                        id=f"{section.id}/{c_ord}",
                        defaults=dict(section=section, ordinal=c_ord, text=cl["text"], **_texts(cl, "number", "title")),
                    )
                    clause_count += 1
            for box in doc.get("boxes") or []:
                _require(path, box, ("number", "text"), f"{document.id} 专栏")
                Box.objects.update_or_create(
                    document=document,
                    number=box["number"],
                    defaults=dict(text=box["text"], **_texts(box, "title")),
                )
    return clause_count


def _texts(entry: dict, *keys: str) -> dict:
    """The optional text fields ``keys`` of an entry of the data file: empty where missing or null."""
    return {key: entry.get(key) or "" for key in keys}


def load_tasks() -> int:
    path = data_path("policy", "tasks.json")
    items = read_json(path)
    with transaction.atomic():
        for order, item in enumerate(items, 1):
            _require(path, item, ("code", "name", "kind", "doc", "section", "clause"), f"第 {order} 项任务")
            clause_id = f"{item['doc']}/{item['section']}/{item['clause']}"
            clause = Clause.objects.filter(pk=clause_id).first()
            if clause is None:
                raise DataFileError(path, None, f"任务 {item['code']} 引用的条款 {clause_id} 不存在")
            Task.objects.update_or_create(
                code=item["code"],
                defaults=dict(
                    name=item["name"], kind=item["kind"], clause=clause, order=order, **_texts(item, "name_en")
                ),
            )
    return len(items)


def load_decomposed_tasks() -> int:
    """Seed 003: Shanghai's tasks and their responsible units, each unit an organisation under 上海市."""
    from duikou.accounts.services import ensure_organisation
    from duikou.geo.models import Region

    path = data_path("policy", "shanghai_tasks.json")
    data = read_json(path)
    document = Document.objects.filter(pk=data.get("doc")).first()
    if document is None:
        raise DataFileError(path, None, f"文件 {data.get('doc')} 不在政策库中")
    shanghai = Region.objects.get(code="310000")
    with transaction.atomic():
        government = ensure_organisation(name="上海市人民政府", kind="province", region=shanghai)
        for ordinal, item in enumerate(data.get("tasks") or [], 1):
            _require(path, item, ("title", "text"), f"第 {ordinal} 项任务")
            key_task = Task.objects.filter(pk=item["key_task"]).first() if item.get("key_task") else None
            if item.get("key_task") and key_task is None:
                raise DataFileError(path, None, f"第 {ordinal} 项任务的重点任务 {item['key_task']} 不存在")
            task, _c = DecomposedTask.objects.update_or_create(
                document=document,
                ordinal=ordinal,
                defaults=dict(title=item["title"], text=item["text"], key_task=key_task, **_texts(item, "number")),
            )
            units = [
                ensure_organisation(name=name, kind="unit", region=shanghai, parent=government)
                for name in item.get("responsible_units") or []
            ]
            task.responsible_units.set(units)
    return len(data.get("tasks") or [])
