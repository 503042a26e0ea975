"""A seeded synthetic corpus for the benchmarks: natural-ish technical prose from templates.

Documents read like short maintenance notes, policies and product pages: a title, an optional
heading, paragraphs of template sentences over a fixed vocabulary plus seeded invented names
(rare terms, so BM25 has something discriminative to find). Lengths are log-normal, so most
documents are one chunk of 256 tokens and a tail of about 10 % spans two or three.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

NOUNS = """pump valve sensor bearing gasket filter motor controller warranty invoice contract shipment
supplier customer technician inspection schedule manual firmware battery charger cable connector
turbine compressor boiler heater cooler fan belt seal hose nozzle gauge meter panel switch relay
fuse circuit router server database backup report audit policy license subscription refund
return repair replacement calibration measurement temperature pressure voltage current flow
vibration noise leak crack corrosion wear lubrication cleaning training certificate permit
deadline budget forecast quarter region plant warehouse fleet vehicle engine brake tire trailer
container pallet forklift conveyor robot camera display keyboard printer scanner antenna module
""".split()
ADJECTIVES = """new old primary secondary faulty reliable annual monthly weekly daily remote local
northern southern eastern western main backup spare standard premium basic extended limited
critical minor urgent routine scheduled unexpected hydraulic electric thermal digital manual
automatic portable industrial commercial residential certified approved pending damaged
""".split()
VERBS = """replaced inspected repaired installed tested approved rejected shipped delivered
ordered cancelled renewed extended calibrated cleaned measured reported logged reviewed updated
upgraded configured monitored serviced adjusted documented scheduled postponed audited
""".split()
ADVERBS = "quickly carefully promptly regularly twice again early late safely fully partially remotely".split()
UNITS = "hours days weeks months kilograms litres bar volts amps percent euros dollars metres units".split()
PLACES = """Lisbon Oslo Denver Osaka Lagos Quito Perth Tampere Bremen Austin Leeds Porto Gdansk
Calgary Malmo Seville Turin Dakar Hanoi Cusco""".split()
SYLLABLES = "ka lo ri ven tor ax mil dra qu el sen bor vi na tek zo ra lin mo fer gal ush pe tri".split()
KINDS = ["maintenance note", "service guide", "policy", "incident report", "product sheet", "FAQ",
         "inspection log", "supplier agreement", "training notes", "release notes"]

TEMPLATES = [
    "The {adj} {noun} at the {place} {noun2} was {verb} {adv} after {num} {unit}.",
    "{Name} {verb} the {adj} {noun} and the {noun2} before the {adj2} inspection.",
    "Every {noun} in the {adj} {noun2} must be {verb} within {num} {unit} of delivery.",
    "If the {noun} shows {adj} {noun2}, the technician from {place} should contact {Name}.",
    "The {Name} {noun} carries a warranty of {num} {unit} for {adj} use.",
    "According to the {adj} {noun} report, {num} {noun2} units were {verb} last quarter.",
    "Customers in {place} asked whether the {noun} can be {verb} without a {adj} {noun2}.",
    "A {adj} {noun} was found near the {noun2}, so the {Name} team {verb} it {adv}.",
    "Do not operate the {noun} above {num} {unit}; the {noun2} may fail.",
    "The {noun2} of the {Name} line is {verb} {adv} by the {adj} crew.",
    "Questions about the {adj} {noun} go to the {place} office, which {verb} them within {num} {unit}.",
    "Refunds for a {adj} {noun} are {verb} only when the {noun2} is returned within {num} {unit}.",
]


def invented_names(rng: random.Random, count: int) -> list[str]:
    """Distinct pronounceable names (product lines, suppliers): rare terms for BM25."""
    names: set[str] = set()
    while len(names) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        names.add(word.capitalize())
    return sorted(names)


def sentence(rng: random.Random, names: list[str]) -> str:
    fields = {
        "adj": rng.choice(ADJECTIVES), "adj2": rng.choice(ADJECTIVES), "noun": rng.choice(NOUNS),
        "noun2": rng.choice(NOUNS), "verb": rng.choice(VERBS), "adv": rng.choice(ADVERBS),
        "unit": rng.choice(UNITS), "num": rng.randint(2, 500), "place": rng.choice(PLACES),
        "Name": rng.choice(names),
    }
    return rng.choice(TEMPLATES).format(**fields)


def document(rng: random.Random, names: list[str], median_sentences: float = 3.5, sigma: float = 0.95,
             max_sentences: int = 36) -> tuple[str, str]:
    """(title, markdown text) of one document; the sentence count is log-normal."""
    n = int(min(max_sentences, max(2, round(rng.lognormvariate(math.log(median_sentences), sigma)))))
    title = f"{rng.choice(names)} {rng.choice(NOUNS)} {rng.choice(KINDS)}"
    sentences = [sentence(rng, names) for _ in range(n)]
    paragraphs, i = [], 0
    while i < n:
        size = rng.randint(2, 5)
        paragraphs.append(" ".join(sentences[i : i + size]))
        i += size
    heading = [f"## {rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS)}"] if rng.random() < 0.4 else []
    body = [f"# {title}", *heading, *paragraphs] if rng.random() < 0.5 else [*heading, *paragraphs]
    return title, "\n\n".join(body) + "\n"


def generate(n_docs: int, seed: int, **lengths) -> tuple[list[str], list[str]]:
    """`n_docs` (doc id, text) pairs as two lists; ids are paths in 100 folders (`d07/doc-00042.md`)."""
    rng = random.Random(seed)
    names = invented_names(rng, 2000)
    ids, texts = [], []
    for i in range(n_docs):
        _, text = document(rng, names, **lengths)
        ids.append(f"d{i % 100:02d}/doc-{i:06d}.md")
        texts.append(text)
    return ids, texts


def write_folder(root: Path, ids: list[str], texts: list[str]) -> None:
    for doc_id, text in zip(ids, texts):
        path = root / doc_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def edit_documents(root: Path, ids: list[str], fraction: float, seed: int) -> list[str]:
    """Replace one sentence in `fraction` of the files (a real edit: the document hash changes)."""
    rng = random.Random(seed)
    names = invented_names(random.Random(seed + 1), 50)
    chosen = sorted(rng.sample(ids, max(1, round(len(ids) * fraction))))
    for doc_id in chosen:
        path = root / doc_id
        paragraphs = path.read_text(encoding="utf-8").split("\n\n")
        body = [i for i, p in enumerate(paragraphs) if not p.startswith("#")]
        i = rng.choice(body)
        sentences = paragraphs[i].split(". ")
        j = rng.randrange(len(sentences))
        sentences[j] = sentence(rng, names).rstrip(".") + ("." if j == len(sentences) - 1 else "")
        paragraphs[i] = ". ".join(sentences)
        path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return chosen


def queries(n: int, seed: int, names_seed: int) -> list[str]:
    """Short keyword queries from the corpus vocabulary (some with an invented name), so BM25 matches."""
    rng = random.Random(seed)
    names = invented_names(random.Random(names_seed), 2000)
    out = []
    for _ in range(n):
        words = [rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(NOUNS + VERBS)]
        if rng.random() < 0.5:
            words.append(rng.choice(names))
        rng.shuffle(words)
        out.append(" ".join(words[: rng.randint(2, len(words))]))
    return out
