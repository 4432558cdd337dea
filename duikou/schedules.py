"""What the workers run on a schedule, in one table (the machinery is ``duikou/core/schedules.py``; the page is
/jobs/schedules/). Each entry's function is a job function like any other, run as a system job (no user; its
writes are recorded as done by the system), with the jobs' retries and progress.

Times are local (TIME_ZONE). Pages and reports compute whether a monitoring case is overdue from its step's due date
when they read (``monitoring.queries.overdue_q``); the daily flag records the day each late step was first found
late, in the case and its history.
"""

import datetime
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from duikou.core.actors import Operator
from duikou.core.errors import UserFacingError
from duikou.core.schedules import Schedule


def SCHEDULES() -> list[Schedule]:  # noqa: N802 - the table, read when the workers tick (settings may change it)
    table = [
        _daily("backup", _("夜间备份"), "nightly_backup", hour=2, keep=settings.DUIKOU_BACKUP_KEEP),
        _daily("escalate-notices", _("整改通知逾期升级"), "escalate_notices", hour=6),
        _daily("monitoring-overdue", _("监测案件逾期标记"), "flag_overdue_cases", hour=6, minute=30),
        _daily("analytics", _("指标分析库追平"), "refresh_analytics", hour=3),
        _daily("rate-counters", _("公开页面访问频次计数清理"), "purge_rate_counts", hour=4, minute=30),
        _daily("objections-overdue", _("异议申诉逾期上报县级"), "escalate_objections", hour=6, minute=40),
        _daily("deadlines", _("到期与逾期提醒"), "notify_deadlines", hour=7),
        _daily("labour-matching", _("劳务协作匹配计算"), "labour_matching", hour=1, minute=30),
        _daily("notification-digest", _("每日通知摘要"), "send_digests", hour=settings.DUIKOU_DIGEST_HOUR),
        Schedule(
            name="notification-retry",
            title=_("重试待发送的通知消息"),
            function="duikou.schedules.send_due_messages",
            every="hour",
            at=datetime.time(0, 5),
        ),
    ]
    table += [
        Schedule(
            name=f"screening-{code}",
            title=_("返贫风险月度筛查（%(province)s）") % {"province": code},
            function="duikou.schedules.monthly_screening",
            every="month",
            day=1,
            at=datetime.time(4, 0),
            params={"province": code},
        )
        for code in settings.DUIKOU_SCREENING_MONTHLY_PROVINCES
    ]
    return table


def _daily(name: str, title: str, function: str, *, hour: int, minute: int = 0, **params) -> Schedule:
    """A schedule that runs the job function ``function`` of this module every day at ``hour``:``minute``."""
    return Schedule(
        name=name,
        title=title,
        function=f"duikou.schedules.{function}",
        every="day",
        at=datetime.time(hour, minute),
        params=params,
    )


def nightly_backup(*, user, progress, keep: int) -> dict:
    """``duikou backup`` (encrypted under the backup key), then remove the oldest of its archives beyond ``keep``."""
    from duikou.core.backup import BackupError, backup_key, create_backup, default_backup_path

    path = default_backup_path()
    try:
        key = backup_key()
        path.parent.mkdir(parents=True, exist_ok=True)
        manifest = create_backup(path=path, key=key, progress=progress)
    except BackupError as exc:
        raise UserFacingError(f"备份失败，未生成归档：{exc}") from exc
    archives = sorted(Path(path.parent).glob("duikou-*.tar.gz.enc"))
    removed = archives[:-keep] if len(archives) > keep else []
    for old in removed:
        old.unlink()
    return {
        "summary": f"备份已写入 {path.name}：{manifest['total_rows']:,} 行；保留最近 {keep} 份，删除 {len(removed)} 份",
    }


def escalate_notices(*, user, progress) -> dict:
    from duikou.evaluation.supervision.services import escalate_overdue

    escalated = escalate_overdue()
    progress(1, 1)
    numbers = "、".join(n.number for n in escalated)
    return {"summary": f"逾期升级 {len(escalated)} 件" + (f"：{numbers[:500]}" if numbers else "")}


def flag_overdue_cases(*, user, progress) -> dict:
    from duikou.monitoring.services import flag_overdue_cases as flag

    flagged = flag()
    progress(1, 1)
    return {"summary": f"新标记逾期案件 {len(flagged)} 件"}


def escalate_objections(*, user, progress) -> dict:
    from duikou.monitoring.services import escalate_overdue_objections

    escalated = escalate_overdue_objections()
    progress(1, 1)
    return {"summary": f"逾期未答复的异议、申诉上报县级 {len(escalated)} 件"}


def notify_deadlines(*, user, progress) -> dict:
    """Everyone whose to-do holds something due in three days, due today or newly overdue is told, once."""
    from duikou.deadlines import notify_deadlines as notify

    told = notify()
    progress(1, 1)
    return {"summary": f"到期与逾期提醒：{told['summary']}"}


def send_digests(*, user, progress) -> dict:
    """The day's digest for the users who chose one, then whatever else is due (the sweep)."""
    from duikou.notifications.services import send_digests as digests
    from duikou.notifications.services import send_due

    queued = digests()
    counts = send_due()
    progress(1, 1)
    return {"summary": f"每日摘要 {queued} 封；到期重试：{_counts(counts)}"}


def send_due_messages(*, user, progress) -> dict:
    """Messages whose retry time has come, and any whose task was lost: sent now (once each, whoever runs it)."""
    from duikou.notifications.services import send_due

    counts = send_due()
    progress(1, 1)
    return {"summary": f"到期重试：{_counts(counts)}"}


def _counts(counts: dict) -> str:
    names = {"sent": "已发送", "queued": "待重试", "failed": "失败"}
    return "，".join(f"{names.get(k, k)} {v} 条" for k, v in sorted(counts.items())) or "无"


def refresh_analytics(*, user, progress) -> dict:
    from duikou.indicators.analytics import catch_up

    catch_up()
    progress(1, 1)
    return {"summary": "指标分析库已与数据库一致"}


def labour_matching(*, user, progress) -> dict:
    """Every open job seeker's and posting's top k, computed and stored for the match pages (a run already
    computing is answered, not repeated)."""
    from duikou.markets.labour.runs import labour_match_run
    from duikou.markets.models import MatchRun

    return labour_match_run(user=user, progress=progress, trigger=MatchRun.Trigger.SCHEDULE)


def purge_rate_counts(*, user, progress) -> dict:
    from duikou.core.public import purge_rate_counters

    deleted = purge_rate_counters()
    progress(1, 1)
    return {"summary": f"删除已结束时段的访问频次计数 {deleted} 条"}


def monthly_screening(*, user, progress, province: str) -> dict:
    """Screen the province's households with its latest rule set (the newest year, the newest version)."""
    from duikou.monitoring.models import RuleSet
    from duikou.monitoring.services import screen_households

    ruleset = (
        RuleSet.objects.filter(province__code__startswith=province, province__level="province")
        .order_by("-year", "-version")
        .first()
    )
    if ruleset is None:
        raise UserFacingError(f"省份 {province} 没有监测规则，未筛查（见 DUIKOU_SCREENING_MONTHLY_PROVINCES）")
    run = screen_households(user=Operator(), ruleset=ruleset, progress=progress)
    return {"summary": f"{ruleset}：筛查 {run.households} 户，命中 {run.flagged} 户，新增预警 {run.alerts_created} 条"}
