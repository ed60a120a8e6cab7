"""The demo library (R14–R19): a catalogue, published schedules, the demo teacher in the access group, and
some assignments with openings — each part's own `ensure(actor)`, in the order they depend on."""
from __future__ import annotations

from importlib import import_module

from sreda.core.active_role import ActiveRole

PARTS = (
    "sreda.demo.library_catalogue",  # courses and lessons
    "sreda.demo.library_schedule",  # reporting periods, published lessons
    "sreda.demo.library_access",  # the demo teacher in «Педагоги. Доступ к УБ ЦОК»
    "sreda.demo.library_assignments",  # lessons assigned, opened, library visits
)


def demo_library_ensure(*, actor: ActiveRole) -> list[str]:
    """Idempotent; the messages of the parts that added something."""
    messages = []
    for module in PARTS:
        message = import_module(module).ensure(actor)
        if message:
            messages.append(message)
    return messages
