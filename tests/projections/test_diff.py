"""The diff read from the changed aggregates only equals the diff read from the whole log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from frispor.domain.aggregate import Aggregate, Envelope
from frispor.domain.application import Frispor
from frispor.domain.commands import Correct, EstablishProgramme
from frispor.domain.mapper import decode_event
from frispor.domain.values import Actor, LegalReference, Period, ProgrammeKind, Role
from frispor.projections.audit.between import READS_ENVELOPE, diff_between
from frispor.projections.audit.changed import changed_between, stored_events
from frispor.projections.audit.diff import Change, diff, fields
from frispor.projections.audit.record import load_changed, load_record, recorded_at
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.findings_runner import runner_for
from frispor.projections.maintenance import check, rebuild
from frispor.projections.timeline import corrected
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app


def both(app: Frispor, db: Database, earlier: datetime, later: datetime) -> list[Change]:
    """The fast diffs, after checking them against the whole-log diff field by field."""
    whole = [c.as_dict() for c in diff(load_record(app, later), earlier, later)]
    scanned = diff(load_changed(app, earlier, later), earlier, later)
    assert [c.as_dict() for c in scanned] == whole
    fast = diff_between(app, db, earlier, later)
    assert [c.as_dict() for c in fast] == whole
    return fast


def catch_up(app: Frispor, db: Database, until: int | None = None) -> None:
    """Bring the recorded-times read model to `until` (the head if None)."""
    runner_for(app, db, VIEWS["recorded"]).catch_up(until=until)


def moment(year: int, month: int) -> datetime:
    """The first of a month, UTC."""
    return datetime(year, month, 1, tzinfo=UTC)


def test_fast_diff_equals_the_whole_log_diff_on_the_demo(
    demo_store: tuple[Frispor, Database],
) -> None:
    app, db = demo_store
    catch_up(app, db)
    # The demo's one correction (a measurement of 70 % to 68 %) lies between these two.
    changes = both(app, db, moment(2018, 9), moment(2018, 10))
    corrected_ = [c for c in changes if c.kind == "Goal" and c.field == "measurements"]
    assert corrected_ and corrected_[0].details == [("measurements[1].value", "70", "68")]
    assert any(e["type"] == "Corrected" for e in corrected_[0].events)
    for earlier, later in ((2016, 1), (2018, 1)), ((2017, 6), (2019, 6)), ((2019, 1), (2030, 1)):
        both(app, db, moment(*earlier), moment(*later))


def test_events_decoded_without_their_envelope_replay_to_the_same_state(
    demo_store: tuple[Frispor, Database],
) -> None:
    # What lets the diff skip the envelope before the span: no apply step reads it, but those
    # of READS_ENVELOPE (decoded whole).
    app, _ = demo_store
    logs: dict[UUID, list[tuple[str, int, bytes]]] = {}
    for n in app.recorder.select_notifications(start=1, limit=10_000):
        logs.setdefault(UUID(str(n.originator_id)), []).append(
            (n.topic, n.originator_version, n.state)
        )
    for agg, log in logs.items():
        whole = [decode_event(t, agg, v, s) for t, v, s in log]
        facts = [decode_event(t, agg, v, s, facts_only=t not in READS_ENVELOPE) for t, v, s in log]
        assert fields(Aggregate.replay(corrected(facts))) == fields(
            Aggregate.replay(corrected(whole))
        )


def test_fast_diff_equals_the_whole_log_diff_on_a_synthetic_history(
    bulk: tuple[Frispor, Database],
) -> None:
    app, db = bulk
    catch_up(app, db)
    # Twenty template trials start until early 2017; some record corrections then.
    changes = both(app, db, moment(2017, 1), moment(2017, 4))
    # The same when the aggregates are split between this process and a second one.
    split = diff_between(app, db, moment(2017, 1), moment(2017, 4), processes=2)
    assert [c.as_dict() for c in split] == [c.as_dict() for c in changes]
    assert any(c.field == "(record)" and c.after == "created" for c in changes)
    assert any(e["type"].endswith("Corrected") for c in changes for e in c.events)
    assert len({c.aggregate_id for c in changes}) < len(load_record(app).events)
    assert both(app, db, moment(2018, 1), moment(2018, 7))
    assert both(app, db, moment(2030, 1), moment(2031, 1)) == []


def test_the_diff_reads_from_the_log_what_the_read_model_has_not_applied(
    bulk: tuple[Frispor, Database],
) -> None:
    app, db = bulk
    head = app.recorder.max_notification_id() or 0
    spans = (moment(2017, 1), moment(2017, 4)), (moment(2018, 1), moment(2018, 7))
    for until in (0, head // 3, head - 1, head):  # not at all, a third, all but one, all
        catch_up(app, db, until)
        for earlier, later in spans:
            assert both(app, db, earlier, later)


BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1")
MINISTRY = "Økonomi- og Indenrigsministeriet"


def test_events_recorded_after_the_later_moment_are_left_out(database_url: str) -> None:
    # Recorded time need not rise with version: here version 2 is recorded after the later
    # moment, version 3 between the two. The record at the later moment is versions 1 and 3.
    now = [moment(2017, 6)]
    app = open_app(store_env(database_url), clock=lambda: now[0])
    db = Database(database_url)
    ensure(db)
    try:
        envelope = Envelope(
            actor=Actor(id="u-1", role=Role.RECORDER, organisation=MINISTRY),
            legal_basis=(BASIS,),
            justification="j",
            decided_on=date(2017, 6, 1),
        )
        programme = EstablishProgramme(
            name="P",
            kind=ProgrammeKind.FRIKOMMUNE,
            enabling_act=BASIS,
            period=Period(start=date(2016, 1, 1), end=date(2021, 12, 31)),
            ministry=MINISTRY,
        )
        pid = app.establish_programme(envelope, programme).id
        established = app.history(pid)[0].event_id
        for recorded, field, value in (
            (2019, "name", "Q"),
            (2018, "max_institutions_per_municipality", 2),
        ):
            now[0] = moment(recorded, 3)
            correction = Correct(
                aggregate_id=pid, event_id=established, field=field, new_value=value, reason="r"
            )
            app.correct(envelope, correction)
        earlier, later = moment(2018, 1), moment(2018, 7)
        catch_up(app, db)
        assert changed_between(app, db, earlier, later) == {pid: 3}
        [log] = stored_events(db, {pid: 3}).values()
        assert [recorded_at(s.state).year for s in log] == [2017, 2019, 2018]
        changes = both(app, db, earlier, later)
        assert [(c.field, c.before, c.after) for c in changes] == [("max_institutions", None, 2)]
    finally:
        db.close()
        app.close()


def test_the_read_model_is_rebuilt_and_checked_like_the_others(
    demo_store: tuple[Frispor, Database],
) -> None:
    app, db = demo_store
    catch_up(app, db, until=20)
    assert rebuild(app, db, "recorded") == "view_recorded_2"
    result = check(app, db, "recorded")
    head = app.recorder.max_notification_id()
    assert result.differences == [] and result.rows == result.position == head
    assert both(app, db, moment(2018, 9), moment(2018, 10))
