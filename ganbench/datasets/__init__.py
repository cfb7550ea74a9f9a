"""The built-in data sets, registered here through the same hook as a plugin's.

Embedded (no file, no network): ``ring8``, ``grid25`` (mixtures.py), ``digits``, ``stacked-digits``
(digits.py). From files under ``--data-root``: ``mnist``, ``fashion-mnist`` (idx.py), ``cifar10``
(cifar.py), ``imagefolder`` (imagefolder.py).
"""

from ganbench import hookimpl


@hookimpl
def register_datasets(register):
    # Imported here, not above: importing one reader must not import them all.
    from ganbench.datasets.cifar import CIFAR10
    from ganbench.datasets.digits import Digits, StackedDigits
    from ganbench.datasets.idx import MNIST, FashionMNIST
    from ganbench.datasets.imagefolder import ImageFolder
    from ganbench.datasets.mixtures import Grid25, Ring8
    for dataset in (Ring8, Grid25, Digits, StackedDigits, MNIST, FashionMNIST, CIFAR10, ImageFolder):
        register(dataset)
