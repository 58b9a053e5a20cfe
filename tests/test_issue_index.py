"""The issue book's index of issues whose items are all declared (sim.model.issues.IssueBook.close_declared).

After an accepted amendment, every open issue not being answered whose items are all declared is amended too.
The book keeps the candidates up to date instead of scanning every issue (quadratic at scale); this checks, at
every call in replications of the shipped scenarios with concealment, that it settles exactly the issues the scan
over every issue would, in the order they were raised.
"""

from __future__ import annotations

import pytest

import sim
from conftest import ROOT
from sim.model import simulate
from sim.model.issues import AMENDED, IssueBook

SCENARIOS = ("syria_2013", "declaration_gaps", "secret_unit_dispersal", "stronger_verification", "worst_case")


def the_scan(book: IssueBook) -> list[str]:
    """What the scan over every issue settled (the code before the index)."""
    items = book.w.concealment.items
    return [issue.id for issue in book.issues.values()
            if issue.open and not issue.answering and issue.items and all(items[k].declared for k in issue.items)]


@pytest.mark.parametrize("name", SCENARIOS)
def test_close_declared_settles_what_a_scan_of_every_issue_would(name, monkeypatch):
    real_close, real_settle = IssueBook.close_declared, IssueBook.settle
    calls = {"close": 0, "settled": 0}
    closing: list[list[str]] = []

    def settle(book, issue, state, note=""):
        if closing and state == AMENDED:
            closing[-1].append(issue.id)
        real_settle(book, issue, state, note)

    def close_declared(book):
        expected = the_scan(book)
        closing.append([])
        real_close(book)
        settled = closing.pop()
        assert settled == expected
        assert the_scan(book) == []
        calls["close"] += 1
        calls["settled"] += len(settled)

    monkeypatch.setattr(IssueBook, "settle", settle)
    monkeypatch.setattr(IssueBook, "close_declared", close_declared)
    scenario = sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    for seed in range(25):
        simulate(scenario, seed)
    assert calls["close"] > 0  # the scenario amends: the index was exercised
    if name == "secret_unit_dispersal":  # hideouts shared by several issues: amending one closes others
        assert calls["settled"] > 0
