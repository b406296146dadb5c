"""A readable summary of what the store holds, rebuilt from the events (for the CLI)."""

from __future__ import annotations

from collections import Counter
from typing import TypeVar
from uuid import UUID

from rich.console import Console
from rich.table import Table

from frispor.domain.aggregate import Aggregate, Corrected
from frispor.domain.application import Frispor
from frispor.domain.exemption import Exemption
from frispor.domain.goal import Goal
from frispor.domain.inspection import Inspection, Order
from frispor.domain.institution import Institution
from frispor.domain.municipalities import MUNICIPALITIES
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial
from frispor.domain.values import municipality_organisation
from frispor.projections.audit.record import load_record

A = TypeVar("A", bound=Aggregate)


def load_all(app: Frispor) -> tuple[dict[UUID, Aggregate], list[Corrected], Counter[str]]:
    """Every aggregate in the store, the corrections, and the count of events by type."""
    record = load_record(app)  # one pass over the log; states are replayed from it, not reloaded
    events = list(record.all_events())
    aggregates = {i: state for i in record.events if (state := record.state(i)) is not None}
    corrections = [e for e in events if isinstance(e, Corrected)]
    return aggregates, corrections, Counter(type(e).__qualname__ for e in events)


def _kommune(code: str) -> str:
    return f"{MUNICIPALITIES[code]} {code}"


def print_summary(app: Frispor, console: Console) -> None:
    """Print programmes, networks, trials, exemptions, inspections, goals and corrections."""
    aggs, corrections, counts = load_all(app)

    def of(kind: type[A]) -> list[A]:
        return [a for a in aggs.values() if isinstance(a, kind)]

    names = {a.id: _label(a) for a in aggs.values()}

    table = Table(title="Programmes, networks and partnerships", title_justify="left")
    for col in ("programme / network", "kind", "period or area", "members or protected rules"):
        table.add_column(col)
    for p in of(Programme):
        protected = ", ".join(sorted(p.protected_categories))
        limit = f"; ≤ {p.max_institutions} per municipality" if p.max_institutions else ""
        table.add_row(p.name, p.kind, str(p.period), f"protected: {protected}{limit}")
        for n in of(Network):
            if n.programme_id == p.id:
                members = ", ".join(_kommune(m) for m in n.municipalities)
                table.add_row(f"  {n.name}", n.kind, n.area, members)
    console.print(table)

    table = Table(title="Trials", title_justify="left")
    for col in ("trial", "network", "period", "status", "institutions"):
        table.add_column(col)
    for t in of(Trial):
        inst = [i.name for i in of(Institution) if i.trial_id == t.id]
        table.add_row(t.title, names[t.network_id], str(t.in_force), t.status, ", ".join(inst))
    console.print(table)

    table = Table(title="Exemptions", title_justify="left")
    for col in ("rule", "category", "for", "status", "grantor", "validity"):
        table.add_column(col)
    for x in of(Exemption):
        who = names.get(x.institution_id) if x.institution_id else _kommune(x.municipality)
        grantor = x.grantor or ""
        if grantor == municipality_organisation(x.municipality):
            grantor = f"council of {_kommune(x.municipality)}"
        table.add_row(str(x.rule), x.category, str(who), x.status, grantor, str(x.validity or ""))
    console.print(table)

    table = Table(title="Inspections and orders", title_justify="left")
    for col in ("institution", "announced (notice)", "performed", "assessment", "orders"):
        table.add_column(col)
    for i in of(Inspection):
        orders = [
            f"{o.status} (deadline {o.deadline})" for o in of(Order) if o.inspection_id == i.id
        ]
        notice = f"yes ({i.notice_date})" if i.announced else "no"
        table.add_row(
            names[i.institution_id],
            notice,
            str(i.performed_on or "—"),
            str(i.assessment or "—"),
            ", ".join(orders),
        )
    console.print(table)

    table = Table(title="Result goals", title_justify="left")
    for col in ("indicator", "baseline → target", "measurements", "on track"):
        table.add_column(col)
    for g in of(Goal):
        terms = g.terms
        values = ", ".join(f"{m.period.end}: {m.value}" for m in g.measurements)
        table.add_row(
            terms.indicator,
            f"{terms.baseline.value} → {terms.target.value} {terms.unit} ({terms.direction})",
            values,
            {True: "yes", False: "no", None: "—"}[g.on_track()],
        )
    console.print(table)

    for c in corrections:
        console.print(
            f"[bold]Correction[/] recorded {c.timestamp:%Y-%m-%d} on "
            f"{names.get(c.originator_id) or c.originator_id}: "
            f"'{c.field}' {c.old_value} → {c.new_value} — {c.reason}"
        )
    console.print(
        f"{sum(counts.values())} events in the store: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )


def _label(agg: Aggregate) -> str:
    if isinstance(agg, Goal):
        return f"goal '{agg.terms.indicator}'"
    return str(getattr(agg, "name", getattr(agg, "title", agg.id)))
