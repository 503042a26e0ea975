"""How long a LoRA run is and what it costs, decided before step 1; and when another epoch stops paying.

`plan_training` is a pure function of the data's size, the settings and two measured times (one optimizer
step, one validation pass; `train.py` measures them on the run's first batch before step 1), so
`--max-minutes` and the estimate can be tested on injected times. The warmup + cosine schedule is built for
the planned steps, so a run fitted to a time budget decays to zero at its end instead of being cut mid-way.

`epoch_stop` is the rule for the default number of epochs (`[tune] epochs` unset), read at the end of each
epoch from the *training-answer accuracy*: the fraction of the assistant tokens of the training set that the
model predicted greedily (teacher-forced) during that epoch, i.e. how much of its training answers it would
reproduce. It is measured in the training forward passes themselves, so it costs nothing. Why this measure
and not validation loss: the validation questions ask facts that were only read in documents, and their
loss bottoms out while trained facts are still being learned (docs/benchmarks.md, Fine-tuning: stopping at
the best validation loss answered 19/22 training questions, the full schedule 21/22). Training-answer
accuracy rises for as long as the facts are still being learned and flattens only when they are (or when
the model has stopped learning them), which is the point where more epochs buy nothing for `ft`.

The threshold was set on the run that docs/benchmarks.md measures knowledge injection with (30 invented
facts, SmolLM2-135M, [tune] defaults, 10 epochs: 30/30 training questions answered). Its accuracy per epoch
was 51.7, 61.9, 78.4, 87.0, 92.9, 96.4, 97.4, 98.7, 99.7, 99.8 %: gains of 10.2, 16.5, 8.6, 5.9, 3.6, 0.9,
1.4, 0.9, 0.1 points. The smallest gain before the tenth epoch is 0.9 points, so a threshold of 0.5 lets
that run train all 10 epochs, as measured (a threshold of 1 point would have stopped it after epoch 7, and
6 epochs learned only 13/20 facts). The floor keeps the first epochs, whose accuracy can stall while the
learning rate warms up; the ceiling is the old constant.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from ragtune.config import TuneConfig
from ragtune.numbers import seconds_text

EPOCHS_FLOOR = 3  # epochs always trained when [tune] epochs is unset (the warmup ends in the first one)
EPOCHS_CEILING = 10  # at most: the old constant, which learned 20/20 and 30/30 invented facts
# An epoch that raises the training-answer accuracy by less than this (absolute, 0-1) ends the run; measured
# above: half the smallest gain (0.9 points) of a run that needed all its 10 epochs.
MIN_ACCURACY_GAIN = 0.005


@dataclass(frozen=True)
class TrainPlan:
    """The run's length and cost, known before step 1 (recorded in the training card next to the actual time)."""

    steps: int  # optimizer steps the learning-rate schedule is planned for
    epochs: int  # epochs those steps reach into (the last may be partial)
    steps_per_epoch: int
    rows: int  # packed rows per epoch
    tokens: int  # training tokens over the planned steps
    step_s: float  # measured seconds per optimizer step, at this data's mean step size
    eval_s: float  # measured seconds per validation pass (0: no validation)
    evals: int  # validation passes the plan runs
    estimated_s: float  # from `start_step` to the end: steps, validations and checkpoints
    length: str  # what set the length: "epochs" (set), "measured" (ceiling; `epoch_stop` may end it sooner),
    #             "max_steps" or "max_minutes"
    start_step: int = 0  # > 0: a resumed run, estimated from there
    checkpoint_s: float = 0.0  # measured seconds per checkpoint
    checkpoints: int = 0  # checkpoints the plan writes
    world_size: int = 1  # processes training together (torchrun): each step takes grad_accum x this many micro-batches

    @property
    def note(self) -> str:
        """One line for the user: what will run, what it costs, and why it is this long."""
        epochs = f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}"
        why = {"epochs": "[tune] epochs", "max_steps": "max_steps",
               "max_minutes": "fitted to max_minutes, schedule planned for this length",
               "measured": f"at most; stops after an epoch that adds < {100 * MIN_ACCURACY_GAIN:.1f} points of "
                           f"training-answer accuracy, from epoch {EPOCHS_FLOOR}"}[self.length]
        left = f"steps {self.start_step + 1}-{self.steps} of " if self.start_step else ""
        processes = f" on {self.world_size} processes" if self.world_size > 1 else ""
        return (f"{left}{self.steps:,} step{'s' if self.steps != 1 else ''} ({epochs} of {self.steps_per_epoch:,} steps, {why}), "
                f"{self.rows:,} rows and {self.tokens:,} tokens; measured {self.step_s:.2f} s/step"
                + (f" + {self.eval_s:.2f} s per validation" if self.evals else "")
                + (f" + {self.checkpoint_s:.2f} s per checkpoint" if self.checkpoints else "")
                + f" -> about {seconds_text(self.estimated_s)}{processes}")

    def as_dict(self) -> dict:
        return {**asdict(self), "step_s": round(self.step_s, 4), "eval_s": round(self.eval_s, 4),
                "checkpoint_s": round(self.checkpoint_s, 4), "estimated_s": round(self.estimated_s, 2)}

    def estimate(self, first: int, last: int, eval_every: int, checkpoint_every: int) -> float:
        """Seconds for steps first+1..last of this plan, with their validations and checkpoints."""
        evals = evals_in(first, last, eval_every) if self.eval_s else 0
        return ((last - first) * self.step_s + evals * self.eval_s
                + checkpoints_in(first, last, checkpoint_every, self.steps) * self.checkpoint_s)


def evals_in(first: int, last: int, eval_every: int) -> int:
    """Validation passes run by steps first+1..last (every `eval_every` steps and after the last)."""
    if eval_every <= 0 or last <= first:
        return 0
    return last // eval_every - first // eval_every + (1 if last % eval_every else 0)


def checkpoints_in(first: int, last: int, every: int, total: int) -> int:
    """Checkpoints written by steps first+1..last (every `every` steps, none at the end of the run)."""
    if every <= 0 or last <= first:
        return 0
    return min(last, total - 1) // every - first // every if min(last, total - 1) > first else 0


def plan_training(cfg: TuneConfig, *, rows: int, tokens_per_epoch: int, step_s: float, eval_s: float,
                  has_val: bool, checkpoint_s: float = 0.0, world_size: int = 1) -> TrainPlan:
    """The planned steps for `cfg` on this data, given the measured seconds per step and per validation.

    Precedence: [tune] epochs (or the ceiling when unset), then max_steps, then max_minutes, each only
    shortening. With max_minutes the steps are the most whose steps and validations fit the budget (at
    least 1). On `world_size` processes a step's global batch is batch_rows x grad_accum x world_size rows,
    so an epoch has that many times fewer steps (the step time is then each rank's, measured so).
    """
    steps_per_epoch = math.ceil(math.ceil(rows / cfg.batch_rows) / (cfg.grad_accum * world_size))
    epochs = cfg.epochs if cfg.epochs is not None else EPOCHS_CEILING
    steps, length = epochs * steps_per_epoch, "epochs" if cfg.epochs is not None else "measured"
    if cfg.max_steps is not None and cfg.max_steps < steps:
        steps, length = cfg.max_steps, "max_steps"
    eval_s = eval_s if has_val and cfg.eval_every else 0.0
    checkpoint_s = checkpoint_s if cfg.checkpoint_every else 0.0

    def cost(n: int) -> float:
        return (n * step_s + (evals_in(0, n, cfg.eval_every) * eval_s if eval_s else 0.0)
                + checkpoints_in(0, n, cfg.checkpoint_every, n) * checkpoint_s)

    if cfg.max_minutes is not None:
        budget = cfg.max_minutes * 60
        per_step = step_s + (eval_s / cfg.eval_every if eval_s else 0.0) + (
            checkpoint_s / cfg.checkpoint_every if checkpoint_s else 0.0)
        fit = max(1, int(budget // per_step))
        while fit > 1 and cost(fit) > budget:
            fit -= 1  # the validation after the last step can tip it over
        if fit < steps:
            steps, length = fit, "max_minutes"
    evals = evals_in(0, steps, cfg.eval_every) if eval_s else 0
    return TrainPlan(steps=steps, epochs=math.ceil(steps / steps_per_epoch), steps_per_epoch=steps_per_epoch,
                     rows=rows, tokens=round(tokens_per_epoch * steps / steps_per_epoch), step_s=step_s,
                     eval_s=eval_s, evals=evals, estimated_s=cost(steps), length=length,
                     checkpoint_s=checkpoint_s, checkpoints=checkpoints_in(0, steps, cfg.checkpoint_every, steps),
                     world_size=world_size)


def resumed_plan(plan: TrainPlan, start_step: int, step_s: float, eval_s: float, checkpoint_s: float,
                 cfg: TuneConfig) -> TrainPlan:
    """The same planned steps (the schedule is fixed), re-estimated from `start_step` with times measured now."""
    now = replace(plan, step_s=step_s, eval_s=eval_s if plan.eval_s else 0.0, start_step=start_step,
                  checkpoint_s=checkpoint_s,
                  evals=evals_in(start_step, plan.steps, cfg.eval_every) if plan.eval_s else 0,
                  checkpoints=checkpoints_in(start_step, plan.steps, cfg.checkpoint_every, plan.steps))
    return replace(now, estimated_s=now.estimate(start_step, plan.steps, cfg.eval_every, cfg.checkpoint_every))


def warmup_cosine(total_steps: int, warmup_ratio: float):
    """The learning-rate factor per step: linear warmup over `warmup_ratio` of the planned steps, then cosine to 0."""
    warmup = max(1, round(total_steps * warmup_ratio)) if warmup_ratio > 0 else 0

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))

    return factor


def epoch_stop(accuracy: list[float], *, floor: int = EPOCHS_FLOOR, min_gain: float = MIN_ACCURACY_GAIN) -> str | None:
    """Why the run should end after the epoch just finished (`accuracy[i]`: epoch i+1's training-answer
    accuracy), or None to go on. Only from epoch `floor` on; the ceiling is the plan's length."""
    if len(accuracy) < max(floor, 2):
        return None
    gain = accuracy[-1] - accuracy[-2]
    if gain >= min_gain:
        return None
    return (f"epoch {len(accuracy)} raised the training-answer accuracy by {100 * gain:+.1f} points "
            f"(to {100 * accuracy[-1]:.1f} %), less than {100 * min_gain:.1f}")
