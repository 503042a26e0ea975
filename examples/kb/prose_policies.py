"""Policy documents: warranty, returns, shipping, trade-in, financing, test rides, privacy, recycling, leasing."""

from __future__ import annotations

from facts import Company
from page import Page, PageWriter
from spans import eur, pct, unit


def warranty(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Warranty", seed)
    p = c.policies
    w.para(w.pick(("Every Quellmoor bike comes with a warranty against manufacturing defects.",
                   "We stand behind every frame we build; this is what our warranty covers.")),
           w.say("team.aftercare.handles", "Warranty claims are handled by our Aftercare team.",
                 "Our Aftercare team assesses every warranty claim."))
    rows = [("Frame and fork", unit(p.frame_warranty_years, "year")),
            ("Motor and electronics", unit(p.motor_warranty_years, "year")),
            ("Motor and electronics, registered bike", unit(p.motor_registered_years, "year")),
            ("Battery", unit(p.battery_warranty_years, "year"))]
    w.know("policy.frame_warranty", "policy.motor_warranty", "policy.motor_registered", "policy.battery_warranty")
    w.table(("Part", "Warranty"), rows)
    w.heading("How to make a claim")
    w.bullets([w.say("policy.claim_days", "Send photos and your frame number through the app; we reply within "
                     f"{p.claim_days} working days.", f"Claims get a decision within {p.claim_days} working days "
                     "of receiving your photos."),
               w.say("policy.battery_capacity", f"A battery counts as defective when it holds less than "
                     f"{pct(p.battery_capacity_pct)} of its original capacity."),
               "Wear parts such as tyres, chains and brake pads are not covered."])
    w.para(w.pick(("The warranty follows the bike: if you sell it, the new owner is covered for the rest of the term.",
                   "If you sell your bike, the warranty passes to the new owner.")),
           "Damage from crashes, racing or a pressure washer is not a manufacturing defect.")
    return w.page()


def returns(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Returns and refunds", seed)
    p = c.policies
    window = w.say("policy.return_days", f"You can return a bike within {unit(p.return_days, 'day')} of delivery.",
                   f"Changed your mind? You have {unit(p.return_days, 'day')} from delivery to send a bike back.")
    km = w.say("policy.return_km", f"The bike must have been ridden less than {p.return_km} km.",
               f"We accept returns of bikes with fewer than {p.return_km} km on the odometer.")
    refund = w.say("policy.refund_days", f"Your refund is paid within {unit(p.refund_days, 'day')} of the bike "
                   "reaching our workshop.", f"We refund the full price within {unit(p.refund_days, 'day')} "
                   "after the return arrives.")
    w.para(window, *w.shuffled([km, refund]))
    w.heading(w.pick(("How it works", "Returning step by step")))
    w.bullets(["Start the return in your account or call Customer Care.", "We collect the bike at your door for "
               "free.", "Keep the original box if you can; we bring one if you cannot."], ordered=True)
    w.para(w.say("team.logistics.handles", "Collections and returns are organised by our Logistics team.",
                 "Our Logistics team plans every collection."), "Accessories can be returned unused by post.")
    return w.page()


def shipping(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Shipping and delivery", seed)
    p = c.policies
    w.para(w.say("policy.delivery_fee", f"We deliver bikes to your door, ready to ride, for {eur(p.delivery_fee)}.",
                 f"Home delivery of a bike costs {eur(p.delivery_fee)}, assembled and adjusted."),
           w.say(("policy.accessory_shipping", "policy.free_shipping_over"),
                 f"Accessories ship for {eur(p.accessory_shipping)}, or free on orders above "
                 f"{eur(p.free_shipping_over)}.", f"Accessory orders above {eur(p.free_shipping_over)} ship free; "
                 f"below that, shipping is {eur(p.accessory_shipping)}."))
    times = {"Belgium": "2-3", "the Netherlands": "2-4", "Luxembourg": "3-4", "France": "4-6", "Germany": "4-6"}
    w.table(("Country", "Bike delivery (working days)"), [(k[0].upper() + k[1:], v) for k, v in times.items()])
    w.para(w.say("team.logistics.handles", "Deliveries are planned by our Logistics team from Kortrijk.",
                 "Our Logistics team in Kortrijk schedules every home delivery."),
           w.pick(("You get a two-hour delivery window by text message the day before.",
                   "The driver calls thirty minutes before arrival.")))
    w.heading("On delivery day")
    w.bullets(["The driver unpacks the bike, fits the pedals and sets the saddle height.",
               "You get a short tour of the display and the app.", "We take the packaging back with us."])
    return w.page()


def trade_in(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Trade-in programme", seed)
    p = c.policies
    w.para(w.pick(("Trade in your old Quellmoor bike when you buy a new one.",
                   "Your old Quellmoor bike is worth money towards a new one.")),
           w.say("policy.trade_in_pct", f"We credit up to {pct(p.trade_in_pct)} of the original price.",
                 f"The credit is up to {pct(p.trade_in_pct)} of what you paid."),
           w.say("policy.trade_in_age", f"Bikes up to {unit(p.trade_in_max_age, 'year')} old qualify.",
                 f"The bike may be at most {unit(p.trade_in_max_age, 'year')} old."))
    w.heading("How it works")
    w.bullets(["Register the old bike in your account.", "Bring it to a showroom or service centre.",
               "Receive the credit on your new order."], ordered=True)
    w.heading("What we look at")
    w.bullets(["Frame condition and any crash damage", "Battery health, read out by our diagnostic tool",
               "Mileage and service history"])
    w.para(w.say("team.finance.handles", "Valuations are made by our Finance team within a week.",
                 "The Finance team values each bike and confirms the credit by email."))
    return w.page()


def financing(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Financing", seed)
    p = c.policies
    w.para(w.say("policy.finance_months", f"Spread the cost of a new bike over {unit(p.finance_months, 'month')} "
                 "at 0% interest.", f"Our interest-free plan runs for {unit(p.finance_months, 'month')}."),
           w.say("policy.finance_min", f"The plan is available for purchases from {eur(p.finance_min)}.",
                 f"Orders of {eur(p.finance_min)} or more qualify."))
    w.bullets(["No deposit", "Monthly payments by direct debit", "Early repayment without fees"])
    w.heading("How to apply")
    w.bullets(["Choose your bike and accessories in the shop.", "Pick Pay monthly at checkout.",
               "Upload an ID document and a recent bank statement.", "Sign the agreement online; we deliver as usual."],
              ordered=True)
    w.para("Accessories bought together with the bike can be included in the plan. If you return the bike within "
           "the return window, the plan is cancelled and nothing is owed.")
    w.para(w.say("team.finance.handles", "Financing plans are run by our own Finance team, not by a bank.",
                 "Our Finance team approves every financing plan, usually the same day."))
    return w.page()


def test_rides(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Test rides", seed)
    p = c.policies
    shops = [o.city for o in c.offices if "showroom" in o.kind or "headquarters" in o.kind]
    w.para(w.pick(("The best way to choose a bike is to ride it.", "Not sure yet? Ride before you buy.")),
           f"You can test every model at our showrooms in {' and '.join(shops)}.")
    w.heading("Home test ride")
    w.para(w.say("policy.test_ride_hours", f"A home test ride lasts {unit(p.test_ride_hours, 'hour')}.",
                 f"We leave the bike with you for {unit(p.test_ride_hours, 'hour')}."),
           w.say("policy.test_ride_fee", f"It costs {eur(p.test_ride_fee)}, refunded when you buy.",
                 f"The fee of {eur(p.test_ride_fee)} is deducted from the price if you keep a bike."))
    w.para("We bring the bike to your door, set it up for your height and collect it again at the agreed time.",
           "Home test rides are available for every e-bike except the Ferrow Cargo, which you can try in the "
           "showrooms.")
    w.heading("Before your ride")
    w.bullets(["Wear comfortable shoes and bring a helmet if you have one.", "Bring an ID document.",
               "Plan a route with a hill: that is where an e-bike shows what it can do."])
    return w.page()


def privacy(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Privacy notice", seed)
    p = c.policies
    w.para("We collect only the data we need to sell, deliver and service your bike.",
           w.say("policy.ride_data_months", f"Ride data from the {c.support.app} app is deleted after "
                 f"{unit(p.ride_data_months, 'month')}.", f"The app keeps your ride history for "
                 f"{unit(p.ride_data_months, 'month')}, then deletes it."))
    w.heading("What we collect")
    w.bullets(["Your name, address and order history", "The frame number of your bike",
               "Ride data, only if you switch it on in the app", "Service records from our centres and partners"])
    w.para("We never sell personal data, and our website uses only the cookies it needs to work.")
    w.heading("Your rights")
    w.bullets(["See the data we hold about you", "Have it corrected or deleted", "Take it with you in a common "
               "format"])
    w.para("Write to privacy@quellmoor.example for any request; we answer within a month.")
    return w.page()


def battery_recycling(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Battery recycling", seed)
    p = c.policies
    w.para(w.pick(("Old batteries are valuable: almost all of the metal in them can be recovered.",
                   "A worn battery is not waste.")),
           "Bring any e-bike battery, of any brand, to a Quellmoor service centre or partner workshop.",
           w.say("policy.recycling_voucher", f"You get a voucher worth {eur(p.recycling_voucher)} for each battery.",
                 f"Each battery is worth a {eur(p.recycling_voucher)} voucher for the shop."))
    w.bullets(["Tape over the contacts before transport.", "Damaged or swollen batteries: call us first."])
    w.para("The batteries go to a specialised recycler that recovers cobalt, nickel and lithium for new cells.",
           "Vouchers are valid on every product in our shop and do not expire.",
           "We also take back old chargers and displays, which go to the same recycler.")
    return w.page()


def leasing(c: Company, path: str, seed: int) -> Page:
    """Added in v2: bike leasing through employers."""
    assert c.leasing is not None
    lease = c.leasing
    w = PageWriter(path, "Bike leasing for employers", seed)
    w.para(w.pick(("Employers can now lease Quellmoor bikes for their staff.",
                   "Our new leasing plan lets companies offer bikes as an employee benefit.")),
           w.say("leasing.min_term", f"Leases run for at least {unit(lease.min_term_months, 'month')}.",
                 f"The minimum lease term is {unit(lease.min_term_months, 'month')}."),
           w.say("leasing.min_employees", f"The plan is open to companies with at least {lease.min_employees} "
                 "employees."))
    w.bullets(["Maintenance included in the monthly fee", "Staff choose any bike in the range",
               "At the end of the term, staff can buy the bike"])
    w.heading("How it works")
    w.bullets(["The employer signs one framework agreement with us.", "Staff pick a bike in a showroom or online.",
               "We deliver the bike to the workplace or to the rider's home.",
               "The monthly fee is paid by the employer, often through the payroll."], ordered=True)
    w.para("Leased bikes are serviced at our own centres and at every partner workshop, with the same warranty "
           "as a bike you buy.")
    w.para(w.say("leasing.email", f"Write to {lease.email} for an offer.",
                 f"Questions and offers: {lease.email}."))
    return w.page()
