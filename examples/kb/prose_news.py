"""News posts: launches, an award, openings, programmes and, in v2, the range update.

News posts never state a price or a fact that the update changes, except the v2 range update, which
states only the new values: no document in v2 may still carry an old value.
"""

from __future__ import annotations

from typing import Callable

from facts import Company
from fact_table import fact_table
from page import Page, PageWriter
from spans import eur, kg, pct

NewsWriter = Callable[[Company, PageWriter], None]


def _ferrow_launch(c: Company, w: PageWriter) -> None:
    b = c.bike("ferrow-cargo")
    w.para(w.say(f"bike.{b.slug}.launched", f"Today, in April {b.launched}, we launch the {b.name}, our first cargo "
                 "e-bike.", f"April {b.launched}: the {b.name} is here, and it is our first cargo bike."),
           w.say(f"bike.{b.slug}.payload", f"Its front box and rear rack take up to {kg(b.payload_kg or 0)} together.",
                 f"It carries up to {kg(b.payload_kg or 0)}, enough for two children and the weekly shopping."))
    w.para(w.say(f"bike.{b.slug}.assembled", f"Every {b.name} is built in {c.office(b.assembled_in).city}."),
           "The first deliveries reach riders in May.")
    w.para(_quote(c, w, "ines-vandamme", ("Families told us they wanted to leave the car at home. This is the bike "
                                           "that lets them.", "A cargo bike has to be as easy to ride as a city bike. "
                                           "We rebuilt the steering more times than I can count.")))
    w.para("Test rides are available in our showrooms from the first week of May. The bike comes with a rain cover, "
           "two child seats and a parking brake; a third seat can be added later.")


def _workshops(c: Company, w: PageWriter) -> None:
    n = c.support.partner_workshops
    w.para(w.say("support.partner_workshops", f"Our network has grown to {n} partner workshops.",
                 f"With six new members, we now work with {n} partner workshops."),
           "Each of them is trained on both drive systems and stocks the most common spare parts.")
    w.para("Riders can find the nearest workshop in the Quellmoor Ride app.",
           "Partner workshops carry out the free first service and can read every error code from the diagnostic "
           "tool.")
    w.para(_quote(c, w, "ines-vandamme", ("Nobody should have to drive an hour to get a puncture fixed. A network "
                                           "of good local workshops matters more to us than more showrooms.",)))
    w.para("Workshops that want to join the network can apply through our website; we visit every candidate "
           "before signing.")


def _trailhawk_launch(c: Company, w: PageWriter) -> None:
    b = c.bike("trailhawk-500")
    w.para(w.say(f"bike.{b.slug}.launched", f"March {b.launched}: meet the {b.name}, our first electric mountain bike.",
                 f"We are launching the {b.name} this March ({b.launched})."),
           w.say((f"bike.{b.slug}.battery", f"bike.{b.slug}.torque", f"bike.{b.slug}.drive"),
                 f"It pairs a {b.battery_wh} Wh battery with the new {b.drive} motor and its {b.torque_nm} Nm.",
                 f"Inside: the {b.drive} motor with {b.torque_nm} Nm and a {b.battery_wh} Wh battery."))
    w.para("Test riders covered more than 4,000 km of trails in the Ardennes before we signed off the frame.",
           "The geometry is slacker than on any bike we have built before, and the motor software gives a softer "
           "start on loose ground.")
    w.para(_quote(c, w, "rutger-oosterlinck", ("We wanted a motor that feels like strong legs, not like a push "
                                                "from behind.", "The Trailhawk is the bike our engineers ride at "
                                                "the weekend. That was the brief.")))
    w.para("The first bikes ship in April; showrooms have demo bikes in every size from launch day.")


def _award(c: Company, w: PageWriter) -> None:
    h = c.history
    b = c.bike(h.award_bike)
    w.para(w.say(("company.award", "company.award_bike"),
                 f"The {b.name} has won the {h.award} {h.award_year}.",
                 f"We are proud to announce that the {h.award} {h.award_year} goes to the {b.name}."),
           "The jury praised its swept top tube and the cables that run completely inside the frame.")
    w.para(w.pick(("The award is the first for our Design Studio.", "It is the first design award in our history.")),
           "The jury looked at more than ninety products, from cargo bikes to folding scooters.")
    w.para(_quote(c, w, "ines-vandamme", ("This prize belongs to everyone who sketched, welded and tested this frame.",
                                           "We design bikes to be ridden for twenty years. It is lovely when people "
                                           "also find them beautiful.")))
    w.para("The winning bike is on show in our Rotterdam showroom until the end of the year.")


def _lyon(c: Company, w: PageWriter) -> None:
    o = c.office("lyon")
    w.para(w.say("office.lyon.opened", f"In February {o.opened} we opened our service hub in Lyon.",
                 f"Our Lyon service hub opened its doors in February {o.opened}."),
           w.say("office.lyon.address", f"You find it at {o.address}."))
    w.para("The hub repairs bikes from all over France and trains our French partner workshops.",
           "It has six workstands, a battery test bench and a small stock of demo bikes.")
    w.para(_quote(c, w, "ines-vandamme", ("French riders were sending bikes to Belgium for repairs. Now they can "
                                           "bring them around the corner.",)))
    w.para("Riders in France can book a repair in the app or simply drop by during opening hours.")


def _meridian_launch(c: Company, w: PageWriter) -> None:
    b = c.bike("meridian-t7")
    w.para(w.say(f"bike.{b.slug}.launched", f"June {b.launched}: the {b.name} trekking e-bike is now available.",
                 f"Our new touring e-bike, the {b.name}, went on sale in June {b.launched}."),
           w.say((f"bike.{b.slug}.battery", f"bike.{b.slug}.range"),
                 f"With a {b.battery_wh} Wh battery, it covers up to {b.range_km} km.",
                 f"Its {b.battery_wh} Wh battery gives up to {b.range_km} km, our longest range yet."))
    w.para("Racks front and rear come fitted, with mounts for four panniers.",
           "A second battery mount on the down tube doubles the range for riders who tour for days.")
    w.para(_quote(c, w, "rutger-oosterlinck", ("Touring riders asked for one thing: never having to think about the "
                                                "battery. So we gave them room for two.",)))
    w.para("The bike comes in four frame sizes and two colours, forest green and slate grey.")


def _recycling(c: Company, w: PageWriter) -> None:
    v = c.policies.recycling_voucher
    w.para("From September, every Quellmoor service centre and partner workshop takes back old e-bike batteries.",
           w.say("policy.recycling_voucher", f"Riders get a voucher worth {eur(v)} per battery.",
                 f"Each battery handed in is rewarded with a {eur(v)} voucher."))
    w.para("The batteries go to a specialised recycler in Wallonia that recovers the cobalt, nickel and lithium.",
           "Batteries of other brands are welcome too.")
    w.para(_quote(c, w, "ines-vandamme", ("A battery at the back of a garage is a fire risk and a waste of metal. "
                                           "We would rather have it back.",)))
    w.para("Tape over the contacts before you bring a battery in, and call us first if it is damaged or swollen.")


def _solar(c: Company, w: PageWriter) -> None:
    h = c.history
    w.para(w.say("company.solar_panels", f"The Kortrijk workshop now has {h.solar_panels} solar panels on its roof.",
                 f"Workers finished installing {h.solar_panels} solar panels on the Kortrijk roof this month."),
           w.say("company.climate_target", f"It is a big step towards our goal of climate neutrality by "
                 f"{h.climate_target}."))
    w.para("On a sunny day the panels produce more power than the workshop uses; the surplus charges the test "
           "bikes and the delivery vans.", "The installation took six weeks and did not stop production for a day.")
    w.para(_quote(c, w, "rutger-oosterlinck", ("The workshop now runs on sunshine for half of the year. Winter is "
                                                "the next problem to solve.",)))


def _sales(c: Company, w: PageWriter) -> None:
    h = c.history
    w.para(w.say("company.sold_2024", f"In 2024 we sold {h.sold_2024} bikes, our best year so far.",
                 f"Our riders bought {h.sold_2024} bikes from us in 2024."),
           "The Citylark 2 was again the most popular model, followed by the Meridian T7.")
    w.para("Thank you to every rider, workshop and colleague who made it possible.",
           "More than half of our bikes were sold to riders who had never owned an e-bike before.")
    w.para(_quote(c, w, "ines-vandamme", ("Growth is nice, but what makes me proud is how many riders keep their "
                                           "bikes for years.",)))
    w.para("The full figures are in our annual review, which also covers our sustainability work.")


def _quote(c: Company, w: PageWriter, person: str, quotes: tuple[str, ...]) -> str:
    p = c.person(person)
    w.know(f"person.{person}.role")
    return f"{p.name}, {p.role}: \"{w.pick(quotes)}\""


NEWS: dict[str, tuple[str, NewsWriter]] = {
    "news/2021-04-ferrow-cargo-launch.md": ("The Ferrow Cargo is here", _ferrow_launch),
    "news/2022-05-partner-workshops.md": ("Our partner workshop network grows", _workshops),
    "news/2023-03-trailhawk-500-launch.md": ("Launching the Trailhawk 500", _trailhawk_launch),
    "news/2023-11-design-award.md": ("A design award for the Citylark 2", _award),
    "news/2024-02-lyon-service-hub.md": ("Our Lyon service hub is open", _lyon),
    "news/2024-06-meridian-t7-launch.md": ("The Meridian T7 is available", _meridian_launch),
    "news/2024-09-battery-recycling.md": ("Bring back your old battery", _recycling),
    "news/2024-10-solar-roof.md": ("Solar power for the Kortrijk workshop", _solar),
    "news/2025-01-sales-2024.md": ("Our year in numbers", _sales),
}


def news_page(c: Company, path: str, seed: int) -> Page:
    title, write = NEWS[path]
    w = PageWriter(path, title, seed)
    year, month = path.split("/")[1].split("-")[:2]
    w.para(f"Published {year}-{month}.")
    write(c, w)
    return w.page()


def range_update(c: Company, before: Company, path: str, seed: int) -> Page:
    """The v2 announcement: the new model, the discontinued one and the new values (never the old ones)."""
    w = PageWriter(path, "Spring 2025: a new bike and new prices", seed)
    new = [b for b in c.bikes if b.slug not in {x.slug for x in before.bikes}][0]
    name, date = c.discontinued[0]
    w.para("Published 2025-03.", w.say((f"bike.{new.slug}.price", f"bike.{new.slug}.battery"),
                                       f"Meet the {new.name}, a {new.category} with a {new.battery_wh} Wh battery "
                                       f"for {eur(new.price)}."))
    w.para("The Wisp 20 is for riders with little room at home: it stands upright in a lift and parks in a hallway. "
           "Deliveries start in April; demo bikes are in the showrooms now.")
    w.para(w.say("news.discontinued", f"The {name} is discontinued from {date}; owners keep full warranty "
                 "and spare parts support."))
    old, now = fact_table(before), fact_table(c)
    changed = [k for k in now if k in old and old[k] != now[k] and k.endswith(".price")]
    w.heading("New prices")
    rows = []
    for key in changed:
        kind, slug, _ = key.split(".")
        item = c.bike(slug) if kind == "bike" else next(a for a in c.accessories if a.slug == slug)
        rows.append((item.name, eur(item.price)))
        w.know(key)
    w.table(("Product", "Price"), rows)
    p = c.policies
    w.para(w.say("policy.return_days", f"We have also extended the return window to {p.return_days} days."),
           w.say("policy.trade_in_pct", f"The trade-in credit is now up to {pct(p.trade_in_pct)} of the original "
                 "price."))
    w.para(_quote(c, w, "ines-vandamme", ("Parts and energy cost more than a year ago; we kept the increases as "
                                           "small as we could, and lowered a price where we could.",)))
    return w.page()
