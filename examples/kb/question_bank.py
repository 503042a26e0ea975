"""Every answerable question, written once, naming the fact keys that answer it.

Whether a question is static, changes, removed or new is not written here: it follows from comparing
its facts in v1 and v2 (`question_sets`). Paraphrased questions avoid every content word of their
source documents except names; multi-doc questions chain a bridge fact to the answer fact (last key).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    id: str
    question: str
    keys: tuple[str, ...]  # the answer is the last key's fact; sources are the documents stating any key
    tags: tuple[str, ...] = ()


def _q(qid: str, question: str, *keys: str) -> Spec:
    return Spec(qid, question, keys)


def _para(qid: str, question: str, key: str) -> Spec:
    return Spec(qid, question, (key,), ("paraphrase",))


def _multi(qid: str, question: str, *keys: str) -> Spec:
    return Spec(qid, question, keys, ("multi-doc",))


DIRECT = (
    _q("trailhawk-battery", "What is the battery capacity of the Trailhawk 500?", "bike.trailhawk-500.battery"),
    _q("trailhawk-range", "What range does the Trailhawk 500 have on a full battery?", "bike.trailhawk-500.range"),
    _q("trailhawk-code", "What is the model code of the Trailhawk 500?", "bike.trailhawk-500.code"),
    _q("citylark-weight", "How much does the Citylark 2 weigh?", "bike.citylark-2.weight"),
    _q("citylark-torque", "How much torque does the motor of the Citylark 2 deliver?", "bike.citylark-2.torque"),
    _q("ferrow-payload", "What is the maximum load of the Ferrow Cargo?", "bike.ferrow-cargo.payload"),
    _q("foldwing-range", "What is the range of the Foldwing F3?", "bike.foldwing-f3.range"),
    _q("foldwing-folded", "What are the folded dimensions of the Foldwing F3?", "bike.foldwing-f3.folded"),
    _q("meridian-price", "How much does the Meridian T7 cost?", "bike.meridian-t7.price"),
    _q("meridian-battery", "What battery capacity does the Meridian T7 have?", "bike.meridian-t7.battery"),
    _q("meridian-launched", "In which year was the Meridian T7 launched?", "bike.meridian-t7.launched"),
    _q("sprig-price", "What is the price of the Sprig 16?", "bike.sprig-16.price"),
    _q("sprig-ages", "For children of which ages is the Sprig 16 made?", "bike.sprig-16.ages"),
    _q("gravelmoth-price", "How much does the Gravelmoth GR cost?", "bike.gravelmoth-gr.price"),
    _q("gravelmoth-tyre", "What tyre pressure is recommended for the Gravelmoth GR?", "bike.gravelmoth-gr.tyre"),
    _q("keel-price", "How much does the Keel 28 pannier bag cost?", "acc.keel-28.price"),
    _q("vault-weight", "How much does the Vault U-lock weigh?", "acc.vault-u-lock.spec"),
    _q("volt-dock-time", "How long does the Volt Dock 4A take to charge a 625 Wh battery?", "acc.volt-dock.spec"),
    _q("nestling-max", "What is the maximum child weight for the Nestling child seat?", "acc.nestling-seat.spec"),
    _q("lumen-brightness", "How bright is the Lumen Halo front light?", "acc.lumen-halo.spec"),
    _q("frame-warranty", "How long is the warranty on a Quellmoor frame and fork?", "policy.frame_warranty"),
    _q("motor-warranty", "How long is the motor and electronics warranty on an unregistered e-bike?",
       "policy.motor_warranty"),
    _q("refund-days", "Within how many days is the refund paid once a returned bike arrives?", "policy.refund_days"),
    _q("return-km", "How many kilometres may a bike have been ridden and still be returned?", "policy.return_km"),
    _q("accessory-shipping", "What does shipping cost for a small accessory order?", "policy.accessory_shipping"),
    _q("test-ride-hours", "How long does a home test ride last?", "policy.test_ride_hours"),
    _q("test-ride-fee", "How much does a home test ride cost?", "policy.test_ride_fee"),
    _q("recycling-voucher", "What is the voucher worth when you hand in an old e-bike battery?",
       "policy.recycling_voucher"),
    _q("ride-data", "How long does the Quellmoor Ride app keep ride data?", "policy.ride_data_months"),
    _q("finance-min", "What is the minimum purchase for a financing plan?", "policy.finance_min"),
    _q("support-phone", "What is the phone number of Quellmoor Customer Care?", "support.phone"),
    _q("service-price", "How much does a standard service cost?", "support.service_price"),
    _q("partner-workshops", "How many partner workshops does Quellmoor work with?", "support.partner_workshops"),
    _q("drive-s-e11", "What does error code E11 mean on a Drive S motor?", "error.drive-s.E11.meaning"),
    _q("drive-s-e17", "What does error code E17 mean on a Drive S motor?", "error.drive-s.E17.meaning"),
    _q("drive-x-e17", "What does error code E17 mean on a Drive X motor?", "error.drive-x.E17.meaning"),
    _q("drive-x-e22", "What does error code E22 mean on a Drive X motor?", "error.drive-x.E22.meaning"),
    _q("founded", "In which year was Quellmoor Cycles founded?", "company.founded"),
    _q("cofounder", "Who founded Quellmoor together with Ines Vandamme?", "company.cofounder"),
    _q("first-product", "What was the name of Quellmoor's first bike?", "company.first_product"),
    _q("sold-2024", "How many bikes did Quellmoor sell in 2024?", "company.sold_2024"),
    _q("kortrijk-opened", "When did the Kortrijk assembly workshop open?", "office.kortrijk.opened"),
    _q("recycled-aluminium", "What share of the aluminium in Quellmoor frames is recycled?", "company.recycled_pct"),
    _q("amara-joined", "When did Amara Okafor join Quellmoor?", "person.amara-okafor.joined"),
    _q("noor-born", "Where was Noor Haddad born?", "person.noor-haddad.born"),
    _q("ines-role", "What is Ines Vandamme's role at Quellmoor?", "person.ines-vandamme.role"),
    _q("award", "Which award did the Citylark 2 win in 2023?", "company.award"),
    _q("climate-target", "By which year does Quellmoor aim to be climate neutral?", "company.climate_target"),
    # facts that the update changes (v1 asks the old value, v2 the new one)
    _q("trailhawk-price", "How much does the Trailhawk 500 cost?", "bike.trailhawk-500.price"),
    _q("trailhawk-weight", "How much does the Trailhawk 500 weigh?", "bike.trailhawk-500.weight"),
    _q("citylark-price", "What is the price of the Citylark 2?", "bike.citylark-2.price"),
    _q("citylark-battery", "What is the battery capacity of the Citylark 2?", "bike.citylark-2.battery"),
    _q("citylark-range", "What range does the Citylark 2 have?", "bike.citylark-2.range"),
    _q("ferrow-price", "How much does the Ferrow Cargo cost?", "bike.ferrow-cargo.price"),
    _q("foldwing-price", "What does a Foldwing F3 cost?", "bike.foldwing-f3.price"),
    _q("lumen-price", "How much is the Lumen Halo front light?", "acc.lumen-halo.price"),
    _q("return-days", "Within how many days of delivery can a bike be returned?", "policy.return_days"),
    _q("delivery-fee", "How much does home delivery of a bike cost?", "policy.delivery_fee"),
    _q("free-shipping", "Above what order value do accessories ship for free?", "policy.free_shipping_over"),
    _q("battery-warranty", "How long is the warranty on an e-bike battery?", "policy.battery_warranty"),
    _q("trade-in-pct", "Up to what share of the original price does Quellmoor credit for a trade-in?",
       "policy.trade_in_pct"),
    _q("finance-months", "Over how many months can an interest-free financing plan run?", "policy.finance_months"),
    _q("weekday-close", "Until what time is the support line open on weekdays?", "support.weekday_close"),
    _q("saturday-close", "Until what time can you call Customer Care on Saturdays?", "support.saturday_close"),
    _q("firmware", "What is the latest firmware version for Quellmoor e-bikes?", "support.firmware"),
    _q("first-service", "After how many kilometres is the free first service due?", "support.first_service_km"),
    _q("employees", "How many people work for Quellmoor?", "company.employees"),
    _q("care-head", "Who leads the Customer Care team?", "team.customer-care.lead"),
    _q("sanne-role", "What is Sanne Dekker's job title?", "person.sanne-dekker.role"),
    # facts the update removes (the discontinued bike, the person who left)
    _q("roadkite-price", "How much does the Roadkite 9 cost?", "bike.roadkite-9.price"),
    _q("roadkite-weight", "How much does the Roadkite 9 weigh?", "bike.roadkite-9.weight"),
    _q("tobias-born", "Where was Tobias Wren born?", "person.tobias-wren.born"),
    # facts the update adds
    _q("wisp-price", "How much does the Wisp 20 cost?", "bike.wisp-20.price"),
    _q("wisp-weight", "How much does the Wisp 20 weigh?", "bike.wisp-20.weight"),
    _q("wisp-battery", "What is the battery capacity of the Wisp 20?", "bike.wisp-20.battery"),
    _q("wisp-range", "What range does the Wisp 20 have?", "bike.wisp-20.range"),
    _q("wisp-code", "What is the model code of the Wisp 20?", "bike.wisp-20.code"),
    _q("roadkite-end", "From which date is the Roadkite 9 discontinued?", "news.discontinued"),
    _q("leasing-term", "What is the minimum term of a Quellmoor bike lease for employers?", "leasing.min_term"),
    _q("leasing-size", "How many employees must a company have to lease bikes from Quellmoor?",
       "leasing.min_employees"),
    _q("leasing-email", "Which email address takes requests for leasing offers?", "leasing.email"),
)

PARAPHRASED = (
    _para("p-trailhawk-torque", "How much twisting force can the Trailhawk 500's engine put out?",
          "bike.trailhawk-500.torque"),
    _para("p-meridian-range", "How far can a Meridian T7 go until its pack is drained?", "bike.meridian-t7.range"),
    _para("p-citylark-launched", "When did the Citylark 2 hit the shops?", "bike.citylark-2.launched"),
    _para("p-sprig-weight", "How heavy is a Sprig 16?", "bike.sprig-16.weight"),
    _para("p-claim-days", "How soon do I receive a verdict once I have lodged a guarantee request?",
          "policy.claim_days"),
    _para("p-trade-in-age", "What is the oldest a two-wheeler can be to be accepted in part exchange?",
          "policy.trade_in_age"),
    _para("p-weekday-open", "At what hour can I first ring the helpline on a Tuesday?", "support.weekday_open"),
    _para("p-drive-s-e14", "What has gone wrong if a Drive S unit flashes E14?", "error.drive-s.E14.meaning"),
    _para("p-drive-x-e11", "What's the trouble when a Drive X screen blinks E11?", "error.drive-x.E11.meaning"),
    _para("p-rutger-before", "What did Rutger Oosterlinck do for a living prior to starting the firm?",
          "person.rutger-oosterlinck.before"),
    _para("p-elif-joined", "When did Elif Arslan go on the payroll?", "person.elif-arslan.joined"),
    _para("p-hedda-born", "In which town did Hedda Lindqvist come into the world?", "person.hedda-lindqvist.born"),
    _para("p-lyon-opened", "When did the Lyon facility begin welcoming customers?", "office.lyon.opened"),
    _para("p-first-ebike", "When did Quellmoor begin selling battery-assisted machines?", "company.first_ebike_year"),
    _para("p-sold-2023", "How many units left the factory during 2023?", "company.sold_2023"),
    _para("p-solar", "How many photovoltaic modules sit atop the Kortrijk building?", "company.solar_panels"),
    _para("p-ghent-phone", "Which number should I dial to reach the head office?", "office.ghent.phone"),
    _para("p-keel-volume", "How much can you stuff into a Keel 28?", "acc.keel-28.spec"),
    _para("p-nestling-price", "What would I pay for a Nestling?", "acc.nestling-seat.price"),
    _para("p-gravelmoth-launched", "When did the Gravelmoth GR debut?", "bike.gravelmoth-gr.launched"),
)

MULTI_DOC = (
    _multi("m-warranty-lead", "Who leads the team that handles warranty claims?",
           "team.aftercare.handles", "team.aftercare.lead"),
    _multi("m-returns-lead", "Who is in charge of the team that organises returns?",
           "team.logistics.handles", "team.logistics.lead"),
    _multi("m-firmware-lead", "Who heads the team that publishes firmware updates?",
           "team.drive-systems.handles", "team.drive-systems.lead"),
    _multi("m-finance-lead", "Who leads the team that runs the financing plans?",
           "team.finance.handles", "team.finance.lead"),
    _multi("m-design-lead", "Who heads the team responsible for frame design?",
           "team.design-studio.handles", "team.design-studio.lead"),
    _multi("m-phone-line-lead", "Who leads the team that answers the support phone line?",
           "team.customer-care.handles", "team.customer-care.lead"),
    _multi("m-ferrow-workshop", "What is the address of the workshop where the Ferrow Cargo is assembled?",
           "bike.ferrow-cargo.assembled", "office.kortrijk.address"),
    _multi("m-citylark-site-phone", "What is the phone number of the site in the city where the Citylark 2 is "
           "assembled?", "bike.citylark-2.assembled", "office.ghent.phone"),
    _multi("m-award-weight", "How much does the bike that won the Lowlands Design Award weigh?",
           "company.award_bike", "bike.citylark-2.weight"),
    _multi("m-trailhawk-e14", "What does error code E14 mean on a Trailhawk 500?",
           "bike.trailhawk-500.drive", "error.drive-x.E14.meaning"),
    _multi("m-citylark-e22", "What does error code E22 mean on a Citylark 2?",
           "bike.citylark-2.drive", "error.drive-s.E22.meaning"),
    _multi("m-charger-price", "How much does the fast charger recommended in the battery care guide cost?",
           "support.recommended_charger", "acc.volt-dock.price"),
    _multi("m-lyon-manager-joined", "In which year did the person who runs the Lyon service hub join Quellmoor?",
           "office.lyon.manager", "person.lucien-barthe.joined"),
    _multi("m-recalls-lead-born", "Where was the head of the team that handles safety recalls born?",
           "team.aftercare.handles", "person.elif-arslan.born"),
    _multi("m-lightest-price", "How much does Quellmoor's lightest e-bike cost?",
           "bike.foldwing-f3.weight", "bike.foldwing-f3.price"),
)

SPECS = DIRECT + PARAPHRASED + MULTI_DOC
