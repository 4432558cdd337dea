"""The printable notice of a village, for staff in scope: the page listing the notices running today, the .docx read
back with python-docx, the PDF read back as text (pdftotext), as fonts (pdffonts) and as an image whose QR code
decodes to the village's public page."""

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
import zxingcpp
from PIL import Image

from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert
from duikou.testing import tool

pytestmark = pytest.mark.django_db

VILLAGE = mt.PLACES["xinyang"][3]
PUBLIC = "https://public.duikou.example.gov.cn"


@pytest.fixture
def notices(settings):
    """In 西关社区: one case in its 公示 (proposed 突发严重困难户), one in its 公告 (included as 边缘易致贫户)."""
    settings.DUIKOU_PUBLIC_BASE_URL = PUBLIC
    hands = mt.procedure_users()
    cases = []
    for number, head, serial, to, category in (
        ("D001", "王建国", 41, "publicising", "sudden"),
        ("D002", "李四海", 42, "monitored", "marginal"),
    ):
        home = mt.household(hands["county"], number=number, head_name=head)
        services.add_member(
            user=hands["county"], household=home, name=head, id_number=mt.id_number(serial), phone="13912345678"
        )
        case, _opened = services.open_case(household=home, channel="visit", user=hands["village"], note="患病住院")
        cases.append(mt.walk(case, to, category=category))
    return hands, cases


def test_the_staff_list_shows_the_villages_notices_with_their_downloads(client, notices):
    hands, (publicised, announced) = notices
    client.force_login(hands["township"])
    page = client.get("/monitoring/notices/").content.decode()
    assert "王**" in page and "李**" in page and "王建国" not in page
    assert f"/monitoring/notices/{VILLAGE}.docx" in page and f"/monitoring/notices/{VILLAGE}.pdf" in page
    assert f"{PUBLIC}/notices/{VILLAGE}/" in page
    # another county's township sees none of it, and may not download it
    client.force_login(mt.local_user("yanan_township", "yanan", "township"))
    assert "王**" not in client.get("/monitoring/notices/").content.decode()
    assert client.get(f"/monitoring/notices/{VILLAGE}.docx").status_code == 404


def test_a_village_without_notices_gets_a_message_not_an_empty_document(client, notices):
    hands, cases = notices
    Alert.objects.filter(pk__in=[c.pk for c in cases]).update(publicity_end=None, announce_end=None, status="closed")
    client.force_login(hands["township"])
    response = client.get(f"/monitoring/notices/{VILLAGE}.docx", follow=True)
    assert "当前没有公示或公告" in response.content.decode()


def test_the_docx_notice_states_the_period_in_calendar_days_and_how_to_object(client, notices):
    hands, (publicised, announced) = notices
    client.force_login(hands["village"])
    response = client.get(f"/monitoring/notices/{VILLAGE}.docx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for row in document.tables[0].rows for cell in row.cells]
    assert "西关社区居民委员会防止返贫动态监测公示公告" in text
    assert "公示期为 5 天，按日历日计算（含周六、周日和法定节假日）" in text
    assert "公告期为 7 天，按日历日计算" in text
    assert f"{PUBLIC}/notices/{VILLAGE}/" in text and "异议由春申街道负责调查核实并答复" in text
    assert f"{PUBLIC}/notices/appeal/" in text
    assert {"王**", "李**", "突发严重困难户", "边缘易致贫户"} <= set(cells)
    assert any("拟纳入防止返贫监测对象" in c for c in cells) and any("经县级审定" in c for c in cells)
    everything = text + "".join(cells)
    for secret in ("王建国", "李四海", mt.id_number(41), "13912345678", "患病住院", "评议同意"):
        assert secret not in everything
    assert len(document.inline_shapes) == 1  # the QR code


def test_the_pdf_notice_reads_back_with_its_qr_code_to_the_public_page(client, notices, tmp_path, artifacts_dir):
    hands, _cases = notices
    client.force_login(hands["county"])
    response = client.get(f"/monitoring/notices/{VILLAGE}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run([tool("pdftotext"), pdf, "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "西关社区居民委员会防止返贫动态监测公示公告" in flat
    assert "公示期为5天，按日历日计算" in flat and "王**" in flat and "李**" in flat
    assert f"{PUBLIC}/notices/{VILLAGE}/" in flat
    assert "王建国" not in flat and "13912345678" not in flat
    fonts = subprocess.run([tool("pdffonts"), pdf], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts
    image = [tool("pdftoppm"), "-r", "110", "-png", "-f", "1", "-singlefile", pdf, tmp_path / "page"]
    subprocess.run(image, check=True)
    shutil.copy(tmp_path / "page.png", Path(artifacts_dir) / "notice-pdf.png")
    codes = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))]
    assert codes == [f"{PUBLIC}/notices/{VILLAGE}/"]


def test_the_case_page_links_to_the_printable_notice_only_during_the_publicity(client, notices):
    hands, (publicised, announced) = notices
    client.force_login(hands["township"])
    assert 'id="case-notice-links"' in client.get(f"/monitoring/alerts/{publicised.pk}/").content.decode()
    assert 'id="case-notice-links"' not in client.get(f"/monitoring/alerts/{announced.pk}/").content.decode()
