"""Loading every app's reference data in dependency order, all or nothing (`duikou seed`, the test database)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from duikou.accounts.services import seed_organisations
from duikou.geo.services import load_designations, load_old_areas, load_region_names_en, load_regions
from duikou.indicators.services import load_starter_library
from duikou.pairings.services import load_national_pairings
from duikou.policy.services import load_decomposed_tasks, load_policy_documents, load_tasks


@dataclass
class SeedReport:
    steps: list[tuple[str, str]] = field(default_factory=list)
    region_seconds: float = 0.0


def seed_reference_data(
    *,
    levels: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    say: Callable[[str], None] = lambda s: None,
) -> SeedReport:
    """Load every reference data file, idempotently and all or nothing: a broken file leaves the database as it was."""
    report = SeedReport()
    with transaction.atomic():
        regions = load_regions(levels=levels, progress=progress)
        report.region_seconds = regions.seconds
        created = ", ".join(f"{k} {v}" for k, v in regions.created.items()) or "无新增"
        report.steps.append(("regions", f"{created}; {regions.seconds:.1f}s"))
        say(f"行政区划：{report.steps[-1][1]}")
        for name, step in [
            ("region names in English", load_region_names_en),
            ("old areas", load_old_areas),
            ("policy clauses", load_policy_documents),
            ("tasks", load_tasks),
            ("designations", load_designations),
            ("national pairings", load_national_pairings),
            ("organisations", seed_organisations),
            ("shanghai tasks", load_decomposed_tasks),
            ("indicators", load_starter_library),
            ("holiday schedule", load_holiday_schedule),
        ]:
            result = step()
            report.steps.append((name, str(result)))
            say(f"{name}: {result}")
    return report


def load_holiday_schedule() -> str:
    """The national holiday schedule the installed chinesecalendar knows (new years after a package upgrade)."""
    from duikou.core.models import CalendarDay
    from duikou.core.workdays import load_package

    return f"新增 {load_package(CalendarDay)} 天"
