import pytest
from retrieve_fixtures import MiniLM


@pytest.fixture(scope="session")
def minilm() -> MiniLM:
    """Loaded once: about 2 s."""
    return MiniLM()
