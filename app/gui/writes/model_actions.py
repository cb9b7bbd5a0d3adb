"""Run → Apply a model file…: the console's "Validate & Update", through the window's write door
(its plan: the model's changes and verdict, what is not carried, the gates; then one confirmation)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.engine.ops.modelapply import apply_model, model_source
from app.errors import PromoterError
from app.gui.runtime import messages
from app.gui.writes.write_door import WriteDoor
from app.modelcheck import load_model_file
from app.profile import Profile


def apply_model_file(
    parent: QWidget, door: WriteDoor, profile: Profile | None, say: Callable[[str], None]
) -> None:
    """Ask for a model file, then open its plan for *profile* (the environment selected)."""
    if profile is None:
        messages.show_error(parent, "Select the environment whose model to update first.")
        return
    chosen = messages.ask_open_file(parent, f"Apply a model file to {profile.name}", "Model files (*.json)")
    if not chosen:
        return
    try:
        model = load_model_file(Path(chosen))
    except PromoterError as exc:  # not JSON, not a model: said, nothing read or written
        messages.show_error(parent, exc.message)
        return
    label = f"model file {Path(chosen).name}"
    ctx = door.ctx
    say(f"Planning: {label} → {profile.name}…")
    door.open(
        profile,
        "model",
        "Apply model",
        lambda: model_source(model, label),
        lambda consent, stamp, listen, cancel: apply_model(
            ctx, profile, model, consent, listen, cancel, label=label, expect_stamp=stamp
        ),
    )
