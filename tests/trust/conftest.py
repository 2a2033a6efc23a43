import pytest

from mutualis.trust.platform import ensure_keys


@pytest.fixture(scope="session")
def platform_keys_dir(tmp_path_factory):
    """The platform's keys, generated once for the session."""
    directory = tmp_path_factory.mktemp("platform") / "keys"
    ensure_keys(directory)
    return directory


@pytest.fixture(autouse=True)
def _platform_keys(settings, platform_keys_dir):
    settings.MUTUALIS_KEYS_DIR = platform_keys_dir
    settings.MUTUALIS_TSA_URL = ""
    settings.MUTUALIS_TSA_TRUST_ROOTS = ""
