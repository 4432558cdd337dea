import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from duikou.core.actors import acting_user
from duikou.core.errors import UserFacingError
from duikou.core.progress import progress_bar
from duikou.evaluation import services
from duikou.evaluation.models import Scheme


class Command(BaseCommand):
    help = "运行成效评估：按年度和层级（省级须给出省份代码）的评估方案计分、排名、定等次，生成新的评估批次（不发布）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="评估年度，如 2025")
        parser.add_argument("--province", help="省级方案的省份代码，如 410000；不给出时为国家级方案")
        parser.add_argument("--user", required=True, help="以该用户的身份运行（须有权维护该方案；记为发起人）")
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="数据截至日期（默认今天），如 2026-03-31")

    def handle(self, *args, year: int, province: str | None, user: str, as_of, **options):
        actor = acting_user(user)
        level = Scheme.Level.PROVINCE if province else Scheme.Level.NATIONAL
        scheme = Scheme.objects.filter(year=year, level=level, province_id=province).first()
        if scheme is None:
            where = f"省份 {province} 的省级" if province else "国家级"
            raise CommandError(f"没有 {year} 年度{where}评估方案")
        try:
            with progress_bar("成效评估", options["verbosity"]) as progress:
                run = services.evaluate_now(scheme=scheme, user=actor, progress=progress, today=as_of)
        except PermissionDenied as exc:
            raise CommandError(str(exc) or f"用户「{user}」无权运行该方案") from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        except UserFacingError as exc:
            raise CommandError(str(exc)) from exc
        top = (
            run.results.filter(rank__isnull=False)
            .order_by("rank", "pairing__code")
            .select_related("pairing__old_region")
            .first()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{run}：{run.results.exclude(rank=None).count()} 个结对关系已计分"
                + (f"，{apart} 个无应报数据（不参与排名）" if (apart := run.results.filter(rank=None).count()) else "")
                + (f"，第 1 名 {top.pairing.code} {top.pairing}（{top.total} 分）" if top else "")
                + "；发布请在页面或接口中由审核人完成"
            )
        )
