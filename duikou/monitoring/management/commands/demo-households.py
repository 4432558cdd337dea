from django.core.management.base import BaseCommand, CommandError

from duikou.core.errors import UserFacingError
from duikou.core.progress import progress_bar
from duikou.monitoring import demo


class Command(BaseCommand):
    help = (
        "生成合成的演示监测户（真实村级区划代码、合成姓名与身份证号、对数正态分布的人均纯收入、少量未达标项），"
        "户编号以 DEMO- 开头，全部为演示数据"
    )

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, required=True, help="生成户数")
        parser.add_argument("--province", default="410000", help="省、地或县级区划代码（默认 410000 河南省）")
        parser.add_argument("--seed", type=int, default=0, help="随机数种子（相同种子生成相同数据）")
        parser.add_argument("--year", type=int, default=None, help="收入年度（默认上一年），同时生成前一年收入")
        parser.add_argument("--batch-size", type=int, default=2000, help="每批写入户数")

    def handle(self, *args, n: int, province: str, seed: int, year: int | None, batch_size: int, **options):
        if n < 1:
            raise CommandError("--n 须为正整数")
        try:
            with progress_bar("生成演示监测户", options["verbosity"]) as progress:
                created = demo.generate_demo_households(
                    n=n, area=province, seed=seed, year=year, batch_size=batch_size, progress=progress
                )
        except UserFacingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"已生成演示监测户 {created} 户（户编号以 {demo.DEMO_PREFIX} 开头）"))
