"""The Dataset component contract."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from ganbench.contracts.component import Component
from ganbench.data.source import DataSource
from ganbench.data.spec import DataSpec


@dataclasses.dataclass(frozen=True)
class DataRequest:
    """What the run asks of a dataset."""

    resolution: int  # image side in pixels; ignored by vector data
    data_root: Path | None  # where file-based data sets look; None for embedded ones
    device: torch.device
    seed: int
    download: bool = False  # fetch the files when a download exists and the user asked for it


class Dataset(Component):
    """Gives a DataSpec and a DataSource. ``embedded`` data sets need no file and no network."""

    embedded: bool = True
    kind: str = "image"  # "image" or "vector"; shown by ``ganbench list``

    @classmethod
    def kind_label(cls) -> str:
        return "dataset"

    def load(self, request: DataRequest) -> DataSource:
        """Read (or make) the data and return a source of batches on ``request.device``: a
        TensorSource for data that fits in memory, a StreamingSource otherwise. Called once at set-up;
        a missing file is a DataError that says which files to put where."""
        raise NotImplementedError

    def spec(self, request: DataRequest) -> DataSpec:
        """The spec without loading the data, when cheap; defaults to loading. Called by tools that
        only need the shape (the contract checks, ``ganbench list``)."""
        return self.load(request).spec

    def data_files(self, request: DataRequest) -> list[Path] | None:
        """The files ``load`` would read for ``request``, found without reading them; their names
        (relative to the data root), sizes and contents make the fingerprint that is part of the run
        id. Called when a run's configuration is resolved, only for data sets that are not
        ``embedded`` and have a data root. None (the default): every file under the data root."""
        return None
