"""Backup and restore of the whole platform: every table and the uploaded files, in one encrypted archive.

The archive is a tar stream (``.tar.gz``, or ``.tar`` uncompressed) holding

- ``tables/<table>.jsonl``: one JSON array per row, columns in the order the manifest lists them, rows in
  primary-key order. Values are written in a vendor-neutral form (ISO dates and times with their offset,
  decimals as strings, booleans as true/false, JSON columns as their stored text), so a backup of the
  embedded SQLite database restores into PostgreSQL and back;
- ``media/<path>``: the files under MEDIA_ROOT;
- ``manifest.json`` (last): format version, time, database vendor, migration state, the columns, types and
  row count of each table, the SHA-256 and size of every other member, and the fingerprints of the keys
  kept outside the database that some data are encrypted under (the personal-data key), so that a restore
  under another key is refused instead of restoring data nobody can read.

The stream is encrypted (``.tar.gz.enc``) under the backup key, a key of its own kept apart from the
personal-data key and from the archives: SM4-GCM in chunks (``_Encrypting`` / ``_Decrypting``), each chunk
authenticated, its position and whether it is the last bound into its nonce, so a changed byte, swapped
chunks, a truncated or extended archive and a wrong key are each detected and named. An unencrypted archive
(``.tar.gz``) is written and read only when the caller says so (migration, inspection).

All tables are read in one read-only transaction, so the backup is a consistent snapshot: REPEATABLE READ
on PostgreSQL, a deferred (read) transaction on SQLite, which in WAL mode sees one snapshot and does not
block writers. Rows are streamed (server-side cursor on PostgreSQL), never held in memory all at once.

A restore decrypts and checks the whole archive (every chunk, every checksum, the keys) before it writes
anything, then loads all tables in one transaction into a freshly migrated, empty database with the same
migration state, and counts the rows again at the end.
"""

import base64
import datetime
import decimal
import gzip
import hashlib
import hmac
import io
import json
import os
import shutil
import struct
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path, PurePosixPath

import django
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_microseconds

FORMAT = "duikou-backup"
FORMAT_VERSION = 2  # 2: the manifest records the fingerprints of the data keys
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


# --- keys and encryption ----------------------------------------------------------------------------------
#
# The encrypted archive is a header and a sequence of chunks (the STREAM construction of Hoang, Reyhanitabar,
# Rogaway and Vizár, with SM4-GCM): header = magic, version, chunk size, a random salt, a random nonce prefix and
# the backup key's fingerprint. The archive's own key is HMAC-SM3(backup key, label + salt), so no two archives
# share a key. Chunk i holds ENCRYPTED_CHUNK bytes of the tar stream (the last one fewer, never none unless the
# stream is empty) as ciphertext + tag; its nonce is prefix (7) + i (4, big-endian) + 1 if it is the last chunk
# else 0 (1), and the header is its associated data. A reader thus detects a changed byte (that chunk's tag),
# swapped or dropped chunks (a chunk opened at another position), a cut-off archive (no chunk flagged last),
# bytes added after the end, a changed header, and a wrong key (the fingerprint, before any chunk).

KEY_BYTES = 32
ENCRYPTED_MAGIC = b"DKBACKUP"
ENCRYPTED_VERSION = 1
ENCRYPTED_CHUNK = 1024 * 1024
_MAX_CHUNK = 16 * 1024 * 1024
_SALT, _PREFIX, _FINGERPRINT, _TAG = 16, 7, 16, 16
_HEADER = struct.Struct(f">{len(ENCRYPTED_MAGIC)}sBI{_SALT}s{_PREFIX}s{_FINGERPRINT}s")
_MAX_CHUNKS = 2**32


def _hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def key_fingerprint(key: bytes) -> str:
    """A one-way fingerprint of the backup key (HMAC-SM3 of a fixed label under it): names the key in the
    archive, in messages and on the escrowed copy, and reveals nothing of it."""
    return _hmac_sm3(key, b"duikou/backup/key-fingerprint").hex()[: 2 * _FINGERPRINT]


def short(fingerprint: str | None) -> str:
    """The short form of a fingerprint, as messages and the command line show it."""
    return f"{fingerprint[:12]}…" if fingerprint else "（无）"


def generate_key_file(path: Path | str) -> str:
    """Write a new random backup key to ``path`` (readable by its owner only; never overwrites a file) and
    return its fingerprint."""
    path = Path(path)
    key = os.urandom(KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise BackupError(f"{path}: 文件已存在，不会覆盖（已有的密钥可能还要用来恢复旧的备份）") from exc
    except OSError as exc:
        raise BackupError(f"{path}: 无法写入密钥文件（{exc}）") from exc
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    return key_fingerprint(key)


def read_key_file(path: Path | str) -> bytes:
    """The backup key in the file at ``path`` (64 hexadecimal characters, as `duikou backup-key` writes it)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError as exc:
        raise BackupError(f"备份密钥文件 {path} 不存在") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"无法读取备份密钥文件 {path}（{exc}）") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise BackupError(
            f"备份密钥文件 {path} 的内容不是备份密钥：应为 {2 * KEY_BYTES} 位十六进制字符（duikou backup-key 生成）"
        )
    return key


def backup_key(key_file: Path | str | None = None) -> bytes:
    """The backup key from ``key_file``, else from the file DUIKOU_BACKUP_KEY_FILE names."""
    key_file = key_file or settings.DUIKOU_BACKUP_KEY_FILE
    if not key_file:
        raise BackupError(
            "未配置备份密钥。先生成一把：duikou backup-key --output /etc/duikou/backup.key，"
            "把该路径设为环境变量 DUIKOU_BACKUP_KEY_FILE（或用 --key-file 指定），并把密钥的副本与备份分开托管保存；"
            "只在迁移等确需明文归档时才用 --unencrypted"
        )
    return read_key_file(key_file)


def _data_keys() -> dict[str, str | None]:
    """Keys kept outside the database that some data are encrypted under, by the setting that holds each:
    name → fingerprint, None while no key has been made (so nothing is encrypted under it). An app names
    its keys in its AppConfig's ``backup_keys()``."""
    keys: dict[str, str | None] = {}
    for config in apps.get_app_configs():
        if hasattr(config, "backup_keys"):
            keys.update(config.backup_keys())
    return dict(sorted(keys.items()))


def _chunk_cipher(key: bytes, prefix: bytes, index: int, last: bool, tag: bytes | None = None) -> Cipher:
    nonce = prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")
    return Cipher(algorithms.SM4(key), modes.GCM(nonce, tag))


def _archive_key(key: bytes, salt: bytes) -> bytes:
    return _hmac_sm3(key, b"duikou/backup/sm4-gcm-stream/" + salt)[:16]


class _Encrypting:
    """A write-only file that encrypts what is written to it into ``raw``, chunk by chunk; ``close()`` writes
    the last chunk (and does not close ``raw``)."""

    def __init__(self, raw, key: bytes):
        self.raw, self.buffer, self.index, self.written = raw, bytearray(), 0, 0
        salt, self.prefix = os.urandom(_SALT), os.urandom(_PREFIX)
        self.key = _archive_key(key, salt)
        self.header = _HEADER.pack(
            ENCRYPTED_MAGIC, ENCRYPTED_VERSION, ENCRYPTED_CHUNK, salt, self.prefix, bytes.fromhex(key_fingerprint(key))
        )
        raw.write(self.header)

    def _seal(self, data, last: bool) -> None:
        if self.index >= _MAX_CHUNKS:
            raise BackupError("备份过大：超出加密归档的分块数上限")
        encryptor = _chunk_cipher(self.key, self.prefix, self.index, last).encryptor()
        encryptor.authenticate_additional_data(self.header)
        self.raw.write(encryptor.update(bytes(data)) + encryptor.finalize() + encryptor.tag)
        self.index += 1

    def write(self, data) -> int:
        self.buffer += data
        self.written += len(data)
        # strictly more than a chunk: what is left at close() is the last chunk, which is never empty
        while len(self.buffer) > ENCRYPTED_CHUNK:
            self._seal(self.buffer[:ENCRYPTED_CHUNK], last=False)
            del self.buffer[:ENCRYPTED_CHUNK]
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._seal(self.buffer, last=True)
        self.buffer = bytearray()


class _Decrypting:
    """A read-only file over an encrypted archive: releases the plaintext of each chunk only once its tag is
    verified, and ``finish()`` reads on to the end and checks that the last chunk was there."""

    def __init__(self, raw, key: bytes, path: Path):
        self.raw, self.path = raw, path
        header = raw.read(_HEADER.size)
        if len(header) < _HEADER.size or not header.startswith(ENCRYPTED_MAGIC):
            raise BackupError(f"{path}: 不是加密的 duikou 备份（文件头不符）")
        _magic, version, chunk, salt, self.prefix, fingerprint = _HEADER.unpack(header)
        if version != ENCRYPTED_VERSION:
            raise BackupError(f"{path}: 加密格式版本为 {version}，本程序只能读取第 {ENCRYPTED_VERSION} 版")
        if not 0 < chunk <= _MAX_CHUNK:
            raise BackupError(f"{path}: 加密归档的文件头已损坏（分块大小 {chunk}）；未写入任何数据")
        ours = key_fingerprint(key)
        if not hmac.compare_digest(fingerprint.hex(), ours):
            raise BackupError(
                f"{path}: 归档是用另一把备份密钥加密的（归档的密钥指纹 {short(fingerprint.hex())}，"
                f"所给密钥的指纹 {short(ours)}），或文件头已损坏。请用备份时的密钥（托管保存的副本，"
                "--key-file 或 DUIKOU_BACKUP_KEY_FILE）恢复；未写入任何数据"
            )
        self.header, self.key, self.size = header, _archive_key(key, salt), chunk + _TAG
        self.index, self.done, self.plain = 0, False, memoryview(b"")
        self.ahead = raw.read(self.size)

    def _open(self, sealed: bytes, last: bool) -> bytes | None:
        if len(sealed) < _TAG:
            return None
        decryptor = _chunk_cipher(self.key, self.prefix, self.index, last, sealed[-_TAG:]).decryptor()
        decryptor.authenticate_additional_data(self.header)
        try:
            return decryptor.update(sealed[:-_TAG]) + decryptor.finalize()
        except InvalidTag:
            return None

    def _next(self) -> bytes:
        sealed, self.ahead = self.ahead, self.raw.read(self.size)
        last, number = not self.ahead, self.index + 1
        if not sealed:
            raise BackupError(f"{self.path}: 归档只有文件头，没有数据（已被截断）；未写入任何数据")
        plain = self._open(sealed, last)
        if plain is None:
            if last and self._open(sealed, False) is not None:
                raise BackupError(f"{self.path}: 归档不完整：在第 {number} 块之后被截断，缺少最后一块；未写入任何数据")
            if last:
                raise BackupError(
                    f"{self.path}: 最后一块（第 {number} 块）未通过认证：归档末尾被截断、多出内容或被改动；"
                    "未写入任何数据"
                )
            if self._open(sealed, True) is not None:
                raise BackupError(f"{self.path}: 归档在最后一块（第 {number} 块）之后还有多余的内容；未写入任何数据")
            raise BackupError(
                f"{self.path}: 第 {number} 块未通过认证：归档已损坏或被改动（内容被改，或分块被调换、删去）；"
                "未写入任何数据"
            )
        self.index, self.done = number, last
        return plain

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while size < 0 or len(out) < size:
            if not self.plain:
                if self.done:
                    break
                self.plain = memoryview(self._next())
                continue
            take = len(self.plain) if size < 0 else size - len(out)
            out += self.plain[:take]
            self.plain = self.plain[take:]
        return bytes(out)

    def finish(self) -> None:
        """Verify the rest of the archive (what follows the tar stream's end) and that it ends with its last chunk."""
        while not self.done:
            self._next()
        self.plain = memoryview(b"")


# --- backup ------------------------------------------------------------------------------------------------


def default_backup_path(*, encrypted: bool = True) -> Path:
    suffix = ".tar.gz.enc" if encrypted else ".tar.gz"
    return Path(settings.VAR_DIR) / "backups" / f"duikou-{timezone.localtime():%Y%m%d-%H%M%S}{suffix}"


def _compressed(path: Path, *, encrypted: bool) -> bool:
    """Whether the archive's name asks for gzip; the name says what the file is (``.enc``: encrypted)."""
    name = path.name.lower()
    if encrypted:
        if name.endswith((".tar.gz.enc", ".tgz.enc")):
            return True
        if name.endswith(".tar.enc"):
            return False
        raise BackupError(f"{path}: 加密备份的文件名须以 .tar.gz.enc 或 .tar.enc 结尾")
    if name.endswith((".tar.gz", ".tgz")):
        return True
    if name.endswith(".tar"):
        return False
    raise BackupError(f"{path}: 不加密备份的文件名须以 .tar.gz 或 .tar 结尾")


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


def _ticker(progress, total: int) -> Callable[[int], None]:
    """A callback that adds the rows just copied to a running count and reports it to ``progress`` (if any)."""
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    return tick


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


def create_backup(*, path: Path | str, key: bytes | None, progress: Progress | None = None) -> dict:
    """Write the database and MEDIA_ROOT to the archive at ``path``, encrypted under the backup ``key``
    (``None``: not encrypted, which the caller must have been asked for), and return its manifest.

    The archive is written next to ``path`` under a temporary name and renamed when complete, so ``path``
    is either a whole backup or absent. An existing file is never overwritten.
    """
    path = Path(path)
    if key is not None and len(key) != KEY_BYTES:
        raise BackupError(f"备份密钥须为 {KEY_BYTES} 字节")
    compressed = _compressed(path, encrypted=key is not None)
    if path.exists():
        raise BackupError(f"{path}: 文件已存在，不会覆盖")
    if path.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        raise BackupError(f"{path}: 备份不能写在上传文件目录 MEDIA_ROOT（{settings.MEDIA_ROOT}）之内")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"{path.parent}: 无法创建备份目录（{exc}）") from exc
    partial = path.with_name(f".{path.name}.part")
    partial.unlink(missing_ok=True)  # left by a backup that was killed
    created = timezone.now()
    try:
        with (
            tempfile.TemporaryDirectory(prefix=".duikou-backup-", dir=path.parent) as staging,
            # readable by its owner only: the archive holds every table
            open(partial, "wb", opener=lambda name, flags: os.open(name, flags, 0o600)) as raw,
        ):
            # tar → gzip → encryption → file, each a stream: nothing is held whole in memory
            sink = _Encrypting(raw, key) if key is not None else raw
            stream = (
                gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=sink, mtime=int(created.timestamp()))
                if compressed
                else sink
            )
            with tarfile.open(fileobj=stream, mode="w", format=tarfile.PAX_FORMAT) as archive, _snapshot():
                manifest = _write_members(archive, Path(staging), created, key, progress)
            if stream is not sink:
                stream.close()
            if sink is not raw:
                sink.close()
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{path}: 无法写入备份（{exc}）") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _write_members(archive: tarfile.TarFile, staging: Path, created, key: bytes | None, progress) -> dict:
    """Every table, every uploaded file and last the manifest, read inside the snapshot."""
    files: dict[str, dict] = {}
    described = []
    tables = _tables()
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
        missing = [t.name for t in tables if t.name not in present]
        if missing:
            raise BackupError(f"数据库缺少表 {', '.join(missing)}：请先执行 duikou migrate")
        total = sum(_count(cursor, t.name) for t in tables)
    migrations = _migration_state()
    tick = _ticker(progress, total)
    if progress:
        progress(0, total)
    for table in tables:
        staged = staging / f"{table.name}.jsonl"
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
        "encryption": None if key is None else {"cipher": "SM4-GCM", "key_fingerprint": key_fingerprint(key)},
        # the keys some columns are encrypted under: a restore under another key is refused
        "data_keys": _data_keys(),
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    archive.addfile(_tarinfo(MANIFEST, len(data), created.timestamp()), io.BytesIO(data))
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


def _extract(path: Path, staging: Path, key: bytes | None) -> dict:
    """Decrypt and copy every member into ``staging``, verifying the whole archive, and check each member
    against the manifest; return the manifest."""
    if not path.is_file():
        raise BackupError(f"{path}: 备份文件不存在")
    seen: dict[str, tuple[str, int]] = {}
    manifest_data = None
    try:
        with path.open("rb") as raw:
            encrypted = raw.read(len(ENCRYPTED_MAGIC)) == ENCRYPTED_MAGIC
            raw.seek(0)
            if encrypted and key is None:
                raise BackupError(f"{path}: 归档已加密，恢复需要备份密钥（--key-file 或 DUIKOU_BACKUP_KEY_FILE）")
            if not encrypted and key is not None:
                raise BackupError(
                    f"{path}: 归档没有加密，无法验证它出自本平台且未被改动。"
                    "若它确是用 duikou backup --unencrypted 生成的，请用 --unencrypted 恢复"
                )
            source = _Decrypting(raw, key, path) if encrypted else raw
            manifest_data = _copy_members(path, source, staging, seen)
            if encrypted:
                source.finish()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{path}: 读取归档失败，归档可能已损坏（{exc}）；未写入任何数据") from exc
    return _check_manifest(path, manifest_data, seen)


def _copy_members(path: Path, stream, staging: Path, seen: dict[str, tuple[str, int]]) -> bytes | None:
    """Read the tar ``stream`` into ``staging``, hashing each member; return the manifest's bytes."""
    manifest_data = None
    with tarfile.open(fileobj=stream, mode="r|*") as archive:
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
    return manifest_data


def _check_manifest(path: Path, manifest_data: bytes | None, seen: dict[str, tuple[str, int]]) -> dict:
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
            "（请用生成它的 duikou 版本恢复，再用本版本重新备份）"
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
    files, tables, data_keys = manifest.get("files"), manifest.get("tables"), manifest.get("data_keys")
    table_keys = {"table": str, "file": str, "load": bool, "columns": list, "types": list, "rows": int}
    if (
        not isinstance(manifest.get("migrations"), dict)
        or not isinstance(files, dict)
        or not all(isinstance(i, dict) and isinstance(i.get("sha256"), str) for i in files.values())
        or not isinstance(tables, list)
        or not all(isinstance(t, dict) and all(isinstance(t.get(k), c) for k, c in table_keys.items()) for t in tables)
        or not isinstance(data_keys, dict)
        or not all(isinstance(v, str | None) for v in data_keys.values())
    ):
        raise BackupError(
            f"{path}: {MANIFEST} 缺少必要的字段（migrations、tables、files、data_keys），不是完整的备份清单"
        )
    for name in files:
        _safe_member(path, name)


def _check_data_keys(path: Path, manifest: dict) -> None:
    """Data encrypted under a key kept outside the database restore only where that key is configured:
    under another key every such value would fail to decrypt and no search by digest would find it."""
    ours = _data_keys()
    for name, theirs in sorted(manifest["data_keys"].items()):
        here = ours.get(name)
        if theirs is None or hmac.compare_digest(here or "", theirs):
            continue  # None: no key had been made when the backup was taken, so nothing is encrypted under one
        now = f"本机该密钥的指纹为 {short(here)}" if here else "本机还没有配置该密钥"
        raise BackupError(
            f"{path}: 备份中的数据按密钥 {name}（指纹 {short(theirs)}）加密，{now}；照此恢复，这些数据将无法解密，"
            f"也无法按身份证号、电话查找。请先在本机配置备份时的 {name}（取托管保存的副本），再恢复；未写入任何数据"
        )


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


def restore_backup(*, path: Path | str, key: bytes | None, progress: Progress | None = None) -> dict:
    """Restore the archive at ``path``, encrypted under the backup ``key`` (``None``: an unencrypted archive,
    which the caller must have been asked to accept), into this (migrated, empty) database and MEDIA_ROOT;
    return its manifest.

    Nothing is written unless every chunk is authentic, every checksum matches, the data keys are the
    backup's, the migration state is the backup's and no table holds data. Then all tables load in one
    transaction and are counted against the manifest before it commits; uploaded files are put in place
    last and removed again if anything fails.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="duikou-restore-") as tmp:
        staging = Path(tmp)
        manifest = _extract(path, staging, key)
        _check_data_keys(path, manifest)
        tables = _tables()
        loads = [t for t in tables if t.load]
        rows_by_table = {t["table"]: t["rows"] for t in manifest["tables"]}
        total = sum(rows_by_table.get(t.name, 0) for t in loads)
        tick = _ticker(progress, total)
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
