from django.core.management.base import BaseCommand

from duikou.culture.demo import load_demo_culture


class Command(BaseCommand):
    help = (
        "红色文化演示数据：三处有公开报道的革命旧址和纪念馆（注明出处）、一条演示用口述史条目（合成提示音）和一条"
        "信阳—苏州示例线路，均标明示例数据；须先执行 duikou seed 和 duikou demo；可重复执行"
    )

    def handle(self, *args, **options):
        counts = load_demo_culture()
        self.stdout.write(
            self.style.WARNING(
                f"示例数据（仅供演示）：本次发布资源 {counts['resources']} 条、线路 {counts['routes']} 条；"
                f"公开网站共有示例资源 {counts['published']} 条：http://127.0.0.1:8000/public/culture/"
            )
        )
