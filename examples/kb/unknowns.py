"""Questions the knowledge base deliberately cannot answer, each with the probe terms that would answer it.

A test asserts that no document of either version contains a probe (whole words, any case), so these
stay unanswerable when someone edits the prose: the right behaviour for a model is to decline.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unanswerable:
    id: str
    question: str
    probes: tuple[str, ...]


UNANSWERABLE = (
    Unanswerable("u-ticker", "Under which stock ticker is Quellmoor Cycles listed?",
                 ("ticker", "stock exchange", "shareholders", "listed on")),
    Unanswerable("u-tyre-brand", "Which brand of tyres comes fitted on the Citylark 2?",
                 ("tyre brand", "tyres by", "tyres from", "Schwalbe", "Continental", "Maxxis", "Michelin")),
    Unanswerable("u-revenue", "What was Quellmoor's revenue in 2024?", ("revenue", "turnover", "million")),
    Unanswerable("u-top-speed", "What is the top speed of the Gravelmoth GR?", ("top speed", "km/h", "mph")),
    Unanswerable("u-legal", "Who is Quellmoor's head of legal affairs?", ("legal", "lawyer", "counsel")),
    Unanswerable("u-wifi", "What is the Wi-Fi password at the Ghent headquarters?", ("wi-fi", "wifi", "password")),
    Unanswerable("u-berlin", "When will Quellmoor open a store in Berlin?", ("Berlin",)),
    Unanswerable("u-interns", "How much does Quellmoor pay its interns?", ("intern", "interns", "internship")),
    Unanswerable("u-bluetooth", "Which Bluetooth version does the Quellmoor Ride app use?", ("bluetooth",)),
    Unanswerable("u-logo", "Who designed the Quellmoor logo?", ("logo",)),
    Unanswerable("u-insurance", "Which insurer does Quellmoor recommend for theft cover?",
                 ("insurer", "insurance", "theft cover")),
    Unanswerable("u-ip-rating", "What is the IP rating of the Lumen Halo front light?",
                 ("IP rating", "IPX4", "IPX5", "IPX6", "IP54", "IP65", "IP66", "IP67")),
    Unanswerable("u-vat-number", "What is Quellmoor's VAT number?", ("VAT number", "VAT no", "BE0")),
    Unanswerable("u-sponsor", "Which cycling team does Quellmoor sponsor?", ("sponsor", "sponsors", "sponsorship")),
    Unanswerable("u-salary", "How much does Ines Vandamme earn?", ("salary", "earns", "pay package")),
)
