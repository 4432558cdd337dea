from django.core.management.base import BaseCommand, CommandError

from duikou.publication.demo import load_demo_publications


class Command(BaseCommand):
    help = (
        "公开演示数据：备案信阳—苏州演示方案并公开其摘要、演示重大项目和演示评估的已审核报告（均标明示例数据）；"
        "须先执行 duikou demo、demo-plans、demo-projects、demo-evaluation；可重复执行"
    )

    def handle(self, *args, **options):
        try:
            counts = load_demo_publications()
        except LookupError as exc:
            raise CommandError("缺少国家发展改革委的演示审批账号 ndrc_approver，请先执行 duikou demo") from exc
        self.stdout.write(
            self.style.WARNING(
                f"示例数据（仅供演示）：本次公开方案摘要 {counts['plan']} 份、重大项目 {counts['project']} 个、"
                f"填报报告 {counts['report']} 份；公开网站共有示例公开事项 {counts['published']} 项："
                "http://127.0.0.1:8000/public/"
            )
        )
