"""Behaviour: what fine-tuning is supposed to win (a format, a style, labels), measured like knowledge.

`task.py` opens a project's task (examples split into training and test, the spec, the prompt);
`prompt.py` builds every task variant's messages (few-shot examples, passages); `spec.py` holds the
deterministic checks; `scores.py` chrF closeness and label metrics; `style.py` the style classifier
trained on the user's own examples. The evaluation of a task lives in `ragtune.evaluate.task`.
"""
