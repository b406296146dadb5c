"""The synthetic histories now live in frispor.demo.synthetic (`frispor demo --synthetic N`)."""

from __future__ import annotations

from frispor.demo.synthetic import EVENTS_PER_TRIAL, START, cvr, frame, generate, trial

__all__ = ["EVENTS_PER_TRIAL", "START", "cvr", "frame", "generate", "trial"]
