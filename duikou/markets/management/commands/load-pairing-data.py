from django.core.management.base import BaseCommand, CommandError

from duikou.core.errors import DataFileError
from duikou.markets.recommend.services import load_shipped


class Command(BaseCommand):
    help = (
        "载入结对推荐所用的数据文件（data/markets/：城市概况与既有经济联系为示例数据，"
        "老区特色产业摘自政策文件）；可重复执行"
    )

    def handle(self, *args, **options):
        try:
            results = load_shipped()
        except DataFileError as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            state = "未变化（已导入过同一文件）" if result.unchanged else f"导入 {result.rows} 行"
            self.stdout.write(self.style.WARNING(f"{result.file_name}：{state}（示例数据，非官方统计）"))
