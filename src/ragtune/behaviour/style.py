"""A style score that needs no judge: a classifier trained on the user's own examples.

It learns to tell the house outputs (the training examples' outputs) from what the base model writes for
the same inputs, on two views of a text: character 2-4-grams (TF-IDF: punctuation, greetings, sign-offs,
field names, casing) and the embedder's sentence vector (wording and register). scikit-learn's logistic
regression, deterministic for a seed. The style score of an answer is the classifier's probability that
it is a house output, 0 to 1.

A score means something only if the classifier can tell the two styles apart on texts it did not train
on, so `train_style` reports the 5-fold cross-validated ROC AUC, and a classifier whose AUC is under the
threshold (`[behaviour] style_min_auc`, 0.7) is `usable = False`: no style score is shown rather than a
number that measures nothing (when the base model already writes like the examples, for instance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

Embed = Callable[[list[str]], np.ndarray]  # texts -> one vector per text (the project's embedder)
FOLDS = 5
NGRAMS = (2, 4)


@dataclass(frozen=True)
class StyleModel:
    auc: float  # 5-fold cross-validated ROC AUC of house vs base outputs (nan: too few texts)
    min_auc: float
    house: int  # texts of each class it was trained on
    other: int
    _fit: Any = field(default=None, compare=False, repr=False)
    _embed: Embed | None = field(default=None, compare=False, repr=False)

    @property
    def usable(self) -> bool:
        return bool(self.auc >= self.min_auc)

    def scores(self, texts: Sequence[str]) -> list[float] | None:
        """P(house style) per text; None when the classifier is not usable."""
        if not self.usable or not texts:
            return None if not self.usable else []
        vectorizer, clf = self._fit
        return [float(p) for p in clf.predict_proba(_features(vectorizer, list(texts), self._embed))[:, 1]]

    def to_json(self) -> dict:
        return {"auc": None if np.isnan(self.auc) else round(self.auc, 4), "min_auc": self.min_auc,
                "usable": self.usable, "house_texts": self.house, "other_texts": self.other,
                "features": f"char {NGRAMS[0]}-{NGRAMS[1]}-gram TF-IDF + embedder vector",
                "classifier": "scikit-learn LogisticRegression", "folds": FOLDS}


def _features(vectorizer, texts: list[str], embed: Embed | None):
    from scipy.sparse import csr_matrix, hstack

    grams = vectorizer.transform(texts)
    if embed is None:
        return grams
    vectors = np.asarray(embed(texts), dtype=np.float64)
    return hstack([grams, csr_matrix(vectors)]).tocsr()


def _fit(house: list[str], other: list[str], embed: Embed | None, seed: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, y = house + other, np.array([1] * len(house) + [0] * len(other))
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, min_df=1).fit(texts)
    clf = LogisticRegression(C=1.0, max_iter=2000, random_state=seed)
    clf.fit(_features(vectorizer, texts, embed), y)
    return vectorizer, clf


def train_style(house: Sequence[str], other: Sequence[str], *, embed: Embed | None = None, seed: int = 0,
                min_auc: float = 0.7) -> StyleModel:
    """Cross-validate (AUC over `FOLDS` stratified folds, vectorizer refitted per fold), then fit on all."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    house, other = [str(t) for t in house], [str(t) for t in other]
    cached: dict[str, np.ndarray] = {}

    def embed_once(texts: list[str]) -> np.ndarray:  # every text is embedded once however many folds see it
        missing = [t for t in dict.fromkeys(texts) if t not in cached]
        if missing:
            cached.update(zip(missing, np.asarray(embed(missing))))
        return np.stack([cached[t] for t in texts])

    use = embed_once if embed is not None else None
    if min(len(house), len(other)) < FOLDS:
        return StyleModel(float("nan"), min_auc, len(house), len(other))
    texts, y = np.array(house + other, dtype=object), np.array([1] * len(house) + [0] * len(other))
    probs = np.zeros(len(y))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(texts, y):
        tr = list(texts[train])
        vectorizer, clf = _fit([t for t, c in zip(tr, y[train]) if c], [t for t, c in zip(tr, y[train]) if not c],
                               use, seed)
        probs[test] = clf.predict_proba(_features(vectorizer, list(texts[test]), use))[:, 1]
    auc = float(roc_auc_score(y, probs))
    return StyleModel(auc, min_auc, len(house), len(other), _fit(house, other, use, seed), use)
