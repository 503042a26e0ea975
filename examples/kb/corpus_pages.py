"""Which documents a version of the knowledge base holds, where each lives and in which format."""

from __future__ import annotations

from dataclasses import dataclass

import prose_company as company
import prose_guides as guides
import prose_policies as policies
import prose_support as support
from facts import Company
from page import Page
from prose_news import NEWS, news_page, range_update
from prose_people import person_page
from prose_products import accessory_page, bike_page, ebike_comparison, price_list, sizing_guide

BIKE_FORMATS = {"ferrow-cargo": "html", "sprig-16": "txt", "roadkite-9": "txt"}
ACCESSORY_FORMATS = {"vault-u-lock": "txt"}
FAQ_PATH = "support/faq.jsonl"


@dataclass(frozen=True)
class CorpusFile:
    """One file of a version folder; a JSONL file holds several pages (documents)."""

    path: str
    pages: tuple[Page, ...]


def corpus_files(c: Company, seed: int, before: Company | None = None) -> list[CorpusFile]:
    """Every file of the version `c`; `before` (v1 when building v2) adds the update's news post."""
    pages = [
        *(bike_page(c, b, f"products/{b.slug}.{BIKE_FORMATS.get(b.slug, 'md')}", seed) for b in c.bikes),
        *(accessory_page(a, f"products/accessories/{a.slug}.{ACCESSORY_FORMATS.get(a.slug, 'md')}", seed)
          for a in c.accessories),
        price_list(c, "products/price-list.md", seed),
        ebike_comparison(c, "products/e-bike-comparison.html", seed),
        sizing_guide(c, "products/sizing-guide.md", seed),
        support.error_codes(c, "Drive S", "support/error-codes-drive-s.md", seed),
        support.error_codes(c, "Drive X", "support/error-codes-drive-x.txt", seed),
        support.drive_manual(c, "support/manuals/drive-systems-manual.pdf", seed),
        support.firmware_updates(c, "support/firmware-updates.md", seed),
        support.contact_page(c, "support/contact.html", seed),
        support.service_maintenance(c, "support/service-and-maintenance.md", seed),
        support.service_centres(c, "support/service-centres.md", seed),
        guides.battery_care(c, "support/battery-care.md", seed),
        guides.tyre_pressure(c, "support/tyre-pressure.txt", seed),
        guides.registering(c, "support/registering-your-bike.md", seed),
        guides.brake_pads(c, "support/brake-pads.txt", seed),
        policies.warranty(c, "policies/warranty.md", seed),
        policies.returns(c, "policies/returns.md", seed),
        policies.shipping(c, "policies/shipping.md", seed),
        policies.trade_in(c, "policies/trade-in.txt", seed),
        policies.financing(c, "policies/financing.md", seed),
        policies.test_rides(c, "policies/test-rides.md", seed),
        policies.privacy(c, "policies/privacy.txt", seed),
        policies.battery_recycling(c, "policies/battery-recycling.md", seed),
        company.about(c, "company/about.md", seed),
        company.offices(c, "company/offices.md", seed),
        company.teams(c, "company/teams.md", seed),
        company.careers(c, "company/careers.md", seed),
        company.sustainability(c, "company/sustainability.md", seed),
        company.press_kit(c, "company/press-kit.txt", seed),
        company.annual_review(c, "company/annual-review-2024.pdf", seed),
        *(person_page(c, p, f"people/{p.slug}.md", seed) for p in c.people),
        *(news_page(c, path, seed) for path in NEWS),
    ]
    if c.leasing:
        pages.append(policies.leasing(c, "policies/leasing.md", seed))
    if before is not None:
        pages.append(range_update(c, before, "news/2025-03-range-update.md", seed))
    files = [CorpusFile(p.path, (p,)) for p in pages]
    files.append(CorpusFile(FAQ_PATH, tuple(guides.faq_records(c, seed))))
    return sorted(files, key=lambda f: f.path)


def documents(files: list[CorpusFile]) -> dict[str, Page]:
    """Document id -> page, as ragtune's loader forms ids: the file path, or the record id inside a JSONL file."""
    return {page.path: page for f in files for page in f.pages}
