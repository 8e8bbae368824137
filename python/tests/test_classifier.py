"""TextClassifier: learning, the scikit-learn protocol, pickling and model files."""

import json
import pickle

import pytest

import suqiu

np = pytest.importorskip("numpy")
sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils import estimator_checks  # noqa: E402


@pytest.fixture(scope="module")
def labelled(cases):
    X = [c["text"] for c in cases if c["expected"]["kind"] != "other"]
    y = [c["expected"]["category"] for c in cases if c["expected"]["kind"] != "other"]
    return X, y


def test_learns_the_toy_set_perfectly():
    X = ["路灯坏了", "路面坑洼不平", "晚上路灯不亮", "低保没批", "养老金没发", "高龄补贴停了"]
    y = ["road", "road", "road", "aid", "aid", "aid"]
    clf = suqiu.TextClassifier().fit(X, y)
    assert list(clf.predict(X)) == y
    assert clf.score(X, y) == 1.0
    p = clf.predict_proba(X)
    assert p.shape == (6, 2) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert list(clf.classes_) == ["aid", "road"]


def test_non_string_labels_round_trip():
    clf = suqiu.TextClassifier().fit(["路灯坏了", "低保没批", "路面坑洼", "养老金没发"], [1, 0, 1, 0])
    assert list(clf.predict(["路灯不亮"])) == [1]
    assert clf.classes_.dtype.kind in "iu"


def test_deterministic_and_pickles(labelled, tmp_path):
    X, y = labelled
    a = suqiu.TextClassifier(seed=3).fit(X, y)
    b = suqiu.TextClassifier(seed=3).fit(X, y)
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    c = pickle.loads(pickle.dumps(a))
    assert np.array_equal(a.predict_proba(X), c.predict_proba(X))
    path = tmp_path / "model.bin"
    a.save(str(path))
    d = suqiu.TextClassifier.load(str(path))
    assert list(d.predict(X)) == list(a.predict(X))


def test_cross_val_score_and_pipeline(labelled):
    X, y = labelled
    scores = cross_val_score(suqiu.TextClassifier(), X, y, cv=3)
    assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)
    pipe = Pipeline([("strip", FunctionTransformer(lambda xs: [x.strip() for x in xs])), ("clf", suqiu.TextClassifier())])
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9


def test_unfitted_and_bad_input():
    clf = suqiu.TextClassifier()
    with pytest.raises(NotFittedError):
        clf.predict(["路灯"])
    with pytest.raises(suqiu.InvalidInputError):
        clf.fit("a single string", ["x"])
    with pytest.raises(suqiu.InvalidInputError):
        clf.fit(["a", "b"], ["x"])
    with pytest.raises(suqiu.InvalidInputError):
        clf.fit(["a", "b"], ["x", "x"])
    with pytest.raises(suqiu.InvalidInputError):
        clf.fit([1, 2], ["x", "y"])


# scikit-learn's own checks that apply to an estimator of text. The rest of check_estimator
# feeds numeric matrices, which a text classifier rejects by design (and
# check_estimator_sparse_tag asserts on sparse numeric input, which does not apply either).
APPLICABLE_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
]


@pytest.mark.parametrize("name", APPLICABLE_CHECKS)
def test_sklearn_estimator_checks(name):
    check = getattr(estimator_checks, name, None)
    if check is None:
        pytest.skip(f"{name} is not in this scikit-learn version")
    est = suqiu.TextClassifier()
    try:
        check(type(est).__name__, est)
    except TypeError:
        check(est)


def test_clone_keeps_params():
    est = suqiu.TextClassifier(seed=5, c=1.5)
    assert clone(est).get_params() == est.get_params()
