from ._export import ExportCommand


class Command(ExportCommand):
    help = "导出项目的有效资金往来到 .xlsx 或 CSV（列与导入模板一致，可再导入）"
    kind = "funds"
