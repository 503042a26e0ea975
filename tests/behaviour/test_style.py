"""The style classifier separates two constructed styles and refuses where they cannot be told apart."""

import random

import numpy as np

from ragtune.behaviour.style import train_style

FACTS = ["your order ships on Monday", "the saddle costs 49 euros", "the warranty lasts two years",
         "the shop opens at nine", "returns are free within 30 days", "the frame is aluminium",
         "repairs take three days", "the battery charges in four hours", "delivery is free above 100 euros",
         "the helmet comes in three sizes", "we ship to Belgium and France", "the manual is online"]


def house(fact: str, n: int) -> str:
    return f"Dear customer,\n\nThank you for writing to us. {fact.capitalize()}.\n\nWarm regards,\nThe Quellmoor team"


def plain(fact: str, n: int) -> str:
    return f"{fact} lol. anything else?? ({n})"


def test_separates_two_styles_and_scores_new_texts():
    a = [house(f, n) for n, f in enumerate(FACTS * 2)]
    b = [plain(f, n) for n, f in enumerate(FACTS * 2)]
    model = train_style(a, b, seed=0)
    assert model.usable and model.auc > 0.95
    new_house = house("the bell is loud", 0)
    new_plain = plain("the bell is loud", 99)
    s_house, s_plain = model.scores([new_house, new_plain])
    assert s_house > 0.5 > s_plain
    assert model.to_json()["usable"] is True and model.to_json()["house_texts"] == 24


def test_refuses_on_indistinguishable_styles():
    rng = random.Random(0)
    texts = [house(f, n) if rng.random() < 0.5 else plain(f, n) for n, f in enumerate(FACTS * 4)]
    rng.shuffle(texts)
    model = train_style(texts[::2], texts[1::2], seed=0)  # two random halves of one mixture
    assert not model.usable and model.auc < 0.7
    assert model.scores(["anything"]) is None


def test_embedder_vectors_are_used_and_each_text_embedded_once():
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return np.array([[len(t) / 100.0, t.count(",") / 5.0] for t in texts])

    a = [house(f, n) for n, f in enumerate(FACTS)]
    b = [plain(f, n) for n, f in enumerate(FACTS)]
    model = train_style(a, b, embed=embed, seed=1)
    assert model.usable
    embedded = [t for call in calls for t in call]
    assert len(embedded) == len(set(embedded)) == len(a) + len(b)


def test_too_few_texts_give_no_score():
    model = train_style(["a", "b"], ["c", "d"])
    assert np.isnan(model.auc) and not model.usable and model.to_json()["auc"] is None
