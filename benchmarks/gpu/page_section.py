"""The section of a results page that says what the GPU script measured, rendered from its figures
file (results/gpu/*.json), or that it has not run. No number on a page is typed by hand: the page
holds a block

    <!-- ganbench gpu results/gpu/pacgan-ring.json -->
    ...
    <!-- end gpu -->

and ``python -m benchmarks.render_results`` puts :func:`render` of the named file between the markers.
"""

from __future__ import annotations

import json
from pathlib import Path

NOT_RUN = ("Not run: no GPU was lent to this project yet. On a machine with one, `python -m benchmarks.gpu "
           "--minutes 8` (docs/gpu.md) fills this section.\n")


def render(figures: Path) -> str:
    """Markdown for the figures file ``figures``: a reproduction's or the speed benchmark's."""
    if not figures.is_file():
        return NOT_RUN
    data = json.loads(figures.read_text(encoding="utf-8"))
    return render_speed(data) if data.get("kind") == "speed" else render_reproduction(data)


def provenance(data: dict) -> str:
    return (f"Measured on {data['device_name']} ({data['device']}, torch {data['torch']}) on {data['date']} "
            f"with `{data['command']}`")


def render_reproduction(data: dict) -> str:
    if data.get("skipped"):
        return f"{provenance(data)}: not run, {data['skipped']}\n"
    counts = data["runs"]
    changed = ", ".join(f"{key} = {value}" for key, value in data["overrides"].items())
    settings = f"the suite's `[budgets.gpu]` settings" + (f" with {changed} instead" if changed else "")
    lines = [f"{provenance(data)}, at {settings} ({data['steps']} steps, {data['seeds']} seed{'s' if data['seeds'] != 1 else ''}): "
             f"{counts['finished']} of {counts['planned']} runs finished (controls included), "
             f"{counts['failed']} failed, {counts['not_finished']} not run within the time given "
             f"({data['minutes_given']} minutes for the whole script).", ""]
    if counts["not_finished"]:
        lines += ["Partial: each row's n is the number of its seeds that finished; the verdict rule of the "
                  "suite needs all of them.", ""]
    compared = data["comparison"]
    lines.append(compared["markdown"].rstrip() if compared["markdown"] else f"No table: {compared['why_none']}")
    return "\n".join(lines) + "\n"


def render_speed(data: dict) -> str:
    if data.get("skipped"):
        return f"{provenance(data)}: not run, {data['skipped']}\n"
    return (f"{provenance(data)}: dcgan {data['resolution']} px, batch {data['batch_size']}, {data['steps']} steps "
            f"on the {data['data']}: ganbench {data['ganbench_img_s']:.0f} img/s, the reference loop "
            f"{data['reference_img_s']:.0f} img/s, ratio {data['ratio_loop']:.2f}x (training loop) and "
            f"{data['ratio_end_to_end']:.2f}x (end to end, set-up and data loading included).\n")
