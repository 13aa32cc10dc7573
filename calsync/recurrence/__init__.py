"""Recurrence expansion (via recurring-ical-events) and time zone normalisation."""

from calsync.recurrence.expand import Expanded, expand_calendar, parse_calendar

__all__ = ["Expanded", "expand_calendar", "parse_calendar"]
