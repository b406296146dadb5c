"""The bulk copier now lives in frispor.demo.bulk (`frispor demo --synthetic N`)."""

from __future__ import annotations

from frispor.demo.bulk import TEMPLATES, Template, build_template, copy_trial, generate_bulk

__all__ = ["TEMPLATES", "Template", "build_template", "copy_trial", "generate_bulk"]
