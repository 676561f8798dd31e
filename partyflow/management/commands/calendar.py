"""`partyflow calendar`: the years working days can be computed for and where each year's holidays
come from (the package chinesecalendar or the holiday file), and up to which day working days can be
computed (partyflow.health.check_calendar: exit status 1 when not even today is covered, a warning
on stderr when the horizon is not); `--check FILE` checks a holiday file."""

from importlib.metadata import version

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from engine.calendar import PACKAGE_YEARS, calendar_sources
from engine.holidays import HolidayFileInvalid, read_holidays_file
from partyflow.health import CheckFailed, check_calendar


def year_runs(years: list[int]) -> list[str]:
    """[2004, 2005, 2006, 2027] → ["2004–2006", "2027"]."""
    runs: list[list[int]] = []
    for year in years:
        if runs and runs[-1][-1] == year - 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return [f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]


class Command(BaseCommand):
    help = (
        "List the years with holiday data and their source (package chinesecalendar or the holiday "
        "file PARTYFLOW_HOLIDAYS_FILE); --check FILE checks a holiday file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            metavar="FILE",
            help="check this holiday file (dates in their year, no date both holiday and workday, "
            "make-up workdays on weekends) and say which of its years would be used",
        )

    def handle(self, *args, check=None, **options) -> None:
        if check:
            self.check_file(check)
            return
        w = self.stdout.write
        path = settings.PARTYFLOW.get("HOLIDAYS_FILE") or ""
        w(f"holiday file (PARTYFLOW_HOLIDAYS_FILE): {path or '未设置'}")
        try:
            sources = calendar_sources()
        except HolidayFileInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(
                f"节假日文件 {path} 有 {len(exc.problems)} 处错误，工作日无法计算；改正后再运行。"
            ) from None
        package = [y for y, s in sources.items() if s == "package"]
        w(f"package chinesecalendar {version('chinesecalendar')}: {', '.join(year_runs(package))}")
        for year, source in sources.items():
            if source == "file":
                note = " (覆盖软件包)" if year in PACKAGE_YEARS else ""
                w(f"file: {year}{note}")
        gap = next(y for y in range(min(sources), max(sources) + 2) if y not in sources)
        w(f"first year without data (working days answer calendar_unavailable): {gap}")
        try:
            result = check_calendar()
        except CheckFailed as exc:
            raise CommandError(f"calendar: {exc}") from None
        if "warning" in result:
            self.stderr.write(f"calendar: WARNING {result['warning']}")
        w(f"calendar: working days can be computed up to {result['last_covered_day']}")

    def check_file(self, path: str) -> None:
        years, problems = read_holidays_file(path)
        if problems:
            for problem in problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(f"{path}: {len(problems)} 处错误")
        self.stdout.write(f"{path}: 格式正确")
        for year, arrangement in sorted(years.items()):
            if arrangement.override:
                use = "used, overriding the package" if year in PACKAGE_YEARS else "used"
            elif year in PACKAGE_YEARS:
                use = 'not used: the package covers this year (add "override": true to replace it)'
            else:
                use = "used"
            self.stdout.write(
                f"  {year}: {len(arrangement.holidays)} holidays, "
                f"{len(arrangement.workdays)} make-up workdays — {use}"
            )
