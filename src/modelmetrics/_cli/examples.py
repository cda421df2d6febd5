"""Built-in example data for the demo: small, deterministic, no files needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from modelmetrics._report.model_report import ModelReport

__all__ = [
    "CLASSES",
    "DEMO_LOSSES",
    "DETECTION_CLASSES",
    "KEYPOINT_CLASSES",
    "REGRESSION_TOLERANCE",
    "SEGMENTATION_CLASSES",
    "SPLIT_SEEDS",
    "classification_example",
    "classification_proba_example",
    "demo_report",
    "detection_example",
    "detection_split_example",
    "instance_segmentation_split_example",
    "keypoints_example",
    "keypoints_split_example",
    "loss_history_example",
    "regression_example",
    "regression_split_example",
    "semantic_segmentation_split_example",
]

CLASSES = ("cat", "dog", "bird", "fish")


def classification_example(
    n: int = 600, seed: int = 0
) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    """True and predicted labels of a 4-class model that confuses cats with dogs."""
    rng = np.random.default_rng(seed)
    y_true = rng.choice(len(CLASSES), size=n, p=[0.4, 0.3, 0.2, 0.1])
    y_pred = y_true.copy()
    wrong = rng.random(n) < 0.18
    y_pred[wrong] = rng.integers(0, len(CLASSES), int(wrong.sum()))
    confused = (y_true == 0) & (rng.random(n) < 0.1)
    y_pred[confused] = 1  # cats mistaken for dogs
    names = np.array(CLASSES)
    return names[y_true], names[y_pred]


def regression_example(
    n: int = 500, seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """House prices (in thousands) and a model's slightly biased, noisy predictions."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40.0, 200.0, n)
    price = 50.0 + 2.5 * area + rng.normal(0.0, 20.0, n)
    predicted = 1.02 * price + rng.normal(0.0, 15.0, n)
    return price, predicted


DETECTION_CLASSES = {1: "person", 2: "car", 3: "dog"}


def detection_example(
    n_images: int = 60, seed: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-image ground truth and detections of a 3-class detector (boxes as xywh).

    Most objects are found with a little localisation error; some are missed, some are
    found with the wrong class, and there are background false positives.
    """
    rng = np.random.default_rng(seed)
    ground_truth: list[dict[str, Any]] = []
    predictions: list[dict[str, Any]] = []
    for image_id in range(n_images):
        n = int(rng.integers(1, 6))
        labels = rng.choice(list(DETECTION_CLASSES), size=n, p=[0.5, 0.3, 0.2])
        size = rng.uniform(16, 160, (n, 2))
        corner = rng.uniform(0, 480, (n, 2))
        boxes = np.hstack([corner, size])
        ground_truth.append({"image_id": image_id, "boxes": boxes, "labels": labels})
        found = rng.random(n) < 0.85
        jitter = rng.normal(0, 0.08, (n, 4)) * np.hstack([size, size])
        det_boxes = np.clip(boxes + jitter, 0, None)[found]
        det_labels = labels[found].copy()
        swap = rng.random(det_labels.shape[0]) < 0.1  # confused class
        det_labels[swap] = rng.choice(list(DETECTION_CLASSES), size=int(swap.sum()))
        det_scores = rng.uniform(0.4, 1.0, det_labels.shape[0])
        n_bg = int(rng.integers(0, 3))
        bg_boxes = np.hstack([rng.uniform(0, 480, (n_bg, 2)), rng.uniform(16, 96, (n_bg, 2))])
        predictions.append(
            {
                "image_id": image_id,
                "boxes": np.vstack([det_boxes, bg_boxes]),
                "labels": np.concatenate(
                    [det_labels, rng.choice(list(DETECTION_CLASSES), size=n_bg)]
                ),
                "scores": np.concatenate([det_scores, rng.uniform(0.05, 0.6, n_bg)]),
            }
        )
    return ground_truth, predictions


# ------------------------------------------------------------------ report examples

SPLIT_SEEDS = {"train": 11, "validation": 12, "test": 13}
# Models do better on the data they were trained on.
_SPLIT_NOISE = {"train": 0.6, "validation": 1.0, "test": 1.1}


def classification_proba_example(
    split: str, n: int = 600
) -> tuple[NDArray[np.str_], NDArray[np.float64]]:
    """True labels and class probabilities (columns in ``CLASSES`` order) of one split."""
    rng = np.random.default_rng(SPLIT_SEEDS[split])
    k = len(CLASSES)
    y_true = rng.choice(k, size=n, p=[0.4, 0.3, 0.2, 0.1])
    logits = rng.normal(0.0, _SPLIT_NOISE[split], (n, k))
    logits[np.arange(n), y_true] += 2.0
    cats = y_true == 0
    logits[cats, 1] += 1.2  # cats look like dogs
    birds = y_true == 2
    logits[birds, 3] += 0.8  # and birds like fish
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    return np.array(CLASSES)[y_true], proba


def regression_split_example(split: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """House prices and predictions of one split (noisier off the training data)."""
    price, _ = regression_example(n=400, seed=SPLIT_SEEDS[split])
    rng = np.random.default_rng(SPLIT_SEEDS[split] + 100)
    predicted = 1.02 * price + rng.normal(0.0, 15.0 * _SPLIT_NOISE[split], price.shape[0])
    return price, predicted


def detection_split_example(split: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-image ground truth and detections of one split."""
    return detection_example(n_images=60, seed=SPLIT_SEEDS[split])


def _ellipse(box: NDArray[np.float64], n: int = 16) -> list[float]:
    """A polygon of the ellipse inscribed in an xywh box, as COCO stores polygons."""
    x, y, w, h = box
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    xs = x + w / 2 + (w / 2) * np.cos(t)
    ys = y + h / 2 + (h / 2) * np.sin(t)
    coords: list[float] = np.round(np.column_stack([xs, ys]).ravel(), 2).tolist()
    return coords


def instance_segmentation_split_example(
    split: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-image ground-truth and predicted instance masks (ellipse polygons on 640 x 640
    images) of one split: the detection example's objects, outlined."""
    ground_truth, predictions = detection_example(n_images=60, seed=SPLIT_SEEDS[split])
    for entries in (ground_truth, predictions):
        for entry in entries:
            boxes = entry.pop("boxes")
            entry["masks"] = [[_ellipse(box)] for box in boxes]
            entry["height"] = entry["width"] = 640
    return ground_truth, predictions


KEYPOINT_CLASSES = {1: "person"}

# Where COCO's 17 person keypoints sit in a standing person's box (x, y as fractions of
# its width and height), in COCO's order: face, shoulders, elbows, wrists, hips, knees,
# ankles.
_POSE = np.array([
    [0.50, 0.08], [0.54, 0.06], [0.46, 0.06], [0.58, 0.08], [0.42, 0.08],
    [0.65, 0.22], [0.35, 0.22], [0.72, 0.38], [0.28, 0.38], [0.75, 0.52], [0.25, 0.52],
    [0.60, 0.55], [0.40, 0.55], [0.62, 0.75], [0.38, 0.75], [0.63, 0.95], [0.37, 0.95],
])  # fmt: skip
# How much harder than its COCO sigma says a keypoint is for the example model: the face
# is easy, limbs' ends are hard.
_DIFFICULTY = np.array([0.6, 0.6, 0.6, 0.7, 0.7, 0.9, 0.9, 1.2, 1.2, 1.7, 1.7, 1.0, 1.0,
                        1.2, 1.2, 1.5, 1.5])  # fmt: skip


def _people(rng: np.random.Generator, n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """`n` standing people on a 640 x 640 image: xywh boxes and (n, 17, 2) keypoints."""
    height = rng.uniform(40, 300, n)
    width = 0.45 * height
    corner = rng.uniform(0, 1, (n, 2)) * (640 - np.column_stack([width, height]))
    size = np.column_stack([width, height])
    keypoints = corner[:, None, :] + _POSE[None] * size[:, None, :]
    keypoints += rng.normal(0, 0.02, keypoints.shape) * size[:, None, :]  # people vary
    return np.hstack([corner, size]), keypoints


def keypoints_example(
    n_images: int = 40, seed: int = 0, noise: float = 1.0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-image ground truth and predictions of a pose model (COCO's 17 person keypoints).

    Ground truth: boxes (xywh), areas (a person covers about 55 % of its box) and
    keypoints with visibility (some occluded, some not labeled, a few people with none
    labeled). Most people are found with localisation error that grows with the
    keypoint's COCO sigma, more for wrists and ankles than for the face, and with
    `noise`; some are missed, and there are false positives.
    """
    from modelmetrics._detection.keypoints import coco_person_sigmas

    sigmas = coco_person_sigmas()
    rng = np.random.default_rng(seed)
    ground_truth: list[dict[str, Any]] = []
    predictions: list[dict[str, Any]] = []
    for image_id in range(n_images):
        n = int(rng.integers(1, 5))
        boxes, keypoints = _people(rng, n)
        area = 0.55 * boxes[:, 2] * boxes[:, 3]
        visibility = rng.choice([0, 1, 2], (n, 17), p=[0.15, 0.1, 0.75])
        visibility[rng.random(n) < 0.05] = 0
        labeled = np.where(visibility[:, :, None] > 0, keypoints, 0.0)
        ground_truth.append({
            "image_id": image_id,
            "keypoints": np.concatenate([labeled, visibility[:, :, None]], axis=2),
            "boxes": boxes,
            "area": area,
            "labels": np.ones(n, np.int64),
        })  # fmt: skip
        found = rng.random(n) < 0.85
        scale = 0.5 * noise * 2 * sigmas * _DIFFICULTY
        spread = scale[None, :, None] * np.sqrt(area)[:, None, None]
        guessed = (keypoints + rng.normal(0, 1, keypoints.shape) * spread)[found]
        n_bg = int(rng.integers(0, 3))
        _, strays = _people(rng, n_bg)
        predictions.append({
            "image_id": image_id,
            "keypoints": np.concatenate([guessed, strays]),
            "scores": np.concatenate([rng.uniform(0.5, 1.0, len(guessed)),
                                      rng.uniform(0.05, 0.6, n_bg)]),
            "labels": np.ones(len(guessed) + n_bg, np.int64),
        })  # fmt: skip
    return ground_truth, predictions


def keypoints_split_example(split: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-image ground truth and predicted poses of one split."""
    return keypoints_example(n_images=40, seed=SPLIT_SEEDS[split], noise=_SPLIT_NOISE[split])


SEGMENTATION_CLASSES = ("ground", "road", "building", "tree", "sky")


def _street_scene(rng: np.random.Generator, size: int) -> NDArray[np.uint8]:
    """One label map: sky above a horizon, buildings on it, a road, round trees."""
    ys, xs = np.mgrid[0:size, 0:size]
    scene = np.zeros((size, size), dtype=np.uint8)  # ground
    horizon = int(rng.integers(size // 4, size // 2))
    scene[:horizon] = 4
    for _ in range(int(rng.integers(1, 4))):
        left = int(rng.integers(0, size - 8))
        width, height = int(rng.integers(6, size // 3)), int(rng.integers(6, horizon))
        scene[horizon - height : horizon, left : left + width] = 2
    # The road narrows towards the horizon.
    centre = size / 2 + rng.normal(0.0, size / 10)
    half = (ys - horizon) * 0.6
    scene[(ys >= horizon) & (np.abs(xs - centre) <= half)] = 1
    for _ in range(int(rng.integers(0, 3))):
        cy, cx = rng.integers(horizon - 6, horizon + 6), rng.integers(0, size)
        radius = rng.uniform(3.0, 7.0)
        scene[(ys - cy) ** 2 + (xs - cx) ** 2 <= radius**2] = 3
    return scene


def semantic_segmentation_split_example(
    split: str, n_maps: int = 8, size: int = 64
) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """Target and predicted label maps, ``(n_maps, size, size)`` uint8 with the classes
    of ``SEGMENTATION_CLASSES``, of one split.

    The model blurs class boundaries (a one-pixel shift of some rows), mistakes
    patches of trees for ground and of buildings for sky, and sprinkles noise; it
    does worse off the training data.
    """
    rng = np.random.default_rng(SPLIT_SEEDS[split] + 200)
    noise = _SPLIT_NOISE[split]
    target = np.stack([_street_scene(rng, size) for _ in range(n_maps)])
    pred = target.copy()
    for image in pred:
        rows = rng.random(size) < 0.3 * noise
        image[rows] = np.roll(image[rows], int(rng.choice([-1, 1])), axis=1)
        for wrong, said in ((3, 0), (2, 4)):
            top, left = rng.integers(0, size - 12, 2)
            patch = image[top : top + 12, left : left + 12]
            patch[(patch == wrong) & (rng.random(patch.shape) < 0.6 * noise)] = said
        speckle = rng.random(image.shape) < 0.02 * noise
        image[speckle] = rng.integers(0, len(SEGMENTATION_CLASSES), int(speckle.sum()))
    return target, pred


def loss_history_example(
    epochs: int = 30,
    seed: int = 0,
    *,
    first: float = 1.35,
    last: float = 0.26,
    last_validation: float = 0.6,
) -> tuple[list[float], list[float], list[str]]:
    """Training and validation loss per epoch with RFC 3339 timestamps (nanoseconds).

    Both losses start near `first`. The training loss keeps falling to `last`; the
    validation loss bottoms out 10 % below `last_validation` and then creeps up to
    it (the model starts to overfit), so the history plateaus. The last entries are
    exactly `last` and `last_validation`, so a report's chart ends at the split
    losses it shows; the noise of the others is relative, so any scale looks alike.
    """
    if not first > last_validation > 0 or not first > last > 0:
        raise ValueError(
            f"need first > last_validation > 0 and first > last > 0, got first={first}, "
            f"last={last}, last_validation={last_validation}"
        )
    rng = np.random.default_rng(seed)
    t = np.arange(epochs, dtype=np.float64)
    end = epochs - 1

    def decay(tau: float) -> NDArray[np.float64]:  # 1 at the first epoch, 0 at the last
        tail = float(np.exp(-end / tau))
        curve: NDArray[np.float64] = (np.exp(-t / tau) - tail) / (1.0 - tail)
        return curve

    # Geometric decay, so a loss falling 50-fold (regression) levels off by the time
    # overfitting sets in as one falling 2-fold (classification) does.
    train = last * (first / last) ** decay(epochs / 6.0)
    bottom = 0.9 * last_validation
    turn = round(0.55 * end)  # the epoch where overfitting sets in
    rise = (np.maximum(t - turn, 0.0) / max(end - turn, 1)) ** 1.5
    valid = bottom * (1.03 * first / bottom) ** decay(epochs / 9.0)
    valid += (last_validation - bottom) * rise
    train[:end] *= 1.0 + rng.normal(0.0, 0.01, end)
    valid[:end] *= 1.0 + rng.normal(0.0, 0.012, end)
    start_ns = 1_795_150_800 * 1_000_000_000  # 2026-11-20T05:00:00Z
    stamps = []
    for epoch in range(epochs):
        ns = start_ns + epoch * 95_000_000_000 + int(rng.integers(0, 999_999_999))
        seconds, sub = divmod(ns, 1_000_000_000)
        day = np.datetime64(seconds, "s").astype(str)
        stamps.append(f"{day}.{sub:09d}Z")
    return train.tolist(), valid.tolist(), stamps


# The regression demo's accuracy: the share of predicted prices within 10 (thousand)
# of the true price.
REGRESSION_TOLERANCE = 10.0

# Split losses for the model types whose demo inputs give none to compute, as
# (loss before training, {split: loss after it}), at the scale of a common loss of the
# type: detection and instance segmentation, a YOLO-style sum of box, class (and
# mask) losses; semantic segmentation, per-pixel cross-entropy over the 5 classes
# (ln 5 = 1.61 untrained); keypoints, the mean squared error of predicted heatmaps
# (HRNet's loss). Classification (cross-entropy of the class probabilities) and
# regression (mean squared error) compute theirs from the predictions.
DEMO_LOSSES: dict[str, tuple[float, dict[str, float]]] = {
    "detection": (4.2, {"train": 1.05, "validation": 1.32, "test": 1.38}),
    "instance-segmentation": (5.6, {"train": 1.45, "validation": 1.82, "test": 1.9}),
    "semantic-segmentation": (1.61, {"train": 0.18, "validation": 0.29, "test": 0.31}),
    "keypoints": (0.0025, {"train": 0.00068, "validation": 0.00082, "test": 0.00085}),
}


def _demo_inputs(task: str) -> tuple[Any, Any]:
    """The labels and the split-example function of a model type."""
    return {
        "classification": (list(CLASSES), classification_proba_example),
        "regression": ("price", regression_split_example),
        "detection": (DETECTION_CLASSES, detection_split_example),
        "instance-segmentation": (DETECTION_CLASSES, instance_segmentation_split_example),
        "semantic-segmentation": (list(SEGMENTATION_CLASSES), semantic_segmentation_split_example),
        "keypoints": (KEYPOINT_CLASSES, keypoints_split_example),
    }[task]


def demo_report(
    task: str,
    *,
    on_split: Callable[[str], None] | None = None,
    analysis: bool | dict[str, Any] = False,
) -> ModelReport:
    """The demo's report of one model type: train, validation and test splits and a
    loss history at the type's own scale, ending at the train and validation losses.

    The loss before training is the untrained model's: ``ln 4`` (uniform probabilities
    over the 4 classes) for classification, the variance of the training prices (a
    model predicting their mean) for regression, ``DEMO_LOSSES`` for the others. The
    regression splits get an accuracy within ``REGRESSION_TOLERANCE``. `on_split` is
    called with each split's name once it is added; `analysis` goes to each
    ``add_split``.
    """
    from modelmetrics._report.model_report import SPLITS, LossHistory, ModelReport

    labels, make = _demo_inputs(task)
    report = ModelReport(task, labels)  # type: ignore[arg-type]
    given = DEMO_LOSSES.get(task)
    for split in SPLITS:
        options: dict[str, Any] = {}
        if given is not None:
            options["loss"] = given[1][split]
        if task == "regression":
            options["threshold"] = REGRESSION_TOLERANCE
        report.add_split(split, *make(split), analysis=analysis, **options)
        if on_split is not None:
            on_split(split)
    if given is not None:
        first = given[0]
    elif task == "classification":
        first = float(np.log(len(CLASSES)))
    else:
        first = float(np.var(regression_split_example("train")[0]))
    last, last_validation = report.split_loss("train"), report.split_loss("validation")
    assert last is not None  # given or computed above
    assert last_validation is not None
    losses, validation, stamps = loss_history_example(
        first=first, last=last, last_validation=last_validation
    )
    report.loss_history = LossHistory.from_arrays(losses, validation, timestamps=stamps)
    return report
