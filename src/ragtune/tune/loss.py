"""The training loss over a batch of packed rows, and what the model's greedy predictions got right in it."""

from __future__ import annotations

import contextlib

import torch

from ragtune.tune.data import IGNORE, Batch


def token_loss_sum(model, batch: Batch, device: str, autocast) -> tuple[torch.Tensor, list]:
    """Summed cross-entropy over target tokens (the LM head runs only where there is a target), and what the
    greedy predictions got right: [target tokens predicted, target tokens, examples all predicted, examples]."""
    base = model.get_base_model()
    labels = batch.labels.to(device)
    with autocast or contextlib.nullcontext():
        hidden = base.get_decoder()(input_ids=batch.input_ids.to(device), position_ids=batch.position_ids.to(device),
                                    use_cache=False).last_hidden_state
        keep = labels != IGNORE
        logits = base.get_output_embeddings()(hidden[keep])
    loss = torch.nn.functional.cross_entropy(logits.float(), labels[keep], reduction="sum")
    with torch.no_grad():  # a packed example starts where its position ids restart at 0
        starts = batch.position_ids == 0
        segment = (starts.cumsum(1) + torch.arange(len(starts)).unsqueeze(1) * starts.shape[1]).to(device)[keep]
        wrong = logits.argmax(-1) != labels[keep]
        examples, missed = segment.unique().numel(), segment[wrong].unique().numel()
        stats = [int(keep.sum()) - int(wrong.sum()), int(keep.sum()), examples - missed, examples]
    return loss, stats
