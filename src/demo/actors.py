"""Who records in the frikommune demo, and the constants its scripts share."""

from __future__ import annotations

from uuid import UUID, uuid5

from frispor.demo.script import SERVICELOVEN, actor
from frispor.domain.values import LegalReference, RuleCategory

NAMESPACE = UUID("6f1d2f7e-2b2c-4a53-9d54-7a1f0f6e5a10")
PROGRAMME_ID = uuid5(NAMESPACE, "frikommuneforsoeg-ii")
OIM = "Økonomi- og Indenrigsministeriet"
CASEWORKER = actor("oim-sb-0141", OIM)
COUNCIL = actor("kk-suf-0007", "kommune:101", "Sundheds- og Omsorgsudvalget (delegation)")
INSPECTOR = actor("kk-tilsyn-0003", "kommune:101", "Tilsynsenheden, SUF")
TILSYN = LegalReference.parse(SERVICELOVEN, "§ 151", "serviceloven")
PROTECTED = (
    RuleCategory.MAGTANVENDELSE,
    RuleCategory.TILSYN,
    RuleCategory.KLAGEADGANG,
    RuleCategory.FORVALTNINGSLOVEN,
)
