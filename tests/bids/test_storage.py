import hashlib
import io
import itertools
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualis.bids import storage
from tests.bids.factories import stored_files

names = (f"bids/test/{n}" for n in itertools.count())
reuse_tmp_storage = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50
)


@reuse_tmp_storage
@given(content=st.binary(max_size=200_000))
def test_what_is_stored_is_measured_and_hashed_as_sent(content):
    stored = storage.store(next(names), io.BytesIO(content), limit=200_000)

    with storage.open_stored(stored.name) as handle:
        assert handle.read() == content
    assert (stored.size, stored.sha256) == (
        len(content),
        hashlib.sha256(content).hexdigest(),
    )


@reuse_tmp_storage
@given(limit=st.integers(min_value=0, max_value=100_000), extra=st.integers(1, 5000))
def test_a_file_past_the_limit_leaves_nothing_behind(settings, limit, extra):
    name = next(names)

    with pytest.raises(storage.FileTooLarge):
        storage.store(name, io.BytesIO(b"z" * (limit + extra)), limit=limit)

    assert name not in stored_files(settings)


def test_a_stored_bid_file_is_readable_by_the_platform_alone(settings):
    stored = storage.store("bids/9/MUT-2027-AAAA-BBBB/1", io.BytesIO(b"prix"), 100)

    path = Path(storage.protected_storage().path(stored.name))

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
