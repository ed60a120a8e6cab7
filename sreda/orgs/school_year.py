"""The Russian school year runs from 1 September to 31 August."""
from datetime import date

from django.utils import timezone


def school_year_start(on: date | None = None) -> int:
    """The calendar year in which the school year containing `on` (default: today) began."""
    on = on or timezone.localdate()
    return on.year if on.month >= 9 else on.year - 1


def school_year_title(start_year: int) -> str:
    return f"{start_year}/{start_year + 1}"
