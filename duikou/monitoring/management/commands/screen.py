from django.core.management.base import BaseCommand, CommandError

from duikou.core.actors import acting_user, add_user_argument
from duikou.core.errors import UserFacingError
from duikou.core.progress import progress_bar
from duikou.geo.models import Region
from duikou.monitoring import engine, services
from duikou.monitoring.models import RuleSet


class Command(BaseCommand):
    help = "返贫风险筛查：按省份和年度的最新规则集筛查监测户，为命中的户生成预警（已有未关闭预警的户不重复）"

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="省份代码，如 410000（河南省）")
        parser.add_argument("--year", type=int, required=True, help="收入年度，如 2025")
        parser.add_argument("--engine", choices=engine.ENGINES, default="duckdb", help="计算引擎（默认 duckdb）")
        add_user_argument(parser)

    def handle(self, *args, province: str, year: int, engine: str, user: str | None, **options):
        actor = acting_user(user)
        region = Region.objects.filter(code=province, level="province").first()
        if region is None:
            raise CommandError(f"省份代码「{province}」不存在")
        ruleset = RuleSet.objects.filter(province=region, year=year).order_by("-version").first()
        if ruleset is None:
            ruleset = services.create_ruleset(user=actor, province=region, year=year)
            self.stdout.write(f"未找到规则集，已按默认配置值创建：{ruleset}")
        try:
            with progress_bar("筛查", options["verbosity"]) as progress:
                run = services.screen_households(user=actor, ruleset=ruleset, engine_name=engine, progress=progress)
        except UserFacingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{ruleset}（{engine}）：筛查 {run.households} 户，命中 {run.flagged} 户，"
                f"新增预警 {run.alerts_created} 条；数据快照 SM3 {run.snapshot_digest[:16]}…"
            )
        )
