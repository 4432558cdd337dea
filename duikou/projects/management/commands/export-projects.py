from ._export import ExportCommand


class Command(ExportCommand):
    help = "导出重大项目到 .xlsx 或 CSV（列与导入模板一致，可再导入）"
    kind = "projects"
