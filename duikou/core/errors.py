"""Errors a user or operator can cause, with what and where, in their language."""


class UserFacingError(Exception):
    """An error the user caused and can fix; its message is shown as it is. ``details`` may carry a report."""

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.details = details or {}


class DataFileError(Exception):
    """A reference data file is broken: names the file, the line and the reason. Nothing was loaded."""

    def __init__(self, path, line: int | None, reason: str):
        self.path, self.line, self.reason = str(path), line, reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


class StaleObjectError(Exception):
    """Someone else saved the object since it was loaded: the write is refused instead of overwriting.
    ``message`` replaces the usual one where it says more (a first save that someone else made first)."""

    def __init__(self, obj, expected: int, current: int | None, message: str = ""):
        self.obj, self.expected, self.current = obj, expected, current
        super().__init__(
            message
            or f"{obj._meta.verbose_name}「{obj}」已被他人修改（您编辑的是第 {expected} 版，当前为第 {current} 版），"
            "请刷新后重新修改。"
        )
