"""Built-in datasets, registered through the same hook as a plugin's.

Embedded (no file, no network): ``ring8``, ``grid25``, ``digits``, ``stacked-digits``.
From files under ``--data-root``: ``mnist``, ``fashion-mnist``, ``cifar10``, ``imagefolder``.
"""

from __future__ import annotations

from ganbench import hookimpl
from ganbench.datasets.cifar import CIFAR10
from ganbench.datasets.digits import Digits, StackedDigits
from ganbench.datasets.idx import MNIST, FashionMNIST
from ganbench.datasets.imagefolder import ImageFolder
from ganbench.datasets.mixtures import Grid25, Ring8


@hookimpl
def register_datasets(register):
    for dataset in (Ring8, Grid25, Digits, StackedDigits, MNIST, FashionMNIST, CIFAR10, ImageFolder):
        register(dataset)
