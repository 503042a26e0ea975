"""Texts and a scripted teacher shared by the synth tests."""

from __future__ import annotations

from ragtune.models.protocols import Completion


class ScriptedTeacher:
    """A `Generator` test double of an external model: replies with scripted texts in turn."""

    name = "scripted-teacher"

    def __init__(self, replies):
        self.replies, self.calls = list(replies), []

    def generate(self, messages, *, max_new_tokens=256, temperature=0.0):
        self.calls.append(messages)
        text = self.replies[(len(self.calls) - 1) % len(self.replies)]
        return Completion(text, prompt_tokens=50, completion_tokens=20, prefill_s=0.0, total_s=0.0, model=self.name)


WARRANTY = ("Every Brightwell appliance comes with a warranty of 3 years from the date of purchase. "
            "Kettles registered in the Brightwell Home app receive one extra year, for 4 years in total. "
            "Claims are handled by the service centre in Eindhoven.")
HISTORY = ("Brightwell Appliances was founded in 2009 in Utrecht by Marieke de Vries and Tomas Albers. "
           "In 2016 Brightwell opened its factory in Eindhoven, which employs 240 people. "
           "The company sold 1.2 million appliances in 2024.")
TOASTER = ("The Zephyr Toaster is a four-slot toaster sold by Brightwell Appliances since 2019. "
           "It has nine browning levels. The Zephyr costs 64 euros and comes in three colours.")
