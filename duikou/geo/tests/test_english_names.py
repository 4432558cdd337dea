"""Names in English: provinces and prefectures carry their English names from data/geo/names_en.csv, the seeded
governments theirs; every page and message reads a name through ``display_name`` (core.modelbits.EnglishNamed), which
gives the English when the reader reads English and the name is known in English."""

import pytest
from django.utils import translation

from duikou.accounts.models import Organisation
from duikou.core.errors import DataFileError
from duikou.geo.models import Region
from duikou.geo.services import load_region_names_en
from duikou.pairings.models import Pairing

pytestmark = pytest.mark.django_db


def test_provinces_and_cities_have_their_english_names():
    names = dict(Region.objects.filter(code__in=["411500", "610600", "610000", "150000", "430000"]).values_list(
        "code", "name_en"
    ))  # fmt: skip
    assert names == {
        "411500": "Xinyang",
        "610600": "Yan'an",
        "610000": "Shaanxi",  # not the Pinyin of 陕西, which is 山西's
        "150000": "Inner Mongolia",
        "430000": "Hunan",
    }
    assert Region.objects.get(code="140400").name_en == "Changzhi"  # 长: a place's own reading


def test_names_from_other_languages_are_not_spelt_as_pinyin():
    assert not Region.objects.filter(code__startswith="65", level="prefecture").exclude(name_en="").exists()


def test_a_region_reads_in_the_readers_language():
    county = Region.objects.get(code="411526")  # 潢川县: no English name
    xinyang = Region.objects.get(code="411500")
    assert (str(xinyang), county.place_name, county.full_name) == ("信阳市", "信阳市潢川县", "河南省信阳市潢川县")
    with translation.override("en"):
        assert str(xinyang) == "Xinyang"
        assert county.place_name == "潢川县, Xinyang" and county.full_name == "潢川县, Xinyang, Henan"
        assert str(Pairing.objects.get(old_region=xinyang, level="national")) == "Xinyang—Suzhou"


def test_seeded_governments_have_english_names():
    assert Organisation.objects.get(name="信阳市人民政府").name_en == "Xinyang Municipal People's Government"
    assert Organisation.objects.get(name="河南省人民政府").name_en == "Henan Provincial People's Government"
    with translation.override("en"):
        assert str(Organisation.objects.get(name="上海市人民政府")) == "Shanghai Municipal People's Government"


def test_a_names_file_that_disagrees_with_the_divisions_stops_the_load(settings, tmp_path):
    (tmp_path / "geo").mkdir()
    (tmp_path / "geo" / "names_en.csv").write_text("code,name,name_en\n411500,信阳县,Xinyang\n", encoding="utf-8")
    settings.DATA_DIR = str(tmp_path)
    with pytest.raises(DataFileError, match="411500 的名称是「信阳市」"):
        load_region_names_en()
    assert Region.objects.get(code="411500").name_en == "Xinyang"
