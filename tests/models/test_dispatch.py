import pytest

from ragtune.config import ModelSettings
from ragtune.models import ModelError, load_embedder, load_generator
from ragtune.models.hf_generator import TransformersGenerator
from ragtune.models.packaged import packaged_embedder_path
from ragtune.models.openai_http import OpenAIChatGenerator, OpenAIEmbedder
from ragtune.models.st_embedder import SentenceTransformerEmbedder


def test_openai_backends_take_the_key_from_the_named_env_var(monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-abc")
    settings = ModelSettings(embedder="openai:text-embedding-3-small", generator="openai:gpt-4o-mini",
                             api_base="http://127.0.0.1:9/v1", api_key_env="MY_KEY")
    embedder = load_embedder(settings)
    generator = load_generator(settings)
    assert isinstance(embedder, OpenAIEmbedder) and embedder.name == "text-embedding-3-small"
    assert isinstance(generator, OpenAIChatGenerator) and generator.name == "gpt-4o-mini"
    assert generator._endpoint.client.headers["Authorization"] == "Bearer sk-abc"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (ModelSettings(generator="openai:m"), "api_base"),
        (ModelSettings(generator="openai:", api_base="http://x/v1"), "names no model"),
        (ModelSettings(generator="/no/such/model"), "Accepted values: \"smollm2\""),
    ],
)
def test_generator_settings_errors(settings, message):
    with pytest.raises(ModelError, match=message):
        load_generator(settings)


def test_embedder_bad_path_lists_accepted_values():
    with pytest.raises(ModelError, match="Accepted values: \"minilm\".*openai:<model>"):
        load_embedder(ModelSettings(embedder="no-such-embedder"))


def test_adapter_with_a_remote_generator_is_refused():
    with pytest.raises(ModelError, match="local generators only"):
        load_generator(ModelSettings(generator="openai:m", api_base="http://x/v1"), adapter="runs/x/adapter")


def test_local_paths_and_packaged_names(tiny_llama_dir):
    packaged = load_embedder(ModelSettings(embedder="minilm", device="cpu"))
    assert isinstance(packaged, SentenceTransformerEmbedder) and packaged.name == "all-MiniLM-L6-v2"
    by_path = load_embedder(ModelSettings(embedder=str(packaged_embedder_path()), device="cpu", embed_batch_size=8))
    assert isinstance(by_path, SentenceTransformerEmbedder) and by_path.batch_size == 8
    generator = load_generator(ModelSettings(generator=str(tiny_llama_dir), device="cpu"))
    assert isinstance(generator, TransformersGenerator) and generator.name == tiny_llama_dir.name


def test_packaged_generator(converted, monkeypatch):
    monkeypatch.setenv("RAGTUNE_CACHE", str(converted.path.parent.parent))
    generator = load_generator(ModelSettings(device="cpu"))
    assert isinstance(generator, TransformersGenerator)
    assert generator.name == "SmolLM2-135M-Instruct"
