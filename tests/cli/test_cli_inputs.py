"""The command line's inputs and messages: integer class indices against class names,
non-numeric cells, TSV, write errors, and the lines a successful run prints."""

import csv
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, log_loss

from modelmetrics._cli.inputs import InputError, read_table
from modelmetrics._cli.main import main
from modelmetrics._report.export import atomic_write_text
from modelmetrics.report import ModelReport

NAMES = ["cat", "dog", "bird"]
# Four samples: truth as class indices, and class probabilities in NAMES order. The
# most probable classes are cat, dog, bird, dog: the last sample (a bird) is wrong.
Y_INDEX = [0, 1, 2, 2]
PROBA = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.1, 0.5, 0.4]]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("modelmetrics: error: ")
    assert err.endswith("\n")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def write_rows(path, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return str(path)


# ------------------------------------------------- integer labels against class names


@pytest.mark.parametrize("with_labels", [True, False])
def test_integer_labels_index_the_named_probability_columns(capsys, tmp_path, with_labels):
    gt = write_rows(tmp_path / "gt.csv", [["label"], *[[v] for v in Y_INDEX]])
    pred = write_rows(tmp_path / "pred.csv", [NAMES, *PROBA])
    labels = ["--labels", ",".join(NAMES)] if with_labels else []
    code, out, err = run(
        capsys, "evaluate", "--task", "classification", "-g", gt, "-p", pred, *labels
    )
    assert code == 0, err
    metrics = json.loads(out)["metrics"]["test"]
    assert metrics["confusion-matrix"] == {
        "labels": NAMES,
        "matrix": confusion_matrix([0, 1, 2, 2], [0, 1, 2, 1]).tolist(),
    }
    assert metrics["accuracy"] == 0.75
    assert metrics["per-class"]["dog"]["precision"] == 0.5  # one of two dogs is a bird
    assert metrics["per-class"]["bird"]["recall"] == 0.5
    loss = json.loads(out)["splitLosses"]["test"]
    assert loss == pytest.approx(log_loss(Y_INDEX, PROBA), rel=1e-12)
    # The same as giving the class names themselves.
    named = ModelReport("classification", NAMES).add_split(
        "test", [NAMES[i] for i in Y_INDEX], PROBA
    )
    assert metrics == named.metrics("test")


def test_integer_labels_from_npy_against_labels_option(capsys, tmp_path):
    np.save(tmp_path / "gt.npy", np.array(Y_INDEX, dtype=np.int64))
    np.save(tmp_path / "pred.npy", np.array(PROBA))
    code, out, err = run(
        capsys, "evaluate", "--task", "classification", "-g", str(tmp_path / "gt.npy"),
        "-p", str(tmp_path / "pred.npy"), "--labels", "cat,dog,bird",
    )  # fmt: skip
    assert code == 0, err
    export = json.loads(out)
    assert export["datasetStats"]["test"] == {"classification": {"cat": 1, "dog": 1, "bird": 2}}
    assert export["metrics"]["test"]["confusion-matrix"]["matrix"] == [
        [1, 0, 0], [0, 1, 0], [0, 1, 1],
    ]  # fmt: skip


def test_integer_predicted_labels_are_indices_too(capsys, tmp_path):
    gt = write_rows(tmp_path / "gt.csv", [[v] for v in Y_INDEX])
    pred = write_rows(tmp_path / "pred.csv", [[v] for v in [0, 1, 2, 1]])
    code, out, err = run(
        capsys, "evaluate", "--task", "classification", "-g", gt, "-p", pred,
        "--labels", "cat,dog,bird",
    )  # fmt: skip
    assert code == 0, err
    metrics = json.loads(out)["metrics"]["test"]
    assert metrics["confusion-matrix"]["labels"] == NAMES
    assert metrics["confusion-matrix"]["matrix"] == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]


def test_integer_class_names_still_match_by_value(capsys, tmp_path):
    # Classes named 1, 2, 3: the labels 1..3 are the names, not indices 0..2.
    gt = write_rows(tmp_path / "gt.csv", [[v] for v in [1, 2, 3, 3]])
    pred = write_rows(tmp_path / "pred.csv", PROBA)
    code, out, err = run(
        capsys, "evaluate", "--task", "classification", "-g", gt, "-p", pred, "--labels", "1,2,3"
    )
    assert code == 0, err
    metrics = json.loads(out)["metrics"]["test"]
    assert metrics["confusion-matrix"]["labels"] == [1, 2, 3]
    assert metrics["confusion-matrix"]["matrix"] == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]


def test_a_class_index_out_of_range_is_one_line(capsys, tmp_path):
    gt = write_rows(tmp_path / "gt.csv", [[v] for v in [0, 1, 3, 2]])
    pred = write_rows(tmp_path / "pred.csv", [NAMES, *PROBA])
    code, _, err = run(capsys, "evaluate", "--task", "classification", "-g", gt, "-p", pred)
    assert code == 1
    assert_one_line_error(err, gt, "class index 3 (entry 3)", "3 classes (cat, dog, bird)")
    negative = write_rows(tmp_path / "neg.csv", [[v] for v in [0, -1, 2, 2]])
    code, _, err = run(capsys, "evaluate", "--task", "classification", "-g", negative, "-p", pred)
    assert code == 1
    assert_one_line_error(err, negative, "class index -1 (entry 2)")


# --------------------------------------------------------------- non-numeric cells


def test_a_non_numeric_probability_names_its_row_and_column(capsys, tmp_path):
    gt = write_rows(tmp_path / "gt.csv", [["label"], *[[v] for v in Y_INDEX]])
    rows = [NAMES, *PROBA]
    rows[2] = ["0.1", "n/a", "0.1"]  # the file's row 3
    pred = write_rows(tmp_path / "pred.csv", rows)
    code, _, err = run(capsys, "evaluate", "--task", "classification", "-g", gt, "-p", pred)
    assert code == 1
    assert_one_line_error(err, f"{pred}: row 3, column 2 ('dog'): expected a number, got 'n/a'")
    assert "dtype" not in err


def test_a_non_numeric_target_names_its_row_counting_blank_lines(capsys, tmp_path):
    good = write_rows(tmp_path / "good.csv", [[1.0], [2.0], [3.0]])
    bad = tmp_path / "bad.csv"
    bad.write_text("1.5\n\n2.5\nabout 3\n", encoding="utf-8")  # line 4, after a blank one
    code, _, err = run(capsys, "evaluate", "--task", "regression", "-g", good, "-p", str(bad))
    assert code == 1
    assert_one_line_error(err, f"{bad}: row 4, column 1: expected a number, got 'about 3'")


def test_string_npy_for_numbers_names_the_file(capsys, tmp_path):
    good = write_rows(tmp_path / "good.csv", [[1.0], [2.0]])
    np.save(tmp_path / "s.npy", np.array(["1.0", "x"]))
    code, _, err = run(
        capsys, "evaluate", "--task", "regression", "-g", good, "-p", str(tmp_path / "s.npy")
    )
    assert code == 1
    assert_one_line_error(err, "s.npy: predictions must hold numbers, got an array of <U3")


def test_label_columns_may_hold_any_text(tmp_path):
    table = read_table(
        write_rows(tmp_path / "a.csv", [["12"], ["n/a"], ["dog"]]), "x", numeric=None
    )
    assert table.values.tolist() == ["12", "n/a", "dog"]
    with pytest.raises(InputError, match=r"row 2, column 1: expected a number, got 'n/a'"):
        read_table(tmp_path / "a.csv", "x", numeric=True)


# ----------------------------------------------------------------------------- TSV


def test_tsv_files_are_read_tab_separated(capsys, tmp_path):
    gt = write_rows(tmp_path / "gt.tsv", [["a", "b"], [1, 2], [3, 4.5]], delimiter="\t")
    pred = write_rows(tmp_path / "pred.tsv", [["a", "b"], [1, 2.5], [3, 4]], delimiter="\t")
    code, out, err = run(capsys, "evaluate", "--task", "regression", "-g", gt, "-p", pred)
    assert code == 0, err
    export = json.loads(out)
    # Errors 0, 0 (a) and 0.5, -0.5 (b).
    metrics = export["metrics"]["test"]
    assert metrics["mean-absolute-error"] == 0.25
    assert metrics["mean-squared-error"] == 0.125
    assert metrics["max-error"] == 0.5
    assert export["datasetStats"]["test"] == {"regression": {"a": 2, "b": 2}}
    # A comma inside a TSV cell is part of the text, not a separator.
    table = read_table(write_rows(tmp_path / "c.tsv", [["x,y"], ["1,5"]], delimiter="\t"), "x")
    assert table.values.tolist() == ["x,y", "1,5"]


def test_tsv_classification_with_integer_labels(capsys, tmp_path):
    gt = write_rows(tmp_path / "gt.tsv", [[v] for v in Y_INDEX], delimiter="\t")
    pred = write_rows(tmp_path / "pred.tsv", [NAMES, *PROBA], delimiter="\t")
    code, out, err = run(capsys, "evaluate", "--task", "classification", "-g", gt, "-p", pred)
    assert code == 0, err
    assert json.loads(out)["metrics"]["test"]["accuracy"] == 0.75


# --------------------------------------------------------------------- write errors


def test_a_write_error_names_the_path_given(capsys, tmp_path):
    gt = write_rows(tmp_path / "t.csv", [[1.0], [2.0]])
    missing = str(tmp_path / "no-such-dir" / "a.json")
    code, _, err = run(capsys, "evaluate", "--task", "regression", "-g", gt, "-p", gt,
                       "--output", missing)  # fmt: skip
    assert code == 1
    assert_one_line_error(err, f"{missing}: No such file or directory")
    assert ".tmp" not in err
    a_file = tmp_path / "t.csv"
    html = str(a_file / "a.html")
    code, _, err = run(capsys, "evaluate", "--task", "regression", "-g", gt, "-p", gt,
                       "--html", html)  # fmt: skip
    assert code == 1
    assert_one_line_error(err, f"{html}: Not a directory")
    assert ".tmp" not in err
    export = tmp_path / "m.json"
    ModelReport("regression").add_split("test", [1.0, 2.0], [1.0, 2.5]).to_json(export)
    page = str(tmp_path / "gone" / "r.html")
    code, _, err = run(capsys, "report", str(export), "--html", page)
    assert code == 1
    assert_one_line_error(err, f"{page}: No such file or directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "t.csv"]


def test_atomic_write_errors_carry_the_target_path(tmp_path, monkeypatch):
    target = tmp_path / "missing" / "x.json"
    with pytest.raises(FileNotFoundError) as info:
        atomic_write_text(target, "{}")
    assert info.value.filename == str(target)
    assert str(target) in str(info.value)

    def full_disk(src, dst):
        raise OSError(28, "No space left on device", src, dst)

    monkeypatch.setattr("os.replace", full_disk)
    path = tmp_path / "y.json"
    with pytest.raises(OSError, match="No space left") as info:
        atomic_write_text(path, "{}")
    assert (info.value.filename, info.value.filename2) == (str(path), None)
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone, no target made


# --------------------------------------------------------------- what success prints


def _process(*argv, cwd):
    return subprocess.run(
        [sys.executable, "-m", "modelmetrics", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_every_success_line_ends_with_a_newline(tmp_path):
    write_rows(tmp_path / "t.csv", [[1.0], [2.0], [4.0]])
    write_rows(tmp_path / "p.csv", [[1.0], [2.5], [4.0]])
    evaluate = ["evaluate", "--task", "regression", "-g", "t.csv", "-p", "p.csv"]
    proc = _process(*evaluate, "--output", "m.json", "--html", "r.html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout, proc.stderr) == ("", "wrote m.json\nwrote r.html\n")
    assert (tmp_path / "m.json").read_text(encoding="utf-8").endswith("}\n")
    proc = _process(*evaluate, cwd=tmp_path)  # the export on stdout
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("}\n")
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["metrics"]["test"]["mean-squared-error"] == 0.25 / 3
    proc = _process("report", "m.json", "--html", "again.html", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "wrote again.html\n")
    proc = _process("demo", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.endswith("\n")
    assert proc.stderr == ""


def test_a_loss_history_needs_a_falling_scale():
    from modelmetrics._cli.examples import loss_history_example

    with pytest.raises(ValueError, match="first > last_validation"):
        loss_history_example(first=0.5, last=0.2, last_validation=0.6)
    losses, validation, stamps = loss_history_example(first=9.0, last=2.0, last_validation=3.0)
    assert (losses[-1], validation[-1]) == (2.0, 3.0)
    assert math.isclose(losses[0], 9.0, rel_tol=0.05)
    assert len(stamps) == 30


@pytest.fixture(scope="module")
def demo_exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--quiet", "--output-dir", str(out)]) == 0
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")}


def test_demo_loss_history_has_each_model_types_scale(demo_exports):
    from modelmetrics._cli import examples as ex

    assert len(demo_exports) == 6
    for task, export in demo_exports.items():
        split = export["splitLosses"]
        # The chart ends at the train and validation losses the page shows ...
        assert export["losses"][-1] == split["train"], task
        assert export["validationLosses"][-1] == split["validation"], task
        # ... the test loss is of the same scale ...
        assert 0.8 < split["test"] / split["validation"] < 1.5, task
        # ... and training starts from an untrained model's loss.
        if task in ex.DEMO_LOSSES:
            assert math.isclose(export["losses"][0], ex.DEMO_LOSSES[task][0], rel_tol=0.05)
        assert export["lossConvergence"]["plateaued"] is True, task
    assert math.isclose(demo_exports["classification"]["losses"][0], math.log(4), rel_tol=0.05)
    prices, _ = ex.regression_split_example("train")
    assert math.isclose(demo_exports["regression"]["losses"][0], np.var(prices), rel_tol=0.05)
    # The regression test loss (its mean squared error, in the hundreds) sits beside a
    # chart at the same scale, not one ending below 1.
    regression = demo_exports["regression"]
    assert regression["splitLosses"]["test"] > 100
    assert min(regression["validationLosses"]) > 100


def test_demo_regression_has_an_accuracy_within_its_tolerance(demo_exports):
    from modelmetrics._cli import examples as ex

    accuracies = demo_exports["regression"]["accuracies"]
    assert list(accuracies) == ["train", "validation", "test"]
    for split, entry in accuracies.items():
        truth, predicted = ex.regression_split_example(split)
        within = float(np.mean(np.abs(predicted - truth) <= 10.0))
        assert entry == {"accuracy": within, "threshold": 10.0}, split
