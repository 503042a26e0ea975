"""Support documents: error codes, the drive systems manual (PDF), firmware, contact, service and service centres."""

from __future__ import annotations

from facts import Company
from page import Page, PageWriter
from spans import eur


def error_codes(c: Company, drive: str, path: str, seed: int) -> Page:
    w = PageWriter(path, f"{drive} error codes", seed)
    codes = [e for e in c.errors if e.drive == drive]
    w.para(w.pick((f"When the {drive} system detects a problem, the display shows a code starting with E.",
                   f"A code on the {drive} display tells you what the system has detected.")),
           f"These codes apply to the {drive} motor only; the other drive system uses the same numbers for "
           "different faults, so check which motor your bike has.")
    w.know(*(f"{e.key}.meaning" for e in codes))
    if w.pick(("table", "list")) == "table":
        w.table(("Code", "Meaning", "What to do"), [(e.code, e.meaning, _sentence(e.action)) for e in codes])
    else:
        w.bullets([f"{e.code}: {e.meaning}. {_sentence(e.action)}." for e in codes])
    w.para(w.pick(("If a code keeps coming back after a restart, contact Customer Care with the code and your "
                   "frame number.", "Write the code down before you switch off: it is not stored after a restart.")))
    return w.page()


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def drive_manual(c: Company, path: str, seed: int) -> Page:
    """The multi-page PDF: modes, charging, both error tables, firmware."""
    w = PageWriter(path, "Drive S and Drive X owner's manual", seed)
    s = c.support
    w.para("This manual covers both Quellmoor drive systems. Keep it with your bike and read it before the first "
           "ride.", w.pick(("The system switches on with the button on the left grip.",
                            "Press the power button on the display for two seconds to switch the system on.")))
    w.heading("Assistance modes")
    w.bullets(["Eco: gentle support, the longest range.", "Tour: balanced support for everyday riding.",
               "Turbo: full support for steep climbs and heavy loads."])
    w.page_break()
    w.heading("Charging")
    w.para("Charge the battery at room temperature, on or off the bike. A full charge from empty takes between "
           "four and six hours with the standard charger, depending on the battery.")
    for drive in ("Drive S", "Drive X"):
        w.page_break()
        w.heading(f"{drive} error codes")
        codes = [e for e in c.errors if e.drive == drive]
        w.know(*(f"{e.key}.meaning" for e in codes))
        w.bullets([f"{e.code} - {e.meaning}: {e.action}." for e in codes])
    w.page_break()
    w.heading("Firmware")
    w.para(w.say("support.firmware", f"The current firmware is {s.firmware}; the {s.app} app installs it for you.",
                 f"Keep the firmware up to date: the latest version is {s.firmware}, installed through the "
                 f"{s.app} app."))
    return w.page()


def firmware_updates(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Firmware updates", seed)
    s = c.support
    steps = ["Open the Quellmoor Ride app and connect to your bike.", "Tap Settings, then Firmware.",
             "Keep the bike switched on and the phone close until the update finishes."]
    w.para(w.say("support.firmware", f"The latest firmware for Drive S and Drive X motors is {s.firmware}.",
                 f"{s.firmware} is the current firmware release for both drive systems."),
           w.say("team.drive-systems.handles", "Firmware is written and tested by our Drive Systems team in Ghent.",
                 "Our Drive Systems team publishes every firmware release."))
    w.heading("How to update")
    w.bullets(steps, ordered=True)
    w.para("Updates improve motor response, battery management and the accuracy of the range estimate.",
           "Your settings and ride history are kept.")
    drive_x_e22 = next(e for e in c.errors if e.drive == "Drive X" and e.code == "E22")
    w.para(w.pick(("An update takes about ten minutes.", "Plan about ten minutes for an update.")),
           w.say(f"{drive_x_e22.key}.meaning", f"On Drive X bikes, code E22 ({drive_x_e22.meaning}) means the "
                 "display and motor run different versions: update both."))
    return w.page()


def contact_page(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Contact Customer Care", seed)
    s = c.support
    w.para(w.say("team.customer-care.handles", "Our Customer Care team answers the support phone line, live chat "
                 "and email questions.", "Questions by phone, chat or email all go to our Customer Care team."))
    w.heading("Opening hours")
    w.know("support.weekday_open", "support.weekday_close", "support.saturday_close")
    w.table(("Day", "Phone and chat"), [("Monday to Friday", f"{s.weekday_open}–{s.weekday_close}"),
                                        ("Saturday", f"{s.saturday_open}–{s.saturday_close}"), ("Sunday", "closed")])
    w.heading("How to reach us")
    w.know("support.phone", "support.email")
    w.bullets(w.shuffled([f"Phone: {s.phone}", f"Email: {s.email}",
                          w.say("support.chat_minutes", f"Live chat in the {s.app} app, with a reply in about "
                                f"{s.chat_minutes} minutes on average.")]))
    w.para(w.pick(("Have your frame number ready: it is on the sticker under the bottom bracket.",
                   "Please keep your frame number at hand when you call.")))
    w.heading("Before you contact us")
    w.bullets(["Many answers are in our FAQ and the owner's manual.", "For an error code, note the code and the "
               "bike model.", "For a warranty claim, take clear photos of the part."])
    w.para("We answer emails within one working day. On public holidays the phone line and chat are closed.")
    return w.page()


def service_maintenance(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Service and maintenance", seed)
    s = c.support
    first = w.say("support.first_service_km",
                  f"Your first service is free and is due after {s.first_service_km} km.",
                  f"After the first {s.first_service_km} km, bring the bike in for a free first service.")
    price = w.say("support.service_price", f"A standard service costs {eur(s.service_price)}.",
                  f"After that, a standard service is charged at {eur(s.service_price)}.")
    interval = f"We recommend a service every {s.service_interval_km} or once a year, whichever comes first."
    w.para(first, *w.shuffled([price, interval]))
    w.heading(w.pick(("What a standard service includes", "In a standard service")))
    w.bullets(["Brake check and pad replacement if needed", "Chain and gear adjustment",
               "Firmware update and motor diagnostics", "Tyre and spoke check"])
    w.para("Wear parts such as brake pads, chains and tyres are charged separately at shop prices.",
           "We tell you the price before we replace anything.")
    w.para(w.pick(("Book in the Quellmoor Ride app or by phone.", "Bookings are made in the app or by phone.")),
           w.say("team.service.handles", "Maintenance bookings are handled by our Service team.",
                 "The Service team plans every maintenance booking."))
    return w.page()


def service_centres(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Service centres and partner workshops", seed)
    s = c.support
    centres = [o for o in c.offices if "service" in o.kind]
    w.para(w.pick(("You can have your bike serviced at our own service centres or at a partner workshop.",
                   "Quellmoor bikes are serviced at our own centres and by trained partner workshops.")))
    w.know(*(f"office.{o.slug}.address" for o in centres))
    w.bullets([f"{o.city}: {o.address} ({o.kind})" for o in centres])
    w.para(w.say(("support.partner_workshops", "team.service.handles"),
                 f"Our network of {s.partner_workshops} partner workshops, managed by the Service team, covers "
                 "Belgium, the Netherlands, Luxembourg, France and Germany.",
                 f"Outside the big cities, {s.partner_workshops} partner workshops do the same work; the Service "
                 "team trains and manages them."),
           "Every partner workshop has the diagnostic tool for both drive systems.")
    w.heading("Booking")
    w.para("Book a slot in the Quellmoor Ride app; most repairs are done the same day.",
           "Partner workshops set their own opening hours, which you find in the app.",
           "Warranty repairs are free at our own centres and at every partner workshop.")
    return w.page()
