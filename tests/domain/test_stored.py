"""The stored JSON of an event: what the mapper writes and rule 6 scans."""

from __future__ import annotations

import json
from datetime import date

from frispor.domain.commands import GrantExemption, RequestExemption
from frispor.domain.exemption import Exemption
from frispor.domain.mapper import decode_event, encode_event
from frispor.domain.values import Period, RuleCategory, RuleLevel
from tests.domain.builders import RULE, ctx, requested, world


def _requested() -> Exemption.Requested:
    w = world()
    x = Exemption.request(
        ctx("kommune:101"),
        w["programme"],
        w["trial"],
        RequestExemption(
            municipality="101",
            rule=RULE,
            level=RuleLevel.STATE,
            category=RuleCategory.TILSYNSFORM,
            description="første udgave",
        ),
    )
    event = x.collect_events()[0]
    assert isinstance(event, Exemption.Requested)
    return event


def _granted() -> Exemption.Granted:
    w = world()
    x = requested(w)
    x.collect_events()
    validity = Period(start=date(2018, 3, 1), end=date(2018, 12, 31))
    x.grant(ctx(), w["programme"], w["network"], w["trial"], GrantExemption(validity=validity))
    event = x.collect_events()[0]
    assert isinstance(event, Exemption.Granted)
    return event


def test_stored_json_holds_the_fields_but_not_the_columns() -> None:
    event = _requested()
    data = json.loads(encode_event(event))
    assert data["description"] == "første udgave"
    assert "originator_id" not in data and "originator_version" not in data
    again = decode_event(
        "frispor.domain.exemption:Exemption.Requested", event.originator_id, 1, encode_event(event)
    )
    assert again == event


def test_a_copy_that_changes_a_field_is_serialised_afresh() -> None:
    event = _requested()
    encode_event(event)  # cached now
    renumbered = event.model_copy(update={"originator_version": 7})
    assert encode_event(renumbered) == encode_event(event)
    changed = event.model_copy(update={"description": "anden udgave"})
    assert json.loads(encode_event(changed))["description"] == "anden udgave"


def test_a_later_schema_version_is_written_into_the_json() -> None:
    granted = _granted()
    stored = encode_event(granted)
    assert json.loads(stored)["class_version"] == Exemption.Granted.class_version
    topic = "frispor.domain.exemption:Exemption.Granted"
    assert decode_event(topic, granted.originator_id, granted.originator_version, stored) == granted
    # As the first encoder wrote it: the version last.
    last = json.dumps({k: v for k, v in json.loads(stored).items() if k != "class_version"})
    last = last[:-1] + ', "class_version": 2}'
    again = decode_event(topic, granted.originator_id, granted.originator_version, last.encode())
    assert again == granted


def test_facts_only_leaves_the_envelope_unread_and_reads_older_versions_whole() -> None:
    granted = _granted()
    topic, stored = "frispor.domain.exemption:Exemption.Granted", encode_event(granted)
    facts = decode_event(topic, granted.originator_id, 2, stored, facts_only=True)
    assert isinstance(facts, Exemption.Granted) and facts.envelope is None
    unread = {"envelope", "event_id"}
    assert facts.model_dump(exclude=unread) == granted.model_dump(exclude=unread)
    assert (facts.valid_from, facts.valid_to) == (granted.valid_from, granted.valid_to)
    # Written as version 1 (two loose dates): upcast, and read whole.
    v1 = json.loads(stored)
    del v1["class_version"]
    period = v1.pop("validity")
    v1["valid_from"], v1["valid_to"] = period["start"], period["end"]
    older = decode_event(topic, granted.originator_id, 2, json.dumps(v1).encode(), facts_only=True)
    assert older == granted
