"""Texts and a scripted teacher shared by the synth tests."""

from __future__ import annotations

import json
import re

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


class ReadingTeacher:
    """A `Generator` test double of a capable model (it can batch): reads the text out of the prompt and
    answers as a good teacher would, a JSON pair about its first "X costs N" sentence, or a rewording that
    keeps every number and name. Records the size of each batch it was asked for."""

    name = "reading-teacher"

    def __init__(self):
        self.batches: list[int] = []
        self.prompts: list[str] = []

    def generate(self, messages, *, max_new_tokens=256, temperature=0.0):
        return self.generate_batch([messages], max_new_tokens=max_new_tokens, temperature=temperature)[0]

    def generate_batch(self, conversations, *, max_new_tokens=256, temperature=0.0):
        self.batches.append(len(conversations))
        out = []
        for messages in conversations:
            prompt = messages[-1]["content"]
            self.prompts.append(prompt)
            text = prompt.split("Text:\n", 1)[1].split("\n\nWrite", 1)[0].strip().splitlines()[-1]
            if "JSON" in prompt:
                thing, price = re.match(r"(.+?) costs (\d+ euros)", text).groups()
                reply = json.dumps([{"question": f"What is the price of {thing}?", "answer": price}])
            else:
                reply = "In short: " + text
            out.append(Completion(reply, prompt_tokens=50, completion_tokens=20, prefill_s=0.0, total_s=0.0,
                                  model=self.name, batch_size=len(conversations)))
        return out


def priced_chunks(n: int):
    """n chunks, each with its own product, price and weight (numbers and names a paraphrase must keep)."""
    from ragtune.corpus.document import Chunk

    return [Chunk(f"p{i}.md#0", f"p{i}.md", 0, f"The Zephyr model {i} costs {10 + i} euros. It weighs "
                  f"{200 + 7 * i} grams and ships from Utrecht.", f"Zephyr {i}") for i in range(n)]
