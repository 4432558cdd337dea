from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.core.forms import Styled
from duikou.geo.forms import RegionField
from duikou.pairings.models import Pairing

from .models import Resource, Route, Status

TEXTAREA = {"rows": 4}


class ResourceForm(Styled, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    region = RegionField(label=_("所在地区代码"), help_text=_("县级或乡镇、村级区划代码，如 411523（新县）"))

    class Meta:
        model = Resource
        fields = (
            "kind", "name", "name_en", "region", "old_area", "latitude", "longitude", "protection", "description",
            "description_en", "sources",
        )  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs=TEXTAREA),
            "description_en": forms.Textarea(attrs=TEXTAREA),
            "sources": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "latitude": _("十进制度数，如 31.64012（北纬）"),
            "longitude": _("十进制度数，如 114.87953（东经）"),
            "protection": _("有公布的保护级别时填写，没有则留空"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["version"]
        self.style()


class RouteForm(Styled, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Route
        fields = ("pairing", "name", "name_en", "days", "description", "description_en", "sources")
        widgets = {
            "description": forms.Textarea(attrs=TEXTAREA),
            "description_en": forms.Textarea(attrs=TEXTAREA),
            "sources": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        pairings = scoping.scope(user, Pairing, scoping.Action.CHANGE).filter(status=Pairing.Status.ACTIVE)
        self.fields["pairing"].queryset = pairings.select_related("old_region", "partner_region").order_by("code")
        self.fields["pairing"].label_from_instance = lambda p: f"{p.code} {p}"
        if self.instance.pk is None:
            del self.fields["version"]
        else:  # a route stays with its pairing
            del self.fields["pairing"]
        self.style()


class StopForm(Styled, forms.Form):
    resource = forms.ModelChoiceField(label=_("资源"), queryset=Resource.objects.none())
    day = forms.IntegerField(label=_("第几天"), min_value=1, max_value=30)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, route: Route, user, **kwargs):
        super().__init__(*args, **kwargs)
        places = Q(region__code__startswith=route.pairing.old_region.prefix) | Q(
            region__code__startswith=route.pairing.partner_region.prefix
        )
        seen = scoping.scope(user, Resource).exclude(status=Status.WITHDRAWN).values("pk")
        resources = Resource.objects.filter(places).filter(Q(status=Status.PUBLISHED) | Q(pk__in=seen))
        self.fields["resource"].queryset = resources.select_related("region").order_by("region_id", "name")
        self.fields["resource"].label_from_instance = lambda r: (
            f"{r.region.name} · {r.name}（{r.get_status_display()}）"
        )
        self.fields["day"].max_value = route.days
        self.fields["day"].widget.attrs["max"] = route.days
        self.style(small=True)


class MediumForm(Styled, forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("图片 JPEG、PNG、WebP（上传后去除拍摄信息和位置）；音频 MP3、M4A、WAV；视频 MP4；文档 PDF"),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.webp,.mp3,.m4a,.wav,.mp4,.pdf"}),
    )
    caption = forms.CharField(label=_("说明"), max_length=200)
    caption_en = forms.CharField(label=_("英文说明"), max_length=300, required=False)
    alt = forms.CharField(label=_("替代文本"), max_length=300, required=False, help_text=_("图片必填：描述画面内容"))
    transcript = forms.CharField(
        label=_("文字稿"), required=False, widget=forms.Textarea(attrs=TEXTAREA), help_text=_("口述史录音、视频必填")
    )
    credit = forms.CharField(label=_("来源与版权"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class StepForm(forms.Form):
    version = forms.IntegerField()
    note = forms.CharField(required=False, max_length=2000)
    secrecy_confirmed = forms.BooleanField(required=False)


class VisitForm(Styled, forms.Form):
    activity = forms.IntegerField(label=_("研学活动"))
