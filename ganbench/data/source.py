"""Where training batches come from: a tensor held on the device, or a streaming loader."""

from __future__ import annotations

from typing import Iterator

import torch

from ganbench.data.spec import DataSpec
from ganbench.data.subset import REFERENCES
from ganbench.errors import DataError


class DataSource:
    """Batches of ``(x, y)``: x float in [-1, 1], y int64 labels or None."""

    spec: DataSpec

    def sample(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A random batch ``(x, y)`` on the training device; ``y`` is None for unlabelled data."""
        raise NotImplementedError

    def all_data(self, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Up to ``limit`` real samples (for evaluators), on the source's device: the whole data set,
        even when training draws from a subset of it."""
        raise NotImplementedError

    def training_data(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The samples training draws from (the memorizer control copies these); ``all_data`` unless
        the data set trains on a subset."""
        return self.all_data()

    def held_out_data(self) -> tuple[torch.Tensor, torch.Tensor | None] | None:
        """The samples training never draws (a training subset's complement), or None where training
        draws from everything: the reference a copying test needs."""
        return None

    def whole_data(self, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Up to ``limit`` of every sample of the data set, training and held-out alike: what a measuring
        instrument (a feature classifier) is fitted on, whichever part the evaluators compare against.
        ``all_data`` unless the evaluators read only the held-out part."""
        return self.all_data(limit)

    def reference_description(self) -> str:
        """What ``all_data`` is, for the evaluators' protocols."""
        return "the run's data"

    def class_frequencies(self) -> torch.Tensor | None:
        """Share of each class in the data, for drawing labels the way the data does."""
        return None

    def state_dict(self) -> dict:
        """The sampling state (random generator, stream position) kept in checkpoints for an exact resume."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned."""
        pass


class TensorSource(DataSource):
    """A small data set held whole as one tensor on the training device.

    Batches are drawn with replacement by ``torch.randint`` on that device, so the hot path
    has no per-item Python and no host-to-device copy. ``train_index`` restricts training to those
    samples (a limited-data subset) while the evaluators still read the whole set, or, with
    ``reference="held-out"``, only the samples training never draws (``ganbench.data.subset``).
    """

    def __init__(self, spec: DataSpec, x: torch.Tensor, y: torch.Tensor | None, device: torch.device, seed: int,
                 train_index: torch.Tensor | None = None, reference: str = "all"):
        if reference not in REFERENCES:
            raise ValueError(f"reference must be one of {', '.join(REFERENCES)}, got {reference!r}")
        if reference == "held-out" and train_index is None:
            raise ValueError("a held-out reference needs a train_index: the samples training draws")
        self.spec = spec
        self.whole_x = x.to(device=device, dtype=torch.float32).contiguous()
        self.whole_y = None if y is None else y.to(device=device, dtype=torch.long)
        self.train_index = train_index
        self.reference = reference
        if train_index is None:
            self.x, self.y = self.whole_x, self.whole_y
        else:
            index = train_index.to(device)
            self.x = self.whole_x[index].contiguous()
            self.y = None if self.whole_y is None else self.whole_y[index]
        held_out = self.held_out_data()
        self.reference_x, self.reference_y = held_out if reference == "held-out" else (self.whole_x, self.whole_y)
        self.generator = torch.Generator(device=device)
        self.generator.manual_seed(seed)

    def __len__(self) -> int:
        return self.x.shape[0]

    def sample(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        index = torch.randint(len(self), (batch_size,), device=self.x.device, generator=self.generator)
        return self.x[index], None if self.y is None else self.y[index]

    def all_data(self, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        x, y = self.reference_x, self.reference_y
        stop = len(x) if limit is None else min(limit, len(x))
        return x[:stop], None if y is None else y[:stop]

    def whole_data(self, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        x, y = self.whole_x, self.whole_y
        stop = len(x) if limit is None else min(limit, len(x))
        return x[:stop], None if y is None else y[:stop]

    def training_data(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.x, self.y

    def held_out_data(self) -> tuple[torch.Tensor, torch.Tensor | None] | None:
        if self.train_index is None:
            return None
        held_out = torch.ones(len(self.whole_x), dtype=torch.bool, device=self.whole_x.device)
        held_out[self.train_index.to(held_out.device)] = False
        return self.whole_x[held_out], None if self.whole_y is None else self.whole_y[held_out]

    def reference_description(self) -> str:
        if self.reference == "held-out":
            return f"the {len(self.reference_x)} samples held out from training (reference=held-out)"
        return super().reference_description()

    def class_frequencies(self) -> torch.Tensor | None:
        if self.y is None:
            return None
        counts = torch.bincount(self.y, minlength=self.spec.num_classes).float()
        return counts / counts.sum()

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        if "generator" in state:
            self.generator.set_state(state["generator"])


class StreamingSource(DataSource):
    """A large data set read through a DataLoader, reshuffled every pass."""

    def __init__(self, spec: DataSpec, dataset: torch.utils.data.Dataset, device: torch.device, seed: int,
                 workers: int = 2):
        self.spec = spec
        self.dataset = dataset
        self.device = device
        self.seed = seed
        self.workers = workers
        self.epoch = 0
        self.batch_size = 0
        self._iterator: Iterator | None = None

    def _loader(self, batch_size: int) -> Iterator:
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        loader = torch.utils.data.DataLoader(
            self.dataset, batch_size=batch_size, shuffle=True, drop_last=True, generator=generator,
            num_workers=self.workers, pin_memory=self.device.type == "cuda", persistent_workers=False)
        return iter(loader)

    def sample(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self._iterator is None or batch_size != self.batch_size:
            self.batch_size = batch_size
            self._iterator = self._loader(batch_size)
        try:
            x, y = next(self._iterator)
        except StopIteration:
            self.epoch += 1
            self._iterator = self._loader(batch_size)
            x, y = next(self._iterator, (None, None))
            if x is None:  # drop_last leaves no batch at all
                raise DataError(f"dataset {self.spec.name!r} has {len(self.dataset)} samples, fewer than one batch "
                                f"of {batch_size}; lower --batch-size.") from None
        x = x.to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True) if self.spec.labelled else None
        return x, y

    def all_data(self, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        count = len(self.dataset) if limit is None else min(limit, len(self.dataset))
        items = [self.dataset[i] for i in range(count)]
        x = torch.stack([item[0] for item in items]).to(self.device)
        y = torch.tensor([int(item[1]) for item in items], device=self.device) if self.spec.labelled else None
        return x, y

    def state_dict(self) -> dict:
        return {"epoch": self.epoch}

    def load_state_dict(self, state: dict) -> None:
        self.epoch = int(state.get("epoch", 0))
        self._iterator = None
