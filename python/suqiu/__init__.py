"""suqiu: triage citizens' appeals — kind, category, jurisdiction and routing — at Rust speed.

>>> import suqiu
>>> eng = suqiu.Engine()
>>> r = eng.triage("路面坑洼不平，晚上连个路灯都没有", group_division="430202001012")
>>> (r.kind, r.category, r.route.handler)
('grievance', 'roads_transport', '荷塘区城管局')
"""

from __future__ import annotations

import warnings
from typing import Any, Iterable, List, Optional, Sequence

from . import _suqiu
from ._suqiu import Division, Model, Route, Triage
from .errors import (
    DivisionsError,
    Error,
    InvalidInputError,
    LimitExceededError,
    ModelLoadError,
    ProfileError,
    SuqiuIOError,
    UnknownDivisionError,
)

__version__: str = _suqiu.__version__

__all__ = [
    "Engine",
    "TextClassifier",
    "Triage",
    "Division",
    "Route",
    "Model",
    "Error",
    "InvalidInputError",
    "UnknownDivisionError",
    "LimitExceededError",
    "ProfileError",
    "DivisionsError",
    "ModelLoadError",
    "SuqiuIOError",
]


# The default of triage_frame's group column: "group_division" when the frame has it.
class _Default(str):
    """The default of an argument, told apart from the same value given explicitly."""


_DEFAULT_GROUP: Any = _Default("group_division")


class Engine(_suqiu.Engine):
    """The triage engine: immutable, thread-safe, built once and shared.

    ``Engine()`` uses the embedded Zhuzhou profile; ``Engine(profile="dir/",
    divisions="china.csv")`` loads others. Engines pickle by their paths and are re-created.
    """

    def __reduce__(self) -> Any:
        return (type(self), (self.profile, self.divisions))

    def aggregate(self, reports: Iterable[dict], window_days: Optional[float] = None) -> List[dict]:
        """Folds reports into issues, hottest first.

        Each report is a dict like a ``suqiu aggregate`` input line: ``id``, ``text``, optional
        ``title``, ``group_division``, ``time`` (ISO 8601 or ``YYYY/MM/DD HH:MM:SS``) and
        ``likes``. Returns one dict per issue (``issue_id``, ``count``, ``groups``, ``members``,
        ``representative``, ``kind``, ``category``, ``division``, ``route``, ``first_seen``,
        ``last_seen``, ``likes``, ``hotness``). A report that cannot be read raises
        ``InvalidInputError`` naming its position.
        """
        import json

        lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in reports)
        out = [json.loads(l) for l in self._aggregate_jsonl(lines, window_days).splitlines() if l.strip()]
        errors = [o for o in out if "error" in o and "issue_id" not in o]
        if errors:
            first = errors[0]
            raise InvalidInputError(f"report {first['line'] - 1}: {first['error']}")
        return out

    def audit(self, replies: Iterable[dict], summary: bool = False, on_error: str = "raise") -> List[dict]:
        """Audits government replies, all as one run (so ``template`` compares them).

        Each item is a dict like a ``suqiu audit`` input line: ``id``, ``text`` (the citizen's
        message), optional ``title``, ``reply``, ``time`` and ``reply_time`` (ISO 8601 or
        ``YYYY/MM/DD HH:MM:SS``), optional ``group_division``. Returns one dict per reply, in
        order: ``verdict`` (``substantive`` | ``perfunctory`` | ``evasive``), ``flags``,
        ``elements`` and ``cues`` (evidence spans in the reply), ``days_to_reply``, ``unit``,
        ``route``, ``unit_matches_route``, ``content_chars``, ``place`` (the message's county or
        city, which qualifies a unit named without its place in the summary). With
        ``summary=True`` returns one dict per replying unit instead (``unit``, ``replies``,
        ``poor_share``, ``median_days``, ``p90_days``, ``top_flags``). A reply that cannot be audited raises
        ``InvalidInputError`` naming its position, or with ``on_error="return"`` stays in the
        list as ``{"line", "id", "error", "error_kind"}`` (without ``summary``: left out).
        """
        import json

        if on_error not in ("raise", "return"):
            raise InvalidInputError('on_error must be "raise" or "return"')
        lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in replies)
        out = [json.loads(l) for l in self._audit_jsonl(lines, summary).splitlines() if l.strip()]
        errors = [o for o in out if "error_kind" in o]
        if errors and on_error == "raise":
            first = errors[0]
            raise InvalidInputError(f"reply {first['line'] - 1}: {first['error']}")
        if summary:
            return [o for o in out if "error_kind" not in o]
        return out

    def triage_frame(
        self,
        frame: Any,
        text: str = "text",
        group_division: Optional[str] = _DEFAULT_GROUP,
        threads: Optional[int] = None,
        *,
        group: Optional[str] = _DEFAULT_GROUP,
    ) -> Any:
        """Triages a pandas DataFrame's ``text`` column, with the ``group_division`` column's
        NBS codes when the frame has one (needs the ``pandas`` extra: ``pip install
        suqiu[pandas]``).

        ``text`` and ``group_division`` name the columns; a column named explicitly must exist
        (``KeyError`` otherwise); ``group_division=None`` ignores group codes. ``group=`` is the
        former name of ``group_division`` and is deprecated. Returns a new DataFrame, one row
        per input row and same index, with flattened columns: kind, category, division_code,
        division_name, division_level, route_level, handler, supervisor, misconduct,
        confidence, needs_review, error.
        """
        import pandas as pd  # type: ignore[import-untyped]

        if group is not _DEFAULT_GROUP:
            warnings.warn(
                "triage_frame(group=...) is deprecated; use group_division=...",
                DeprecationWarning,
                stacklevel=2,
            )
            if group_division is not _DEFAULT_GROUP:
                raise TypeError("give group_division or group, not both")
            group_division = group
        if text not in frame.columns:
            raise KeyError(f"the frame has no text column {text!r} (columns: {list(frame.columns)})")
        column: Optional[str]
        if group_division is _DEFAULT_GROUP:
            column = "group_division" if "group_division" in frame.columns else None
        else:
            column = group_division
            if column is not None and column not in frame.columns:
                raise KeyError(f"the frame has no group column {column!r} (columns: {list(frame.columns)})")
        texts = frame[text].tolist()
        groups = None
        if column is not None:
            groups = [None if (g is None or (isinstance(g, float) and g != g)) else str(g) for g in frame[column].tolist()]
        results = self.triage_batch(texts, group_divisions=groups, threads=threads, on_error="return")
        rows: List[dict] = []
        for r in results:
            if isinstance(r, Exception):
                rows.append({"error": str(r)})
                continue
            d, route = r.division, r.route
            rows.append(
                {
                    "kind": r.kind,
                    "category": r.category,
                    "division_code": d.code if d else None,
                    "division_name": d.name if d else None,
                    "division_level": d.level if d else None,
                    "route_level": route.level if route else None,
                    "handler": route.handler if route else None,
                    "supervisor": route.supervisor if route else None,
                    "misconduct": r.misconduct,
                    "confidence": r.confidence,
                    "needs_review": r.needs_review,
                    "error": None,
                }
            )
        columns = [
            "kind", "category", "division_code", "division_name", "division_level", "route_level",
            "handler", "supervisor", "misconduct", "confidence", "needs_review", "error",
        ]
        return pd.DataFrame(rows, index=frame.index, columns=columns)


try:  # scikit-learn is optional: the estimator follows its protocol either way.
    from sklearn.base import BaseEstimator as _Base  # type: ignore[import-untyped]
    from sklearn.base import ClassifierMixin as _Mixin  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    class _Base:  # type: ignore[no-redef]
        pass

    class _Mixin:  # type: ignore[no-redef]
        """What scikit-learn's ClassifierMixin gives, for use without scikit-learn."""

        def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
            """Mean accuracy of ``predict(X)`` against ``y`` (weighted by ``sample_weight``)."""
            predicted = list(self.predict(X))  # type: ignore[attr-defined]
            gold = list(y)
            weights = [1.0] * len(gold) if sample_weight is None else [float(w) for w in sample_weight]
            total = sum(weights)
            right = sum(w for p, g, w in zip(predicted, gold, weights) if p == g)
            return right / total if total else 0.0


def _as_texts(X: Any) -> List[str]:
    if isinstance(X, str):
        raise InvalidInputError("X must be a sequence of texts, not a single str")
    try:
        import numpy as np

        if isinstance(X, np.ndarray) and X.ndim == 2:
            if X.shape[1] != 1:
                raise InvalidInputError(f"X must hold one text per row, got shape {X.shape}")
            X = X[:, 0]
    except ImportError:  # pragma: no cover
        pass
    texts = list(X)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InvalidInputError(f"X[{i}] is {type(t).__name__}, expected str")
    return texts


class TextClassifier(_Mixin, _Base):  # type: ignore[misc]
    """A fast linear text classifier with the scikit-learn estimator protocol.

    Hashed character 1-3-grams, sublinear TF-IDF, one-vs-rest linear SVM (dual coordinate
    descent) with balanced class weights, softmax probabilities. ``X`` is a sequence of str.
    """

    def __init__(self, seed: int = 0, c: float = 2.0, words: bool = False, hash_bits: int = 18, balanced: bool = True) -> None:
        self.seed = seed
        self.c = c
        self.words = words
        self.hash_bits = hash_bits
        self.balanced = balanced

    def fit(self, X: Iterable[str], y: Sequence[Any]) -> "TextClassifier":
        texts = _as_texts(X)
        labels = list(y)
        if len(texts) != len(labels):
            raise InvalidInputError(f"{len(texts)} texts but {len(labels)} labels")
        self._label_objects = sorted(set(labels), key=str)
        if len({str(l) for l in self._label_objects}) != len(self._label_objects):
            raise InvalidInputError("labels must stay distinct when converted to str")
        by_str = {str(l): l for l in self._label_objects}
        self._model = Model.train(texts, [str(l) for l in labels], seed=self.seed, c=self.c, words=self.words, hash_bits=self.hash_bits, balanced=self.balanced)
        import numpy as np

        self.classes_ = np.array([by_str[l] for l in self._model.labels])
        self.n_features_in_ = 1
        return self

    def _check_fitted(self) -> Model:
        model = getattr(self, "_model", None)
        if model is None:
            try:
                from sklearn.exceptions import NotFittedError  # type: ignore[import-untyped]
            except ImportError:  # pragma: no cover
                raise Error("this TextClassifier is not fitted yet") from None
            raise NotFittedError("this TextClassifier is not fitted yet; call fit first")
        return model

    def predict(self, X: Iterable[str]) -> Any:
        model = self._check_fitted()
        idx = model.predict_indices(_as_texts(X))
        return self.classes_[idx] if len(idx) else self.classes_[:0]

    def predict_proba(self, X: Iterable[str]) -> Any:
        import numpy as np

        model = self._check_fitted()
        p = model.predict_proba(_as_texts(X))
        return np.asarray(p, dtype=np.float64).reshape(len(p), len(self.classes_))

    def save(self, path: str) -> None:
        self._check_fitted().save(path)

    @classmethod
    def load(cls, path: str) -> "TextClassifier":
        import numpy as np

        clf = cls()
        clf._model = Model.load(path)
        clf.classes_ = np.array(clf._model.labels)
        clf.n_features_in_ = 1
        return clf

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        model = state.pop("_model", None)
        state["_model_bytes"] = model.to_bytes() if model is not None else None
        return state

    def __setstate__(self, state: dict) -> None:
        data = state.pop("_model_bytes", None)
        self.__dict__.update(state)
        if data is not None:
            self._model = Model.from_bytes(data)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
