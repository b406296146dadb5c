"""Words and dates for people: Danish first, English on request; times in Copenhagen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
LANGUAGES = ("da", "en")
MONTHS = {
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "en": "January February March April May June July August September October November December",
}

# Each label: (Danish, English). Unknown keys are shown as they are.
LABELS: dict[str, tuple[str, str]] = {
    # pages and fields
    "trials": ("Forsøg", "Trials"),
    "trial": ("Forsøg", "Trial"),
    "findings": ("Fund", "Findings"),
    "exports": ("Udtræk", "Exports"),
    "event": ("Hændelse", "Event"),
    "changes": ("Hvad ændrede sig", "What changed"),
    "sign_in": ("Log ind", "Sign in"),
    "sign_out": ("Log ud", "Sign out"),
    "token": ("Adgangsnøgle (bearer token)", "Access token (bearer token)"),
    "as_of": ("Som gældende den", "As of"),
    "known_at": ("Som kendt den", "As known at"),
    "now": ("nu", "now"),
    "show": ("Vis", "Show"),
    "search": ("Søg i titel", "Search title"),
    "programme": ("Program", "Programme"),
    "network": ("Netværk", "Network"),
    "area": ("Område", "Area"),
    "municipality": ("Kommune", "Municipality"),
    "municipalities": ("Kommuner", "Municipalities"),
    "state": ("Tilstand", "State"),
    "any": ("alle", "any"),
    "period": ("Periode", "Period"),
    "purpose": ("Formål", "Purpose"),
    "legal_basis": ("Hjemmel", "Legal basis"),
    "institutions": ("Institutioner", "Institutions"),
    "exemptions": ("Fritagelser", "Exemptions"),
    "timeline": ("Tidslinje", "Timeline"),
    "goals": ("Resultatmål", "Result goals"),
    "inspections": ("Tilsyn", "Inspections"),
    "orders": ("Påbud", "Orders"),
    "deadline": ("Frist", "Deadline"),
    "outcome": ("Udfald", "Outcome"),
    "severity": ("Alvor", "Severity"),
    "kind": ("Art", "Kind"),
    "day": ("Dag", "Day"),
    "events": ("Hændelser", "Events"),
    "next": ("Næste side", "Next page"),
    "previous": ("Forrige side", "Previous page"),
    "first": ("Første side", "First page"),
    "baseline": ("Udgangspunkt", "Baseline"),
    "target": ("Mål", "Target"),
    "measured": ("Målt", "Measured"),
    "value": ("Værdi", "Value"),
    "replaced": ("Erstattede", "Replaced"),
    "corrected": ("rettet", "corrected"),
    "better": ("Bedre er", "Better is"),
    "higher": ("højere", "higher"),
    "lower": ("lavere", "lower"),
    "announced": ("anmeldt", "announced"),
    "unannounced": ("uanmeldt", "unannounced"),
    "running": ("i gang", "running"),
    "ended": ("afsluttet", "ended"),
    "permanent": ("gjort permanent", "made permanent"),
    "not started": ("ikke begyndt", "not started"),
    "high": ("høj", "high"),
    "medium": ("middel", "medium"),
    "low": ("lav", "low"),
    "open": ("åbent", "open"),
    "complied": ("efterlevet", "complied"),
    "escalated": ("eskaleret", "escalated"),
    "requested": ("ansøgt", "requested"),
    "granted": ("bevilget", "granted"),
    "rejected": ("afslået", "rejected"),
    "revoked": ("tilbagekaldt", "revoked"),
    "expired": ("udløbet", "expired"),
    "planned": ("planlagt", "planned"),
    "performed": ("gennemført", "performed"),
    "approved": ("godkendt", "approved"),
    "extended": ("forlænget", "extended"),
    # assessments of inspections
    "none": ("ingen problemer", "no problems"),
    "minor": ("mindre problemer", "minor problems"),
    "major": ("større problemer", "major problems"),
    "critical": ("kritiske problemer", "critical problems"),
    "ingen": ("ingen problemer", "no problems"),
    "mindre": ("mindre problemer", "minor problems"),
    "stoerre": ("større problemer", "major problems"),
    "kritiske": ("kritiske problemer", "critical problems"),
    # finding kinds
    "announced-without-exemption": (
        "Anmeldt tilsyn uden gældende fritagelse",
        "Announced inspection without an exemption in force",
    ),
    "exemption-outside-trial": (
        "Fritagelse gældende uden for forsøgsperioden",
        "Exemption in force outside its trial's period",
    ),
    "incompetent-grantor": (
        "Bevilget af en inkompetent myndighed",
        "Granted by an incompetent grantor",
    ),
    "goal-not-measured": (
        "Resultatmål ikke målt så ofte som fastsat",
        "Result goal not measured as often as set",
    ),
    "measurement-outside-trial": (
        "Måling uden for forsøgsperioden",
        "Measurement outside the trial period",
    ),
    "order-overdue": ("Påbud over fristen uden opfølgning", "Order past its deadline"),
    "retroactive-correction": ("Tidligere registrering rettet", "Earlier record corrected"),
    "late-recording": (
        "Registreret længe efter virkningsdagen",
        "Recorded long after it took effect",
    ),
    # event types
    "Programme.Established": ("Program oprettet", "Programme established"),
    "Network.Designated": ("Netværk udpeget", "Network designated"),
    "Trial.Approved": ("Forsøg godkendt", "Trial approved"),
    "Trial.Extended": ("Forsøg forlænget", "Trial extended"),
    "Trial.Ended": ("Forsøg afsluttet", "Trial ended"),
    "Trial.EvaluationPublished": ("Evaluering offentliggjort", "Evaluation published"),
    "Institution.Enrolled": ("Institution optaget", "Institution enrolled"),
    "Exemption.Requested": ("Fritagelse ansøgt", "Exemption requested"),
    "Exemption.Granted": ("Fritagelse bevilget", "Exemption granted"),
    "Exemption.Rejected": ("Fritagelse afslået", "Exemption rejected"),
    "Exemption.Amended": ("Fritagelse ændret", "Exemption amended"),
    "Exemption.Revoked": ("Fritagelse tilbagekaldt", "Exemption revoked"),
    "Exemption.Expired": ("Fritagelse udløbet", "Exemption expired"),
    "Goal.Set": ("Resultatmål fastsat", "Goal set"),
    "Goal.Revised": ("Resultatmål revideret", "Goal revised"),
    "Goal.MeasurementRecorded": ("Måling registreret", "Measurement recorded"),
    "Inspection.Planned": ("Tilsyn planlagt", "Inspection planned"),
    "Inspection.Performed": ("Tilsyn gennemført", "Inspection performed"),
    "Inspection.ReportPublished": ("Tilsynsrapport offentliggjort", "Inspection report published"),
    "Order.Issued": ("Påbud givet", "Order issued"),
    "Order.CompliedWith": ("Påbud efterlevet", "Order complied with"),
    "Order.Escalated": ("Påbud eskaleret", "Order escalated"),
    "Corrected": ("Rettelse", "Correction"),
    "Trial.MadePermanent": ("Forsøg gjort permanent", "Trial made permanent"),
    "Trial.ExemptionFiled": ("Fritagelse tilknyttet forsøg", "Exemption filed with trial"),
    "Network.InstitutionCounted": ("Institution talt i netværk", "Institution counted"),
    "Complaint.Received": ("Klage modtaget", "Complaint received"),
    "Complaint.Decided": ("Klage afgjort", "Complaint decided"),
    "Export.Recorded": ("Udtræk registreret", "Export recorded"),
}


def label(key: Any, lang: str) -> str:
    """The word for a key in the language (the key itself if none is known)."""
    text = str(key)
    if text.endswith(".Corrected"):
        text = "Corrected"
    pair = LABELS.get(text)
    return text if pair is None else pair[0 if lang == "da" else 1]


def day(value: date | str | None, lang: str = "da", long: bool = False) -> str:
    """A date as Danes write it: 12.06.2018, or 12. juni 2018 (English: 12 June 2018)."""
    if value is None or value == "":
        return "—"
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if d.year >= 9999:
        return "—"
    if not long:
        return f"{d.day:02}.{d.month:02}.{d.year}"
    month = MONTHS[lang].split()[d.month - 1]
    return f"{d.day}. {month} {d.year}" if lang == "da" else f"{d.day} {month} {d.year}"


def moment(value: datetime | str | None) -> str:
    """A recorded time in Copenhagen with its offset: 14.09.2018 12:00:00 +02:00."""
    if value is None or value == "":
        return "—"
    m = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if m.year >= 9999:
        return "—"
    local = (m if m.tzinfo else m.replace(tzinfo=UTC)).astimezone(COPENHAGEN)
    offset = local.strftime("%z")
    return f"{local:%d.%m.%Y %H:%M:%S} {offset[:3]}:{offset[3:]}"


def reference(ref: dict[str, Any]) -> str:
    """A legal reference as Danes cite it: title § 151 a, stk. 2, nr. 1, 1. pkt."""
    parts = []
    if ref.get("paragraph"):
        parts.append(f"§ {ref['paragraph']}" + (f" {ref['letter']}" if ref.get("letter") else ""))
    parts += [f"{k}. {ref[k]}" for k in ("stk", "nr") if ref.get(k)]
    if ref.get("pkt"):
        parts.append(f"{ref['pkt']}. pkt.")
    name = ref.get("text") or ref.get("title") or str(ref.get("act", "")).split("/eli/")[-1]
    return " ".join([name, ", ".join(parts)]).strip()
