"""Backup and restore of the whole platform: every table and the uploaded files, in one checksummed archive.

The archive (``.tar`` or ``.tar.gz``) holds

- ``tables/<table>.jsonl``: one JSON array per row, columns in the order the manifest lists them, rows in
  primary-key order. Values are written in a vendor-neutral form (ISO dates and times with their offset,
  decimals as strings, booleans as true/false, JSON columns as their stored text), so a backup of the
  embedded SQLite database restores into PostgreSQL and back;
- ``media/<path>``: the files under MEDIA_ROOT;
- ``manifest.json`` (last): format version, time, database vendor, migration state, the columns, types and
  row count of each table, and the SHA-256 and size of every other member.

All tables are read in one read-only transaction, so the backup is a consistent snapshot: REPEATABLE READ
on PostgreSQL, a deferred (read) transaction on SQLite, which in WAL mode sees one snapshot and does not
block writers. Rows are streamed (server-side cursor on PostgreSQL), never held in memory all at once.

A restore checks every checksum before it writes anything, then loads all tables in one transaction into
a freshly migrated, empty database with the same migration state, and counts the rows again at the end.
"""

import base64
import datetime
import decimal
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_microseconds

FORMAT = "duikou-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 2000
CHUNK = 1024 * 1024

# Filled by `duikou migrate` itself (post_migrate): a restore replaces their rows with the backup's, so the
# ids that audit entries and permissions point to stay the same. Every other table must be empty.
MIGRATE_FILLED = {"django_content_type", "auth_permission"}

Progress = Callable[[int, int], None]


class BackupError(Exception):
    """A backup cannot be written or restored: names the archive, member or table and the reason."""


# --- column types -----------------------------------------------------------------------------------------

_KINDS = {
    "AutoField": "int",
    "BigAutoField": "int",
    "SmallAutoField": "int",
    "IntegerField": "int",
    "BigIntegerField": "int",
    "SmallIntegerField": "int",
    "PositiveIntegerField": "int",
    "PositiveBigIntegerField": "int",
    "PositiveSmallIntegerField": "int",
    "BooleanField": "bool",
    "NullBooleanField": "bool",
    "FloatField": "float",
    "CharField": "str",
    "TextField": "str",
    "SlugField": "str",
    "EmailField": "str",
    "URLField": "str",
    "FilePathField": "str",
    "FileField": "str",
    "ImageField": "str",
    "GenericIPAddressField": "str",
    "IPAddressField": "str",
    "DateTimeField": "datetime",
    "DateField": "date",
    "TimeField": "time",
    "DecimalField": "decimal",
    "DurationField": "duration",
    "UUIDField": "uuid",
    "BinaryField": "bytes",
    "JSONField": "json",
}

_ENCODE = {
    "datetime": lambda v: v.isoformat(),
    "date": lambda v: v.isoformat(),
    "time": lambda v: v.isoformat(),
    "decimal": str,
    "duration": duration_microseconds,
    "uuid": str,
    "bytes": lambda v: base64.b64encode(bytes(v)).decode("ascii"),
}

_DECODE = {
    "datetime": datetime.datetime.fromisoformat,
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "decimal": decimal.Decimal,
    "duration": lambda v: datetime.timedelta(microseconds=v),
    "uuid": uuid.UUID,
    "bytes": base64.b64decode,
}

# Kinds whose database value is already what the backup holds, for Django's own field classes.
_PLAIN = {"int", "bool", "str"}


def _base_field(field: models.Field) -> models.Field:
    """The field whose values a column holds: a foreign key column holds values of the key it points to."""
    while field.is_relation:
        field = field.target_field
    return field


def _kind(field: models.Field) -> str:
    return _KINDS.get(_base_field(field).get_internal_type(), "other")


class _Column:
    """How one column is read from the database, written to the archive, and written back."""

    def __init__(self, model: type[models.Model], field: models.Field):
        self.field, self.name, self.kind = field, field.column, _kind(field)
        base = _base_field(field)
        self.col = base.get_col(model._meta.db_table)
        if self.kind == "json":
            self.converters = []  # the stored text, exactly as it is
        else:
            self.converters = connection.ops.get_db_converters(self.col) + base.get_db_converters(connection)
        self.encode = _ENCODE.get(self.kind)
        self.decode = _DECODE.get(self.kind)
        plain = self.kind in _PLAIN and all(type(f).__module__.startswith("django.db.models") for f in (field, base))
        self.prepare = None if plain or self.kind == "json" else field.get_db_prep_save

    def to_archive(self, value, table: str):
        for converter in self.converters:
            value = converter(value, self.col, connection)
        if value is None:
            return None
        if self.encode is not None:
            return self.encode(value)
        if self.kind == "other" and not isinstance(value, str | int | float | bool):
            raise BackupError(f"表 {table} 的列 {self.name} 是不支持备份的类型（{type(value).__name__}）")
        return value

    def to_database(self, value):
        if value is not None and self.decode is not None:
            value = self.decode(value)
        if self.prepare is not None:
            value = self.prepare(value, connection)
        return value


class _Table:
    def __init__(self, model: type[models.Model], *, load: bool = True):
        self.model, self.load = model, load
        self.name = model._meta.db_table
        self.columns = [_Column(model, f) for f in model._meta.local_concrete_fields]
        self.pk = model._meta.pk.column
        self.member = f"tables/{self.name}.jsonl"
        # Values of plain columns go back into the database as the archive holds them.
        self.plain = all(c.decode is None and c.prepare is None for c in self.columns)

    @property
    def depends_on(self) -> set[str]:
        return {
            f.related_model._meta.db_table
            for f in self.model._meta.local_concrete_fields
            if f.is_relation and f.related_model._meta.db_table != self.name
        }

    def describe(self) -> dict:
        return {
            "table": self.name,
            "model": self.model._meta.label if self.load else None,
            "file": self.member,
            "load": self.load,
            "columns": [c.name for c in self.columns],
            "types": [c.kind for c in self.columns],
        }


def _tables() -> list[_Table]:
    """Every table of every installed model (many-to-many tables included) in foreign-key order, parents
    first, then django_migrations (backed up for the record, never loaded: `duikou migrate` writes it)."""
    by_name: dict[str, _Table] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped and meta.db_table not in by_name:
            by_name[meta.db_table] = _Table(model)
    ordered, done, pending = [], set(), sorted(by_name)
    while pending:
        ready = [t for t in pending if by_name[t].depends_on & set(by_name) <= done]
        if not ready:  # a cycle between tables: constraints are deferred, so any order loads
            ready = pending[:1]
        for name in ready:
            ordered.append(by_name[name])
            done.add(name)
        pending = [t for t in pending if t not in done]
    return ordered + [_Table(MigrationRecorder(connection).Migration, load=False)]


def _migration_state() -> dict[str, str]:
    """App label → name of its latest applied migration."""
    state: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > state.get(app, ""):
            state[app] = name
    return dict(sorted(state.items()))


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {_q(table)}")
    return cursor.fetchone()[0]


# --- backup ------------------------------------------------------------------------------------------------


def default_backup_path() -> Path:
    return Path(settings.VAR_DIR) / "backups" / f"duikou-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"


def _archive_mode(path: Path) -> tuple[str, dict]:
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "w:gz", {"compresslevel": 6}
    if name.endswith(".tar"):
        return "w", {}
    raise BackupError(f"{path}: 备份文件名须以 .tar 或 .tar.gz 结尾")


@contextmanager
def _snapshot() -> Iterator[None]:
    """One read-only transaction for the whole dump, so every table is read as of the same moment."""
    if connection.in_atomic_block:
        raise BackupError("备份须在事务之外开始，才能在一个只读事务里读出一致的快照")
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        # duikou opens SQLite transactions with BEGIN IMMEDIATE (the write lock); a backup only reads, and
        # a deferred transaction reads one WAL snapshot without making writers wait for it.
        mode, connection.transaction_mode = connection.transaction_mode, None
        try:
            with transaction.atomic():
                connection.transaction_mode = mode
                yield
        finally:
            connection.transaction_mode = mode
    else:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield


def _read_cursor():
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return connection.cursor()
    return connection.chunked_cursor()


def _dump_table(table: _Table, dest: Path, tick: Callable[[int], None]) -> tuple[int, str, int]:
    """Stream the table's rows into ``dest``; return the row count, SHA-256 and size of the file."""
    digest, rows, size = hashlib.sha256(), 0, 0
    cols = ", ".join(_q(c.name) for c in table.columns)
    with _read_cursor() as cursor, dest.open("wb") as out:
        cursor.execute(f"SELECT {cols} FROM {_q(table.name)} ORDER BY {_q(table.pk)}")
        while batch := cursor.fetchmany(BATCH):
            lines = []
            for row in batch:
                values = [c.to_archive(v, table.name) for c, v in zip(table.columns, row, strict=True)]
                lines.append(json.dumps(values, ensure_ascii=False, separators=(",", ":")))
            data = ("\n".join(lines) + "\n").encode()
            out.write(data)
            digest.update(data)
            rows, size = rows + len(batch), size + len(data)
            tick(len(batch))
    return rows, digest.hexdigest(), size


class _HashingReader:
    def __init__(self, fileobj):
        self.fileobj, self.digest = fileobj, hashlib.sha256()

    def read(self, size=-1):
        data = self.fileobj.read(size)
        self.digest.update(data)
        return data


def _media_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                found.append(("media/" + path.relative_to(root).as_posix(), path))
    return sorted(found)


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o644
    return info


def create_backup(*, path: Path | str, progress: Progress | None = None) -> dict:
    """Write the database and MEDIA_ROOT to the archive at ``path`` and return its manifest.

    The archive is written next to ``path`` under a temporary name and renamed when complete, so ``path``
    is either a whole backup or absent. An existing file is never overwritten.
    """
    path = Path(path)
    mode, options = _archive_mode(path)
    if path.exists():
        raise BackupError(f"{path}: 文件已存在，不会覆盖")
    if path.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        raise BackupError(f"{path}: 备份不能写在上传文件目录 MEDIA_ROOT（{settings.MEDIA_ROOT}）之内")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"{path.parent}: 无法创建备份目录（{exc}）") from exc
    partial = path.with_name(f".{path.name}.part")
    created = timezone.now()
    files: dict[str, dict] = {}
    described = []
    try:
        with (
            tempfile.TemporaryDirectory(prefix=".duikou-backup-", dir=path.parent) as staging,
            tarfile.open(partial, mode, format=tarfile.PAX_FORMAT, **options) as archive,
            _snapshot(),
        ):
            tables = _tables()
            with connection.cursor() as cursor:
                present = set(connection.introspection.table_names(cursor))
                missing = [t.name for t in tables if t.name not in present]
                if missing:
                    raise BackupError(f"数据库缺少表 {', '.join(missing)}：请先执行 duikou migrate")
                total = sum(_count(cursor, t.name) for t in tables)
            migrations = _migration_state()
            done = 0

            def tick(n):
                nonlocal done
                done += n
                if progress:
                    progress(done, total)

            if progress:
                progress(0, total)
            for table in tables:
                staged = Path(staging) / f"{table.name}.jsonl"
                rows, sha, size = _dump_table(table, staged, tick)
                with staged.open("rb") as fileobj:
                    archive.addfile(_tarinfo(table.member, size, created.timestamp()), fileobj)
                staged.unlink()
                files[table.member] = {"sha256": sha, "size": size}
                described.append({**table.describe(), "rows": rows})

            # Uploaded files are read while the snapshot is still open, hashed as they are archived.
            media_root = Path(settings.MEDIA_ROOT)
            for member, source in _media_files(media_root):
                try:
                    with source.open("rb") as fileobj:
                        stat = os.fstat(fileobj.fileno())
                        reader = _HashingReader(fileobj)
                        archive.addfile(_tarinfo(member, stat.st_size, stat.st_mtime), reader)
                except OSError as exc:
                    raise BackupError(f"{source}: 无法读取上传文件（{exc}）") from exc
                files[member] = {"sha256": reader.digest.hexdigest(), "size": stat.st_size}

            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created": created.isoformat(),
                "duikou_version": _version("duikou"),
                "django_version": django.get_version(),
                "database": {"vendor": connection.vendor},
                "migrations": migrations,
                "tables": described,
                "total_rows": sum(t["rows"] for t in described if t["load"]),
                "media_root": str(media_root),
                "media_files": sum(1 for m in files if m.startswith("media/")),
                "files": files,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            archive.addfile(_tarinfo(MANIFEST, len(data), created.timestamp()), io.BytesIO(data))
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{path}: 无法写入备份（{exc}）") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


# --- restore -----------------------------------------------------------------------------------------------


def _safe_member(archive_path: Path, name: str) -> PurePosixPath:
    member = PurePosixPath(name)
    if (
        member.is_absolute()
        or any(part in ("", ".", "..") for part in member.parts)
        or "\\" in name
        or member.parts[0] not in ("tables", "media")
        or len(member.parts) < 2
    ):
        raise BackupError(f"{archive_path}: 成员 {name} 的路径不合法，拒绝恢复")
    return member


def _extract(path: Path, staging: Path) -> dict:
    """Copy every member into ``staging`` and check it against the manifest; return the manifest."""
    if not path.is_file():
        raise BackupError(f"{path}: 备份文件不存在")
    _archive_mode(path)  # the name must say .tar or .tar.gz; reading detects the compression
    seen: dict[str, tuple[str, int]] = {}
    manifest_data = None
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                name = member.name
                if not member.isfile():
                    raise BackupError(f"{path}: 成员 {name} 不是普通文件，拒绝恢复")
                if name in seen or (name == MANIFEST and manifest_data is not None):
                    raise BackupError(f"{path}: 成员 {name} 出现了两次，拒绝恢复")
                source = archive.extractfile(member)
                if name == MANIFEST:
                    manifest_data = source.read()
                    continue
                dest = staging / _safe_member(path, name)
                dest.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with dest.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
                seen[name] = (digest.hexdigest(), size)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{path}: 读取归档失败，归档可能已损坏（{exc}）；未写入任何数据") from exc
    if manifest_data is None:
        raise BackupError(f"{path}: 归档中没有 {MANIFEST}，不是 duikou 备份")
    try:
        manifest = json.loads(manifest_data)
    except ValueError as exc:
        raise BackupError(f"{path}: {MANIFEST} 不是有效的 JSON（{exc}）") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: {MANIFEST} 不是 duikou 备份清单")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path}: 备份格式版本为 {manifest.get('format_version')}，本程序只能恢复第 {FORMAT_VERSION} 版"
        )
    _check_shape(path, manifest)
    listed = manifest["files"]
    for name, info in sorted(listed.items()):
        if name not in seen:
            raise BackupError(f"{path}: 清单列出的成员 {name} 不在归档中；未写入任何数据")
        sha, size = seen[name]
        if sha != info.get("sha256") or size != info.get("size"):
            raise BackupError(
                f"{path}: 成员 {name} 的 SHA-256 校验不符（清单 {info.get('sha256', '')[:12]}…，"
                f"实际 {sha[:12]}…），备份已损坏或被改动；未写入任何数据"
            )
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise BackupError(f"{path}: 成员 {extra[0]} 不在清单中，备份被改动；未写入任何数据")
    for table in manifest.get("tables", []):
        if table.get("file") not in listed:
            raise BackupError(f"{path}: 清单中表 {table.get('table')} 的文件 {table.get('file')} 未列出校验和")
    return manifest


def _check_shape(path: Path, manifest: dict) -> None:
    """The manifest is read before anything else: make sure it has the fields a restore relies on."""
    files, tables = manifest.get("files"), manifest.get("tables")
    table_keys = {"table": str, "file": str, "load": bool, "columns": list, "types": list, "rows": int}
    if (
        not isinstance(manifest.get("migrations"), dict)
        or not isinstance(files, dict)
        or not all(isinstance(i, dict) and isinstance(i.get("sha256"), str) for i in files.values())
        or not isinstance(tables, list)
        or not all(isinstance(t, dict) and all(isinstance(t.get(k), c) for k, c in table_keys.items()) for t in tables)
    ):
        raise BackupError(f"{path}: {MANIFEST} 缺少必要的字段（migrations、tables、files），不是完整的备份清单")
    for name in files:
        _safe_member(path, name)


def _check_target(path: Path, manifest: dict, tables: list[_Table]) -> None:
    """The target must be migrated to the backup's state, have the backup's tables and be empty."""
    ours = _migration_state()
    theirs = manifest.get("migrations") or {}
    differences = [
        f"{app}：备份为 {theirs.get(app) or '（无）'}，当前为 {ours.get(app) or '（无）'}"
        for app in sorted(set(ours) | set(theirs))
        if ours.get(app) != theirs.get(app)
    ]
    if differences:
        raise BackupError(
            "目标数据库的迁移状态与备份不一致（" + "；".join(differences) + "）。"
            "请用与备份相同版本的 duikou 在空数据库上执行 duikou migrate 后再恢复"
        )
    backed_up = {t["table"]: t for t in manifest["tables"] if t.get("load")}
    current = {t.name: t for t in tables if t.load}
    if set(backed_up) != set(current):
        only_backup = sorted(set(backed_up) - set(current))
        only_here = sorted(set(current) - set(backed_up))
        raise BackupError(
            f"{path}: 备份的表与当前数据库不一致（仅备份中有：{', '.join(only_backup) or '无'}；"
            f"仅当前有：{', '.join(only_here) or '无'}）"
        )
    for name, table in current.items():
        expected = backed_up[name]
        if expected["columns"] != [c.name for c in table.columns] or expected["types"] != [
            c.kind for c in table.columns
        ]:
            raise BackupError(
                f"{path}: 表 {name} 的列与当前数据库不一致（备份：{', '.join(expected['columns'])}；"
                f"当前：{', '.join(c.name for c in table.columns)}）"
            )
    with connection.cursor() as cursor:
        for table in tables:
            if table.load and table.name not in MIGRATE_FILLED:
                rows = _count(cursor, table.name)
                if rows:
                    raise BackupError(
                        f"目标数据库不是空库：表 {table.name} 已有 {rows} 行。恢复只写入新建并已迁移"
                        "（duikou migrate）的空数据库，不会覆盖或合并现有数据"
                    )


def _media_plan(path: Path, manifest: dict, staging: Path) -> list[tuple[Path, Path]]:
    """(staged file, destination) for each uploaded file; refuse if a different file is in the way."""
    root = Path(settings.MEDIA_ROOT)
    plan = []
    for name, info in sorted(manifest["files"].items()):
        member = PurePosixPath(name)
        if member.parts[0] != "media":
            continue
        dest = root.joinpath(*member.parts[1:])
        if dest.exists():
            if dest.is_file() and _sha256(dest) == info["sha256"]:
                continue
            raise BackupError(f"{dest}: 目标位置已有不同的文件，拒绝覆盖（归档成员 {name}）")
        plan.append((staging / member, dest))
    return plan


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _rows(staged: Path, member: str) -> Iterator[list]:
    with staged.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            try:
                yield json.loads(line)
            except ValueError as exc:
                raise BackupError(f"{member}:{number}: 不是有效的 JSON 行（{exc}）") from exc


def _load_table(table: _Table, staged: Path, expected_rows: int, tick: Callable[[int], None]) -> None:
    cols = ", ".join(_q(c.name) for c in table.columns)
    marks = "(" + ", ".join(["%s"] * len(table.columns)) + ")"
    head = f"INSERT INTO {_q(table.name)} ({cols}) VALUES "
    copy_into = f"{_q(table.name)} ({cols})"
    width, loaded = len(table.columns), 0
    with connection.cursor() as cursor:

        def flush(batch):
            try:
                if connection.vendor == "postgresql":
                    # COPY is PostgreSQL's bulk load: batched INSERTs are parsed row by row on the server
                    # (executemany) or cost the client as much (multi-row VALUES): two to three times as long.
                    with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {copy_into} FROM STDIN") as copy:
                        for row in batch:
                            copy.write_row(row)
                else:
                    cursor.executemany(head + marks, batch)
            except DatabaseError as exc:
                raise BackupError(
                    f"{table.member}: 写入表 {table.name} 第 {loaded - len(batch) + 1}–{loaded} 行时出错：{exc}"
                ) from exc
            tick(len(batch))

        batch = []
        for values in _rows(staged, table.member):
            loaded += 1
            if not isinstance(values, list) or len(values) != width:
                raise BackupError(f"{table.member}:{loaded}: 应有 {width} 列")
            if not table.plain:
                values = [c.to_database(v) for c, v in zip(table.columns, values, strict=True)]
            batch.append(values)
            if len(batch) >= BATCH:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
    if loaded != expected_rows:
        raise BackupError(f"{table.member}: 有 {loaded} 行，清单记载 {expected_rows} 行")


def restore_backup(*, path: Path | str, progress: Progress | None = None) -> dict:
    """Restore the archive at ``path`` into this (migrated, empty) database and MEDIA_ROOT; return its manifest.

    Nothing is written unless every checksum matches, the migration state is the backup's and no table
    holds data. Then all tables load in one transaction and are counted against the manifest before it
    commits; uploaded files are put in place last and removed again if anything fails.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="duikou-restore-") as tmp:
        staging = Path(tmp)
        manifest = _extract(path, staging)
        tables = _tables()
        loads = [t for t in tables if t.load]
        rows_by_table = {t["table"]: t["rows"] for t in manifest["tables"]}
        total = sum(rows_by_table.get(t.name, 0) for t in loads)
        done = 0

        def tick(n):
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        written: list[Path] = []
        try:
            with transaction.atomic():
                _check_target(path, manifest, tables)
                media = _media_plan(path, manifest, staging)
                with connection.cursor() as cursor:
                    # Foreign keys are checked at commit, so self-references (the region tree, superseded
                    # pairings) and cycles load in any order.
                    if connection.vendor == "sqlite":
                        cursor.execute("PRAGMA defer_foreign_keys = ON")
                    elif connection.vendor == "postgresql":
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                    for table in reversed(loads):
                        if table.name in MIGRATE_FILLED:
                            cursor.execute(f"DELETE FROM {_q(table.name)}")
                if progress:
                    progress(0, total)
                for table in loads:
                    _load_table(table, staging / table.member, rows_by_table[table.name], tick)
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in loads]):
                        cursor.execute(sql)
                    try:
                        connection.check_constraints()
                    except IntegrityError as exc:
                        raise BackupError(f"{path}: 恢复后外键不完整：{exc}") from exc
                    for table in loads:
                        count = _count(cursor, table.name)
                        if count != rows_by_table[table.name]:
                            raise BackupError(
                                f"表 {table.name} 恢复后有 {count} 行，清单记载 {rows_by_table[table.name]} 行"
                            )
                for source, dest in media:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    partial = dest.with_name(f".{dest.name}.part")
                    shutil.copyfile(source, partial)
                    os.replace(partial, dest)
                    written.append(dest)
        except BaseException:
            for dest in written:
                dest.unlink(missing_ok=True)
            raise
    if apps.is_installed("django.contrib.contenttypes"):
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()  # ids may differ from what migrate had cached
    return manifest
