"""The ex-ante forecast (scenarios/syria_2013_ex_ante.yaml) uses only what was public by 27 September 2013.

The file's convention (its header and docs/sources.md, Part C): every source is cited in a comment as
``title [YYYY-MM-DD] address``, the publication date in square brackets right after the title; every value comes
from such a source or is an ASSUMPTION, said with that word. These checks read the file's text, so that a source
added later with a date after the cut-off, an address without a date, or a block with neither a dated source nor
an ASSUMPTION fails the test; each check is shown to fail on a text modified to break it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

import sim

CUTOFF = dt.date(2013, 9, 27)
PATH = Path(__file__).parent.parent / "scenarios" / "syria_2013_ex_ante.yaml"

SOURCE_DATE = re.compile(r"\[(\d{4}-\d{2}-\d{2})\]")
ADDRESS = re.compile(r"https?://\S+")
TOP_LEVEL_KEY = re.compile(r"^([a-z_]+):")
# Metadata, not values: what the scenario is called and asks.
NOT_VALUES = {"name", "question"}
# A deadline's date lies in the future by nature; what matters is when it was set. A deadline known by the
# cut-off names the instrument that set it; one set after it may stay, for scoring only, and says "set later".
KNOWN_INSTRUMENTS = ("Framework", "EC-M-33/DEC.1", "resolution 2118")
SET_LATER = "set later"


def comment_of(line: str) -> str:
    """The comment part of a YAML line ('' if none); a '#' inside a quoted value is not a comment here (the file
    quotes no '#')."""
    at = line.find("#")
    return line[at + 1:] if at >= 0 else ""


def late_source_dates(text: str, cutoff: dt.date = CUTOFF) -> list[tuple[int, str]]:
    """(line number, date) of every cited source date after the cut-off, or not a real date."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        for found in SOURCE_DATE.findall(comment_of(line)):
            try:
                late = dt.date.fromisoformat(found) > cutoff
            except ValueError:
                late = True
            if late:
                problems.append((number, found))
    return problems


def undated_addresses(text: str) -> list[tuple[int, str]]:
    """(line number, address) of every address in a comment with no source date since the previous address (or
    the start of its comment block): each cited source carries its own date."""
    problems, dated = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        comment = comment_of(line)
        if not comment:
            dated = False  # a new comment block starts after a line without a comment
            continue
        position = 0
        for address in ADDRESS.finditer(comment):
            if SOURCE_DATE.search(comment, position, address.start()):
                dated = True
            if not dated:
                problems.append((number, address.group()))
            dated, position = False, address.end()
        if SOURCE_DATE.search(comment, position):
            dated = True
    return problems


def blocks(text: str) -> dict[str, str]:
    """Each top-level key with the comments that belong to it: the comment lines right above it (up to the
    previous key's last line) and every comment inside it."""
    result: dict[str, str] = {}
    pending: list[str] = []
    current = None
    for line in text.splitlines():
        key = TOP_LEVEL_KEY.match(line)
        if key:
            current = key.group(1)
            result[current] = "\n".join(pending) + "\n" + comment_of(line)
            pending = []
        elif line.startswith("#"):
            pending.append(line)
        elif current is not None:
            pending = []  # a comment above belongs to the next key only if nothing but comments follows it
            result[current] += "\n" + comment_of(line)
    return result


def unsupported_blocks(text: str) -> list[str]:
    """Top-level blocks holding values whose comments have neither a dated source nor the word ASSUMPTION."""
    return [key for key, comments in blocks(text).items()
            if key not in NOT_VALUES and not SOURCE_DATE.search(comments) and "ASSUMPTION" not in comments]


def driving_deadline_problems(data: dict) -> list[str]:
    """Deadlines neither set by an instrument known by the cut-off nor said to be "set later", and escalation
    reacting to any deadline set later."""
    problems, later = [], set()
    for deadline in data.get("deadlines", []):
        description = deadline.get("description", "")
        if SET_LATER in description:
            later.add(deadline["id"])
        elif not any(name in description for name in KNOWN_INSTRUMENTS):
            problems.append(f"deadline {deadline['id']} names no instrument of the cut-off and is not 'set later'")
    escalation = data.get("pressure", {}).get("escalation", {})
    if escalation.get("enabled"):
        named = escalation.get("on_deadlines")
        if named is None:
            problems.append("escalation reacts to every deadline, including those set later")
        else:
            problems += [f"escalation reacts to {name}, set after the cut-off" for name in named if name in later]
    return problems


# ------------------------------------------------------------------------------------------------------
# The scenario as shipped
# ------------------------------------------------------------------------------------------------------


def test_every_cited_source_is_dated_on_or_before_the_cut_off():
    text = PATH.read_text(encoding="utf-8")
    assert len(SOURCE_DATE.findall(text)) >= 15  # the convention is used, not merely not broken
    assert late_source_dates(text) == []
    assert undated_addresses(text) == []


def test_every_block_with_values_has_a_dated_source_or_an_assumption():
    text = PATH.read_text(encoding="utf-8")
    keys = set(blocks(text))
    assert {"start_date", "declaration", "sites", "lots", "facilities", "gates", "deadlines", "pressure"} <= keys
    assert unsupported_blocks(text) == []


def test_no_deadline_set_later_drives_the_forecast():
    data = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    assert driving_deadline_problems(data) == []
    later = [d["id"] for d in data["deadlines"] if SET_LATER in d["description"]]
    # they stay, for scoring: the backtest asks whether the forecast would have warned
    assert later == ["priority_removal_by_31_december", "removal_by_5_february"]
    assert all(d["date"] > CUTOFF for d in data["deadlines"] if d["id"] in later)
    named = data["pressure"]["escalation"]["on_deadlines"]
    assert set(named) == {d["id"] for d in data["deadlines"]} - set(later)


def test_the_destruction_waits_for_a_host_country_nobody_had_named():
    scenario = sim.load_scenario(PATH)
    gate = {g.id: g for g in scenario.gates}["host_country"]
    assert [f.id for f in scenario.facilities if "host_country" in f.gates] == ["hydrolysis"]
    names = [c.name for c in gate.candidates]
    assert not {"Norway", "Albania", "Belgium", "France", "United_States", "Cape_Ray"} & set(names)
    refusing = [c for c in gate.candidates if c.failure_probability > 0]
    assert len(refusing) >= 2  # the forecast carries the chance that the first states asked refuse


# ------------------------------------------------------------------------------------------------------
# The checks can fail
# ------------------------------------------------------------------------------------------------------


def test_a_source_dated_after_the_cut_off_is_reported():
    text = PATH.read_text(encoding="utf-8")
    later = text.replace("Huntsville Times [2013-09-05]", "Army News Service [2014-01-03]")
    assert later != text
    assert late_source_dates(later) == [(later[: later.index("[2014-01-03]")].count("\n") + 1, "2014-01-03")]
    assert late_source_dates(text.replace("[2013-09-05]", "[2013-09-31]"))  # not a date at all


def test_an_address_without_its_own_date_is_reported():
    text = PATH.read_text(encoding="utf-8")
    added = text.replace(
        "# ASSUMPTION: Latakia,",
        "# Latakia chosen (OPCW https://www.opcw.org/news/later-page)\n# ASSUMPTION: Latakia,")
    assert undated_addresses(added) == [(added[: added.index("OPCW https")].count("\n") + 1,
                                         "https://www.opcw.org/news/later-page)")]


def test_a_block_with_neither_a_dated_source_nor_an_assumption_is_reported():
    text = PATH.read_text(encoding="utf-8")
    bare = text.replace("# ASSUMPTION: Latakia, the government-held port nearest the sites, with one berth for "
                        "this work.", "# Latakia, with one berth for this work.")
    assert bare != text
    assert unsupported_blocks(bare) == ["port"]
    inside = text + "\nextra_block:\n  value: 3  # learned later\n"
    assert unsupported_blocks(inside) == ["extra_block"]


def test_escalation_on_a_deadline_set_later_is_reported():
    data = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    data["pressure"]["escalation"]["on_deadlines"].append("removal_by_5_february")
    assert driving_deadline_problems(data) == ["escalation reacts to removal_by_5_february, set after the cut-off"]
    del data["pressure"]["escalation"]["on_deadlines"]
    assert driving_deadline_problems(data) == ["escalation reacts to every deadline, including those set later"]
    data = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    data["deadlines"][5]["description"] = "EC-M-34/DEC.1: all chemicals but isopropanol out by 5 February 2014"
    assert driving_deadline_problems(data) == [
        "deadline removal_by_5_february names no instrument of the cut-off and is not 'set later'"]


def test_every_address_cited_is_listed_in_the_sources_page():
    text = PATH.read_text(encoding="utf-8")
    listed = (PATH.parent.parent / "docs" / "sources.md").read_text(encoding="utf-8")
    missing = sorted(a for a in {a.rstrip(").,;") for a in ADDRESS.findall(text)} if a not in listed)
    assert not missing, f"not in docs/sources.md: {missing}"
