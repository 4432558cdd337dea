"""Reading reference data files with line numbers, so that a broken file is reported by file and line."""

import csv
import json
import lzma
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from .errors import DataFileError


def data_path(*parts: str) -> Path:
    return Path(settings.DATA_DIR, *parts)


def read_csv(path: Path, required: list[str]) -> Iterator[tuple[int, dict]]:
    """Yield (line number, row) for each data row; the header is line 1. ``.xz`` files are decompressed."""
    opener = lzma.open if path.suffix == ".xz" else open
    try:
        handle = opener(path, "rt", encoding="utf-8", newline="")
    except FileNotFoundError as exc:
        raise DataFileError(path, None, "文件不存在") from exc
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFileError(path, 1, f"缺少列：{', '.join(missing)}")
        try:
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    raise DataFileError(path, reader.line_num, "列数与表头不符")
                yield reader.line_num, {k: v.strip() for k, v in row.items()}
        except csv.Error as exc:
            raise DataFileError(path, reader.line_num, f"CSV 格式错误：{exc}") from exc
        except UnicodeDecodeError as exc:
            raise DataFileError(path, reader.line_num, "不是 UTF-8 编码") from exc


def read_json(path: Path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError as exc:
        raise DataFileError(path, None, "文件不存在") from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(path, exc.lineno, f"JSON 格式错误：{exc.msg}（第 {exc.colno} 列）") from exc
