"""Datasets: shapes, value ranges, labels, the files each one reads, and the errors when they are wrong."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganbench.plugin_host import plugins
from ganbench.contracts.dataset import DataRequest
from ganbench.datasets.digits import channel_classes, digit_images
from ganbench.datasets.mixtures import MixtureSource
from ganbench.data.resize import to_training_images
from ganbench.data.source import StreamingSource, TensorSource
from ganbench.errors import ConfigError, DataError

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CPU = torch.device("cpu")
# Label counts of MNIST's t10k-labels-idx1-ubyte, read once from the file.
MNIST_TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def dataset(name: str, **options):
    return plugins.registry().create("dataset", name, {key: str(value) for key, value in options.items()})


def request(resolution: int = 8, root: Path | None = None, seed: int = 0, download: bool = False) -> DataRequest:
    return DataRequest(resolution=resolution, data_root=root, device=CPU, seed=seed, download=download)


def assert_unit_range(x: torch.Tensor) -> None:
    assert x.dtype == torch.float32
    assert x.min() >= -1.0 and x.max() <= 1.0


# --- registration and resizing ------------------------------------------------------------


def test_every_builtin_dataset_is_registered_through_the_hook():
    assert set(plugins.registry().names("dataset")) >= {
        "ring8", "grid25", "digits", "stacked-digits", "mnist", "fashion-mnist", "cifar10", "imagefolder"}


def test_resizing_maps_black_to_minus_one_and_white_to_one_at_any_resolution():
    black_and_white = torch.stack([torch.zeros(1, 28, 28), torch.full((1, 28, 28), 255.0)]).to(torch.uint8)
    x = to_training_images(black_and_white, 8)
    assert x.shape == (2, 1, 8, 8)
    assert torch.allclose(x[0], torch.tensor(-1.0)) and torch.allclose(x[1], torch.tensor(1.0))


@pytest.mark.parametrize("resolution", [2, 2048])
def test_an_impossible_resolution_is_a_config_error(resolution):
    with pytest.raises(ConfigError, match=str(resolution)):
        dataset("digits").load(request(resolution))


# --- Gaussian mixtures ---------------------------------------------------------------------


@pytest.mark.parametrize("name, modes, extent", [("ring8", 8, 0.8), ("grid25", 25, 0.8)])
def test_mixture_samples_sit_near_their_centres_and_cover_every_mode(name, modes, extent):
    source = dataset(name, size=5000).load(request())
    assert isinstance(source, MixtureSource)
    assert source.spec.kind == "vector" and source.spec.shape == (2,) and source.spec.num_classes == 0
    assert source.centers.shape == (modes, 2)
    assert source.centers.abs().max().item() == pytest.approx(extent, rel=1e-5)  # in [-1, 1] with room
    x, y = source.all_data()
    assert x.shape == (5000, 2) and y is None
    assert_unit_range(x)
    # Every sample is within 5 std of its own centre, and its own centre is the nearest one.
    distance_to_own = (x - source.centers[source.modes]).norm(dim=1)
    assert distance_to_own.max() < 5 * source.std
    assert torch.equal(torch.cdist(x, source.centers).argmin(dim=1), source.modes)
    assert torch.bincount(source.modes, minlength=modes).min() > 5000 / modes / 2


def test_mixture_std_is_given_in_the_scaled_space_and_the_ring_is_a_circle():
    ring = dataset("ring8").load(request())
    assert torch.allclose(ring.centers.norm(dim=1), torch.full((8,), 2 / 2.5))
    assert ring.std == pytest.approx(0.02 / 2.5)
    assert dataset("grid25").load(request()).std == pytest.approx(0.05 / 5.0)


def test_mixture_data_are_fixed_by_the_data_seed_and_batches_by_the_run_seed():
    first = dataset("ring8", size=1000).load(request(seed=1))
    second = dataset("ring8", size=1000).load(request(seed=2))
    assert torch.equal(first.x, second.x)
    assert not torch.equal(first.sample(64)[0], second.sample(64)[0])
    other_data = dataset("ring8", size=1000, data_seed=7).load(request(seed=1))
    assert not torch.equal(first.x, other_data.x)


def test_a_non_positive_mixture_size_is_a_config_error():
    with pytest.raises(ConfigError, match="size must be a positive integer"):
        dataset("grid25", size=0)


# --- scikit-learn digits --------------------------------------------------------------------


def test_digits_are_1797_labelled_grayscale_images_at_the_requested_resolution():
    source = dataset("digits").load(request(16))
    assert source.spec.shape == (1, 16, 16) and source.spec.num_classes == 10
    x, y = source.all_data()
    assert x.shape == (1797, 1, 16, 16)
    assert_unit_range(x)
    assert x.min() == -1.0 and x.max() > 0.9  # background is black, strokes reach white
    assert sorted(torch.unique(y).tolist()) == list(range(10))
    assert source.class_frequencies().sum().item() == pytest.approx(1.0)


def test_the_same_seed_gives_the_same_batches():
    first = dataset("digits").load(request(seed=3))
    second = dataset("digits").load(request(seed=3))
    for _ in range(3):
        (x1, y1), (x2, y2) = first.sample(32), second.sample(32)
        assert torch.equal(x1, x2) and torch.equal(y1, y2)
    other = dataset("digits").load(request(seed=4))
    assert not torch.equal(first.sample(32)[1], other.sample(32)[1])


def test_stacked_digits_have_1000_modes_and_labels_that_decode_to_each_channel_class():
    source = dataset("stacked-digits", size=2000).load(request(8))
    assert source.spec.shape == (3, 8, 8) and source.spec.num_classes == 1000
    x, y = source.all_data()
    assert x.shape == (2000, 3, 8, 8) and y.max() < 1000
    assert_unit_range(x)
    digits, classes = digit_images(8)
    decoded = channel_classes(y)
    for sample in range(20):
        for channel in range(3):
            same_image = (digits[:, 0] == x[sample, channel]).flatten(1).all(dim=1)
            assert decoded[sample, channel] in classes[same_image]
    assert torch.unique(y).numel() > 800  # 2,000 draws over 1,000 equally likely modes


def test_stacked_digits_cover_all_1000_modes_at_the_default_size():
    _, y = dataset("stacked-digits").load(request(4)).all_data()
    assert len(y) == 10_000 and torch.unique(y).numel() == 1000


# --- MNIST-style IDX files ------------------------------------------------------------------


def write_idx(path: Path, array: np.ndarray) -> Path:
    """An IDX file of unsigned bytes, gzipped when the name ends in .gz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    content = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    content += array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)
    return path


def write_idx_split(folder: Path, split: str, images: np.ndarray, labels: np.ndarray, suffix: str = "") -> None:
    prefix = {"train": "train", "test": "t10k"}[split]
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)


def flat_images(values: list[int], side: int = 28) -> np.ndarray:
    """One uniformly coloured side x side image per value."""
    return np.stack([np.full((side, side), value) for value in values])


def test_the_real_mnist_test_split_gives_10000_images_with_the_known_label_counts():
    if not (SHARED_DATA / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"the MNIST test files are not in {SHARED_DATA / 'MNIST' / 'raw'}")
    source = dataset("mnist").load(request(16, SHARED_DATA))
    assert source.spec.shape == (1, 16, 16) and source.spec.num_classes == 10
    x, y = source.all_data()
    assert x.shape == (10_000, 1, 16, 16)
    assert_unit_range(x)
    assert torch.bincount(y).tolist() == MNIST_TEST_LABEL_COUNTS
    assert dataset("mnist", split="test").load(request(8, SHARED_DATA)).x.shape[0] == 10_000


def test_an_mnist_subset_trains_on_that_share_of_each_class_and_evaluates_against_all():
    if not (SHARED_DATA / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"the MNIST test files are not in {SHARED_DATA / 'MNIST' / 'raw'}")
    source = dataset("mnist", subset=0.1).load(request(8, SHARED_DATA, seed=0))
    x, y = source.training_data()
    assert torch.bincount(y).tolist() == [round(count / 10) for count in MNIST_TEST_LABEL_COUNTS]
    assert len(source) == 1000 and source.all_data()[0].shape[0] == 10_000
    batch, labels = source.sample(4096)  # training batches come from the subset only
    members = {tuple(row.tolist()) for row in x.flatten(1)}
    assert all(tuple(row.tolist()) in members for row in batch.flatten(1)[:200])
    # The same images whatever the run's seed; another subset_seed draws others.
    other_run = dataset("mnist", subset=0.1).load(request(8, SHARED_DATA, seed=7))
    assert torch.equal(other_run.training_data()[0], x)
    other_draw = dataset("mnist", subset=0.1, subset_seed=1).load(request(8, SHARED_DATA))
    assert not torch.equal(other_draw.training_data()[0], x)


def test_a_subset_is_drawn_per_class_without_replacement_and_keeps_one_of_a_rare_class(tmp_path):
    labels = np.array([0] * 8 + [1] * 2 + [2])
    write_idx_split(tmp_path, "test", flat_images(list(range(0, 220, 20))), labels)
    source = dataset("mnist", subset=0.25).load(request(8, tmp_path))
    x, y = source.training_data()
    assert torch.bincount(y, minlength=3).tolist() == [2, 1, 1]  # round(2), round(0.5) -> at least 1, 1
    assert len(set(x[:, 0, 0, 0].tolist())) == 4  # four different images
    assert source.all_data()[0].shape[0] == 11


@pytest.mark.parametrize("subset", ["0", "1.5", "-0.1"])
def test_a_subset_outside_zero_to_one_is_refused_in_one_sentence(subset):
    with pytest.raises(ConfigError, match=r"subset must be a share of the data in \(0, 1\]"):
        dataset("mnist", subset=subset)


def test_a_negative_subset_seed_is_refused_as_a_negative_run_seed_is():
    with pytest.raises(ConfigError, match="subset_seed must be 0 or positive, got -1"):
        dataset("fashion-mnist", subset=0.5, subset_seed=-1)


def test_the_memorizer_control_copies_the_training_subset_not_the_whole_set(tmp_path):
    from ganbench.controls import build_control

    write_idx_split(tmp_path, "test", flat_images(list(range(0, 200, 10))), np.arange(20) % 2)
    source = dataset("mnist", subset=0.5).load(request(8, tmp_path))
    memorizer = build_control("memorizer", source, None, seed=0)
    copied = memorizer(torch.zeros(10, 4))
    assert sorted(copied[:, 0, 0, 0].tolist()) == sorted(source.training_data()[0][:, 0, 0, 0].tolist())


def test_raw_idx_files_in_torchvisions_fashion_mnist_layout_are_read(tmp_path):
    folder = tmp_path / "FashionMNIST" / "raw"
    write_idx_split(folder, "test", flat_images([0, 255, 0]), np.array([3, 7, 9]))
    write_idx_split(folder, "train", flat_images([255, 255]), np.array([1, 2]))
    x, y = dataset("fashion-mnist").load(request(8, tmp_path)).all_data()
    assert x.shape == (5, 1, 8, 8)
    assert y.tolist() == [1, 2, 3, 7, 9]  # train first, then test
    assert x[:, 0, 0, 0].tolist() == [1.0, 1.0, -1.0, 1.0, -1.0]
    x, y = dataset("fashion-mnist", split="train").load(request(8, tmp_path)).all_data()
    assert y.tolist() == [1, 2]


def test_gzipped_idx_files_directly_in_the_root_are_read(tmp_path):
    write_idx_split(tmp_path, "test", flat_images([128, 0]), np.array([5, 6]), suffix=".gz")
    _, y = dataset("mnist").load(request(8, tmp_path)).all_data()
    assert y.tolist() == [5, 6]


def test_a_truncated_idx_file_is_a_data_error_naming_the_file(tmp_path):
    write_idx_split(tmp_path, "test", flat_images([0, 0]), np.array([0, 1]))
    images = tmp_path / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-100])
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte is truncated"):
        dataset("mnist").load(request(8, tmp_path))


def test_a_file_that_is_not_idx_is_a_data_error_naming_the_file(tmp_path):
    write_idx_split(tmp_path, "test", flat_images([0]), np.array([0]), suffix=".gz")
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"<html>not found</html>"))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is not an IDX file"):
        dataset("mnist").load(request(8, tmp_path))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="cannot read .*t10k-labels-idx1-ubyte.gz"):
        dataset("mnist").load(request(8, tmp_path))


def test_images_and_labels_of_different_lengths_are_a_data_error(tmp_path):
    write_idx_split(tmp_path, "test", flat_images([0, 0, 0]), np.array([0, 1]))
    with pytest.raises(DataError, match="3 images but .* 2 labels"):
        dataset("mnist").load(request(8, tmp_path))


def test_missing_idx_files_are_one_sentence_naming_the_files_and_the_folders(tmp_path):
    with pytest.raises(DataError) as missing_root:
        dataset("mnist").load(request(8, None))
    assert "--data-root" in str(missing_root.value) and "t10k-images-idx3-ubyte" in str(missing_root.value)
    with pytest.raises(DataError) as empty_root:
        dataset("fashion-mnist").load(request(8, tmp_path))
    message = str(empty_root.value)
    assert "t10k-images-idx3-ubyte" in message and "t10k-labels-idx1-ubyte" in message
    assert str(tmp_path / "FashionMNIST" / "raw") in message and "--download" in message
    assert "\n" not in message


def test_a_split_whose_files_are_absent_is_a_data_error(tmp_path):
    write_idx_split(tmp_path, "test", flat_images([0]), np.array([0]))
    with pytest.raises(DataError, match="train-images-idx3-ubyte"):
        dataset("mnist", split="train").load(request(8, tmp_path))


def test_download_fetches_into_torchvisions_folder_only_when_files_are_missing(tmp_path, monkeypatch):
    import torchvision.datasets

    calls = []

    def fake_download(root, train, download):
        calls.append(root)
        write_idx_split(Path(root) / "MNIST" / "raw", "test", flat_images([0]), np.array([4]), suffix=".gz")
        write_idx_split(Path(root) / "MNIST" / "raw", "train", flat_images([0]), np.array([2]), suffix=".gz")

    monkeypatch.setattr(torchvision.datasets, "MNIST", fake_download)
    _, y = dataset("mnist").load(request(8, tmp_path, download=True)).all_data()
    assert y.tolist() == [2, 4] and calls == [str(tmp_path)]
    dataset("mnist").load(request(8, tmp_path, download=True))
    assert len(calls) == 1  # the files are there now


def test_a_failed_download_is_a_data_error_that_says_where_to_put_the_files(tmp_path, monkeypatch):
    import torchvision.datasets

    def offline(*args, **kwargs):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried mirrors, got URLError")

    monkeypatch.setattr(torchvision.datasets, "MNIST", offline)
    with pytest.raises(DataError) as error:
        dataset("mnist").load(request(8, tmp_path, download=True))
    message = str(error.value)
    assert message.startswith("could not download MNIST: Error downloading")
    assert str(tmp_path / "MNIST" / "raw") in message and "\n" not in message


# --- CIFAR-10 python batches ---------------------------------------------------------------


def write_cifar_batch(path: Path, planes: list[tuple[int, int, int]], labels: list[int]) -> None:
    """A CIFAR-10 batch whose image i is uniformly coloured planes[i] = (red, green, blue)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.concatenate([np.repeat(np.array(planes, dtype=np.uint8)[:, [c]], 1024, axis=1) for c in range(3)],
                          axis=1)
    path.write_bytes(pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"test"}, protocol=2))


def test_cifar_test_batch_alone_loads_with_channels_in_rgb_order(tmp_path):
    write_cifar_batch(tmp_path / "cifar-10-batches-py" / "test_batch", [(255, 0, 0), (0, 0, 255)], [3, 8])
    source = dataset("cifar10").load(request(8, tmp_path))
    assert source.spec.shape == (3, 8, 8) and source.spec.num_classes == 10
    x, y = source.all_data()
    assert x.shape == (2, 3, 8, 8) and y.tolist() == [3, 8]
    assert x[:, :, 0, 0].tolist() == [[1.0, -1.0, -1.0], [-1.0, -1.0, 1.0]]


def test_cifar_train_split_needs_all_five_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar_batch(folder / "test_batch", [(0, 0, 0)], [0])
    with pytest.raises(DataError, match="data_batch_1 to data_batch_5"):
        dataset("cifar10", split="train").load(request(8, tmp_path))
    write_cifar_batch(folder / "data_batch_1", [(0, 0, 0)], [0])
    with pytest.raises(DataError, match="data_batch_2"):
        dataset("cifar10").load(request(8, tmp_path))
    for index in range(2, 6):
        write_cifar_batch(folder / f"data_batch_{index}", [(9, 9, 9)], [index])
    _, y = dataset("cifar10").load(request(8, tmp_path)).all_data()
    assert y.tolist() == [0, 2, 3, 4, 5, 0]  # train batches in order, then test


def test_a_corrupt_cifar_batch_is_a_data_error_naming_the_file(tmp_path):
    batch = tmp_path / "cifar-10-batches-py" / "test_batch"
    write_cifar_batch(batch, [(0, 0, 0)], [0])
    batch.write_bytes(batch.read_bytes()[:40])
    with pytest.raises(DataError, match="cannot read .*test_batch"):
        dataset("cifar10").load(request(8, tmp_path))


def test_a_cifar_batch_that_would_run_code_is_refused(tmp_path):
    class Payload:
        def __reduce__(self):
            return (Path.touch, (tmp_path / "pwned",))

    batch = tmp_path / "cifar-10-batches-py" / "test_batch"
    batch.parent.mkdir()
    batch.write_bytes(pickle.dumps({b"data": Payload(), b"labels": [0]}))
    with pytest.raises(DataError, match="refers to"):
        dataset("cifar10").load(request(8, tmp_path))
    assert not (tmp_path / "pwned").exists()


def test_missing_cifar_batches_name_the_folder(tmp_path):
    with pytest.raises(DataError) as error:
        dataset("cifar10").load(request(8, tmp_path))
    assert str(tmp_path / "cifar-10-batches-py") in str(error.value) and "test_batch" in str(error.value)


# --- folders of images ---------------------------------------------------------------------


def write_png(path: Path, size: tuple[int, int] = (12, 12), colour: tuple[int, int, int] = (255, 255, 255)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def test_subfolders_become_sorted_classes(tmp_path):
    for name in ("b1.png", "b2.png"):
        write_png(tmp_path / "dogs" / name)
    write_png(tmp_path / "cats" / "a.png", colour=(0, 0, 0))
    source = dataset("imagefolder").load(request(8, tmp_path))
    assert isinstance(source, TensorSource)
    assert source.spec.shape == (3, 8, 8) and source.spec.num_classes == 2
    x, y = source.all_data()
    assert y.tolist() == [0, 1, 1]  # cats, dogs, dogs
    assert x[0].max() == -1.0 and x[1].min() == 1.0


def test_a_flat_folder_and_a_single_subfolder_are_unlabelled(tmp_path):
    write_png(tmp_path / "flat" / "a.png")
    write_png(tmp_path / "flat" / "b.jpg")
    write_png(tmp_path / "one" / "only" / "a.png")
    write_png(tmp_path / "mixed" / "top.png")
    write_png(tmp_path / "mixed" / "x" / "a.png")
    write_png(tmp_path / "mixed" / "y" / "a.png")
    for folder, count in (("flat", 2), ("one", 1), ("mixed", 3)):
        source = dataset("imagefolder").load(request(8, tmp_path / folder))
        assert source.spec.num_classes == 0 and len(source) == count and source.all_data()[1] is None


def test_a_wide_image_is_center_cropped_before_resizing(tmp_path):
    # 30x10: black left and right thirds, a white centre square; the crop keeps only the centre.
    image = Image.new("L", (30, 10), 0)
    image.paste(255, (10, 0, 20, 10))
    image.save(tmp_path / "wide.png")
    source = dataset("imagefolder", channels=1).load(request(8, tmp_path))
    assert source.spec.shape == (1, 8, 8)
    assert torch.allclose(source.x, torch.ones(1, 1, 8, 8))


def test_streaming_gives_batches_of_the_right_shape_and_repeats_with_the_seed(tmp_path):
    for index in range(6):
        write_png(tmp_path / ("even" if index % 2 == 0 else "odd") / f"{index}.png", (16, 20),
                  (index * 40, 0, 0))
    batches = []
    for _ in range(2):
        source = dataset("imagefolder", in_memory="no", workers=0).load(request(8, tmp_path, seed=5))
        assert isinstance(source, StreamingSource) and source.spec.num_classes == 2
        batches.append([source.sample(4) for _ in range(3)])  # crosses an epoch boundary
    for (x1, y1), (x2, y2) in zip(*batches):
        assert x1.shape == (4, 3, 8, 8) and y1.shape == (4,)
        assert_unit_range(x1)
        assert torch.equal(x1, x2) and torch.equal(y1, y2)
        red = torch.round((x1[:, 0, 0, 0] + 1) * 127.5).long()  # the image index * 40
        assert torch.equal(y1, (red // 40) % 2)


def test_streaming_with_worker_processes(tmp_path):
    for index in range(4):
        write_png(tmp_path / f"{index}.png")
    x, y = dataset("imagefolder", in_memory="no", workers=2).load(request(8, tmp_path)).sample(2)
    assert x.shape == (2, 3, 8, 8) and y is None


def test_an_empty_folder_is_a_data_error(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    (tmp_path / "._hidden.png").write_bytes(b"macOS metadata, not an image")
    with pytest.raises(DataError, match="no images found"):
        dataset("imagefolder").load(request(8, tmp_path))


def test_an_unreadable_image_is_a_data_error_naming_it(tmp_path):
    write_png(tmp_path / "good.png")
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="broken.jpg"):
        dataset("imagefolder").load(request(8, tmp_path))


def test_imagefolder_refuses_a_channel_count_it_cannot_make():
    with pytest.raises(ConfigError, match="channels must be 3"):
        dataset("imagefolder", channels=2)
