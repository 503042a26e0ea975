"""The `Generator` backend for local Hugging Face causal LMs (the packaged SmolLM2 by default)."""

from __future__ import annotations

import contextlib
import copy
import time
from pathlib import Path
from typing import Sequence

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LogitsProcessor, LogitsProcessorList

from ragtune.models.device import configure_cpu_threads, quiet_transformers, resolve_device
from ragtune.models.dtype import known_choice, measure
from ragtune.errors import ModelError
from ragtune.models.merged import MergedAdapters, swapped
from ragtune.models.protocols import Completion, Message

CHAT_END_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>")


class _FirstTokenClock(LogitsProcessor):
    """Records when the logits of the first new token exist: the honest end of prefill."""

    def __init__(self, sync: bool):
        self.sync = sync
        self.first_at: float | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.first_at is None:
            if self.sync:
                torch.cuda.synchronize()
            self.first_at = time.perf_counter()
        return scores


class TransformersGenerator:
    """A loaded chat model (optionally with LoRA adapters): messages in, `Completion` out.

    Further adapters load into the same base weights (`with_adapter`), so base, ft and raft variants
    share one copy of the model in memory. With `merge_adapters` (the default) an adapter answers with
    merged weights, as fast as the base model, at the memory cost of the layers it targets
    (`ragtune.models.merged` has the measurements); without, it answers through the LoRA layers.
    """

    def __init__(self, path: str | Path, device: str = "auto", adapter: str | Path | None = None,
                 dtype: str | torch.dtype | None = None, name: str | None = None, seed: int = 0,
                 merge_adapters: bool = True):
        path = Path(path)
        if not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a Hugging Face model folder (no config.json); "
                             "set [models] generator to \"smollm2\", a model folder, or \"openai:<model>\".")
        self.device = resolve_device(device)
        if self.device == "cpu":
            configure_cpu_threads()
        choice = known_choice("generate", path, self.device, dtype)  # None: measured below, once per machine
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        if not self.tokenizer.chat_template:
            raise ModelError(f"the tokenizer in {path} has no chat template; use an instruction-tuned (chat) model.")
        with quiet_transformers():
            model = AutoModelForCausalLM.from_pretrained(path, dtype=choice.torch_dtype if choice else torch.float32,
                                                         local_files_only=True).to(self.device)
            self.dtype_choice = choice or measure("generate", path, model)  # the probe keeps the faster dtype
            self.dtype = self.dtype_choice.torch_dtype
            if adapter is not None:
                model = _with_adapter(model, Path(adapter))
        # Shared by every view from `with_adapter`: the (possibly PEFT-wrapped) model and the adapters in it.
        self._shared = {"model": model.to(self.device).eval(),
                        "adapters": {str(Path(adapter).resolve()): "default"} if adapter is not None else {}}
        self.base_name = name.split("+")[0] if name else path.name
        self.name = name or (f"{path.name}+{adapter_label(adapter)}" if adapter else path.name)
        self.adapter: str | None = "default" if adapter is not None else None  # the PEFT adapter `generate` uses
        self.merge_adapters = merge_adapters
        if adapter is not None and merge_adapters:
            self._merged().merged("default")  # now, not in the first (timed) answer
        self.seed = seed
        self.eos_token_ids = _stop_token_ids(self.tokenizer, self.model.generation_config)
        pad = self.tokenizer.pad_token_id
        self.pad_token_id = pad if pad is not None else self.eos_token_ids[0]

    @property
    def model(self):
        return self._shared["model"]

    def with_adapter(self, adapter: str | Path | None, *, merge: bool | None = None) -> "TransformersGenerator":
        """A generator over the same weights that uses `adapter` (None: the plain base model).

        `merge` (default: this generator's `merge_adapters`) answers with the adapter merged into the
        weights, built here once per adapter so no answer pays for it; answers equal the unmerged ones up
        to float rounding (greedy tokens identical in fp32 in the tests).
        """
        view = copy.copy(self)
        view.merge_adapters = self.merge_adapters if merge is None else merge
        if adapter is None:
            view.adapter, view.name = None, self.base_name
            return view
        adapter = Path(adapter)
        adapters = self._shared["adapters"]
        key = str(adapter.resolve())
        if key not in adapters:
            _check_adapter(adapter)
            with quiet_transformers():
                if adapters:
                    name = f"adapter{len(adapters)}"
                    self.model.load_adapter(str(adapter), adapter_name=name, is_trainable=False)
                else:  # the first adapter wraps the base model; LoRA layers are injected in place
                    name = "default"
                    self._shared["model"] = _with_adapter(self.model, adapter).to(self.device).eval()
            adapters[key] = name
        view.adapter, view.name = adapters[key], f"{self.base_name}+{adapter_label(adapter)}"
        if view.merge_adapters:
            self._merged().merged(view.adapter)
        return view

    def _merged(self) -> MergedAdapters:
        """The merged layers of the shared PEFT model's adapters (one cache for every view)."""
        if "merged" not in self._shared:
            self._shared["merged"] = MergedAdapters(self.model)
        return self._shared["merged"]

    def _adapter_context(self):
        """The shared model as this generator answers: the base layers swapped in for the base model (no LoRA
        wrapper on the path, base tensors untouched), this adapter's merged layers swapped in, or (unmerged,
        or an adapter that cannot merge) the adapter selected on the PEFT model."""
        if not hasattr(self.model, "peft_config"):
            return contextlib.nullcontext()
        merged = self._merged()
        if self.adapter is None:
            return swapped(self.model, merged.base_layers())
        if self.merge_adapters and (layers := merged.merged(self.adapter)) is not None:
            return swapped(self.model, merged.base_layers() | layers)
        self.model.set_adapter(self.adapter)
        return contextlib.nullcontext()

    def prompt_ids(self, messages: Sequence[Message]) -> torch.Tensor:
        """The chat-templated prompt, ready for the assistant's turn, as a (1, n) tensor of ids."""
        encoded = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return encoded["input_ids"]

    def generate(
        self, messages: Sequence[Message], *, max_new_tokens: int = 256, temperature: float = 0.0
    ) -> Completion:
        """Greedy unless temperature > 0 (then sampled, reproducibly from `seed`); stops at EOS or the chat end."""
        return self.generate_batch([messages], max_new_tokens=max_new_tokens, temperature=temperature)[0]

    def generate_batch(
        self, conversations: Sequence[Sequence[Message]], *, max_new_tokens: int = 256, temperature: float = 0.0
    ) -> list[Completion]:
        """Several prompts in one left-padded batch: on 2 CPU cores 8 short answers take about the time of 2.

        Each `Completion` carries `batch_size` and its share (1/n) of the batch's prefill and wall time;
        greedy answers can differ from unbatched ones in the last bits of the logits (padding changes the
        matmul shapes), as in any batched server.
        """
        start = time.perf_counter()
        prompts = [self.prompt_ids(m)[0] for m in conversations]
        width = max(len(p) for p in prompts)
        input_ids = torch.full((len(prompts), width), self.pad_token_id, dtype=torch.long)
        attention = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, p in enumerate(prompts):  # left padding: every prompt ends where generation starts
            input_ids[row, width - len(p):] = p
            attention[row, width - len(p):] = 1
        clock = _FirstTokenClock(sync=self.device.startswith("cuda"))
        if temperature > 0:  # plain temperature sampling: no top-k/top-p from the model's generation config
            sampling = {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0}
        else:
            sampling = {"do_sample": False, "temperature": None, "top_k": None, "top_p": None}
        cuda_rng = None if self.device.startswith("cuda") else []  # fork only the RNGs this call uses
        with torch.inference_mode(), torch.random.fork_rng(devices=cuda_rng), self._adapter_context():
            torch.manual_seed(self.seed)
            output = self.model.generate(
                input_ids=input_ids.to(self.device), attention_mask=attention.to(self.device),
                max_new_tokens=max_new_tokens, eos_token_id=self.eos_token_ids, pad_token_id=self.pad_token_id,
                logits_processor=LogitsProcessorList([clock]), **sampling,
            )
        end = time.perf_counter()
        n = len(prompts)
        prefill = (clock.first_at - start) / n if clock.first_at is not None else 0.0
        completions = []
        for row, p in enumerate(prompts):
            new_ids = _cut_at_stop(output[row, width:].tolist(), self.eos_token_ids)
            shown = new_ids[:-1] if new_ids and new_ids[-1] in self.eos_token_ids else new_ids
            completions.append(Completion(
                text=self.tokenizer.decode(shown, skip_special_tokens=True).strip(), prompt_tokens=len(p),
                completion_tokens=len(new_ids), prefill_s=prefill, total_s=(end - start) / n, model=self.name,
                batch_size=n))
        return completions

    def prompt_token_logprobs(self, messages: Sequence[Message], *, continue_final: bool = False
                              ) -> list[tuple[int, str, float, int]]:
        """(token id, text, log-probability, rank) of each prompt token after the first, given those before it:
        how an endpoint scores a prompt (vLLM's `prompt_logprobs`). `continue_final`: the last (assistant)
        message is left open, as the start of the reply, instead of a new reply being opened after it."""
        ids = self.tokenizer.apply_chat_template(list(messages), add_generation_prompt=not continue_final,
                                                 continue_final_message=continue_final, return_tensors="pt",
                                                 return_dict=True)["input_ids"].to(self.device)
        with torch.inference_mode(), self._adapter_context():
            logprobs = torch.log_softmax(self.model(input_ids=ids).logits[0, :-1].float(), dim=-1)
        targets = ids[0, 1:]
        picked = logprobs[torch.arange(len(targets), device=self.device), targets]
        ranks = (logprobs > picked[:, None]).sum(dim=-1) + 1
        return [(int(t), self.tokenizer.decode([int(t)]), float(lp), int(r))
                for t, lp, r in zip(targets.tolist(), picked.tolist(), ranks.tolist())]

    def option_logprobs(self, messages: Sequence[Message], options: Sequence[str]) -> list[tuple[float, int]]:
        """Log-likelihood of each option as the assistant's whole reply: (sum of token log-probs, tokens).

        Multiple choice scored as lm-evaluation-harness does, with no generation noise. The shared prompt
        runs once (its KV cache is then repeated per option); the options run as one right-padded batch,
        so padding never reaches a scored position; the LM head runs only where an option token is predicted.
        """
        from transformers import DynamicCache

        prompt = self.prompt_ids(messages).to(self.device)
        conts = [self.tokenizer(o, add_special_tokens=False)["input_ids"] or [self.pad_token_id] for o in options]
        width = max(map(len, conts))
        model = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        decoder, head = model.get_decoder(), model.get_output_embeddings()
        with torch.inference_mode(), self._adapter_context():
            cache = DynamicCache()
            last = decoder(input_ids=prompt, past_key_values=cache, use_cache=True).last_hidden_state[:, -1:]
            hidden = last.expand(len(conts), 1, -1)
            if width > 1:  # option tokens but the last predict the next option token
                cache.batch_repeat_interleave(len(conts))
                rest = torch.tensor([c[:-1] + [self.pad_token_id] * (width - len(c)) for c in conts],
                                    device=self.device)
                more = decoder(input_ids=rest, past_key_values=cache, use_cache=True).last_hidden_state
                hidden = torch.cat([hidden, more], dim=1)
            logprobs = torch.log_softmax(head(hidden).float(), dim=-1)
        out = []
        for row, cont in enumerate(conts):
            picked = logprobs[row, torch.arange(len(cont)), torch.tensor(cont, device=self.device)]
            out.append((float(picked.sum()), len(cont)))
        return out


def _cut_at_stop(ids: list[int], stop_ids: list[int]) -> list[int]:
    """Generated ids up to and including the first stop token (it counts as generated; padding after it does not)."""
    for i, token in enumerate(ids):
        if token in stop_ids:
            return ids[: i + 1]
    return ids


def _stop_token_ids(tokenizer, generation_config) -> list[int]:
    """EOS ids from the generation config and tokenizer, plus the chat template's end-of-turn token."""
    ids: list[int] = []
    configured = generation_config.eos_token_id
    ids += configured if isinstance(configured, list) else [configured] if configured is not None else []
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    vocab = tokenizer.get_vocab()
    ids += [vocab[t] for t in CHAT_END_TOKENS if t in vocab]
    if not ids:
        raise ModelError("the model defines no end-of-sequence token; set eos_token_id in its generation_config.json.")
    return list(dict.fromkeys(ids))


def adapter_label(adapter: str | Path) -> str:
    """A short name for an adapter folder: the run id for `runs/<id>/adapter`, else the folder name."""
    path = Path(adapter)
    return path.parent.name if path.name == "adapter" and path.parent.name else path.name


def _check_adapter(adapter: Path) -> None:
    if not (adapter / "adapter_config.json").is_file():
        raise ModelError(f"{adapter} is not a LoRA adapter folder (no adapter_config.json); check the path, "
                         "or run `ragtune tune` to create one.")


def _with_adapter(model, adapter: Path):
    """Wrap `model` with the PEFT LoRA adapter saved at `adapter`."""
    _check_adapter(adapter)
    try:
        from peft import PeftModel
    except ImportError as e:
        raise ModelError("loading a LoRA adapter needs peft; install it with `pip install peft`.") from e
    return PeftModel.from_pretrained(model, str(adapter), is_trainable=False)
