"""Product documents: one page per bike and accessory, the price list, the e-bike comparison, the sizing guide."""

from __future__ import annotations

from facts import Accessory, Bike, Company
from page import Page, PageWriter
from spans import eur, kg

USES = {
    "electric mountain bike": ("steep forest trails and rocky descents", "long days in the hills"),
    "city e-bike": ("daily commutes and errands across town", "getting to work without arriving in a sweat"),
    "cargo e-bike": ("school runs, shopping and the weekly market", "families who want to leave the car at home"),
    "folding e-bike": ("combining the train with the last stretch to the office", "small flats and car boots"),
    "trekking e-bike": ("multi-day tours with loaded panniers", "touring on quiet country lanes"),
    "children's bike": ("first rides without stabilisers", "young riders finding their balance"),
    "gravel bike": ("forest roads, towpaths and everything in between", "long rides off the tarmac"),
    "road bike": ("fast club rides and summer sportives", "riders who count every second"),
    "compact e-bike": ("busy city centres and crowded bike racks", "riders who have little room at home"),
}
HIGHLIGHTS = {
    "electric mountain bike": ("Full suspension with 160 mm of travel front and rear",
                               "A dropper seatpost operated from the left grip",
                               "Four-piston brakes that stay calm on long descents"),
    "city e-bike": ("A chain guard and mudguards that keep work clothes clean",
                    "Integrated lights that switch on automatically at dusk", "A low step-through frame option"),
    "cargo e-bike": ("A rain cover and two child seats with belts in the box",
                     "A parking brake that locks the front wheel", "A wide double kickstand for safe loading"),
    "folding e-bike": ("A fold in three moves that takes under fifteen seconds",
                       "A magnet that holds both halves together", "Small wheels that roll along while folded"),
    "trekking e-bike": ("Front and rear racks fitted as standard", "A suspension fork with lockout",
                        "A second battery mount for very long tours"),
    "children's bike": ("Short-reach brake levers for small hands", "A chain guard that covers the whole chain",
                        "A saddle that grows with the child"),
    "gravel bike": ("Clearance for tyres up to 45 mm", "Mounts for three bottle cages and a frame bag",
                    "A carbon fork that smooths out rough gravel"),
    "road bike": ("A carbon fork and aluminium frame with hidden cables", "Electronic shifting",
                  "Tubeless-ready wheels"),
    "compact e-bike": ("A short frame that fits in a lift standing on its rear wheel",
                       "A low top tube for riders of every height",
                       "A front carrier for a crate of shopping"),
}
CARE = (
    "Clean the bike with a bucket of soapy water and a soft brush, never with a pressure washer.",
    "Lubricate the chain every few weeks, and after every ride in the rain.",
    "Check the tyre pressure every two weeks; the recommended values are in our tyre pressure guide.",
)
TIPS = (
    "Every bike leaves the workshop with a printed set-up sheet for the first ride.",
    "Pedals are included; a kickstand is fitted as standard.",
    "Register the frame number in the Quellmoor Ride app right after delivery.",
    "A free fitting session is available at every Quellmoor service centre.",
    "Frame and fork share the same colour-matched paint.",
)


def bike_page(c: Company, b: Bike, path: str, seed: int) -> Page:
    w = PageWriter(path, b.name, seed)
    use = w.pick(USES[b.category])
    intro = w.pick((
        f"The {b.name} is the {b.category} in the Quellmoor range, made for {use}.",
        f"Meet the {b.name}: a {b.category} for {use}.",
        f"Built for {use}, the {b.name} is our {b.category}.",
    ))
    price, origin, launch = _price(w, b), _origin(w, c, b), _launch(w, b)
    story = w.shuffled([price, origin, launch])
    layout = w.pick(("table", "narrative", "questions"))
    highlights = w.shuffled(HIGHLIGHTS[b.category])
    if layout == "table":
        w.para(intro, *story)
        w.heading("Highlights")
        w.bullets(highlights)
        w.heading("Specifications")
        w.table(("Specification", b.name), _spec_rows(w, b))
        w.heading(w.pick(("Good to know", "Before you ride")))
        w.bullets(w.shuffled(TIPS)[:3])
    elif layout == "narrative":
        w.para(intro, story[0], story[1])
        w.heading(w.pick(("On the road", "How it rides")))
        w.para(*_ride_sentences(w, b), f"Highlights: {highlights[0][0].lower()}{highlights[0][1:]}; "
               f"{highlights[1][0].lower()}{highlights[1][1:]}.")
        w.heading("Key facts")
        w.bullets([story[2], f"Wheels: {b.wheel}", f"Gears: {b.gears}", _code(w, b), _sizes(b)])
        w.heading("Care")
        w.para(*w.shuffled(CARE)[:2])
    else:
        w.para(intro, f"Among its highlights: {highlights[0][0].lower()}{highlights[0][1:]}.")
        for question, answer in _questions(w, b, price, origin, launch):
            w.heading(question, 3)
            w.para(answer)
        w.heading("How do I look after it?", 3)
        w.para(*w.shuffled(CARE)[:2])
    return w.page()


def _price(w: PageWriter, b: Bike) -> str:
    return w.say(f"bike.{b.slug}.price", f"It costs {eur(b.price)}, VAT included.",
                 f"The {b.name} sells for {eur(b.price)} including VAT.", f"You can order one for {eur(b.price)}.")


def _origin(w: PageWriter, c: Company, b: Bike) -> str:
    city = c.office(b.assembled_in).city
    return w.say(f"bike.{b.slug}.assembled", f"Every {b.name} is assembled by hand in {city}.",
                 f"We assemble it at our own workshop in {city}.", f"Final assembly takes place in {city}.")


def _launch(w: PageWriter, b: Bike) -> str:
    return w.say(f"bike.{b.slug}.launched", f"It was launched in {b.launched}.",
                 f"The first {b.name} left the workshop in {b.launched}.", f"On sale since {b.launched}.")


def _code(w: PageWriter, b: Bike) -> str:
    return w.say(f"bike.{b.slug}.code", f"Model code: {b.code}", f"Order code {b.code}")


def _sizes(b: Bike) -> str:
    return "Frame sizes: " + ", ".join(b.sizes) if len(b.sizes) > 1 else "Frame: one size fits most riders"


def _spec_rows(w: PageWriter, b: Bike) -> list[tuple[str, str]]:
    rows = [("Model code", b.code), ("Price", eur(b.price)), ("Weight", kg(b.weight_kg))]
    w.know(f"bike.{b.slug}.code", f"bike.{b.slug}.price", f"bike.{b.slug}.weight")
    if b.battery_wh:
        rows += [("Battery", f"{b.battery_wh} Wh"), ("Range", f"up to {b.range_km} km"),
                 ("Motor", f"{b.drive}, {b.torque_nm} Nm")]
        w.know(*(f"bike.{b.slug}.{k}" for k in ("battery", "range", "torque", "drive")))
    rows += [("Wheels", b.wheel), ("Gears", b.gears), ("Sizes", ", ".join(b.sizes))]
    if b.payload_kg:
        rows.append(("Maximum load", kg(b.payload_kg)))
        w.know(f"bike.{b.slug}.payload")
    if b.folded:
        rows.append(("Folded size", b.folded))
        w.know(f"bike.{b.slug}.folded")
    if b.ages:
        rows.append(("Rider age", f"{b.ages} years"))
        w.know(f"bike.{b.slug}.ages")
    return rows


def _ride_sentences(w: PageWriter, b: Bike) -> list[str]:
    out = [w.say(f"bike.{b.slug}.weight", f"The complete bike weighs {kg(b.weight_kg)}.",
                 f"It tips the scales at {kg(b.weight_kg)} with pedals.")]
    if b.battery_wh:
        out.append(w.say((f"bike.{b.slug}.battery", f"bike.{b.slug}.range"),
                         f"Its {b.battery_wh} Wh battery is good for up to {b.range_km} km in eco mode.",
                         f"Expect up to {b.range_km} km from the {b.battery_wh} Wh battery on a full charge."))
        out.append(w.say((f"bike.{b.slug}.torque", f"bike.{b.slug}.drive"),
                         f"The {b.drive} motor delivers {b.torque_nm} Nm of torque.",
                         f"Power comes from our {b.drive} motor with {b.torque_nm} Nm of torque."))
    if b.payload_kg:
        out.append(w.say(f"bike.{b.slug}.payload", f"The front box and rack carry up to {kg(b.payload_kg)} in total."))
    if b.folded:
        out.append(w.say(f"bike.{b.slug}.folded", f"Folded, it measures {b.folded}."))
    if b.ages:
        out.append(w.say(f"bike.{b.slug}.ages", f"It suits children aged {b.ages} years."))
    return w.shuffled(out)


def _questions(w: PageWriter, b: Bike, price: str, origin: str, launch: str) -> list[tuple[str, str]]:
    qa = [("What does it cost?", price), ("Where is it made?", origin),
          ("What should I know about the ride?", " ".join(_ride_sentences(w, b))),
          ("How do I order the right one?", f"{_code(w, b)}. {_sizes(b)}. {launch}")]
    return qa[:1] + w.shuffled(qa[1:])


FEATURES = {
    "lumen-halo": ("Mounts on the handlebar or the front rack without tools", "Charges over USB-C",
                   "Dims automatically when the bike stands still", "An anti-glare beam shaped for road traffic"),
    "keel-28": ("A roll-top closure that keeps the rain out", "A hook system that fits racks from 8 to 16 mm",
                "A shoulder strap for carrying it off the bike", "Reflective strips on three sides"),
    "vault-u-lock": ("A hardened steel shackle of 16 mm", "Two keys and a code card for replacements",
                     "A frame mount that holds the lock without rattling", "A cover that protects the paint"),
    "volt-dock": ("Works with every Drive S and Drive X battery", "A fan that stays quiet at night",
                  "Charges on or off the bike", "An LED that turns green when the battery is full"),
    "nestling-seat": ("Mounts on the rear rack of every Quellmoor city and trekking bike",
                      "A five-point harness with a magnetic buckle", "Adjustable footrests that grow with the child",
                      "A reclining backrest for sleepy passengers"),
}


def accessory_page(a: Accessory, path: str, seed: int) -> Page:
    title = a.name if a.kind.split()[-1].lower() in a.name.lower() else f"{a.name} {a.kind}"
    w = PageWriter(path, title, seed)
    price = w.say(f"acc.{a.slug}.price", f"The {a.name} costs {eur(a.price)}.", f"Price: {eur(a.price)}.",
                  f"It sells for {eur(a.price)} in our shop and at every service centre.")
    label = a.spec_label[0].upper() + a.spec_label[1:]
    spec = w.say(f"acc.{a.slug}.spec", f"Its {a.spec_label} is {a.spec}.", f"{label}: {a.spec}.")
    fit = w.pick((f"The {a.name} fits every bike in the current Quellmoor range.",
                  f"Our {a.kind} was tested on every Quellmoor frame before it went on sale."))
    code = f"Order code: {a.code}."
    features = w.shuffled(FEATURES[a.slug])
    box = w.pick((f"In the box: the {a.name}, mounting parts and a printed quick-start card.",
                  f"The {a.name} comes with everything needed to fit it, plus a quick-start card in five languages."))
    care = w.pick(("Delivered in recycled packaging; spare parts stay available for five years.",
                   "If anything breaks, our service centres stock every spare part for at least five years."))
    if w.pick(("prose", "list")) == "prose":
        w.para(*w.shuffled([price, spec]), fit)
        w.heading("Features")
        w.bullets(features)
        w.para(code, box, care)
    else:
        w.para(fit, box, care)
        w.heading("At a glance")
        w.bullets([price, spec, code])
        w.heading("What makes it different")
        w.para(". ".join(features) + ".")
    return w.page()


def price_list(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Price list", seed)
    w.para(w.pick(("All prices include VAT and apply in every country we deliver to.",
                   "Prices below include VAT and are the same in all five countries we ship to.")))
    w.heading("Bikes")
    w.table(("Model", "Type", "Model code", "Price"), [(b.name, b.category, b.code, eur(b.price)) for b in c.bikes])
    w.know(*(f"bike.{b.slug}.{k}" for b in c.bikes for k in ("price", "code")))
    w.heading("Accessories")
    w.table(("Accessory", "Type", "Price"), [(a.name, a.kind, eur(a.price)) for a in c.accessories])
    w.know(*(f"acc.{a.slug}.price" for a in c.accessories))
    p = c.policies
    w.para(w.say(("policy.delivery_fee", "policy.accessory_shipping", "policy.free_shipping_over"),
                 f"Home delivery of a bike costs {eur(p.delivery_fee)}; accessories ship for "
                 f"{eur(p.accessory_shipping)}, free on orders above {eur(p.free_shipping_over)}."))
    return w.page()


def ebike_comparison(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Compare our e-bikes", seed)
    w.para(w.pick(("Not sure which e-bike to choose? The table puts the electric models side by side.",
                   "Every Quellmoor e-bike shares the same app and charger; this is where they differ.")))
    rows = [(b.name, b.category, f"{b.battery_wh} Wh", f"{b.range_km} km", f"{b.torque_nm} Nm", kg(b.weight_kg),
             b.drive or "") for b in c.ebikes]
    w.table(("Model", "Type", "Battery", "Range", "Torque", "Weight", "Motor"), rows)
    w.know(*(f"bike.{b.slug}.{k}" for b in c.ebikes for k in ("battery", "range", "torque", "weight", "drive")))
    w.heading("How we measure")
    w.bullets(["Range: eco mode, 75 kg rider, flat route, 20 °C.", "Weight: complete bike with pedals, size M.",
               "Torque: peak value of the motor at the crank."])
    return w.page()


def sizing_guide(c: Company, path: str, seed: int) -> Page:
    w = PageWriter(path, "Frame size guide", seed)
    w.para(w.pick(("Measure your height without shoes, then read your size from the table.",
                   "The right frame size depends mostly on your height; use the table as a starting point.")))
    w.table(("Size", "Rider height"), [("XS", "148-159 cm"), ("S", "158-168 cm"), ("M", "167-178 cm"),
                                         ("L", "177-188 cm"), ("XL", "187-200 cm")])
    w.heading("Sizes per model")
    w.bullets([f"{b.name}: {', '.join(b.sizes)}" for b in c.bikes if len(b.sizes) > 1])
    w.para(w.pick(("Between two sizes? Choose the smaller one for a more upright position.",
                   "Between sizes, the larger frame gives a longer, more stretched position.")),
           "Folding, cargo and children's bikes come in one size with an adjustable seatpost.")
    return w.page()
