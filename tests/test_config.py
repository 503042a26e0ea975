import pytest

from ragtune.config import CONFIG_FILE, ConfigError, load_settings, write_default_config


def test_default_config_round_trips(tmp_path):
    path = write_default_config(tmp_path / "proj")
    assert path.name == CONFIG_FILE
    s = load_settings(tmp_path / "proj")
    assert s.chunking.max_tokens == 256 and s.chunking.overlap == 32
    assert s.retrieval.retriever == "hybrid" and s.retrieval.rrf_k == 60
    assert s.models.embedder == "minilm" and s.models.generator == "smollm2"
    assert s.index_dir == tmp_path / "proj" / "index"


def test_missing_file_means_defaults(tmp_path):
    assert load_settings(tmp_path).retrieval.top_k == 5


def test_init_refuses_to_overwrite(tmp_path):
    write_default_config(tmp_path)
    with pytest.raises(ConfigError, match="already exists"):
        write_default_config(tmp_path)


def test_partial_file_overrides_only_its_keys(tmp_path):
    (tmp_path / CONFIG_FILE).write_text('[retrieval]\ntop_k = 3\nretriever = "bm25"\n')
    s = load_settings(tmp_path)
    assert s.retrieval.top_k == 3 and s.retrieval.retriever == "bm25"
    assert s.retrieval.rrf_k == 60


@pytest.mark.parametrize(
    "text, match",
    [
        ("[retrieval\n", "not valid TOML"),
        ('[retrieval]\nretriever = "magic"\n', "retriever"),
        ("[retrieval]\ntop_k = 0\n", "top_k"),
        ("[chunking]\nmax_token = 100\n", "max_token"),  # typo: unknown keys are errors, not silently ignored
    ],
)
def test_invalid_files_give_clear_errors(tmp_path, text, match):
    (tmp_path / CONFIG_FILE).write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_settings(tmp_path)


def test_synth_and_tune_sections(tmp_path):
    (tmp_path / CONFIG_FILE).write_text('[synth]\nteacher = "none"\nparaphrases = 0\n'
                                        '[tune]\nrank = 8\ntarget_modules = ["q_proj", "v_proj"]\n')
    s = load_settings(tmp_path)
    assert s.synth.teacher == "none" and s.synth.paraphrases == 0 and s.synth.pairs_per_chunk == 3
    assert s.tune.rank == 8 and s.tune.alpha == 32 and s.tune.target_modules == ("q_proj", "v_proj")
    assert s.synth_dir == tmp_path / "synth"


def test_default_file_states_the_real_defaults(tmp_path):
    """The documented file written by `init` must equal the code's defaults, section by section."""
    from ragtune.config import Settings

    write_default_config(tmp_path)
    assert load_settings(tmp_path).model_dump(exclude={"root"}) == Settings().model_dump(exclude={"root"})


@pytest.mark.parametrize("text, match", [
    ("[tune]\nrank = 0\n", "rank must be >= 1"),
    ("[tune]\nlearning_rate = -1\n", "learning_rate"),
    ("[tune]\nrnak = 8\n", "rnak"),
    ('[synth]\nextractive = "some"\n', "extractive"),
])
def test_invalid_training_settings(tmp_path, text, match):
    (tmp_path / CONFIG_FILE).write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_settings(tmp_path)
