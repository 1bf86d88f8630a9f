"""The sprint calendar: sprint N as a [start, end) window of aware datetimes in the team's time zone,
the sprint a moment falls in, and explicit `--since/--until` windows.

Sprints start at local midnight in the calendar's zone, so a sprint across a daylight-saving
change is an hour shorter or longer in UTC, never shifted: its boundaries stay on midnight.
Sprint 1 starts on the calendar's start date; moments before it fall in sprint 0 or below.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from git_pods.config import Sprints
from git_pods.errors import ConfigError, UsageError
from git_pods.record import record

FIRST_YEAR, LAST_YEAR = 1970, 9998  # git's times start at 1970; the end leaves room for a last sprint


@record
class Window:
    """A time window [start, end) (either side open when None), and how to name it in a report."""

    start: datetime | None
    end: datetime | None
    label: str = ""
    sprint: int | None = None

    def __contains__(self, when: object) -> bool:
        if not isinstance(when, datetime):
            return False
        return (self.start is None or when >= self.start) and (self.end is None or when < self.end)


def zone(name: str) -> tzinfo:
    """The calendar's time zone (IANA name, e.g. Europe/Berlin; UTC by default)."""
    if name in ("UTC", "Z", ""):
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {name!r} in sprints.timezone",
            file=".pods/config.yaml",
            rule="GP910",
            hint="use an IANA name such as Europe/Berlin or America/New_York (install tzdata on Windows)",
        ) from None


def first_day(calendar: Sprints) -> date:
    start: object = calendar.start
    if isinstance(start, date) and not isinstance(start, datetime):
        return start
    try:
        return date.fromisoformat(str(start))
    except ValueError:
        raise ConfigError(
            f"sprints.start {start!r} is not a date",
            file=".pods/config.yaml",
            rule="GP910",
            hint="write the first day of sprint 1 as YYYY-MM-DD, quoted",
        ) from None


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def sprint_window(calendar: Sprints, number: int) -> Window:
    """Sprint number's [start, end): local midnights in the calendar's zone."""
    tz = zone(calendar.timezone)
    try:
        first = first_day(calendar) + timedelta(days=(number - 1) * calendar.length_days)
        last = first + timedelta(days=calendar.length_days)
    except OverflowError:
        raise UsageError(
            f"sprint {number} would end after the year 9999",
            rule="GP912",
            hint="give a sprint number the calendar reaches (sprints count from 1)",
        ) from None
    if last.year > LAST_YEAR:
        raise UsageError(
            f"sprint {number} ends in {last.year}, after the years reports cover",
            rule="GP912",
            hint="give a sprint number the calendar reaches (sprints count from 1)",
        )
    return Window(_midnight(first, tz), _midnight(last, tz), f"Sprint {number}", number)


def sprint_of(calendar: Sprints, when: datetime) -> int:
    """The number of the sprint when (an aware datetime) falls in; 0 or less before sprint 1."""
    if when.tzinfo is None:
        raise ValueError("sprint_of needs an aware datetime")
    local = when.astimezone(zone(calendar.timezone)).date()
    return (local - first_day(calendar)).days // calendar.length_days + 1


def parse_moment(text: str, tz: tzinfo, *, end: bool = False, option: str = "--since") -> datetime:
    """A `--since/--until` value: a date (local midnight in tz; for an end, the next midnight, so
    the day itself is included) or an ISO 8601 time (its own offset, else tz)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise _out_of_range(option, text)
        return _midnight(day + timedelta(days=1) if end else day, tz)
    value = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{option} {text!r} is neither a date nor a time",
            rule="GP911",
            hint=f"write {option} 2026-01-05 or {option} 2026-01-05T10:00:00+01:00",
        ) from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise _out_of_range(option, text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _out_of_range(option: str, text: str) -> UsageError:
    return UsageError(
        f"{option} {text!r} is outside the years {FIRST_YEAR}-{LAST_YEAR} reports cover",
        rule="GP911",
        hint=f"write a date such as {option} 2026-01-05",
    )


def window(
    calendar: Sprints | None,
    *,
    sprint: int | None = None,
    since: str | None = None,
    until: str | None = None,
    now: datetime | None = None,
) -> Window:
    """The window a report covers: --since/--until when given (they win over --sprint), else
    sprint N, else the sprint now falls in; with no calendar and no bounds, all time."""
    tz = zone(calendar.timezone) if calendar is not None else timezone.utc
    if since is not None or until is not None:
        start = parse_moment(since, tz) if since is not None else None
        end = parse_moment(until, tz, end=True, option="--until") if until is not None else None
        if start is not None and end is not None and end <= start:
            raise UsageError(
                f"--until ({until}) is not after --since ({since})",
                rule="GP911",
                hint="give an --until later than --since",
            )
        return Window(start, end, f"{since or '…'} – {until or '…'}")
    if calendar is None:
        if sprint is not None:
            raise UsageError(
                f"--sprint {sprint} needs a sprint calendar",
                rule="GP912",
                hint="add `sprints: {start: 'YYYY-MM-DD', length_days: 14}` to .pods/config.yaml, "
                "or use --since/--until",
            )
        return Window(None, None, "all time")
    if sprint is None:  # before the calendar's first day: the sprint about to start
        sprint = max(1, sprint_of(calendar, now or datetime.now(timezone.utc)))
    return sprint_window(calendar, sprint)
