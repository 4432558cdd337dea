"""What a red-culture resource's media may be, checked by their bytes (never by their name or the browser's word):

- images: JPEG, PNG or WebP, at most ``DUIKOU_CULTURE_IMAGE_MAX_PIXELS`` pixels; each is decoded, turned upright by
  its EXIF orientation and encoded anew, so the stored file carries no EXIF, XMP or GPS location, nor anything else
  the camera wrote;
- audio: MP3, AAC in MP4 (.m4a) or WAV; video: MP4 — the formats phones play without an app;
- documents: PDF.

An audio or video file that carries a location (the ``©xyz`` or ``loci`` atoms phones write into MP4) is refused
with the way to remove it: re-encoding those is beyond a web request. Each kind has its size limit
(``DUIKOU_CULTURE_MAX_MB``). Stored files are named by a random name, never the uploader's file name.
"""

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from duikou.core.digests import sm3_hex
from duikou.core.errors import UserFacingError
from duikou.core.uploads import MB

IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MP4_AUDIO_BRANDS = {b"M4A ", b"M4B "}
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"dash",
    b"3gp4",
    b"3gp5",
}
LOCATION_ATOMS = (b"\xa9xyz", b"loci")
HEIF_BRANDS = {b"heic", b"heix", b"mif1", b"msf1", b"hevc"}
# first bytes of image files Pillow may read (JPEG, PNG, GIF, BMP, TIFF): read, then accepted only in IMAGE_FORMATS
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


@dataclass
class Checked:
    kind: str  # Medium.Kind
    content_type: str
    extension: str
    data: bytes

    @property
    def digest(self) -> str:
        return sm3_hex(self.data)

    @property
    def name(self) -> str:
        return f"{uuid.uuid4().hex}.{self.extension}"

    def as_file(self) -> ContentFile:
        return ContentFile(self.data)


def _sniff(head: bytes) -> tuple[str, str, str] | None:
    """(kind, content type, extension) of a non-image file by its first bytes, or None."""
    if head.startswith(b"%PDF-"):
        return "document", "application/pdf", "pdf"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio", "audio/wav", "wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 in (0xE2, 0xE4, 0xE6)):
        return "audio", "audio/mpeg", "mp3"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in MP4_AUDIO_BRANDS:
            return "audio", "audio/mp4", "m4a"
        if brand in MP4_BRANDS:
            return "video", "video/mp4", "mp4"
    return None


def _image(name: str, data: bytes) -> Checked:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise UserFacingError(_("「%(name)s」不是可读取的图片。") % {"name": name}) from exc
    if fmt not in IMAGE_FORMATS:
        raise UserFacingError(
            _("「%(name)s」的图片格式（%(fmt)s）不受支持，请用 JPEG、PNG 或 WebP。") % {"name": name, "fmt": fmt}
        )
    if width * height > settings.DUIKOU_CULTURE_IMAGE_MAX_PIXELS:
        raise UserFacingError(
            _("「%(name)s」有 %(w)s×%(h)s 像素，超过上限 %(n)s 像素，请缩小后上传。")
            % {"name": name, "w": width, "h": height, "n": settings.DUIKOU_CULTURE_IMAGE_MAX_PIXELS}
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)
            upright.load()
            # a new image from the pixels alone: nothing of the file's metadata comes along
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            if "transparency" in upright.info and upright.mode in ("P", "L", "RGB"):
                clean.info["transparency"] = upright.info["transparency"]
            if upright.mode == "P":
                clean.putpalette(upright.getpalette())
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UserFacingError(_("「%(name)s」不是可读取的图片。") % {"name": name}) from exc
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=85)
    content_type, extension = IMAGE_FORMATS[fmt]
    return Checked("image", content_type, extension, out.getvalue())


def check(upload) -> Checked:
    """The uploaded file as it will be stored, or a ``UserFacingError`` naming the file and what is wrong."""
    name = (upload.name or "").rsplit("/", 1)[-1][:80] or _("文件")
    data = upload.read()
    if not data:
        raise UserFacingError(_("「%(name)s」是空文件。") % {"name": name})
    head = data[:64]
    sniffed = _sniff(head)
    kind = sniffed[0] if sniffed else "image"
    limit = settings.DUIKOU_CULTURE_MAX_MB[kind]
    if len(data) > limit * MB:
        raise UserFacingError(
            _("「%(name)s」有 %(size).1f MB，超过此类文件上限 %(limit)s MB。")
            % {"name": name, "size": len(data) / MB, "limit": limit}
        )
    if sniffed is None:
        if head[4:8] == b"ftyp" and head[8:12] == b"qt  ":
            raise UserFacingError(
                _("「%(name)s」是 QuickTime（.mov）视频，部分手机不能播放，请转换为 MP4（H.264）后上传。")
                % {"name": name}
            )
        if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
            raise UserFacingError(
                _("「%(name)s」是 HEIC 图片，请在手机上设为「兼容性最佳」或转换为 JPEG 后上传。") % {"name": name}
            )
        if head.startswith(IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
            return _image(name, data)
        raise UserFacingError(
            _("「%(name)s」的格式不受支持。可上传：图片 JPEG、PNG、WebP；音频 MP3、M4A、WAV；视频 MP4；文档 PDF。")
            % {"name": name}
        )
    kind, content_type, extension = sniffed
    if kind in ("audio", "video") and any(atom in data for atom in LOCATION_ATOMS):
        raise UserFacingError(
            _("「%(name)s」带有拍摄地点信息，请先去除位置元数据再上传（例如：%(command)s）。")
            % {"name": name, "command": "ffmpeg -i in.mp4 -map_metadata -1 -c copy out.mp4"}
        )
    return Checked(kind, content_type, extension, data)
