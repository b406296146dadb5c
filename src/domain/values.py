"""Value objects and enumerations of the trials: codes, references, periods, actors."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from frispor.domain.errors import InvalidValueError
from frispor.domain.municipalities import MUNICIPALITIES


class Value(BaseModel):
    """Base of immutable value objects: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ProgrammeKind(StrEnum):
    FRIKOMMUNE = "frikommune"
    FRIINSTITUTION = "friinstitution"


class NetworkKind(StrEnum):
    NETWORK = "network"
    PARTNERSHIP = "partnership"


class Area(StrEnum):
    AELDRE = "aeldre"
    DAGTILBUD = "dagtilbud"
    BOTILBUD = "botilbud"
    BOLIG = "bolig"
    BESKAEFTIGELSE = "beskaeftigelse"
    SAMMENHAENG = "sammenhaeng"
    SUNDHED = "sundhed"
    SKOLE = "skole"


class RuleLevel(StrEnum):
    STATE = "state"
    MUNICIPAL = "municipal"
    LOCAL = "local"


class RuleCategory(StrEnum):
    MAGTANVENDELSE = "magtanvendelse"
    TILSYN = "tilsyn"
    TILSYNSFORM = "tilsynsform"
    KLAGEADGANG = "klageadgang"
    FORVALTNINGSLOVEN = "forvaltningsloven"
    DOKUMENTATION = "dokumentation"
    REGISTRERING = "registrering"
    KVALITETSSTANDARD = "kvalitetsstandard"
    VISITATION = "visitation"
    YDELSER = "ydelser"
    PERSONALE = "personale"
    BOLIG = "bolig"
    OEKONOMI = "oekonomi"
    ANDET = "andet"


class InstitutionKind(StrEnum):
    PLEJEHJEM = "plejehjem"
    DAGTILBUD = "dagtilbud"
    BOTILBUD = "botilbud"
    HJEMMEPLEJE = "hjemmepleje"
    BOLIG = "bolig"
    ANDET = "andet"


class Ownership(StrEnum):
    KOMMUNAL = "kommunal"
    SELVEJENDE = "selvejende"
    PRIVAT = "privat"
    REGIONAL = "regional"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        """How many months may pass between two measurements."""
        return {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}[self.value]


class Quality(StrEnum):
    FINAL = "final"
    PROVISIONAL = "provisional"
    ESTIMATED = "estimated"
    UNRELIABLE = "unreliable"


class InspectionKind(StrEnum):
    PLANNED = "planned"
    REACTIVE = "reactive"


class Assessment(StrEnum):
    """The inspecting authority's overall assessment (ingen/mindre/større/kritiske problemer)."""

    INGEN = "ingen"
    MINDRE = "mindre"
    STOERRE = "stoerre"
    KRITISKE = "kritiske"


class EvaluationKind(StrEnum):
    MIDTERM = "midterm"
    FINAL = "final"


class ComplaintOutcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"


class Role(StrEnum):
    RECORDER = "recorder"
    AUDITOR = "auditor"
    AUTHORITY = "authority"
    ADMIN = "admin"


def check_municipality(code: str) -> str:
    """A known three-digit kommunekode."""
    if code not in MUNICIPALITIES:
        raise InvalidValueError(
            f"unknown municipality code {code!r}: not one of the 98 kommunekoder",
            field="municipality",
            value=code,
        )
    return code


def check_cvr(cvr: str) -> str:
    """Eight digits whose modulus-11 sum with weights 2,7,6,5,4,3,2,1 is zero."""
    if not re.fullmatch(r"[1-9]\d{7}", cvr):
        raise InvalidValueError(f"CVR {cvr!r} is not 8 digits", field="cvr", value=cvr)
    total = sum(int(d) * w for d, w in zip(cvr, (2, 7, 6, 5, 4, 3, 2, 1), strict=True))
    if total % 11:
        raise InvalidValueError(
            f"CVR {cvr!r} fails the modulus-11 check digit", field="cvr", value=cvr
        )
    return cvr


def check_p_number(p_number: str) -> str:
    """Ten digits (production unit number)."""
    if not re.fullmatch(r"\d{10}", p_number):
        raise InvalidValueError(
            f"P-nummer {p_number!r} is not 10 digits", field="p_number", value=p_number
        )
    return p_number


MunicipalityCode = Annotated[str, AfterValidator(check_municipality)]
Cvr = Annotated[str, AfterValidator(check_cvr)]
PNumber = Annotated[str, AfterValidator(check_p_number)]
Text = Annotated[str, Field(min_length=1, max_length=10_000)]
Name = Annotated[str, Field(min_length=1, max_length=500)]

ELI = re.compile(
    r"(?:https?://(?:www\.)?retsinformation\.dk/)?(eli/[a-z]+/\d{4}/\d+)"
    r"|(https?://data\.europa\.eu/eli/[a-z]+/\d{4}/\d+(?:/[a-z]+)?)"
)
PARAGRAPH = re.compile(r"(\d{1,4})\s*([a-z])?")


@lru_cache(maxsize=4096)  # the same few acts recur in every event's legal basis
def check_eli(act: str) -> str:
    """An ELI URI of retsinformation.dk (or EUR-Lex), normalised to its full form."""
    m = ELI.fullmatch(act.strip())
    if not m:
        raise InvalidValueError(
            f"{act!r} is not an ELI reference such as 'https://www.retsinformation.dk/eli/lta/2017/658'",
            field="act",
            value=act,
        )
    return f"https://www.retsinformation.dk/{m[1]}" if m[1] else m[2]


class LegalReference(Value):
    """A rule named by its act (ELI URI) and a structured § path: § 25 a, stk. 3, nr. 2, 1. pkt."""

    act: Annotated[str, AfterValidator(check_eli)]
    title: str | None = Field(default=None, max_length=300)
    paragraph: int | None = Field(default=None, ge=1, le=9999)
    letter: str | None = Field(default=None, pattern=r"^[a-z]$")
    stk: int | None = Field(default=None, ge=1, le=999)
    nr: int | None = Field(default=None, ge=1, le=999)
    pkt: int | None = Field(default=None, ge=1, le=99)

    @model_validator(mode="after")
    def _path_is_nested(self) -> LegalReference:
        if self.paragraph is None and any((self.letter, self.stk, self.nr, self.pkt)):
            raise InvalidValueError(
                "a legal reference with stk., nr., pkt. or a letter needs its §",
                field="paragraph",
            )
        return self

    @classmethod
    def parse(cls, act: str, path: str = "", title: str | None = None) -> LegalReference:
        """Parse a Danish § path such as '§ 83 a, stk. 2, nr. 1, 1. pkt.'."""
        fields: dict[str, Any] = {"act": act, "title": title}
        for part in (p.strip() for p in path.split(",") if p.strip()):
            if part.startswith("§"):
                m = PARAGRAPH.fullmatch(part[1:].strip())
                if not m:
                    raise InvalidValueError(f"cannot read the § in {path!r}", field="paragraph")
                fields["paragraph"], fields["letter"] = int(m[1]), m[2]
            elif m := re.fullmatch(r"(stk|nr)\.\s*(\d+)", part):
                fields[m[1]] = int(m[2])
            elif m := re.fullmatch(r"(\d+)\.\s*pkt\.?", part):
                fields["pkt"] = int(m[1])
            else:
                raise InvalidValueError(f"cannot read {part!r} in {path!r}", field="path")
        try:
            return cls(**fields)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "act"
            raise InvalidValueError(
                first["msg"].removeprefix("Value error, "), field=field
            ) from None

    @property
    def path(self) -> str:
        """The § path rendered the Danish way."""
        parts = []
        if self.paragraph is not None:
            parts.append(f"§ {self.paragraph}" + (f" {self.letter}" if self.letter else ""))
        if self.stk is not None:
            parts.append(f"stk. {self.stk}")
        if self.nr is not None:
            parts.append(f"nr. {self.nr}")
        if self.pkt is not None:
            parts.append(f"{self.pkt}. pkt.")
        return ", ".join(parts)

    def __str__(self) -> str:
        name = self.title or self.act
        return f"{name} {self.path}".strip()


class Period(Value):
    """A closed period of days, start ≤ end."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise InvalidValueError(
                f"period ends {self.end} before it starts {self.start}",
                field="end",
                value=str(self.end),
            )
        return self

    def contains(self, other: Period) -> bool:
        """Whether the other period lies wholly inside this one."""
        return self.start <= other.start and other.end <= self.end

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start} → {self.end}"


class Actor(Value):
    """Who recorded a decision: a pseudonymous id, a role and an organisation; never a CPR."""

    id: Name
    role: Role
    organisation: Name
    mandate: str | None = Field(default=None, max_length=500)


def municipality_organisation(code: str) -> str:
    """The organisation id of a municipality (its council and delegates act for it)."""
    return f"kommune:{code}"
