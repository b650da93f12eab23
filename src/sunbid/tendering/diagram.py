"""The tender state machine drawn from its transition table, for the docs."""

from __future__ import annotations

from sunbid.tendering.model import TRANSITIONS


def mermaid() -> str:
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for (state, action), target in TRANSITIONS.items():
        if state != target:
            lines.append(f"    {state} --> {target}: {action}")
    for end in ("cancelled", "terminated"):
        lines.append(f"    {end} --> [*]")
    return "\n".join(lines) + "\n"


def markdown() -> str:
    rows = "\n".join(f"| {s} | {a} | {t} |" for (s, a), t in TRANSITIONS.items())
    return (
        "# The tender state machine\n\n"
        "Drawn from `sunbid.tendering.model.TRANSITIONS` by `sunbid docs`; a test keeps this file in step.\n"
        "Any (state, action) pair not listed is refused with `transition_not_allowed`, or with\n"
        "`tender_suspended` while an objection is unanswered (《招标投标法实施条例》第二十二条).\n\n"
        f"```mermaid\n{mermaid()}```\n\n"
        "| state | action | next state |\n|---|---|---|\n"
        f"{rows}\n"
    )
