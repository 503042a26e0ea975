"""How-to guides and the FAQ records: battery care, tyre pressure, registering a bike, brake pads."""

from __future__ import annotations

from facts import Company
from page import Page, PageWriter
from spans import eur, pct, unit


def battery_care(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Battery care", seed)
    p = c.policies
    charger = next(a for a in c.accessories if a.slug == c.support.recommended_charger)
    tips = [
        "Store the battery between 30 and 60 percent charged if you will not ride for a few weeks.",
        "Keep it indoors in winter and charge it at room temperature.",
        "Never leave a battery on the charger in direct sunlight.",
        "Clean the contacts with a dry cloth, never with water under pressure.",
    ]
    w.para(w.pick(("A lithium-ion battery lasts longest when it is kept cool and never fully empty.",
                   "Treat your battery well and it will keep most of its capacity for many seasons.")))
    w.heading("Everyday tips")
    w.bullets(w.shuffled(tips))
    w.heading("Chargers")
    w.para(w.say("support.recommended_charger",
                 f"For faster charging we recommend the {charger.name}, our own fast charger.",
                 f"If you charge every day, the {charger.name} fast charger is the one we recommend."),
           "Third-party chargers can damage the cells and are not covered.")
    w.heading("Warranty")
    w.para(w.say(("policy.battery_warranty", "policy.battery_capacity"),
                 f"The battery warranty lasts {unit(p.battery_warranty_years, 'year')} and covers a loss of "
                 f"capacity below {pct(p.battery_capacity_pct)} of the original.",
                 f"Batteries are under warranty for {unit(p.battery_warranty_years, 'year')}: if the capacity drops "
                 f"below {pct(p.battery_capacity_pct)}, we replace the battery."))
    return w.page()


def tyre_pressure(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Recommended tyre pressure", seed)
    w.para(w.pick(("The right pressure makes a bike faster, safer and less prone to punctures.",
                   "Check tyre pressure every two weeks; tyres lose air slowly even when the bike stands still.")))
    w.table(("Model", "Pressure"), [(b.name, f"{b.tyre_bar:g} bar") for b in c.bikes])
    w.know(*(f"bike.{b.slug}.tyre" for b in c.bikes))
    w.para(w.pick(("Riders above 90 kg can add 0.3 bar.", "With heavy luggage, add up to 0.3 bar.")),
           "Never exceed the maximum printed on the tyre sidewall.")
    w.heading("How to check")
    w.bullets(["Use a pump with a gauge; the cheap pencil gauges are often off by half a bar.",
               "Check with cold tyres, before the ride.", "Lower pressure gives more grip on gravel and in the wet."])
    return w.page()


def registering(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Registering your bike", seed)
    p = c.policies
    w.para(w.pick(("Registering takes two minutes and helps if your bike is ever stolen.",
                   "Register your bike as soon as it is delivered.")),
           w.say(("policy.motor_registered", "policy.motor_warranty"),
                 f"Registered e-bikes get a motor and electronics warranty of "
                 f"{unit(p.motor_registered_years, 'year')} instead of {unit(p.motor_warranty_years, 'year')}.",
                 f"Registration extends the motor warranty from {unit(p.motor_warranty_years, 'year')} to "
                 f"{unit(p.motor_registered_years, 'year')}."))
    w.heading("Steps")
    w.bullets(["Find the frame number on the sticker under the bottom bracket.",
               f"Open the {c.support.app} app and choose Add a bike.",
               "Enter the frame number and the date of purchase.", "Add a photo of the bike (optional)."],
              ordered=True)
    w.para("Registered bikes are easier to trace after a theft, and we can tell you directly about recalls and "
           "firmware updates.", "If you sell the bike, remove it from your account so the new owner can add it.")
    return w.page()


def brake_pads(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Brake pads", seed)
    w.para(w.pick(("All Quellmoor bikes except the Sprig 16 use hydraulic disc brakes.",
                   "Hydraulic disc brakes are fitted to every Quellmoor bike apart from the Sprig 16.")),
           "Pads wear faster in wet weather and on bikes that carry heavy loads.")
    w.heading("When to replace them")
    w.bullets(["The pad material is thinner than 1 mm.", "The brakes squeal even when dry.",
               "The lever travels further than it used to."])
    w.para(w.pick(("Replacing pads takes about fifteen minutes with a 2.5 mm hex key.",
                   "Any partner workshop can swap pads while you wait.")),
           "Bed in new pads with ten firm stops from walking pace before a long ride.",
           "Keep oil and chain spray away from the discs: contaminated pads have to be replaced.")
    return w.page()


def faq_records(c: Company, seed: int) -> list[Page]:
    """The FAQ as JSONL records; each record id is its document id."""
    p, s = c.policies, c.support
    entries = [
        ("faq-return-window", "Can I return a bike?", ("policy.return_days", "policy.return_km"),
         f"Yes. You can return a bike within {unit(p.return_days, 'day')} of delivery if it has been ridden less "
         f"than {p.return_km} km. We pick it up for free. Start the return in your account, or call Customer Care "
         "and we arrange a collection date with you. Accessories can be sent back unused by post."),
        ("faq-refund", "When do I get my money back?", ("policy.refund_days",),
         f"Refunds are paid within {unit(p.refund_days, 'day')} after the returned bike reaches our workshop. The "
         "money goes back to the card or account you paid with; financing plans are cancelled at no cost. You get "
         "an email as soon as the payment leaves our account."),
        ("faq-battery-warranty", "How long is the battery covered?", ("policy.battery_warranty",),
         f"The battery warranty is {unit(p.battery_warranty_years, 'year')} from the delivery date. It covers "
         "defects and an unusual loss of capacity. Keep the battery cool and charge it with the original charger to "
         "make it last. Claims go through the Quellmoor Ride app: add photos and the frame number."),
        ("faq-delivery", "What does delivery cost?", ("policy.delivery_fee", "policy.free_shipping_over"),
         f"Bike delivery costs {eur(p.delivery_fee)}. Accessory orders above {eur(p.free_shipping_over)} ship free. "
         "Bikes arrive assembled and adjusted, and the driver takes the packaging back. You choose the delivery day "
         "at checkout."),
        ("faq-support-hours", "When can I call you?", ("support.weekday_open", "support.weekday_close",
                                                       "support.saturday_close", "support.phone"),
         f"Call {s.phone} from Monday to Friday between {s.weekday_open} and {s.weekday_close}, or on Saturday "
         f"until {s.saturday_close}. Outside those hours, send an email or a chat message and we reply the next "
         "working day. Have your frame number ready: it speeds things up."),
        ("faq-firmware", "Which firmware should my bike run?", ("support.firmware",),
         f"Every Quellmoor e-bike should run {s.firmware}. The {s.app} app tells you when an update is waiting. "
         "Keep the bike switched on and the phone nearby while it installs. An update takes about ten minutes."),
        ("faq-test-ride", "Can I try a bike at home?", ("policy.test_ride_hours", "policy.test_ride_fee"),
         f"Yes: a home test ride lasts {unit(p.test_ride_hours, 'hour')} and costs {eur(p.test_ride_fee)}, "
         "which we refund when you buy the bike. We bring the bike to your door, set it up for you and collect it "
         "again."),
        ("faq-trade-in", "Do you take my old bike?", ("policy.trade_in_pct",),
         f"We credit up to {pct(p.trade_in_pct)} of the original price of a Quellmoor bike you trade in. The "
         "exact amount depends on the condition of the frame and the health of the battery. Bring the bike to a "
         "showroom or service centre for a valuation."),
        ("faq-first-service", "Is the first service free?", ("support.first_service_km",),
         f"Yes, the first service after {s.first_service_km} km is free of charge. It includes a brake and gear "
         "check, a firmware update and a look at the spokes, which settle in the first weeks. Book it in the app."),
        ("faq-rain", "Can I ride in the rain?", (),
         "Yes. Motors, batteries and displays are sealed against rain. Do not clean them with a pressure washer, and "
         "dry the battery contacts before you charge after a wet ride. Mudguards are fitted to most models."),
    ]
    records = []
    for rid, question, keys, answer in entries:
        w = PageWriter(rid, question, seed)
        w.know(*keys)
        w.para(answer)
        records.append(w.page())
    return records
