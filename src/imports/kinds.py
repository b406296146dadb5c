"""What an import can hold: one kind per decision, its body, its references and its use case."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model

from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor, Written
from frispor.imports.cells import Column, columns

Run = Callable[[Frispor, Envelope, Mapping[str, UUID], Any], Written]
KEY_FIELDS = ("import_key",)


@dataclass(frozen=True)
class Kind:
    """One kind of decision: the API body it reads, what it refers to, and its use case."""

    name: str
    body: type[BaseModel]
    run: Run
    summary: str
    # Columns naming another line by its key (or an id): column → the kind that made it.
    refs: Mapping[str, str] = field(default_factory=dict)
    optional_refs: frozenset[str] = frozenset()
    # A body field that holds a reference's id (TrialCreate.network_id): column → field.
    ref_fields: Mapping[str, str] = field(default_factory=dict)
    corrects: bool = False  # its `corrects_kind` and `corrects` name the line it corrects

    def reference_columns(self) -> list[str]:
        """The columns that refer to other lines."""
        return [*self.refs, *(["corrects_kind", "corrects"] if self.corrects else [])]

    def line_model(self) -> type[BaseModel]:
        """One JSON line of this kind: the command's name, keys and references, the body."""
        hidden = set(self.ref_fields.values())
        fields: dict[str, Any] = {
            "command": (Literal[self.name], Field(description=self.summary)),
            "import_key": (
                str | None,
                Field(
                    default=None,
                    max_length=100,
                    description="the line's own key; without it, its case_number",
                ),
            ),
        }
        for column in self.reference_columns():
            optional = column in self.optional_refs
            fields[column] = (
                str | None if optional else str,
                Field(
                    default=None if optional else ...,
                    description="the import_key or case number of the line it refers to, or an id",
                ),
            )
        for name, info in self.body.model_fields.items():
            if name not in hidden:
                fields[name] = (info.annotation, info)
        title = "".join(p.capitalize() for p in self.name.split("-")) + "Line"
        return create_model(title, __config__=ConfigDict(extra="forbid"), **fields)

    def csv_columns(self) -> list[Column]:
        """The template's columns, references and key first."""
        refs = [
            Column((c,), "text", None, c not in self.optional_refs)
            for c in self.reference_columns()
        ]
        hidden = set(self.ref_fields.values())
        body = [c for c in columns(self.body) if c.path[0] not in hidden]
        return [*refs, Column(("import_key",), "text"), *body]

    def template(self) -> str:
        """A CSV template: the header row, `;`-separated as Danish spreadsheets write it."""
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\n").writerow(
            c.name for c in self.csv_columns()
        )
        return out.getvalue()


def lines_schema(kinds: Mapping[str, Kind]) -> dict[str, Any]:
    """The JSON Schema of one line of a JSON Lines import: any kind, told apart by `command`."""
    models = tuple(kind.line_model() for kind in kinds.values())
    line: Any = Annotated[Union[models], Field(discriminator="command")]  # noqa: UP007
    schema = TypeAdapter(line).json_schema()
    schema["title"] = "frispor import line"
    schema["description"] = "One decision per line: the API's body, its command and references."
    return schema
