"""What the serving database role could do to the append-only tables, said in one line.

The triggers refuse UPDATE, DELETE and TRUNCATE, but a superuser, or the tables' owner, can
disable them; a role granted UPDATE or DELETE only needs the triggers gone. The recommended
deployment serves as a role with INSERT and SELECT only (docs/operations-postgres.md).
"""

from __future__ import annotations

from frispor.ledger.schema import GUARDED
from frispor.store.env import EVENTS_TABLE_POSTGRES
from frispor.store.session import Session

__all__ = ["privilege_warning"]

_TABLES = (EVENTS_TABLE_POSTGRES, *GUARDED)
_POWERS = """SELECT c.relname, has_table_privilege(c.oid, 'UPDATE'),
has_table_privilege(c.oid, 'DELETE'), has_table_privilege(c.oid, 'TRUNCATE'),
pg_has_role(c.relowner, 'USAGE')
FROM pg_class c WHERE c.relkind IN ('r', 'p') AND c.relname = ANY(%s)
AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
ORDER BY c.relname"""


def privilege_warning(db: Session) -> str | None:
    """A warning naming what this connection's role may change or unguard, or None if nothing."""
    if not db.is_postgres:
        return None  # SQLite: whoever may write the file may change it; no roles to check
    with db.transaction():
        [(role, superuser)] = db.query(
            "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
        )
        rows = db.query(_POWERS, [list(_TABLES)])
    if superuser:
        powers = ["is a superuser (may disable every trigger)"]
    else:
        powers = []
        for name, update, delete, truncate, owner in rows:
            can = [op for op, ok in (("UPDATE", update), ("DELETE", delete)) if ok]
            can += ["TRUNCATE"] if truncate else []
            can += ["disable its triggers (owner)"] if owner else []
            if can:
                powers.append(f"{name}: {', '.join(can)}")
    if not powers:
        return None
    return (
        f"the database role {role} can change or remove stored events or ledger rows "
        f"({'; '.join(powers)}): the append-only guard rests on the operator alone; serve as "
        "a role with INSERT and SELECT only (docs/operations-postgres.md)"
    )
