"""Company documents: about us, offices, teams, careers, sustainability, press kit, the annual review (PDF)."""

from __future__ import annotations

from facts import Company
from page import Page, PageWriter
from spans import pct


def about(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, f"About {c.history.name}", seed)
    h = c.history
    a, b = (c.person(s).name for s in h.founders)
    w.para(w.say(("company.founded", "company.founded_in", "company.cofounder"),
                 f"{h.name} was founded in {h.founded_in} in {h.founded} by {a} and {b}.",
                 f"{a} and {b} started {h.short} in {h.founded}, in a rented garage in {h.founded_in}."),
           w.say(("company.first_product", "company.first_product_year"),
                 f"Our first bike, the {h.first_product}, was a steel touring bike sold from {h.first_product_year}.",
                 f"The first product was the {h.first_product} touring bike ({h.first_product_year})."),
           w.say("company.first_ebike_year", f"The first Quellmoor e-bike followed in {h.first_ebike_year}.",
                 f"In {h.first_ebike_year} we added an electric model to the range."))
    w.heading(w.pick(("Today", "Where we are now")))
    w.para(w.say("company.employees", f"Today {h.employees} people work for {h.short}.",
                 f"We employ {h.employees} people."),
           f"We design in Ghent, assemble in Kortrijk and sell in {len(h.countries)} countries: "
           f"{', '.join(h.countries[:-1])} and {h.countries[-1]}.")
    w.heading("What we believe")
    w.bullets(w.shuffled(["A bike should be repairable for decades, not seasons.",
                          "Spare parts for every model stay available for ten years.",
                          "We sell directly, so we hear every rider's feedback ourselves."]))
    return w.page()


def offices(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Our locations", seed)
    w.para(w.pick((f"{c.history.short} works from {len(c.offices)} locations in three countries.",
                   "Visit us, call us or send us your bike: these are our sites.")))
    rows = [(o.city, o.kind, o.address, o.phone, str(o.opened)) for o in c.offices]
    w.table(("City", "Site", "Address", "Phone", "Opened"), rows)
    w.know(*(f"office.{o.slug}.{k}" for o in c.offices for k in ("address", "phone", "opened")))
    for o in c.offices:
        if o.manager:
            w.para(w.say(f"office.{o.slug}.manager", f"The {o.city} {o.kind} is run by {c.person(o.manager).name}.",
                         f"{c.person(o.manager).name} manages our {o.city} {o.kind}."))
    w.para(w.pick(("The showroom in Rotterdam is open from Tuesday to Saturday.",
                   "Showroom visits in Rotterdam need no appointment from Tuesday to Saturday.")))
    return w.page()


def teams(c: Company, path: str, seed: int) -> Page:
    """Which team handles what; deliberately without the leads (they are on the people pages)."""
    w = PageWriter(path, "Our teams", seed)
    w.para(w.pick(("Who does what at Quellmoor, so your question reaches the right people.",
                   "Each team owns a part of the rider's experience.")))
    items = []
    for t in c.teams:
        w.know(f"team.{t.slug}.handles")
        handles = ", ".join(t.handles[:-1]) + f" and {t.handles[-1]}" if len(t.handles) > 1 else t.handles[0]
        items.append(f"{t.name} ({c.office(t.office).city}): {handles}.")
    w.bullets(w.shuffled(items))
    w.para(w.pick(("Not sure who to ask? Start with Customer Care: they pass your question on and follow it up.",
                   "Riders do not need to know any of this: Customer Care routes every question to the right team.")),
           "Teams meet every Monday to go through the week's rider feedback together.")
    return w.page()


def careers(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Careers", seed)
    h = c.history
    w.para(w.pick(("We are always looking for mechanics, engineers and people who love bikes.",
                   "Want to build bikes that last? Join us.")),
           w.say("company.employees", f"{h.employees} people from 19 nationalities work at {h.short}.",
                 f"Our {h.employees} employees work in Ghent, Kortrijk, Rotterdam and Lyon."))
    w.heading("What we offer")
    w.bullets(w.shuffled(["A company bike of your choice", "Flexible hours and remote days for office roles",
                          "A yearly training budget", "Free servicing for your family's bikes"]))
    w.heading("Open positions")
    w.bullets(w.shuffled(["Bike mechanic, Lyon service hub", "Battery test engineer, Ghent",
                          "Delivery driver with a love of bikes, Kortrijk", "Frontend developer for the Quellmoor "
                          "Ride app, Ghent or remote"]))
    w.heading("How we hire")
    w.para("A short call, a day with the team you would join, and an answer within a week.",
           "Send your CV and a few lines about your favourite ride to jobs@quellmoor.example.")
    return w.page()


def sustainability(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Sustainability", seed)
    h = c.history
    w.para(w.say("company.recycled_pct", f"Our aluminium frames are made with {pct(h.recycled_pct)} recycled "
                 "aluminium.", f"{pct(h.recycled_pct)} of the aluminium in our frames is recycled."),
           w.say("company.climate_target", f"We aim to be climate neutral by {h.climate_target}.",
                 f"Our target: climate-neutral operations by {h.climate_target}."))
    w.heading("Energy")
    w.para(w.say("company.solar_panels", f"The roof of the Kortrijk workshop carries {h.solar_panels} solar panels.",
                 f"{h.solar_panels} solar panels on the Kortrijk workshop roof supply most of its power."))
    w.para("Delivery vans are electric in Belgium and the Netherlands, and our own staff commute by bike on most days.",
           "Business trips to Paris, Amsterdam and Cologne go by train.")
    w.heading("Packaging and parts")
    w.bullets(["Bikes ship in reusable boxes that the driver takes back.", "Spare parts stay available for ten "
               "years after a model ends.", "Worn batteries are collected and recycled."])
    return w.page()


def press_kit(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Press kit", seed)
    h = c.history
    w.para(f"{h.name} designs and builds bicycles and e-bikes in Belgium.",
           w.say(("company.founded", "company.founded_in"), f"Founded: {h.founded}, {h.founded_in}.",
                 f"The company was founded in {h.founded} in {h.founded_in}."))
    w.heading("Facts for journalists")
    w.bullets([w.say("company.sold_2024", f"Bikes sold in 2024: {h.sold_2024}"),
               w.say(("company.award", "company.award_bike"),
                     f"{h.award} {h.award_year}: {c.bike(h.award_bike).name}"),
               f"Models in the current range: {len(c.bikes)}"])
    w.heading("Spokespeople")
    founders = [c.person(slug) for slug in h.founders]
    w.know(*(f"person.{p.slug}.role" for p in founders))
    w.bullets([f"{p.name}, {p.role}" for p in founders])
    w.para("Product photos in high resolution are available on request from press@quellmoor.example.",
           "Test bikes for reviews can be borrowed for two weeks; we deliver and collect them anywhere in the Benelux.",
           "Interviews with the founders can be arranged at short notice, in Dutch, French or English.")
    return w.page()


def annual_review(c: Company, path: str, seed: int) -> Page:
    """The multi-page PDF; only facts that stay true after the update (no counts of staff, no prices)."""
    w = PageWriter(path, "Annual review 2024", seed)
    h = c.history
    w.para("A look back at the year for our riders, partners and colleagues.")
    w.heading("Sales")
    w.para(w.say(("company.sold_2024", "company.sold_2023"),
                 f"We sold {h.sold_2024} bikes in 2024, up from {h.sold_2023} bikes in 2023.",
                 f"Sales grew from {h.sold_2023} bikes in 2023 to {h.sold_2024} bikes in 2024."),
           "E-bikes made up four out of five bikes sold.")
    w.page_break()
    w.heading("Milestones")
    lyon = c.office("lyon")
    w.know("office.lyon.opened", "bike.meridian-t7.launched")
    w.bullets([f"Our service hub in Lyon opened in {lyon.opened}.",
               f"The Meridian T7 trekking e-bike was launched in {c.bike('meridian-t7').launched}.",
               "The battery recycling scheme reached every partner workshop."])
    w.page_break()
    w.heading("Sustainability")
    w.know("company.recycled_pct", "company.solar_panels")
    w.para(f"Recycled aluminium reached {pct(h.recycled_pct)} of our frame material, and the {h.solar_panels} "
           "solar panels in Kortrijk produced more power than the workshop used between April and September.")
    return w.page()
