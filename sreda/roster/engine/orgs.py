"""Organisations, school years, reporting periods and classes of a Roster, matched to the database.

These are few (tens to thousands), so they are matched with one query per table, then written.
"""
from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from sreda.core.permissions import Action, can, require
from sreda.orgs.models import Municipality, Organisation, Region, ReportingPeriod, SchoolClass, SchoolYear
from sreda.roster.parsers.base import Roster


def school_year_title(day: date) -> str:
    """The school year a day falls in: from 1 September."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{start + 1}"


def get_school_year(title: str) -> SchoolYear:
    start = int(title[:4])
    year, _ = SchoolYear.objects.get_or_create(title=title, defaults={"start": date(start, 9, 1), "end": date(start + 1, 8, 31)})
    return year


def resolve_orgs(roster: Roster, actor) -> dict[str, Organisation]:
    """key → Organisation for every school in the roster; problems (all fatal) when not allowed."""
    if roster.fixed_org is not None:
        return {"": roster.fixed_org}
    orgs = roster.orgs.values()
    keys = [o.key for o in orgs]
    regions_db = list(Region.objects.filter(Q(external_id__in=keys) | Q(code__in=[o.identifier for o in orgs if o.kind == "region" and o.identifier])))
    munis_db = list(Municipality.objects.filter(external_id__in=keys).select_related("region"))
    schools_db = list(
        Organisation.objects.filter(Q(external_id__in=keys) | Q(inn__in=[o.identifier for o in orgs if o.kind == "school" and o.identifier]))
        .select_related("municipality__region")
    )
    may_create = can(actor, Action.MANAGE_ORGANISATIONS)
    fatal = {"fatal": True}

    def refuse_creation(o, what):
        roster.problem(o.src, "sourcedId", f"{what} «{o.name}» нет в Среде, а создавать их может только оператор региона", **fatal)

    regions: dict[str, Region] = {}
    for o in (o for o in orgs if o.kind == "region"):
        found = next((r for r in regions_db if r.external_id == o.key), None) or next(
            (r for r in regions_db if o.identifier and r.code == o.identifier), None)
        if found is None:
            if not may_create:
                refuse_creation(o, "Региона")
                continue
            if not o.identifier:
                roster.problem(o.src, "identifier", "для нового региона укажите код региона в identifier", **fatal)
                continue
            found = Region(name=o.name, code=o.identifier[:3])
        found.external_id = o.key
        regions[o.key] = found

    munis: dict[str, Municipality] = {}
    for o in (o for o in orgs if o.kind == "municipality"):
        found = next((m for m in munis_db if m.external_id == o.key), None)
        region = regions.get(o.parent_key)
        if found is None and region is not None and region.pk:
            found = Municipality.objects.filter(region=region, name=o.name).first()
        if found is None:
            if not may_create:
                refuse_creation(o, "Района")
                continue
            if region is None:
                roster.problem(o.src, "parentSourcedId", "для нового района укажите регион (parentSourcedId)", **fatal)
                continue
            found = Municipality(region=region, name=o.name)
        found.external_id = o.key
        munis[o.key] = found

    schools: dict[str, Organisation] = {}
    for o in (o for o in orgs if o.kind == "school"):
        found = next((s for s in schools_db if s.external_id == o.key), None) or next(
            (s for s in schools_db if o.identifier and s.inn == o.identifier), None)
        if found is None:
            if not may_create:
                refuse_creation(o, "Организации")
                continue
            if not o.identifier:
                roster.problem(o.src, "identifier", "для новой организации укажите ИНН в identifier", **fatal)
                continue
            if o.parent_key not in munis:
                roster.problem(o.src, "parentSourcedId", "для новой организации укажите район (parentSourcedId)", **fatal)
                continue
            found = Organisation(municipality=munis[o.parent_key], full_name=o.name, short_name=o.name[:250], inn=o.identifier)
        else:
            try:
                require(actor, Action.IMPORT_ROSTER, found)
            except PermissionDenied as exc:
                roster.problem(o.src, "sourcedId", f"«{found.short_name}»: {exc}", **fatal)
                continue
        found.external_id = o.key
        schools[o.key] = found
    if any(p.fatal for p in roster.problems):
        return {}
    for obj in [*regions.values(), *munis.values(), *schools.values()]:
        if obj.pk is None or obj._state.adding:
            obj.save()
        else:
            type(obj).objects.filter(pk=obj.pk).exclude(external_id=obj.external_id).update(external_id=obj.external_id)
    return schools


def resolve_sessions(roster: Roster, schools: dict[str, Organisation]) -> dict[str, SchoolYear]:
    """session key → SchoolYear (for years and for periods through their year); periods are upserted."""
    sessions = roster.sessions
    if not sessions:
        return {}
    existing_years = {y.external_id: y for y in SchoolYear.objects.filter(external_id__in=list(sessions))}
    years: dict[str, SchoolYear] = {}
    for s in (s for s in sessions.values() if s.kind == "year"):
        year = existing_years.get(s.key)
        if year is None:
            if s.start and s.end:
                title = f"{s.start.year}/{s.end.year}"
            elif s.school_year.isdigit():
                title = f"{int(s.school_year) - 1}/{s.school_year}"
            else:
                title = school_year_title(s.start or date.today())
            year = SchoolYear.objects.filter(title=title).first()
            if year is None:
                start = int(title[:4])
                year = SchoolYear.objects.create(title=title, start=s.start or date(start, 9, 1), end=s.end or date(start + 1, 8, 31), external_id=s.key)
            elif year.external_id is None:
                year.external_id = s.key
                year.save(update_fields=["external_id"])
        years[s.key] = year
    owner = next(iter(schools.values())) if len(schools) == 1 else None
    existing_periods = {p.external_id: p for p in ReportingPeriod.objects.filter(external_id__in=list(sessions))}
    for s in (s for s in sessions.values() if s.kind == "period"):
        year = years.get(s.parent_key)
        if year is None:
            title = f"{int(s.school_year) - 1}/{s.school_year}" if s.school_year.isdigit() else school_year_title(s.start or date.today())
            year = get_school_year(title)
        years[s.key] = year
        if not (s.start and s.end):
            continue
        values = {"school_year": year, "title": s.title or s.key, "start": s.start, "end": s.end, "organisation": owner}
        period = existing_periods.get(s.key)
        if period is None:
            ReportingPeriod.objects.create(external_id=s.key, **values)
        elif any(getattr(period, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(period, k, v)
            period.save()
    return years


def resolve_classes(roster: Roster, schools: dict[str, Organisation], years: dict[str, SchoolYear]) -> dict[str, int]:
    """class key → SchoolClass id; new classes created, renamed ones updated."""
    if not roster.classes:
        return {}
    current = None
    org_ids = [o.pk for o in schools.values()]
    existing = list(SchoolClass.objects.filter(organisation_id__in=org_ids).only(
        "id", "organisation_id", "school_year_id", "grade", "letter", "external_id"))
    by_ext = {(c.organisation_id, c.external_id): c for c in existing if c.external_id}
    by_title = {(c.organisation_id, c.school_year_id, c.grade, c.letter): c for c in existing}
    result: dict[str, int] = {}
    new: list[tuple[str, SchoolClass]] = []
    changed: list[SchoolClass] = []
    taken: dict[tuple, str] = {}
    for c in list(roster.classes.values()):
        org = schools[c.org_key]
        year = next((years[k] for k in c.session_keys if k in years), None)
        if year is None:
            current = current or get_school_year(school_year_title(date.today()))
            year = current
        title_key = (org.pk, year.pk, c.grade, c.letter)
        if title_key in taken:
            roster.drop_class(c.key, c.src, f"класс {c.grade}{c.letter} уже описан в строке {taken[title_key]}", "title")
            continue
        taken[title_key] = c.src.line
        found = by_ext.get((org.pk, c.key)) if c.external else None
        holder = by_title.get(title_key)
        if found is None and holder is not None and (not c.external or holder.external_id is None):
            found = holder
        elif holder is not None and holder is not found:
            roster.drop_class(c.key, c.src, f"класс {c.grade}{c.letter} этого учебного года уже есть в Среде с другим sourcedId", "title")
            continue
        if found is None:
            new.append((c.key, SchoolClass(organisation=org, school_year=year, grade=c.grade, letter=c.letter,
                                           external_id=c.key if c.external else None)))
            continue
        want = {"school_year_id": year.pk, "grade": c.grade, "letter": c.letter}
        if c.external:
            want["external_id"] = c.key
        if any(getattr(found, k) != v for k, v in want.items()):
            for k, v in want.items():
                setattr(found, k, v)
            changed.append(found)
        result[c.key] = found.pk
    SchoolClass.objects.bulk_create([obj for _, obj in new], batch_size=500)
    result.update({key: obj.pk for key, obj in new})
    if changed:
        SchoolClass.objects.bulk_update(changed, ["school_year", "grade", "letter", "external_id"], batch_size=500)
    return result
