"""People pages: one short biography per person, in one of three shapes (prose, fact box, interview)."""

from __future__ import annotations

from facts import Company, Person
from page import Page, PageWriter


PROJECTS = {
    "ines-vandamme": "These days she spends much of her time on the plan to offer a service hub in every country we "
                     "ship to.",
    "rutger-oosterlinck": "His current project is a battery housing that can be opened and repaired with ordinary "
                          "tools.",
    "tobias-wren": "He started the habit of opening every team meeting with one rider's story.",
    "sanne-dekker": "She is building a library of short repair videos for riders.",
    "elif-arslan": "She visits two partner workshops every month to hear first-hand what breaks.",
    "amara-okafor": "Her engineers are testing a motor that runs noticeably quieter at high assistance.",
    "lucien-barthe": "He is setting up an apprenticeship course for young mechanics.",
    "hedda-lindqvist": "She replaced the cardboard bike boxes with reusable crates.",
    "joris-maes": "He introduced the monthly open-books meeting for all staff.",
    "noor-haddad": "She is working on a colour range inspired by the North Sea coast.",
}
HOBBIES = (
    "At weekends you may find {first} on the gravel roads of the Flemish Ardennes.",
    "{first} spends free evenings restoring old steel racing frames.",
    "{first} sings in a choir and rides to every rehearsal, whatever the weather.",
    "{first} has commuted by bike every working day for more than ten years.",
)
WEEKS = (
    "Most weeks, {first} spends at least a day in the workshop rather than behind a desk.",
    "{first} keeps Friday afternoons free for reading rider feedback.",
    "{first} answers a few rider emails personally every week.",
)
WHY_BIKES = (
    "Because a good bike changes how a whole city moves, one rider at a time.",
    "I like products that people keep for twenty years and then hand down to their children.",
    "Cycling was the only way I ever got to school, and I never stopped.",
    "A bike is the rare machine that makes people healthier and streets quieter at the same time.",
    "Every part of a bike can be understood and repaired. I find that honest.",
)


def _a(noun: str) -> str:
    return f"{'an' if noun[0].lower() in 'aeiou' else 'a'} {noun}"


def person_page(c: Company, p: Person, path: str, seed: int) -> Page:
    w = PageWriter(path, p.name, seed)
    first = p.name.split()[0]
    keys = [f"person.{p.slug}.role"]
    if p.team and c.team(p.team).lead == p.slug:
        keys.append(f"team.{p.team}.lead")
    founder = p.slug in c.history.founders
    role_title = f"our {p.role}"
    role = w.say(keys, f"{p.name} is {role_title}.", f"{first} works as {role_title}.")
    short = c.history.short
    joined_phrasings = ((f"{first} co-founded {short} in {p.joined}.",) if founder else
                        (f"{first} joined {short} in {p.joined}.", f"{first} has been with us since {p.joined}."))
    joined = w.say(f"person.{p.slug}.joined", *joined_phrasings)
    born = w.say(f"person.{p.slug}.born", f"{first} was born in {p.born_in}.", f"Born in {p.born_in}, {first} "
                 "learned to ride on its streets.")
    before = w.say(f"person.{p.slug}.before", f"Before {c.history.short}, {first} worked as {_a(p.before)}.",
                   f"{first} spent the years before {c.history.short} as {_a(p.before)}.")
    hobby = w.pick(HOBBIES).format(first=first)
    project = PROJECTS[p.slug]
    week = w.pick(WEEKS).format(first=first)
    why = f"Asked why bikes, {first} says: \"{w.pick(WHY_BIKES)}\""
    shape = w.pick(("prose", "facts", "interview"))
    if shape == "prose":
        w.para(role, joined, project)
        w.para(*w.shuffled([born, before]), p.detail, hobby)
        w.para(week, why)
    elif shape == "facts":
        w.para(role, project, p.detail, hobby)
        w.heading("In short")
        w.bullets([f"Joined: {p.joined}" if not founder else f"Co-founder, {p.joined}", f"Born in: {p.born_in}",
                   f"Before Quellmoor: {p.before}"])
        w.para(week, why)
    else:
        w.para(role, joined, project)
        w.heading("Three questions", 3)
        w.bullets([f"Where are you from? \"I was born in {p.born_in}.\"",
                   f"What did you do before? \"I was {_a(p.before)}.\"",
                   f"Why bikes? \"{w.pick(WHY_BIKES)}\""])
        w.para(p.detail, hobby, week)
    return w.page()

