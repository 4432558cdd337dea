"""A QR poster (duikou/core/posters.py) is read back the way a phone and a person read it: page 1 of the PDF as an
image, whose QR code decodes to the address; the address and the title as text; the Chinese in Noto Sans CJK."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image

from duikou.core.posters import qr_png, qr_poster_pdf
from duikou.testing import tool

URL = "https://duikou.example.gov.cn/declare/411502001001/"
TITLE = "扫码申报家庭困难"
LINES = ["本村村民可用手机扫描下方二维码，如实填写家庭情况。", "不收取任何费用；无法扫码的，可到村委会登记。"]


def poster(tmp_path: Path) -> Path:
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(
        qr_poster_pdf(
            title=TITLE,
            lines=LINES,
            url=URL,
            footer="信阳市浉河区 · 对口合作平台",
        )
    )
    return pdf


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_posters_qr_code_reads_as_its_address(tmp_path, artifacts_dir):
    pdf = poster(tmp_path)
    pages = subprocess.run([tool("pdfinfo"), pdf], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.MULTILINE) and "(A4)" in pages
    # 100 dpi: about what a phone's camera makes of a poster on a wall, and far from a perfect image
    subprocess.run([tool("pdftoppm"), "-r", "100", "-png", "-singlefile", pdf, tmp_path / "page"], check=True)
    shutil.copy(tmp_path / "page.png", Path(artifacts_dir) / "qr-poster.png")
    assert decoded(Image.open(tmp_path / "page.png")) == [URL]


def test_the_poster_prints_the_title_and_the_address_in_the_chinese_font(tmp_path):
    pdf = poster(tmp_path)
    text = subprocess.run([tool("pdftotext"), pdf, "-"], capture_output=True, text=True, check=True).stdout
    assert TITLE in text
    flat = "".join(text.split())  # lines may wrap
    assert all(line in flat for line in LINES)
    assert URL in flat  # printed under the code, for a phone that cannot scan
    fonts = subprocess.run([tool("pdffonts"), pdf], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts  # not a fallback face without Chinese glyphs (boxes)


def test_the_qr_png_reads_as_its_address():
    assert decoded(Image.open(io.BytesIO(qr_png(URL)))) == [URL]
