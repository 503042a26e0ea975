"""The company as a flat table: fact key -> answer spans and answer type.

Documents declare which keys they state; questions name keys. Comparing the tables of v1 and v2
tells which facts changed (same key, other answer), were removed (key gone) or are new.
"""

from __future__ import annotations

from dataclasses import dataclass

from facts import Company
from spans import kg_answers, km_answers, pct_answers, phone_answers, price_answers, time_answers, unit_answers


ROLE_SHORT = {"chief executive officer": ("CEO",), "chief technology officer": ("CTO",)}


@dataclass(frozen=True)
class Fact:
    key: str
    kind: str  # the answer type; multiple-choice distractors are other facts of the same kind
    answers: tuple[str, ...]  # the canonical span first, then accepted variants


def fact_table(c: Company) -> dict[str, Fact]:
    facts: list[Fact] = []
    add = facts.append
    for b in c.bikes:
        p = f"bike.{b.slug}"
        add(Fact(f"{p}.name", "product", (b.name,)))
        add(Fact(f"{p}.price", "price", price_answers(b.price)))
        add(Fact(f"{p}.weight", "bike-weight", kg_answers(b.weight_kg)))
        add(Fact(f"{p}.code", "model-code", (b.code,)))
        add(Fact(f"{p}.launched", "year", (str(b.launched),)))
        add(Fact(f"{p}.assembled", "city", (c.office(b.assembled_in).city,)))
        add(Fact(f"{p}.tyre", "pressure", (f"{b.tyre_bar:g} bar",)))
        if b.battery_wh:
            add(Fact(f"{p}.battery", "battery", (f"{b.battery_wh} Wh", f"{b.battery_wh} watt-hours")))
            add(Fact(f"{p}.range", "range", km_answers(b.range_km or 0)))
            add(Fact(f"{p}.torque", "torque", (f"{b.torque_nm} Nm", f"{b.torque_nm} newton metres")))
            add(Fact(f"{p}.drive", "drive", (b.drive or "",)))
        if b.payload_kg:
            add(Fact(f"{p}.payload", "load", kg_answers(b.payload_kg)))
        if b.folded:
            add(Fact(f"{p}.folded", "dimensions", (b.folded,)))
        if b.ages:
            add(Fact(f"{p}.ages", "ages", (b.ages, b.ages.replace(" to ", "-"))))
    for a in c.accessories:
        add(Fact(f"acc.{a.slug}.price", "price", price_answers(a.price)))
        spec = kg_answers(float(a.spec[:-3])) if a.spec.endswith(" kg") else (a.spec,)
        add(Fact(f"acc.{a.slug}.spec", a.spec_kind, spec))
    for person in c.people:
        p = f"person.{person.slug}"
        add(Fact(f"{p}.name", "person", (person.name,)))
        add(Fact(f"{p}.role", "role", (person.role, *ROLE_SHORT.get(person.role, ()))))
        add(Fact(f"{p}.joined", "year", (str(person.joined),)))
        add(Fact(f"{p}.born", "city", (person.born_in,)))
        add(Fact(f"{p}.before", "job", (person.before,)))
    for o in c.offices:
        add(Fact(f"office.{o.slug}.address", "address", (o.address, o.address.split(",")[0])))
        add(Fact(f"office.{o.slug}.phone", "phone", phone_answers(o.phone)))
        add(Fact(f"office.{o.slug}.opened", "year", (str(o.opened),)))
        if o.manager:
            add(Fact(f"office.{o.slug}.manager", "person", (c.person(o.manager).name,)))
    for t in c.teams:
        add(Fact(f"team.{t.slug}.lead", "person", (c.person(t.lead).name,)))
        add(Fact(f"team.{t.slug}.handles", "team", (f"{t.name} team", t.name)))
    for e in c.errors:
        add(Fact(f"{e.key}.meaning", "error", (e.meaning,)))
    facts += _policy_facts(c) + _support_facts(c) + _company_facts(c)
    return {f.key: f for f in facts}


def _policy_facts(c: Company) -> list[Fact]:
    p = c.policies
    out = [
        Fact("policy.return_days", "days", unit_answers(p.return_days, "day")),
        Fact("policy.refund_days", "days", unit_answers(p.refund_days, "day")),
        Fact("policy.return_km", "distance", km_answers(p.return_km)),
        Fact("policy.delivery_fee", "fee", price_answers(p.delivery_fee)),
        Fact("policy.accessory_shipping", "fee", price_answers(p.accessory_shipping)),
        Fact("policy.free_shipping_over", "fee", price_answers(p.free_shipping_over)),
        Fact("policy.frame_warranty", "years", unit_answers(p.frame_warranty_years, "year")),
        Fact("policy.motor_warranty", "years", unit_answers(p.motor_warranty_years, "year")),
        Fact("policy.motor_registered", "years", unit_answers(p.motor_registered_years, "year")),
        Fact("policy.battery_warranty", "years", unit_answers(p.battery_warranty_years, "year")),
        Fact("policy.battery_capacity", "percent", pct_answers(p.battery_capacity_pct)),
        Fact("policy.claim_days", "days", (f"{p.claim_days} working days",)),
        Fact("policy.trade_in_pct", "percent", pct_answers(p.trade_in_pct)),
        Fact("policy.trade_in_age", "years", unit_answers(p.trade_in_max_age, "year")),
        Fact("policy.finance_months", "months", unit_answers(p.finance_months, "month")),
        Fact("policy.finance_min", "fee", price_answers(p.finance_min)),
        Fact("policy.test_ride_hours", "hours", unit_answers(p.test_ride_hours, "hour")),
        Fact("policy.test_ride_fee", "fee", price_answers(p.test_ride_fee)),
        Fact("policy.recycling_voucher", "fee", price_answers(p.recycling_voucher)),
        Fact("policy.ride_data_months", "months", unit_answers(p.ride_data_months, "month")),
    ]
    if c.leasing:
        out += [
            Fact("leasing.min_term", "months", unit_answers(c.leasing.min_term_months, "month")),
            Fact("leasing.min_employees", "count", (f"{c.leasing.min_employees} employees",)),
            Fact("leasing.email", "email", (c.leasing.email,)),
        ]
    return out


def _support_facts(c: Company) -> list[Fact]:
    s = c.support
    return [
        Fact("support.phone", "phone", phone_answers(s.phone)),
        Fact("support.email", "email", (s.email,)),
        Fact("support.weekday_open", "time", time_answers(s.weekday_open)),
        Fact("support.weekday_close", "time", time_answers(s.weekday_close)),
        Fact("support.saturday_close", "time", time_answers(s.saturday_close)),
        Fact("support.firmware", "version", (s.firmware, s.firmware.split()[-1])),
        Fact("support.first_service_km", "distance", km_answers(s.first_service_km)),
        Fact("support.service_price", "fee", price_answers(s.service_price)),
        Fact("support.partner_workshops", "count", (f"{s.partner_workshops} partner workshops",
                                                     f"{s.partner_workshops} workshops")),
        Fact("support.chat_minutes", "minutes", unit_answers(s.chat_minutes, "minute")),
        Fact("support.recommended_charger", "accessory",
             tuple(a.name for a in c.accessories if a.slug == s.recommended_charger)),
    ]


def _company_facts(c: Company) -> list[Fact]:
    h = c.history
    out = [
        Fact("company.founded", "year", (str(h.founded),)),
        Fact("company.founded_in", "city", (h.founded_in,)),
        Fact("company.cofounder", "person", (c.person(h.founders[1]).name,)),
        Fact("company.first_product", "product", (h.first_product,)),
        Fact("company.first_product_year", "year", (str(h.first_product_year),)),
        Fact("company.first_ebike_year", "year", (str(h.first_ebike_year),)),
        Fact("company.employees", "count", (f"{h.employees} people", f"{h.employees} employees")),
        Fact("company.sold_2023", "count", (f"{h.sold_2023} bikes", h.sold_2023)),
        Fact("company.sold_2024", "count", (f"{h.sold_2024} bikes", h.sold_2024)),
        Fact("company.recycled_pct", "percent", pct_answers(h.recycled_pct)),
        Fact("company.climate_target", "year", (str(h.climate_target),)),
        Fact("company.solar_panels", "count", (f"{h.solar_panels} solar panels", f"{h.solar_panels} panels")),
        Fact("company.award", "award", (h.award,)),
        Fact("company.award_bike", "product", (c.bike(h.award_bike).name,)),
    ]
    out += [Fact("news.discontinued", "date", (date,)) for _, date in c.discontinued]
    return out


def value_text(fact: Fact) -> str:
    """The canonical span of a fact (what a multiple-choice option shows)."""
    return fact.answers[0]

