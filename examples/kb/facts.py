"""The fact table of Quellmoor Cycles, an invented Belgian maker of bicycles and e-bikes.

Plain frozen data: every document and every question is derived from it, so a fact changed here
changes everywhere at once. `V1` is the knowledge base as shipped; `V2` is the same company after an
update (prices, a policy, a spec, a person, a new and a discontinued product), written as `replace()`s
on `V1` so the changes are easy to read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Bike:
    slug: str
    name: str
    code: str
    category: str
    price: int  # euros
    weight_kg: float
    wheel: str
    sizes: tuple[str, ...]
    gears: str
    launched: int
    assembled_in: str  # an Office slug
    tyre_bar: float
    battery_wh: int | None = None  # None: not an e-bike
    range_km: int | None = None
    torque_nm: int | None = None
    drive: str | None = None
    payload_kg: int | None = None
    folded: str | None = None
    ages: str | None = None


@dataclass(frozen=True)
class Accessory:
    slug: str
    name: str
    code: str
    kind: str
    price: int
    spec_label: str  # what the one headline spec measures
    spec: str  # the spec as written in every document, e.g. "1,200 lumens"
    spec_kind: str  # the answer type (multiple-choice distractors are drawn by it)


@dataclass(frozen=True)
class Person:
    slug: str
    name: str
    role: str
    team: str | None  # a Team slug
    joined: int
    born_in: str
    before: str  # a short span: what they did before
    detail: str  # one personal line, already a sentence


@dataclass(frozen=True)
class Office:
    slug: str
    city: str
    kind: str
    address: str
    phone: str
    opened: int
    manager: str | None = None  # a Person slug


@dataclass(frozen=True)
class Team:
    slug: str
    name: str
    handles: tuple[str, ...]
    lead: str  # a Person slug
    office: str  # an Office slug


@dataclass(frozen=True)
class ErrorCode:
    code: str
    drive: str  # "Drive S" or "Drive X"
    meaning: str  # a short span, written verbatim in every document
    action: str

    @property
    def key(self) -> str:
        """ "error.drive-s.E14": the fact key prefix of this code on this drive."""
        return f"error.{self.drive.lower().replace(' ', '-')}.{self.code}"


@dataclass(frozen=True)
class Policies:
    return_days: int
    refund_days: int
    return_km: int
    delivery_fee: int
    accessory_shipping: str  # "4.95"
    free_shipping_over: int
    frame_warranty_years: int
    motor_warranty_years: int
    motor_registered_years: int
    battery_warranty_years: int
    battery_capacity_pct: int
    claim_days: int
    trade_in_pct: int
    trade_in_max_age: int
    finance_months: int
    finance_min: int
    test_ride_hours: int
    test_ride_fee: int
    recycling_voucher: int
    ride_data_months: int


@dataclass(frozen=True)
class Support:
    phone: str
    email: str
    weekday_open: str
    weekday_close: str
    saturday_open: str
    saturday_close: str
    firmware: str
    app: str
    first_service_km: int
    service_price: int
    service_interval_km: str
    partner_workshops: int
    chat_minutes: int
    recommended_charger: str  # an Accessory slug


@dataclass(frozen=True)
class History:
    name: str
    short: str
    founded: int
    founded_in: str
    founders: tuple[str, ...]  # Person slugs
    first_product: str
    first_product_year: int
    first_ebike_year: int
    employees: int
    sold_2023: str
    sold_2024: str
    recycled_pct: int
    climate_target: int
    solar_panels: int
    award: str
    award_year: int
    award_bike: str  # a Bike slug
    countries: tuple[str, ...]


@dataclass(frozen=True)
class Leasing:
    min_term_months: int
    min_employees: int
    email: str


@dataclass(frozen=True)
class Company:
    history: History
    bikes: tuple[Bike, ...]
    accessories: tuple[Accessory, ...]
    people: tuple[Person, ...]
    offices: tuple[Office, ...]
    teams: tuple[Team, ...]
    errors: tuple[ErrorCode, ...]
    policies: Policies
    support: Support
    leasing: Leasing | None = None  # added in v2
    discontinued: tuple[tuple[str, str], ...] = ()  # (bike name, date) announced in v2

    def bike(self, slug: str) -> Bike:
        return next(b for b in self.bikes if b.slug == slug)

    def person(self, slug: str) -> Person:
        return next(p for p in self.people if p.slug == slug)

    def office(self, slug: str) -> Office:
        return next(o for o in self.offices if o.slug == slug)

    def team(self, slug: str) -> Team:
        return next(t for t in self.teams if t.slug == slug)

    @property
    def ebikes(self) -> tuple[Bike, ...]:
        return tuple(b for b in self.bikes if b.battery_wh)


BIKES = (
    Bike("trailhawk-500", "Trailhawk 500", "QM-TH500", "electric mountain bike", 3490, 23.4, "29-inch",
         ("S", "M", "L", "XL"), "12-speed", 2023, "kortrijk", 1.6, 625, 110, 85, "Drive X"),
    Bike("citylark-2", "Citylark 2", "QM-CL2", "city e-bike", 2290, 21.8, "28-inch", ("S", "M", "L"),
         "7-speed hub", 2022, "ghent", 3.5, 500, 90, 50, "Drive S"),
    Bike("ferrow-cargo", "Ferrow Cargo", "QM-FC1", "cargo e-bike", 4150, 38.5, "20-inch front, 26-inch rear",
         ("one size",), "8-speed", 2021, "kortrijk", 2.8, 750, 80, 90, "Drive X", payload_kg=180),
    Bike("foldwing-f3", "Foldwing F3", "QM-FW3", "folding e-bike", 1890, 17.2, "20-inch", ("one size",),
         "6-speed", 2020, "ghent", 4.5, 360, 60, 42, "Drive S", folded="78 x 38 x 66 cm"),
    Bike("meridian-t7", "Meridian T7", "QM-MT7", "trekking e-bike", 2990, 24.6, "28-inch", ("S", "M", "L", "XL"),
         "10-speed", 2024, "ghent", 3.8, 700, 130, 65, "Drive S"),
    Bike("sprig-16", "Sprig 16", "QM-SP16", "children's bike", 349, 7.9, "16-inch", ("one size",),
         "single-speed", 2019, "ghent", 2.5, ages="4 to 6"),
    Bike("gravelmoth-gr", "Gravelmoth GR", "QM-GM1", "gravel bike", 1690, 9.6, "700c", ("XS", "S", "M", "L", "XL"),
         "22-speed", 2021, "kortrijk", 3.2),
    Bike("roadkite-9", "Roadkite 9", "QM-RK9", "road bike", 2450, 8.1, "700c", ("S", "M", "L"),
         "24-speed", 2018, "kortrijk", 6.5),
)

ACCESSORIES = (
    Accessory("lumen-halo", "Lumen Halo", "QA-LH1", "front light", 59, "brightness", "1,200 lumens", "brightness"),
    Accessory("keel-28", "Keel 28", "QA-KP28", "pannier bag", 95, "volume", "28 litres", "volume"),
    Accessory("vault-u-lock", "Vault U-lock", "QA-VU2", "U-lock", 75, "weight", "1.4 kg", "weight"),
    Accessory("volt-dock", "Volt Dock 4A", "QA-VD4", "fast charger", 129, "charging time for a 625 Wh battery",
              "3 hours", "hours"),
    Accessory("nestling-seat", "Nestling", "QA-NS1", "child seat", 139, "maximum child weight", "22 kg", "weight"),
)

PEOPLE = (
    Person("ines-vandamme", "Ines Vandamme", "chief executive officer", None, 2011, "Bruges",
           "furniture designer", "She rides a Meridian T7 to the office every day, rain or shine."),
    Person("rutger-oosterlinck", "Rutger Oosterlinck", "chief technology officer", None, 2011, "Antwerp",
           "tram brake engineer", "He still builds every new prototype frame by hand in his garage."),
    Person("tobias-wren", "Tobias Wren", "Head of Customer Care", "customer-care", 2016, "Leeds",
           "call-centre manager", "He speaks English, Dutch and a little Portuguese."),
    Person("sanne-dekker", "Sanne Dekker", "Chat and Email Lead", "customer-care", 2018, "Utrecht",
           "hotel receptionist", "She wrote most of the answers in our online help pages."),
    Person("elif-arslan", "Elif Arslan", "Head of Aftercare", "aftercare", 2014, "Izmir",
           "quality inspector", "She keeps a cracked 2014 frame on her desk as a reminder."),
    Person("amara-okafor", "Amara Okafor", "Head of Drive Systems", "drive-systems", 2017, "Lagos",
           "scooter battery engineer", "She has ridden every prototype motor for at least a thousand kilometres."),
    Person("lucien-barthe", "Lucien Barthe", "Head of Service", "service", 2022, "Grenoble",
           "rally mechanic", "He trains every new mechanic himself during their first fortnight."),
    Person("hedda-lindqvist", "Hedda Lindqvist", "Head of Logistics", "logistics", 2020, "Malmö",
           "ferry planner", "She cycles the delivery routes herself once a year."),
    Person("joris-maes", "Joris Maes", "Head of Finance", "finance", 2013, "Leuven",
           "bank auditor", "He was the first person the founders hired."),
    Person("noor-haddad", "Noor Haddad", "Head of Design Studio", "design-studio", 2015, "Beirut",
           "architect", "She drew the swept top tube of the Citylark 2."),
)

OFFICES = (
    Office("ghent", "Ghent", "headquarters", "Houtdoklaan 27, 9000 Ghent", "+32 9 555 01 46", 2011),
    Office("kortrijk", "Kortrijk", "assembly workshop", "Ringlaan 8, 8500 Kortrijk", "+32 56 555 02 10", 2016),
    Office("rotterdam", "Rotterdam", "showroom and service centre", "Veerhavenstraat 12, 3016 Rotterdam",
           "+31 10 555 03 30", 2019),
    Office("lyon", "Lyon", "service hub", "Rue Clerville 5, 69002 Lyon", "+33 4 55 50 44 20", 2024,
           manager="lucien-barthe"),
)

TEAMS = (
    Team("customer-care", "Customer Care", ("the support phone line", "live chat", "email questions"),
         "tobias-wren", "ghent"),
    Team("aftercare", "Aftercare", ("warranty claims", "safety recalls"), "elif-arslan", "ghent"),
    Team("logistics", "Logistics", ("home deliveries", "returns"), "hedda-lindqvist", "kortrijk"),
    Team("drive-systems", "Drive Systems", ("motors", "firmware updates", "the Quellmoor Ride app"),
         "amara-okafor", "ghent"),
    Team("service", "Service", ("maintenance bookings", "the partner workshop network"), "lucien-barthe", "lyon"),
    Team("finance", "Finance", ("financing plans", "trade-in valuations"), "joris-maes", "ghent"),
    Team("design-studio", "Design Studio", ("frame design", "colour schemes"), "noor-haddad", "ghent"),
)

# The same code means different things on the two drive systems: a rider needs the bike's drive to read it.
ERRORS = (
    ErrorCode("E11", "Drive S", "speed sensor not detected", "check that the spoke magnet sits opposite the sensor"),
    ErrorCode("E14", "Drive S", "battery communication error", "take the battery out, clean the contacts and refit it"),
    ErrorCode("E17", "Drive S", "display connection lost", "check the display plug under the handlebar"),
    ErrorCode("E22", "Drive S", "motor overheating", "stop riding and let the motor cool down for 20 minutes"),
    ErrorCode("E11", "Drive X", "motor stall", "shift to a lighter gear and restart the system"),
    ErrorCode("E14", "Drive X", "torque sensor fault", "restart the system; if the code stays, book a service"),
    ErrorCode("E17", "Drive X", "battery overvoltage", "unplug the charger at once and use only the original one"),
    ErrorCode("E22", "Drive X", "firmware mismatch", "update the firmware in the Quellmoor Ride app"),
)

V1 = Company(
    history=History(
        name="Quellmoor Cycles", short="Quellmoor", founded=2011, founded_in="Ghent",
        founders=("ines-vandamme", "rutger-oosterlinck"), first_product="Wayfarer", first_product_year=2012,
        first_ebike_year=2015, employees=310, sold_2023="15,100", sold_2024="18,400", recycled_pct=60,
        climate_target=2030, solar_panels=480, award="Lowlands Design Award", award_year=2023,
        award_bike="citylark-2", countries=("Belgium", "the Netherlands", "Luxembourg", "France", "Germany"),
    ),
    bikes=BIKES,
    accessories=ACCESSORIES,
    people=PEOPLE,
    offices=OFFICES,
    teams=TEAMS,
    errors=ERRORS,
    policies=Policies(
        return_days=30, refund_days=14, return_km=100, delivery_fee=39, accessory_shipping="4.95",
        free_shipping_over=150, frame_warranty_years=10, motor_warranty_years=4, motor_registered_years=5,
        battery_warranty_years=2, battery_capacity_pct=70, claim_days=5, trade_in_pct=40, trade_in_max_age=6,
        finance_months=12, finance_min=600, test_ride_hours=48, test_ride_fee=25, recycling_voucher=15,
        ride_data_months=18,
    ),
    support=Support(
        phone="+32 9 555 01 77", email="support@quellmoor.example", weekday_open="8:00", weekday_close="18:00",
        saturday_open="9:00", saturday_close="13:00", firmware="RideOS 4.2", app="Quellmoor Ride",
        first_service_km=500, service_price=89, service_interval_km="2,000 km", partner_workshops=38,
        chat_minutes=3, recommended_charger="volt-dock",
    ),
)

WISP_20 = Bike("wisp-20", "Wisp 20", "QM-WS20", "compact e-bike", 2490, 19.8, "20-inch", ("one size",),
               "8-speed", 2025, "ghent", 3.4, 420, 75, 45, "Drive S")


def _bike_changes(bike: Bike) -> Bike:
    changes = {
        "trailhawk-500": {"price": 3690, "weight_kg": 22.9},
        "citylark-2": {"price": 2190, "battery_wh": 545, "range_km": 100},
        "ferrow-cargo": {"price": 4390},
        "foldwing-f3": {"price": 1990},
    }
    return replace(bike, **changes.get(bike.slug, {}))


def _v2(v1: Company) -> Company:
    """The update: every change to the facts in one place."""
    sanne = replace(v1.person("sanne-dekker"), role="Head of Customer Care")
    return replace(
        v1,
        history=replace(v1.history, employees=345),
        bikes=tuple(_bike_changes(b) for b in v1.bikes if b.slug != "roadkite-9") + (WISP_20,),
        accessories=tuple(replace(a, price=64) if a.slug == "lumen-halo" else a for a in v1.accessories),
        people=tuple(sanne if p.slug == "sanne-dekker" else p for p in v1.people if p.slug != "tobias-wren"),
        teams=tuple(replace(t, lead="sanne-dekker") if t.slug == "customer-care" else t for t in v1.teams),
        policies=replace(v1.policies, return_days=45, delivery_fee=49, free_shipping_over=200,
                         battery_warranty_years=3, trade_in_pct=35, finance_months=24),
        support=replace(v1.support, weekday_close="20:00", saturday_close="16:00", firmware="RideOS 4.3",
                        first_service_km=300),
        leasing=Leasing(min_term_months=36, min_employees=10, email="leasing@quellmoor.example"),
        discontinued=(("Roadkite 9", "1 March 2025"),),
    )


V2 = _v2(V1)

# The documents the update deletes and adds (paths relative to the version folder); tests hold v2 to it.
V2_DELETED = ("people/tobias-wren.md", "products/roadkite-9.txt")
V2_ADDED = ("news/2025-03-range-update.md", "policies/leasing.md", "products/wisp-20.md")
