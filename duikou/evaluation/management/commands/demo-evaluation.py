from django.core.management.base import BaseCommand, CommandError

from duikou.core.progress import progress_bar
from duikou.evaluation.demo import load_demo_evaluation


class Command(BaseCommand):
    help = (
        "载入演示用的 2025 年度国家级成效评估（方案、六个结对关系的季度填报值、定性评议，并发布一次评估结果；"
        "均标明为演示数据）；可重复执行"
    )

    def handle(self, *args, **options):
        try:
            with progress_bar("成效评估", options["verbosity"]) as progress:
                counts = load_demo_evaluation(progress=progress)
        except LookupError as exc:
            raise CommandError("缺少演示账号 ndrc_approver，请先执行 duikou demo") from exc
        run = counts["run"]
        published = f"，已发布第 {run.number} 次评估结果" if run else "（评估结果此前已发布）"
        self.stdout.write(
            self.style.WARNING(
                f"演示数据（仅供演示）：{counts['scheme']}；"
                f"新增填报 {counts['reports']} 期、评议 {counts['reviews']} 条{published}"
            )
        )
