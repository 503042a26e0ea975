import pytest

from ragtune.config import ConfigError, load_settings
from ragtune.errors import VariantError
from ragtune.variants import VARIANTS, custom_variants, get_variant


def test_standard_variants():
    assert [v for v in VARIANTS] == ["base", "rag", "ft", "ft+rag", "raft", "rag-ftr", "ft+rag-ftr"]
    assert VARIANTS["rag-ftr"].index == "ftr" and VARIANTS["ft+rag-ftr"].adapter_kind == "ft"
    assert not VARIANTS["base"].retrieval and VARIANTS["ft+rag"].retrieval
    assert VARIANTS["raft"].adapter_kind == "raft" and VARIANTS["rag"].adapter_kind is None


def test_custom_variants_from_toml(tmp_path):
    (tmp_path / "ragtune.toml").write_text(
        '[variants.rag-bm25-k3]\nretriever = "bm25"\ntop_k = 3\n'
        '[variants.pinned]\nadapter = "ft-20260101-1"\nretriever = "none"\nsystem_prompt = "Be brief."\n')
    custom = custom_variants(load_settings(tmp_path).variants)
    k3, pinned = custom["rag-bm25-k3"], custom["pinned"]
    assert (k3.retriever, k3.top_k, k3.adapter) == ("bm25", 3, None) and k3.retrieval
    assert pinned.adapter == "ft-20260101-1" and pinned.adapter_kind is None and not pinned.retrieval
    assert pinned.system_prompt == "Be brief."
    assert get_variant("pinned", custom) is pinned
    with pytest.raises(VariantError, match="rag-bm25-k3"):
        get_variant("nope", custom)


@pytest.mark.parametrize("toml, error, match", [
    ('[variants.rag]\nretriever = "bm25"\n', VariantError, "redefines a standard variant"),
    ('[variants.x]\nretriever = "none"\ntop_k = 3\n', VariantError, "top_k without retrieval"),
    ('[variants.x]\nretriever = "sparse"\n', ConfigError, "retriever"),
    ('[variants.x]\ntop_k = 0\n', ConfigError, "top_k"),
    ('[variants.x]\napi_base = "http://h/v1"\n', VariantError, "without a generator"),
    ('[variants.x]\ngenerator = "openai:m"\n[variants.x.cost]\ninput_usd_per_mtok = -1\n', ConfigError, "input_usd"),
    ('[variants.x]\ngenerator = "openai:m"\n[variants.x.cost]\nprice = 1\n', ConfigError, "price"),
])
def test_bad_variant_definitions(tmp_path, toml, error, match):
    (tmp_path / "ragtune.toml").write_text(toml)
    with pytest.raises(error, match=match):
        custom_variants(load_settings(tmp_path).variants)


def test_a_variant_names_its_own_model_endpoint_and_prices(tmp_path):
    (tmp_path / "ragtune.toml").write_text(
        '[variants.big-rag]\ngenerator = "openai:llama-70b"\napi_base = "http://gpu:8000/v1"\n'
        'api_key_env = "BIG_KEY"\n[variants.big-rag.cost]\ninput_usd_per_mtok = 0.88\nhardware_usd_per_hour = 0\n'
        '[variants.local-qwen]\ngenerator = "models/qwen"\nretriever = "none"\n')
    custom = custom_variants(load_settings(tmp_path).variants)
    big, qwen = custom["big-rag"], custom["local-qwen"]
    assert (big.generator, big.api_base, big.api_key_env) == ("openai:llama-70b", "http://gpu:8000/v1", "BIG_KEY")
    assert big.remote and dict(big.prices) == {"input_usd_per_mtok": 0.88, "hardware_usd_per_hour": 0.0}
    assert qwen.generator == "models/qwen" and not qwen.remote and qwen.prices == () and qwen.api_base is None
    assert VARIANTS["rag"].generator is None and not VARIANTS["rag"].remote  # [models] generator
