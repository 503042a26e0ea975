"""Regenerate examples/docs/company/history.pdf (a two-page PDF so the PDF loader and page citations are exercised).

Needs fpdf2 (a dev dependency): `.venv/bin/python examples/make_history_pdf.py`.
"""

from pathlib import Path

from fpdf import FPDF

PAGES = [
    (
        "Brightwell Appliances: company history",
        "Brightwell Appliances was founded in 2009 in Utrecht by Marieke de Vries and Tomas Albers. "
        "The company started by repairing kitchen appliances and sold its first own product, "
        "a hand mixer called the Breeze, in 2012.",
    ),
    (
        "Growth",
        "In 2016 Brightwell opened its factory in Eindhoven, which employs 240 people. "
        "Since 2023 the chief executive officer has been Ingrid Halvorsen. "
        "The company sold 1.2 million appliances in 2024.",
    ),
]


def main() -> None:
    pdf = FPDF()
    pdf.set_title("Brightwell Appliances: company history")
    pdf.set_creation_date(__import__("datetime").datetime(2025, 1, 1))  # reproducible bytes
    for heading, body in PAGES:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 7, body, new_x="LMARGIN", new_y="NEXT")
    out = Path(__file__).parent / "docs" / "company" / "history.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
