"""The compiled COCO JSON reader against Python's json, orjson and the dict extractor.

Numbers must be the doubles ``json.loads`` gives (correctly rounded); documents must
give the columns and errors ``extract_columns`` gives on the parsed dicts; anything the
reader accepts must be JSON to both json and orjson, and what it calls a syntax error
must fail in both; ``COCO(path)`` / ``loadRes(path)`` must behave as on the dicts.
"""

from __future__ import annotations

import contextlib
import copy
import decimal
import io
import json
import math
import random
import runpy
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import modelmetrics.coco as mm
import modelmetrics.mask as mm_mask
from modelmetrics import _kernels
from modelmetrics._coco.api import COCO, annotation_columns
from modelmetrics._coco.files import FastGroundTruth, load_json
from modelmetrics._core.json_parse import parse_json
from modelmetrics._detection.columns import (
    extract_columns,
    invalid_field,
    result_columns_from_reader,
)

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is optional
    orjson = None

ROOT = Path(__file__).resolve().parents[2]


def bits(values: Any) -> list[int]:
    """Exact bit patterns (so that -0.0 != 0.0)."""
    arr = np.asarray(values, dtype=np.float64)
    return arr.view(np.uint64).tolist()


def read_one(token: str) -> Any:
    return _kernels.read_numbers(f"[{token}]".encode())


# -- numbers ----------------------------------------------------------------------------


@st.composite
def decimal_tokens(draw: Any) -> str:
    """JSON number tokens: 1-25 random digits, leading zeros, exponents -350..350."""
    digits = draw(st.text("0123456789", min_size=1, max_size=25))
    sign = draw(st.sampled_from(["", "", "-"]))
    split = draw(st.integers(0, len(digits)))
    int_part = digits[:split].lstrip("0") or "0"
    frac = "0" * draw(st.integers(0, 30)) + digits[split:]
    token = sign + int_part
    if frac and draw(st.booleans()):
        token += "." + frac
    if draw(st.booleans()):
        token += draw(st.sampled_from("eE")) + draw(st.sampled_from(["", "+", "-"]))
        token += str(draw(st.integers(0, 350)))
    return token


def assert_number_exact(token: str) -> None:
    res = read_one(token)
    value = float(json.loads(token))  # json: int for "12", float otherwise
    if res.status == "fallback":
        # Only where json and orjson disagree or exactness would need more: overflow
        # to infinity, integers beyond 64 bits, or a tie between 0 and 5e-324.
        big_int = token.lstrip("-").isdigit() and abs(int(token)) >= 2**63
        assert math.isinf(value) or big_int or abs(value) <= 5e-324, (token, res.reason)
        return
    assert res.status == "ok", (token, res)
    assert bits(res.score) == bits([value]), (token, res.score[0], value)


@given(decimal_tokens())
@example("9007199254740993")  # halfway between two doubles: to even
@example("9007199254740995")
@example("9007199254740993.000000000000000000001")
@example("4.9e-324")
@example("2.4703282292062327e-324")  # just below half the smallest subnormal
@example("2.4703282292062328e-324")
@example("2.2250738585072011e-308")
@example("2.2250738585072012e-308")
@example("1.7976931348623157e308")
@example("1.7976931348623158e308")
@example("1e400")
@example("-1e-400")
@example("-0")
@example("-0.0")
@example("0e999999999999")
@example("1e-999999999999")
@example("123456789012345678901234567890e-30")
@example("0.1000000000000000055511151231257827021181583404541015625")
@example("4503599627370496.5")  # an exact tie with q < 0: deferred to float()
@example("18446744073709551615")
@example("-9223372036854775808")
@example("-9223372036854775809")
def test_numbers_are_correctly_rounded(token):
    assert_number_exact(token)


@st.composite
def near_halfway(draw: Any) -> str:
    """Decimal strings at, just below and just above the midpoint of two doubles."""
    raw = draw(st.integers(1, 0x7FEFFFFFFFFFFFFF))
    x = struct.unpack("<d", struct.pack("<Q", raw))[0]
    y = math.nextafter(x, math.inf)
    mid = (decimal.Decimal(x) + decimal.Decimal(y)) / 2
    with decimal.localcontext() as ctx:
        ctx.prec = draw(st.sampled_from([16, 17, 18, 19, 20, 21, 25, 40, 800]))
        ctx.rounding = draw(st.sampled_from([decimal.ROUND_DOWN, decimal.ROUND_UP]))
        mid = +mid
    return f"{mid:e}".replace("E", "e")


@given(near_halfway())
def test_halfway_cases_are_correctly_rounded(token):
    assert_number_exact(token)


def test_random_doubles_round_trip_through_repr():
    rng = np.random.default_rng(20260101)
    raw = rng.integers(0, 2**64, size=1_000_000, dtype=np.uint64)
    values = raw.view(np.float64)
    values = values[np.isfinite(values)]
    # Plus doubles of ordinary magnitudes, as in COCO files.
    values = np.concatenate([values, rng.normal(0, 1e3, 500_000), rng.random(500_000)])
    text = "[" + ",".join(map(repr, values.tolist())) + "]"
    res = _kernels.read_numbers(text.encode())
    assert res.status == "ok"
    assert res.n == len(values)
    assert np.array_equal(res.score.view(np.uint64), values.view(np.uint64))
    # repr strings are never ambiguous: nothing needed Python's float().
    assert res.n_deferred == 0


def test_shortened_decimals_match_float():
    # Fewer digits than repr: not round trips, but each must still be float(s).
    rng = np.random.default_rng(7)
    values = rng.integers(0, 2**64, size=300_000, dtype=np.uint64).view(np.float64)
    values = values[np.isfinite(values)]
    digits = rng.integers(1, 20, size=len(values))
    tokens = [f"{v:.{d}e}" for v, d in zip(values.tolist(), digits.tolist(), strict=True)]
    res = _kernels.read_numbers(("[" + ",".join(tokens) + "]").encode())
    expected = np.array([float(t) for t in tokens])
    if res.status == "fallback":  # an overflow to inf somewhere: check one by one
        for token in tokens:
            assert_number_exact(token)
        return
    assert res.status == "ok"
    assert np.array_equal(res.score.view(np.uint64), expected.view(np.uint64))


def test_powers_of_five_table_is_the_generator_output():
    gen = ROOT / "tools" / "gen_pow5.py"
    table = ROOT / "csrc" / "mm_pow5.inc"
    if not gen.exists() or not table.exists():
        pytest.skip("source tree not available (installed wheel)")
    assert table.read_text() == runpy.run_path(str(gen), run_name="gen_pow5")["render"]()


# -- documents ---------------------------------------------------------------------------


class Raw:
    """A number token written as is."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def dumps(obj: Any, rng: random.Random) -> str:
    """JSON text with random whitespace, escapes and number spellings."""

    def ws() -> str:
        return rng.choice(["", "", "", " ", "\n", "\t", "  \r\n "])

    def string(s: str) -> str:
        out = []
        for ch in s:
            c = ord(ch)
            if ch in '"\\' or c < 0x20 or (rng.random() < 0.2 and c < 0x10000):
                simple = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "/": "\\/"}
                out.append(simple.get(ch) if ch in simple and rng.random() < 0.5 else f"\\u{c:04x}")
            elif c >= 0x10000 and rng.random() < 0.3:
                hi, lo = 0xD800 + ((c - 0x10000) >> 10), 0xDC00 + ((c - 0x10000) & 0x3FF)
                out.append(f"\\u{hi:04X}\\u{lo:04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    def value(v: Any) -> str:
        if isinstance(v, Raw):
            return v.text
        if v is None:
            return "null"
        if v is True:
            return "true"
        if v is False:
            return "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            return rng.choice([repr(v), f"{v:.17e}", f"{v:.17E}".replace("E+", "E")])
        if isinstance(v, str):
            return string(v)
        if isinstance(v, list):
            if not v:
                return "[" + ws() + "]"
            return "[" + ws() + ("," + ws()).join(value(x) + ws() for x in v) + "]"
        assert isinstance(v, dict)
        if not v:
            return "{" + ws() + "}"
        members = [ws() + string(k) + ws() + ":" + ws() + value(x) + ws() for k, x in v.items()]
        return "{" + ",".join(members) + "}"

    return ws() + value(obj) + ws()


texts = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12
) | st.sampled_from(["", "ü", "日本", "\U0001f600", 'a"b\\c/d', "\x00\x1f\x7f", "bbox", "id"])
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | texts
scalars |= st.floats(allow_nan=False, allow_infinity=False) | decimal_tokens().map(Raw)
nested = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)
small_ints = st.integers(0, 60)
ids = small_ints | st.integers(-(2**63), 2**63 - 1)
numbers = (
    st.integers(0, 500)
    | st.floats(0, 1e4, allow_nan=False)
    | decimal_tokens().filter(lambda t: abs(float(t)) < 1e300).map(Raw)
)
odd_values = st.sampled_from(["7", 1.0, True, None, [1], {"a": 1}, 2**64, -(2**64), Raw("1e400")])


@st.composite
def annotation(draw: Any, *, results: bool) -> dict[str, Any]:
    box = [draw(numbers) for _ in range(4)]
    if draw(st.integers(0, 20)) == 0:
        box[draw(st.integers(2, 3))] = Raw("-" + str(draw(st.integers(1, 9))))
    if draw(st.integers(0, 25)) == 0:
        box = draw(st.lists(numbers, max_size=6))
    ann: dict[str, Any] = {
        "image_id": draw(small_ints),
        "category_id": draw(small_ints),
        "bbox": box,
    }
    if results:
        ann["score"] = draw(numbers)
    else:
        ann.update(area=draw(numbers), id=draw(ids))
        if draw(st.booleans()):
            ann["iscrowd"] = draw(st.sampled_from([0, 1, 0, 2, -1]))
    for key in draw(st.lists(st.sampled_from(sorted(ann)), max_size=1)):
        if draw(st.integers(0, 3)) == 0:
            del ann[key]  # a missing field
        elif draw(st.integers(0, 3)) == 0:
            ann[key] = draw(odd_values)  # a value of another type
    extra = draw(
        st.dictionaries(
            st.sampled_from(["segmentation", "caption", "area", "id", "iscrowd", "score", "x"])
            | texts,
            nested,
            max_size=3,
        )
    )
    for key, value in extra.items():
        ann.setdefault(key, value)
    keys = list(ann)
    draw(st.randoms(use_true_random=False)).shuffle(keys)
    return {k: ann[k] for k in keys}


@st.composite
def results_docs(draw: Any) -> Any:
    return draw(st.lists(annotation(results=True), max_size=6))


@st.composite
def gt_docs(draw: Any) -> dict[str, Any]:
    def id_list(prefix: str) -> list[dict[str, Any]]:
        items = []
        for _ in range(draw(st.integers(0, 5))):
            item: dict[str, Any] = {"id": draw(small_ints), "name": prefix + draw(texts)}
            if draw(st.integers(0, 30)) == 0:
                del item["id"]
            items.append(item)
        return items

    doc: dict[str, Any] = {
        "info": draw(nested),
        "images": id_list("img"),
        "annotations": draw(st.lists(annotation(results=False), max_size=6)),
        "categories": id_list("cat"),
    }
    for key in ("images", "annotations", "categories", "info"):
        if draw(st.integers(0, 12)) == 0:
            del doc[key]
    return doc


def render(doc: Any, rng: random.Random) -> bytes:
    return dumps(doc, rng).encode("utf-8")


def outcome(fn: Any) -> tuple[Any, ...]:
    try:
        return ("ok", fn())
    except Exception as exc:  # comparing what each side raises
        return ("raise", type(exc), str(exc))


def same_columns(a: Any, b: Any) -> None:
    for name in ("image_id", "category_id", "id", "crowd", "ignore"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y), name
    for name in ("bbox", "area", "score"):
        x, y = getattr(a, name), getattr(b, name)
        if x is None or y is None:
            assert x is y, name
            continue
        assert x.shape == y.shape, name
        assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), name


def reference_results(doc: Any) -> tuple[Any, ...]:
    """What loadRes does before checking image ids, on the parsed document."""

    def run() -> Any:
        if not isinstance(doc, list) or (doc and not isinstance(doc[0], dict)):
            return "not a result list"
        if doc and ("bbox" not in doc[0] or doc[0]["bbox"] == []):
            return "no bbox"
        return extract_columns(doc, results=True)

    return outcome(run)


def assert_results_agree(data: bytes) -> None:
    res = _kernels.read_results(data)
    assert_syntax_verdict(data, res)
    if res.status in ("ok", "invalid"):
        doc = json.loads(data)
        ref = reference_results(doc)
        if res.status == "ok":
            assert ref[0] == "ok", ref
            same_columns(result_columns_from_reader(res), ref[1])
        else:
            assert ref[:2] == ("raise", ValueError), ref
            assert str(invalid_field(*res.error)) == ref[2]


def reference_ground_truth(doc: Any) -> tuple[Any, ...]:
    return outcome(lambda: extract_columns(doc.get("annotations", []), results=False))


def assert_ground_truth_agrees(data: bytes) -> None:
    res = _kernels.read_ground_truth(data)
    assert_syntax_verdict(data, res)
    if res.status not in ("ok", "invalid"):
        return
    doc = json.loads(data)
    assert isinstance(doc, dict)
    ref = reference_ground_truth(doc)
    if res.status == "ok":
        assert ref[0] == "ok", ref
        columns = FastGroundTruth.from_read(res).columns
        assert columns is not None
        same_columns(columns, ref[1])
    else:
        assert ref[:2] == ("raise", ValueError), ref
        assert str(invalid_field(*res.error)) == ref[2]
    index = outcome(lambda: COCO(copy.deepcopy(doc)).createIndex())
    assert res.index_ok == (index[0] == "ok")
    if res.index_ok:
        assert res.images.tolist() == [img["id"] for img in doc.get("images", [])]
        assert res.categories.tolist() == [cat["id"] for cat in doc.get("categories", [])]


def assert_syntax_verdict(data: bytes, res: Any) -> None:
    """Accepted documents are JSON to json and orjson; syntax errors are to neither."""

    def json_text() -> Any:
        return json.loads(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read())

    parsers = [json_text] + ([lambda: orjson.loads(data)] if orjson is not None else [])
    if res.status == "syntax":
        for parse in parsers:
            with pytest.raises((ValueError, UnicodeDecodeError)):
                parse()
        assert 0 <= res.offset <= len(data)
    elif res.status in ("ok", "invalid"):
        # Both parse it (their values may differ where the reader does not look: orjson
        # makes integers beyond 64 bits floats).
        for parse in parsers:
            parse()


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(results_docs(), st.randoms(use_true_random=False))
def test_results_documents_match_extract_columns(doc, rng):
    assert_results_agree(render(doc, rng))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(gt_docs(), st.randoms(use_true_random=False))
def test_ground_truth_documents_match_extract_columns(doc, rng):
    assert_ground_truth_agrees(render(doc, rng))


def test_plain_documents_do_not_fall_back():
    rng = random.Random(0)
    doc = [
        {"image_id": i, "category_id": 3, "bbox": [1.5, 2, 3e1, 4.25], "score": 0.5, "x": [{}]}
        for i in range(50)
    ]
    res = _kernels.read_results(render(doc, rng))
    assert res.status == "ok", res.reason
    gt = {"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1, "name": "a"}]}
    gres = _kernels.read_ground_truth(render(gt, rng))
    assert gres.status == "ok", gres.reason
    assert gres.index_ok


@st.composite
def mutated(draw: Any, docs: Any) -> bytes:
    data = bytearray(render(draw(docs), draw(st.randoms(use_true_random=False))))
    if draw(st.booleans()) and data:
        del data[draw(st.integers(0, len(data) - 1)) :]  # truncated
    pieces = b'{}[]",:\\ 0123456789.eE-+tfnulNI\x00\x80\xc3\xed\xf4\xff'
    for _ in range(draw(st.integers(0, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.integers(0, 2))
        if kind == 0:
            data[at] = draw(st.sampled_from(pieces))
        elif kind == 1:
            del data[at]
        else:
            data.insert(at, draw(st.sampled_from(pieces)))
    return bytes(data)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=200)
@given(mutated(results_docs()))
def test_mutated_results_never_crash_and_agree(data):
    assert_results_agree(data)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=200)
@given(mutated(gt_docs()))
def test_mutated_ground_truth_never_crash_and_agree(data):
    assert_ground_truth_agrees(data)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        (b"", "syntax"),
        (b"  ", "syntax"),
        (b"\xef\xbb\xbf[]", "fallback"),  # a BOM: the full parsers decide (both reject it)
        (b"[] x", "syntax"),
        (b"[1,]", "fallback"),  # not an object: the layout check comes first
        (b'[{"image_id": 1,}]', "syntax"),
        (b'[{"image_id": 01}]', "syntax"),
        (b'[{"a": NaN}]', "fallback"),
        (b'[{"a": -Infinity}]', "fallback"),
        (b'[{"a": 1e400}]', "fallback"),
        (b'[{"a": ' + b"9" * 400 + b"}]", "fallback"),
        (b'[{"a": "\\ud800"}]', "fallback"),
        (b'[{"a": "\\udc00\\ud800"}]', "fallback"),
        (b'[{"bbox": [1], "a": "\\ud83d\\ude00"}]', "invalid"),  # a valid pair
        (b'[{"a": "\\x"}]', "syntax"),
        (b'[{"a": "\xed\xa0\x80"}]', "syntax"),  # an encoded surrogate is not UTF-8
        (b'[{"a": "\xc0\xaf"}]', "syntax"),  # overlong
        (b'[{"a": "\xf4\x90\x80\x80"}]', "syntax"),  # beyond U+10FFFF
        (b'[{"a": "\x1f"}]', "syntax"),
        (b'[{"bbox": [1], "a": "\x7f"}]', "invalid"),
        (b'[{"a": ' + b"[" * 600 + b"]" * 600 + b"}]", "fallback"),
        (b'[{"a": ' + b"[" * 600, "fallback"),
        (b'[{"a": ' + b"[" * 100 + b"]" * 99 + b"}]", "syntax"),
        (b'[{"image_id": 1, "image_id": 2}]', "fallback"),
        (b'[{"image\\u005fid": "x"}]', "fallback"),  # an escaped key is still image_id
        (b'[{"image_id": 1.0}]', "fallback"),
        (b'[{"image_id": 9223372036854775808}]', "fallback"),
        (b'[{"image_id": -9223372036854775808, "category_id": 1, "bbox": [0,0,1,1], '
         b'"score": 1}]', "ok"),
        (b'[{"bbox": []}]', "fallback"),  # loadRes's own message for result 0
        (b'[{"bbox": [1,2,3,4]}, {"bbox": []}]', "invalid"),
    ],
)  # fmt: skip
def test_edge_documents(text, status):
    res = _kernels.read_results(text)
    assert res.status == status, res
    assert_results_agree(text)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([{"category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}],
         "annotation 0: field 'image_id' is missing"),
        ([{"image_id": 1, "bbox": [0, 0, 1, 1], "score": 1}],
         "annotation 0: field 'category_id' is missing"),
        ([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1},
          {"image_id": 1, "category_id": 1, "score": 1}], "annotation 1: field 'bbox' is missing"),
        ([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1},
          {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "score": 1}],
         "annotation 1: field 'bbox' must be [x, y, width, height]"),
        ([{"image_id": 1, "category_id": 1, "bbox": [0, 0, -1, 1], "score": 1}],
         "annotation 0: field 'bbox' has a negative width or height"),
        ([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}],
         "annotation 0: field 'score' is missing"),
    ],
)  # fmt: skip
def test_errors_name_the_annotation_and_field(doc, message, tmp_path):
    path = tmp_path / "res.json"
    path.write_text(json.dumps(doc))
    res = _kernels.read_results(path.read_bytes())
    assert res.status == "invalid"
    assert str(invalid_field(*res.error)) == message
    gt = COCO({"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1}]})
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        gt.loadRes(str(path))
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        gt.loadRes(copy.deepcopy(doc))


def test_ground_truth_errors_wait_for_the_columns(tmp_path):
    doc = {
        "images": [{"id": 1}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}],
        "categories": [{"id": 1}],
    }
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(doc))
    coco = COCO(str(path))
    assert coco.getImgIds() == [1]
    with pytest.raises(ValueError, match="annotation 0: field 'area' is missing"):
        coco._columns()
    with pytest.raises(ValueError, match="annotation 0: field 'area' is missing"):
        COCO(copy.deepcopy(doc))._columns()


# -- the public API on files ------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: Any) -> Path:
    return tmp_path_factory.mktemp("json")


def assert_coco_matches_dicts(path: Path) -> None:
    """COCO(path) against COCO(parsed dict): queries, columns, errors and dataset."""
    ref_doc = outcome(lambda: load_json(path))
    ours = outcome(lambda: COCO(str(path)))
    if ref_doc[0] == "raise" or not isinstance(ref_doc[1], dict):
        assert ours[0] == "raise"
        ref = outcome(lambda: COCO(str(path)) if ref_doc[0] == "ok" else load_json(path))
        assert ours[1:] == ref[1:]
        return
    coco, ref_coco = ours[1], COCO(ref_doc[1])
    assert outcome(coco.getImgIds) == outcome(ref_coco.getImgIds)
    assert outcome(coco.getCatIds) == outcome(ref_coco.getCatIds)
    cols = outcome(lambda: annotation_columns(coco))
    ref_cols = outcome(lambda: annotation_columns(ref_coco))
    assert cols[0] == ref_cols[0], (cols, ref_cols)
    if cols[0] == "ok":
        same_columns(cols[1], ref_cols[1])
    else:
        assert cols == ref_cols
    assert coco.dataset == load_json(path)
    assert outcome(coco.getImgIds) == outcome(ref_coco.getImgIds)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(gt_docs() | mutated(gt_docs()), st.randoms(use_true_random=False))
def test_coco_on_files_behaves_as_on_dicts(scratch, doc, rng):
    path = scratch / "gt.json"
    path.write_bytes(doc if isinstance(doc, bytes) else render(doc, rng))
    assert_coco_matches_dicts(path)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(results_docs() | mutated(results_docs()), st.randoms(use_true_random=False))
def test_load_res_on_files_behaves_as_on_lists(scratch, doc, rng):
    path = scratch / "res.json"
    path.write_bytes(doc if isinstance(doc, bytes) else render(doc, rng))
    gt = COCO({"images": [{"id": i} for i in range(0, 60, 2)], "categories": [{"id": 1}]})
    ours = outcome(lambda: gt.loadRes(str(path)))
    loaded = outcome(lambda: load_json(path))
    if loaded[0] == "raise":
        assert ours[1:] == loaded[1:]
        return
    ref = outcome(lambda: gt.loadRes(loaded[1]))
    assert ours[0] == ref[0], (ours, ref)
    if ours[0] == "raise":
        assert ours[1:] == ref[1:]
        return
    same_columns(annotation_columns(ours[1]), annotation_columns(ref[1]))
    assert ours[1].dataset == ref[1].dataset
    assert outcome(ours[1].getImgIds) == outcome(ref[1].getImgIds)


def test_evaluation_on_files_builds_no_dicts(tmp_path, monkeypatch):
    rng = random.Random(3)
    images = [{"id": i, "file_name": f"{i}.jpg"} for i in range(1, 6)]
    anns, dets = [], []
    for k in range(40):
        box = [rng.uniform(0, 50), rng.uniform(0, 50), rng.uniform(1, 40), rng.uniform(1, 40)]
        img, cat = rng.randrange(1, 6), rng.randrange(1, 4)
        anns.append({"id": k + 1, "image_id": img, "category_id": cat, "bbox": box,
                     "area": box[2] * box[3], "iscrowd": int(k % 9 == 0),
                     "segmentation": [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]})  # fmt: skip
        jitter = [v + rng.uniform(-2, 2) for v in box]
        jitter[2:] = [max(v, 0.0) for v in jitter[2:]]
        dets.append({"image_id": img, "category_id": cat, "bbox": jitter, "score": rng.random()})
    gt_doc = {"info": {"v": 1}, "images": images, "annotations": anns,
              "categories": [{"id": c, "name": str(c)} for c in (1, 2, 3)]}  # fmt: skip
    gt_path, dt_path = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_path.write_text(json.dumps(gt_doc))
    dt_path.write_text(json.dumps(dets))

    def no_dicts(data: bytes) -> Any:
        raise AssertionError("a file was parsed into dicts")

    with monkeypatch.context() as patched:
        patched.setattr("modelmetrics._coco.api.parse_json", no_dicts)
        gt = mm.COCO(str(gt_path))
        dt = gt.loadRes(str(dt_path))
        ev = mm.COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        with contextlib.redirect_stdout(io.StringIO()):
            ev.summarize()

    ref_gt = mm.COCO(copy.deepcopy(gt_doc))
    ref = mm.COCOeval(ref_gt, ref_gt.loadRes(copy.deepcopy(dets)), "bbox")
    ref.evaluate()
    ref.accumulate()
    with contextlib.redirect_stdout(io.StringIO()):
        ref.summarize()
    for key in ("precision", "recall", "scores"):
        assert np.array_equal(ev.eval[key], ref.eval[key])
    assert list(ev.stats) == list(ref.stats)

    # The dicts, once asked for, are what pycocotools would hold.
    assert dt.dataset == ref.cocoDt.dataset
    assert gt.dataset == gt_doc
    assert dt.dataset["images"][0] is gt.dataset["images"][0]  # shared, as loadRes shares
    assert dt.loadAnns([3]) == ref.cocoDt.loadAnns([3])
    assert gt.loadAnns([5]) == ref_gt.loadAnns([5])


def test_results_copy_the_ground_truth_as_it_was_at_load_res(tmp_path):
    gt_doc = {"info": {"a": [1]}, "images": [{"id": 1}, {"id": 2}], "annotations": [],
              "categories": [{"id": 7, "name": "x"}]}  # fmt: skip
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt_doc))
    det = [{"image_id": 1, "category_id": 7, "bbox": [0, 0, 1, 1], "score": 0.5}]
    det_path = tmp_path / "dt.json"
    det_path.write_text(json.dumps(det))

    gt = COCO(str(path))
    assert sorted(gt.getImgIds()) == [1, 2]
    dt = gt.loadRes(str(det_path))
    gt.dataset["images"].append({"id": 3})  # after loadRes: the results do not see it
    gt.dataset["categories"][0]["name"] = "changed"
    gt.dataset = {"images": [], "annotations": [], "categories": []}
    assert [img["id"] for img in dt.dataset["images"]] == [1, 2]
    assert dt.dataset["categories"] == [{"id": 7, "name": "x"}]
    assert dt.dataset["info"] == {"a": [1]}
    assert list(dt.dataset) == ["info", "images", "categories", "annotations"]
    # getImgIds answered before the dicts existed: its index is the file's.
    gt2 = COCO(str(path))
    assert gt2.getImgIds() == [1, 2]
    gt2.dataset["images"].append({"id": 3})
    assert gt2.getImgIds() == [1, 2]


def test_index_failures_are_the_dict_paths(tmp_path):
    doc = {"images": [{"id": 1}, {"file_name": "x"}], "annotations": [], "categories": []}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyError, match="'id'"):
        COCO(str(path)).getImgIds()
    doc = {"images": [{"id": 1}], "annotations": []}
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyError, match="'categories'"):
        COCO(str(path)).getCatIds()


@pytest.mark.skipif(orjson is None, reason="orjson not installed")
def test_json_errors_are_load_jsons(tmp_path, monkeypatch):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"images": [1, 2,]}')
    with pytest.raises(orjson.JSONDecodeError) as ours:
        COCO(str(path))
    with pytest.raises(orjson.JSONDecodeError) as ref:
        load_json(path)
    assert str(ours.value) == str(ref.value)
    # Without orjson, json's errors (through the same text decoding as json.load).
    monkeypatch.setitem(sys.modules, "orjson", None)
    with pytest.raises(json.JSONDecodeError, match="Expecting value: line 1 column 18"):
        COCO(str(path))
    path.write_bytes(b'[{"a": "\xff"}]')
    with pytest.raises(UnicodeDecodeError):
        COCO().loadRes(str(path))
    assert parse_json(b'[1.5, "\\u00e9"]') == [1.5, "é"]


def test_read_accepts_any_contiguous_buffer():
    text = b'[{"image_id": 2, "category_id": 5, "bbox": [1, 2, 3, 4], "score": 0.25}]'
    for data in (text, bytearray(text), memoryview(text)):
        res = _kernels.read_results(data)
        assert res.status == "ok"
        assert res.bbox.tolist() == [[1.0, 2.0, 3.0, 4.0]]
        assert res.bbox.flags.writeable


def test_huge_boxes_have_an_infinite_area_without_warnings(tmp_path):
    det = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1e200, 1e200], "score": 0.5}]
    path = tmp_path / "dt.json"
    path.write_text(json.dumps(det))
    gt = COCO({"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1}]})
    ours = gt.loadRes(str(path))._columns()  # warnings are errors in this suite
    ref = gt.loadRes(copy.deepcopy(det))._columns()
    same_columns(ours, ref)
    assert ours.area.tolist() == [math.inf]


@pytest.mark.parametrize(
    "piece",
    [b'\\"', b"\\\\", b"\\u00e9", b"\\ud83d\\ude00", b"\xc3\xa9", b"\xe2\x82\xac",
     b"\xf0\x9f\x98\x80", b"\x1f", b"\xff", b"\xc3", b"\xe2\x82", b"\\q", b"\x7f", b'"'],
)  # fmt: skip
def test_special_bytes_anywhere_in_long_strings(piece):
    # Every offset relative to the 8-byte blocks the string scanner reads at once.
    for before in range(20):
        for after in range(12):
            text = b"a" * before + piece + b"b" * after
            doc = b'[{"bbox": [1, 2, 3, 4], "s": "' + text + b'", "image_id": 1}]'
            assert_results_agree(doc)
            res = _kernels.read_results(doc)
            try:
                json.loads(doc.decode("utf-8"))
            except ValueError:  # UnicodeDecodeError included
                assert res.status == "syntax", (doc, res)
            else:
                assert res.status == "invalid", (doc, res)  # category_id is missing


def _escaped(counts: str, style: str) -> str:
    """`counts` as a JSON string body with its characters escaped in `style`."""
    if style == "json":  # what json.dumps writes: only the backslash is escaped
        return counts.replace("\\", "\\\\")
    if style == "solidus":  # '\/' as well, as some writers do
        return counts.replace("\\", "\\\\").replace("/", "\\/")
    return "".join(f"\\u{ord(c):04x}" if i % 3 == 0 else c for i, c in enumerate(counts))


@pytest.mark.parametrize("style", ["json", "solidus", "unicode"])
def test_segm_results_with_escaped_counts_evaluate_from_the_bytes(tmp_path, monkeypatch, style):
    """Compressed RLE counts hold the backslash (one of their 64 characters), which JSON
    escapes: such results are read from the file's bytes, with the same masks and
    evaluation as their parsed dicts."""
    from modelmetrics._coco.api import annotation_masks

    rng = np.random.default_rng(7)
    h, w = 40, 50
    images = [{"id": i, "height": h, "width": w} for i in (3, 9)]
    anns, dets, det_counts = [], [], []
    for k in range(30):
        img = images[k % 2]["id"]
        m = np.zeros((h, w), np.uint8, order="F")
        y, x = rng.integers(0, h - 8), rng.integers(0, w - 8)
        m[y : y + rng.integers(2, 8), x : x + rng.integers(2, 8)] = 1
        rle = mm_mask.encode(m)
        counts = rle["counts"].decode("ascii")
        box = [float(v) for v in mm_mask.toBbox(rle)]
        anns.append({"id": k + 1, "image_id": img, "category_id": 1, "bbox": box,
                     "area": float(m.sum()), "iscrowd": 0,
                     "segmentation": {"size": [h, w], "counts": counts}})  # fmt: skip
        noisy = np.roll(m, int(rng.integers(-2, 3)), axis=1)
        rle = mm_mask.encode(np.asfortranarray(noisy))
        det_counts.append(rle["counts"].decode("ascii"))
        dets.append({"image_id": img, "category_id": 1, "bbox": box, "score": float(rng.random())})
    assert any("\\" in c for c in det_counts)  # the case this test is about
    pieces = []
    for det, counts in zip(dets, det_counts, strict=True):
        body = json.dumps(det)[:-1]
        pieces.append(f'{body}, "segmentation": {{"size": [{h}, {w}], "counts": '
                      f'"{_escaped(counts, style)}"}}}}')  # fmt: skip
    gt_doc = {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "a"}]}
    gt_path, dt_path = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_path.write_text(json.dumps(gt_doc))
    dt_path.write_text("[" + ", ".join(pieces) + "]")
    parsed = json.loads(dt_path.read_text())
    assert [d["segmentation"]["counts"] for d in parsed] == det_counts

    def no_dicts(data: bytes) -> Any:
        raise AssertionError("the results were parsed into dicts")

    gt = mm.COCO(copy.deepcopy(gt_doc))  # its images are dicts already: nothing to parse
    with monkeypatch.context() as patched:
        # Neither the whole document nor any one segmentation is parsed by Python.
        patched.setattr("modelmetrics._coco.api.parse_json", no_dicts)
        patched.setattr("modelmetrics._detection.mask_tables.parse_json", no_dicts)
        dt = gt.loadRes(str(dt_path))
        from_file = annotation_masks(dt, "detection")
        ev = mm.COCOeval(gt, dt, "segm")
        ev.evaluate()
        ev.accumulate()
    ref_gt = mm.COCO(copy.deepcopy(gt_doc))
    ref_dt = ref_gt.loadRes(parsed)
    from_dicts = annotation_masks(ref_dt, "detection")
    for name in ("hw", "bbox", "area"):
        assert np.array_equal(np.asarray(getattr(from_file, name)),
                              np.asarray(getattr(from_dicts, name)))  # fmt: skip
    ref = mm.COCOeval(ref_gt, ref_dt, "segm")
    ref.evaluate()
    ref.accumulate()
    for key in ("precision", "recall", "scores"):
        assert np.array_equal(ev.eval[key], ref.eval[key])


def _scan_part(scan: Any, data: bytes, p: int) -> None:
    """Scan part `p` from a chunk holding just its bytes, as json_mask_table does."""
    start, stop = scan.part_span(p)
    scan.scan(p, bytearray(data[start:stop]), start)


def _item_strings(gathered: Any) -> list[bytes | None]:
    blob, at, length = gathered[3]
    return [None if n < 0 else bytes(blob[a : a + n]) for a, n in zip(at, length, strict=True)]


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_segmentation_scan_in_parts_equals_the_dict_path(parts):
    """The threads' scan of segmentations in a document (polygons, compressed RLEs with
    and without escapes, uncompressed RLEs left to Python) gives, for any split into
    parts, what gathering the parsed values gives."""
    rng = np.random.default_rng(11)
    h, w = 30, 40
    values = []
    for k in range(60):
        kind = k % 4
        if kind == 0:
            xs = rng.uniform(0, w, 6).round(2)
            ys = rng.uniform(0, h, 6).round(2)
            values.append([[float(v) for pair in zip(xs, ys, strict=True) for v in pair]])
        elif kind in (1, 2):
            m = np.asfortranarray(rng.random((h, w)) < 0.3, dtype=np.uint8)
            counts = mm_mask.encode(m)["counts"].decode("ascii")
            values.append({"size": [h, w], "counts": counts})
        else:  # an uncompressed RLE: run lengths as a list
            flat = rng.random(h * w) < 0.5
            edges = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1], True])
            runs = np.diff(edges).tolist()
            counts = runs if not flat[0] else [0, *runs]
            if k % 8 == 7:  # numbers the scan leaves to Python's conversion
                counts = [float(c) for c in counts]
            values.append({"size": [h, w], "counts": counts})
    doc = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5,
            "segmentation": v} for v in values]  # fmt: skip
    data = json.dumps(doc).encode()
    assert b"\\\\" in data  # escaped counts are among them
    read = _kernels.read_results(data)
    assert read.status == "ok"
    n = len(values)
    heights, widths = np.full(n, h, np.int64), np.full(n, w, np.int64)

    def fallback(segm: Any, hh: int, ww: int, i: int) -> Any:
        from modelmetrics._detection.mask_tables import ann_to_rle

        return ann_to_rle(segm, hh, ww)

    bounds = np.linspace(0, n, parts + 1).astype(np.int64)
    scan = _kernels.RleJsonScan(read.seg_off, read.seg_len, bounds)
    for p in reversed(range(parts)):  # any order
        _scan_part(scan, data, p)
    ours = scan.gather(heights, widths, parse_json, fallback, "x")
    ref = _kernels.rle_gather_annotations(
        [d["segmentation"] for d in json.loads(data)], heights, widths, fallback, "x"
    )
    for k in (0, 1, 2, 4, 5, 6):
        assert np.array_equal(ours[k], ref[k]), k
    assert _item_strings(ours) == _item_strings(ref)


def test_segmentation_scan_raises_the_first_items_error_whatever_the_parts():
    good = {"size": [2, 2], "counts": "04"}
    bad = {"size": [2, 2], "counts": "05"}  # runs past the 2 x 2 mask
    doc = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5,
            "segmentation": good} for _ in range(10)]  # fmt: skip
    doc[3]["segmentation"] = bad
    del doc[7]["segmentation"]
    data = json.dumps(doc).encode()
    read = _kernels.read_results(data)
    ones = np.full(10, 2, np.int64)
    for bounds in ([0, 10], [0, 5, 10], [0, 2, 4, 8, 10]):
        scan = _kernels.RleJsonScan(read.seg_off, read.seg_len, np.array(bounds))
        for p in reversed(range(len(bounds) - 1)):
            _scan_part(scan, data, p)
        with pytest.raises(ValueError, match=r"x\[3\]\['segmentation'\]"):
            scan.gather(ones, ones, parse_json, None, "x")


def test_segmentation_scan_reads_chunks_and_keeps_only_the_strings():
    """Each part is scanned from a chunk of the document that may be freed afterwards:
    strings (escapes decoded) go to the blob; the JSON of values Python must parse is
    kept; a part is scanned once and only from a chunk that holds it."""
    counts = ["\\\\04", "88"]  # JSON text of the strings "\\04" (12, 4) and "88" (8, 8)
    values = [f'{{"size": [4, 4], "counts": "{c}"}}' for c in counts]
    values.append('{"size": [4, 4], "counts": [0, 16.0]}')  # a float count: left to Python
    text = ", ".join(
        f'{{"image_id": 1, "category_id": 1, "score": 0.5, "bbox": [0, 0, 1, 1], '
        f'"segmentation": {v}}}'
        for v in values
    )
    data = f"[{text}]".encode()
    read = _kernels.read_results(data)
    assert read.status == "ok"
    scan = _kernels.RleJsonScan(read.seg_off, read.seg_len, np.array([0, 1, 3]))
    start, stop = scan.part_span(0)
    with pytest.raises(ValueError, match="does not hold"):
        scan.scan(0, bytearray(data[start + 1 : stop]), start + 1)
    chunk = bytearray(data[start:stop])
    scan.scan(0, chunk, start)
    chunk[:] = b"x" * len(chunk)  # the scan kept nothing of it
    with pytest.raises(ValueError, match="already scanned"):
        scan.scan(0, bytearray(data[start:stop]), start)
    _scan_part(scan, data, 1)
    fours = np.full(3, 4, np.int64)

    def fallback(segm: Any, hh: int, ww: int, i: int) -> Any:
        from modelmetrics._detection.mask_tables import ann_to_rle

        return ann_to_rle(segm, hh, ww)

    gathered = scan.gather(fours, fours, parse_json, fallback, "x")
    assert _item_strings(gathered) == [b"\\04", b"88", mm_mask.frPyObjects(
        {"size": [4, 4], "counts": [0, 16.0]}, 4, 4)["counts"]]  # fmt: skip
    assert gathered[6].tolist() == [4, 8, 16]  # areas: the runs of 1s


def test_segmentation_scan_refuses_overlapping_spans():
    off, length = np.array([1, 2]), np.array([30, 30])
    with pytest.raises(ValueError, match="disjoint"):
        _kernels.RleJsonScan(off, length, np.array([0, 2]))


def test_file_ranges_are_read_exactly(tmp_path):
    from modelmetrics._coco import files

    payload = bytes(random.Random(5).getrandbits(8) for _ in range(100_003))
    path = tmp_path / "blob.json"
    path.write_bytes(payload)

    def read(offset: int, size: int) -> bytes:
        out = bytearray(b"?" * size)
        with memoryview(out) as view:
            files.read_into(path, offset, view)
        return bytes(out)

    assert read(0, len(payload)) == payload
    assert read(777, 5000) == payload[777:5777]
    assert read(50, 0) == b""
    with pytest.raises(OSError, match="ended"):
        read(100_000, 5)


# -- results documents read in parts on threads -------------------------------------------


def same_read(a: Any, b: Any) -> None:
    assert (a.status, a.n) == (b.status, b.n)
    for name in ("image_id", "category_id", "seg_off", "seg_len"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("bbox", "score"):
        assert bits(getattr(a, name)).__eq__(bits(getattr(b, name))), name


def read_in_parts(data: bytes, starts: Any, rng: random.Random) -> Any:
    parts = _kernels.ResultsInParts(data, np.asarray(starts, dtype=np.int64))
    order = list(range(len(starts)))
    rng.shuffle(order)  # threads finish in any order
    for p in order:
        parts.read(p)
    return parts.result()


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(
    st.one_of(
        st.tuples(
            st.lists(annotation(results=True), min_size=2, max_size=12),
            st.randoms(use_true_random=False),
        ).map(lambda pair: render(*pair)),
        mutated(results_docs()),
    ),
    st.integers(1, 6),
    st.lists(st.integers(1, 10_000), max_size=4),
    st.randoms(use_true_random=False),
)
def test_results_read_in_parts_are_the_whole_read_or_none(data, k, cuts, rng):
    """Parts at the guessed element starts, or at any offsets at all, give exactly the
    whole document's read, or None (then the caller reads it whole)."""
    whole = _kernels.read_results(data)
    guessed = _kernels.results_part_starts(data, k).tolist()
    arbitrary = sorted({0, *(c % (len(data) + 1) for c in cuts if c % (len(data) + 1))})
    for starts in (guessed, arbitrary):
        got = read_in_parts(data, starts, rng)
        if got is not None:
            assert whole.status == "ok"
            same_read(got, whole)


def test_results_read_in_parts_chain_at_guessed_starts():
    rng = random.Random(3)
    doc = [
        {"image_id": i, "category_id": i % 7, "bbox": [i, 2.5, 3e1, 4.25], "score": i / 7,
         "segmentation": {"size": [4, 4], "counts": "\\\\04"}}
        for i in range(300)
    ]  # fmt: skip
    data = render(doc, rng)
    starts = _kernels.results_part_starts(data, 8)
    assert len(starts) == 8
    got = read_in_parts(data, starts, rng)
    assert got is not None
    same_read(got, _kernels.read_results(data))


def test_results_read_in_parts_see_through_strings_and_report_errors_in_order(monkeypatch):
    """A guessed start inside a string does not chain (the whole read is used); an
    invalid element in a late part is reported as the whole read reports it."""
    from modelmetrics._coco import files
    from modelmetrics._core.parallel import num_threads

    monkeypatch.setattr(files, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(files, "_MIN_PART_BYTES", 1)
    tricky = '}, {"image_id": 5}, {' * 40  # element boundaries, inside a string
    doc = [{"image_id": i, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5, "note": tricky}
           for i in range(20)]  # fmt: skip
    data = json.dumps(doc).encode()
    starts = _kernels.results_part_starts(data, 16)
    elements = [json.dumps(d) for d in doc]
    real = {1 + sum(len(e) + 2 for e in elements[:i]) for i in range(len(elements))}
    assert all(data[s] == ord("{") for s in real)
    assert any(s not in real for s in starts[1:])  # a guess inside a string
    assert read_in_parts(data, starts, random.Random(0)) is None
    with num_threads(2):
        same_read(files.read_results(data), _kernels.read_results(data))
    doc = [{"image_id": i, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}
           for i in range(200)]  # fmt: skip
    del doc[150]["score"]
    data = json.dumps(doc).encode()
    with num_threads(2):
        read = files.read_results(data)
    assert read.status == "invalid"
    assert read.error == (150, "score", "is missing")


def test_large_files_are_read_in_parts_on_threads(tmp_path, monkeypatch):
    """COCO(path) and loadRes(path) read big files on threads: the same columns and
    the same evaluation as one thread."""
    from modelmetrics._coco import files
    from modelmetrics._core.parallel import num_threads

    rng = np.random.default_rng(4)
    images = [{"id": int(i), "height": 50, "width": 60} for i in range(1, 41)]
    anns = [{"id": k + 1, "image_id": int(rng.integers(1, 41)), "category_id": int(c),
             "bbox": [float(x) for x in rng.uniform(0, 30, 4).round(1)],
             "area": float(rng.uniform(1, 900)), "iscrowd": 0}
            for k, c in enumerate(rng.integers(1, 4, 300))]  # fmt: skip
    gt_doc = {"images": images, "annotations": anns,
              "categories": [{"id": c, "name": str(c)} for c in (1, 2, 3)]}  # fmt: skip
    dts = [{"image_id": int(rng.integers(1, 41)), "category_id": int(rng.integers(1, 4)),
            "bbox": [float(x) for x in rng.uniform(0, 30, 4).round(2)],
            "score": float(rng.random())} for _ in range(2000)]  # fmt: skip
    gt_path, dt_path = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_path.write_text(json.dumps(gt_doc))
    dt_path.write_text(json.dumps(dts))
    stats = []
    for threads, parallel_bytes in ((1, 1 << 40), (2, 0)):
        monkeypatch.setattr(files, "_PARALLEL_BYTES", parallel_bytes)
        monkeypatch.setattr(files, "_MIN_PART_BYTES", 1000)
        with num_threads(threads):
            assert bytes(files.read_document(dt_path)) == dt_path.read_bytes()
            gt = mm.COCO(str(gt_path))
            ev = mm.COCOeval(gt, gt.loadRes(str(dt_path)), "bbox")
            ev.evaluate()
            ev.accumulate()
            with contextlib.redirect_stdout(io.StringIO()):
                ev.summarize()
        stats.append(ev.stats.tolist())
    assert stats[0] == stats[1]


@pytest.mark.parametrize(
    "counts",
    [
        "[0, 6, 3, 11]",  # plain run lengths: converted by the scan
        "[20]",
        "[]",  # no runs: a 4 x 5 mask needs 20 pixels (an error either way)
        "[0, 6, 3, 12]",  # one pixel too many
        "[0, 6, 3.0, 11]",  # a float: Python's conversion
        "[0, 6, 3, 1.1e1]",
        "[true, 6, 3, 10]",
        "[0, -6, 3, 23]",
        "[0, 6, 3, 4294967307]",  # past uint32
    ],
)
def test_uncompressed_rles_in_files_are_the_dict_paths(tmp_path, counts):
    """Ground-truth crowd masks given as run lengths: read from the file by the scan,
    they give the masks, evaluation and errors that the same dataset in memory gives."""
    text = (
        '{"images": [{"id": 1, "height": 4, "width": 5}], "categories": [{"id": 1}], '
        '"annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 1, '
        '"area": 9, "bbox": [0, 0, 3, 4], '
        f'"segmentation": {{"size": [4, 5], "counts": {counts}}}}}, '
        '{"id": 2, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 4, '
        '"bbox": [2, 0, 2, 2], "segmentation": [[2, 0, 4, 0, 4, 2, 2, 2]]}]}'
    )
    path = tmp_path / "gt.json"
    path.write_text(text)
    results = [{"image_id": 1, "category_id": 1, "score": 0.9,
                "segmentation": {"size": [4, 5], "counts": "0`0"}}]  # fmt: skip

    def run(gt: Any) -> Any:
        ev = mm.COCOeval(gt, gt.loadRes(copy.deepcopy(results)), "segm")
        ev.evaluate()
        ev.accumulate()
        return annotation_masks(gt, "ground-truth"), ev.eval["precision"]

    from modelmetrics._coco.api import annotation_masks

    from_file = outcome(lambda: run(mm.COCO(str(path))))
    in_memory = outcome(lambda: run(mm.COCO(json.loads(text))))
    assert from_file[0] == in_memory[0], (from_file, in_memory)
    if from_file[0] == "raise":
        assert from_file[1:] == in_memory[1:]
        return
    (masks, precision), (ref_masks, ref_precision) = from_file[1], in_memory[1]
    for name in ("hw", "bbox", "area"):
        assert np.array_equal(
            np.asarray(getattr(masks, name)), np.asarray(getattr(ref_masks, name))
        )
    assert np.array_equal(precision, ref_precision)


# -- keypoint results (loadRes's keypoints branch) ----------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "image_id": st.integers(1, 3),
                "category_id": st.integers(1, 2),
                "score": st.floats(0, 1),
                "keypoints": st.lists(
                    st.one_of(st.integers(-5, 700), st.floats(-10, 700)), min_size=6, max_size=6
                ),
            },
            optional={
                "bbox": st.just([1, 2, 3, 4]),
                "caption": st.just("c"),
                "segmentation": st.just([[1, 2, 3, 4, 5, 6]]),
            },
        ),
        min_size=1,
        max_size=8,
    ),
    st.integers(1, 4),
)
def test_keypoint_results_files_load_like_the_dicts(tmp_path_factory, results, threads):
    """A keypoint results file, read by the compiled reader (on threads, in parts),
    gives the columns, keypoints and completed dicts that the parsed list gives."""
    from modelmetrics._coco import files
    from modelmetrics._core.parallel import num_threads

    gt = {"images": [{"id": i} for i in (1, 2, 3)],
          "categories": [{"id": 1}, {"id": 2}], "annotations": []}  # fmt: skip
    path = tmp_path_factory.mktemp("kp") / "dt.json"
    path.write_text(json.dumps(results))
    ref = outcome(lambda: COCO(copy.deepcopy(gt)).loadRes(copy.deepcopy(results)))
    saved = files._PARALLEL_BYTES
    files._PARALLEL_BYTES = 0 if threads > 1 else saved
    try:
        with num_threads(threads):
            got = outcome(lambda: COCO(copy.deepcopy(gt)).loadRes(str(path)))
    finally:
        files._PARALLEL_BYTES = saved
    assert got[0] == ref[0], (got, ref)
    if got[0] == "raise":
        assert got[1:] == ref[1:]
        return
    ours, theirs = got[1], ref[1]
    first = results[0]
    if "bbox" not in first and "segmentation" not in first and "caption" not in first:
        assert ours._result_keypoints is not None  # the reader's keypoints branch
    same_columns(annotation_columns(ours), annotation_columns(theirs))

    def plain(anns: list[dict[str, Any]]) -> Any:
        return [{k: np.asarray(v).tolist() for k, v in a.items()} for a in anns]

    assert plain(ours.dataset["annotations"]) == plain(theirs.dataset["annotations"])
