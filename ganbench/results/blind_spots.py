"""Compare's footnote on what each column cannot see, read from the stored calibrations.

``ganbench calibrate`` stores each data set's calibration as ``RESULTS_DIR/calibration/DATASET.json``
(``ganbench.engine.ladder_run``). When a table shows runs on a calibrated data set, this note names,
for each of its metric columns, the ladders (defects) that metric does not separate from clean data,
or even rewards, so that a reader does not take a column for evidence about a defect it is blind to.
Only stored figures are read: no sentence here is written by hand about a metric.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ganbench.ladders import CALIBRATION_FOLDER


def stored_calibrations(results_dir: Path | str) -> dict[str, dict[str, Any]]:
    """Data set name -> its calibration document; unreadable files are passed over (compare still prints).

    A data set calibrated both ways (DATASET.json, and DATASET+labels.json with class-conditional steps)
    gets one document: the unconditional one, plus the metrics only the conditional steps measure (CAS,
    intra-FID)."""
    found: dict[str, dict[str, Any]] = {}
    documents = [document for path in sorted((Path(results_dir) / CALIBRATION_FOLDER).glob("*.json"))
                 if (document := read_calibration(path)) is not None]
    for document in sorted(documents, key=lambda document: bool(document.get("conditional"))):
        earlier = found.get(document["dataset"])
        if earlier is None:
            found[document["dataset"]] = document
        else:
            extra = {name: figures for name, figures in document["metrics"].items() if name not in earlier["metrics"]}
            found[document["dataset"]] = {**earlier, "metrics": {**earlier["metrics"], **extra}}
    return found


def read_calibration(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(document, dict) and isinstance(document.get("metrics"), dict) and "dataset" in document:
        return document
    return None


def metric_blind_spots(calibration: dict[str, Any]) -> str:
    blind = [name for name in calibration.get("blind_to", []) if name not in calibration.get("rewards", [])]
    rewards = calibration.get("rewards", [])
    parts = []
    if blind:
        parts.append(f"blind to {', '.join(blind)}")
    if rewards:
        parts.append(f"rewards {', '.join(rewards)}")
    return "; ".join(parts)


def calibrated(datasets: list[str], results_dir: Path | str) -> list[tuple[str, dict[str, Any]]]:
    """(data set, its stored calibration) for each distinct data set of a table that has one."""
    calibrations = stored_calibrations(results_dir)
    return [(dataset, calibrations[dataset]) for dataset in dict.fromkeys(datasets) if dataset in calibrations]


def blind_spot_notes(datasets: list[str], metrics: list[str], results_dir: Path | str) -> list[str]:
    """One sentence per calibrated data set of the table, naming each shown metric's blind spots."""
    notes = []
    for dataset, document in calibrated(datasets, results_dir):
        readings = [f"{metric}: {text}" for metric in metrics
                    if metric in document["metrics"] and (text := metric_blind_spots(document["metrics"][metric]))]
        if readings:
            notes.append(f"Blind spots on {dataset} (ganbench calibrate, {document.get('seeds')} seeds: no ladder "
                         f"step separated from clean data after Holm): {'; '.join(readings)}.")
    return notes


def ladder_rows_note(controls: list[str | None]) -> list[str]:
    """What control:DEFECT@LEVEL rows are, when a table shows any."""
    from ganbench.ladders import is_labelled_step, is_step_name
    if not any(is_step_name(name) for name in controls):
        return []
    labelled = any(is_labelled_step(name) for name in controls)
    return ["Rows marked control:DEFECT@LEVEL are ladder steps (ganbench calibrate): real samples no generator "
            "trained on with one defect of that size; clean@0 is their undamaged foot (docs/metrics.md)"
            + ("; +labels: the step as a class-conditional generator, answering each asked class." if labelled
               else ".")]


def question_flags(asks_about: list[str], datasets: list[str], metrics: list[str],
                   results_dir: Path | str) -> list[str]:
    """One warning per calibrated data set whose shown metrics are blind to what the study asks about.

    A study names the defects its question is about (``[study] asks_about`` in its suite, ladder names):
    a column blind to one of them, or rewarding it, cannot answer that question on this data, whatever
    its stars say."""
    flags = []
    for dataset, document in calibrated(datasets, results_dir):
        misread = []
        for metric in metrics:
            reading = document["metrics"].get(metric, {})
            missed = [defect for defect in asks_about
                      if defect in reading.get("blind_to", []) or defect in reading.get("rewards", [])]
            if missed:
                misread.append(f"{metric} ({', '.join(missed)})")
        if misread:
            flags.append(f"⚠ This study asks about {', '.join(asks_about)}; on {dataset} the calibration "
                         f"({calibration_source(document)}) finds these columns blind to it: {'; '.join(misread)}. "
                         f"They are no evidence on that question; read it off the others.")
    return flags


def calibration_source(document: dict[str, Any]) -> str:
    """Where a stored calibration came from, for a footnote: its seeds and resolution."""
    resolution = document.get("resolution")
    return f"ganbench calibrate, {document.get('seeds')} seeds" + (f", {resolution} px" if resolution else "")
