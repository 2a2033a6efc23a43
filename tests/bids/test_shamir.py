"""Shamir's scheme over GF(2^8): any k shares give the secret, and npm agrees."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualis.bids import shamir

# Made with the npm package shamir-secret-sharing 0.0.4 (the deposit page's):
# split(secret, n, k) in Node.js, hex here; (n, k, secret, all n shares).
NPM_VECTORS = [
    (
        3,
        2,
        "b29629817e8aa6c2659d8f549c3b39650cfeffdaae38fc7742e3f6b5453af76b",
        [
            "0f3a2c44df4af1e76fdb8d071e2ccda9de8641d537fec5c97285212f43b8b966be",
            "a6d83b3efb277299411372615e7d95f0f555e5ec1289366da2241d0759f8a0a01a",
            "281f889aeb301da13c356b3c5d1ff3b1337ff32225b5907be18968a872fbe2770c",
        ],
    ),
    (
        5,
        3,
        "3763f98f682ff39a4cddf4cd936764635710cafe2b566800a27c769fd6f1ea22",
        [
            "0855a77d51a9df294cc8f965259127f9a79ef292946fe19cac884b1e05c0031826",
            "303bf758161b6b3f7879fa7e9d0afcbb793e47ec34d956a0e98432f4f466341cdb",
            "9347a68ee6166bd18fc3d0dfeb0b025e5ac61fe60efd89b4af3b3fef67e8479c76",
            "0572836d535654aba753c8bb39ea5b33111bc568ffe54e6a6054caa5b4564818a3",
            "f089b9f3ebf7abe02025098b30ca3243f700fa747ee25e870874c359b050deb4d4",
        ],
    ),
    (
        2,
        2,
        "3a374cc32d3c6fa8fe90111a9e071422c4a027a0a7cce0d44c3fe0ef675aec18",
        [
            "ef1c4c6aee0d6e0fd43a9d6250ba7050d86760277f430373c65d507e29f1ceba4a",
            "c5b14cbda9017f3668de09dbca220e431f643b0888e4524a3445153ceb04fad6cc",
        ],
    ),
]

# Made here with split(secret, 4, 4); the npm package's combine() gave the secret.
PYTHON_VECTOR = (
    "eb74653a7057eefe93a050f047138187726b74847cff75d0e728f4c69ef2e5de",
    [
        "3091fe0d8093eede42b88b2f0f490ec1a2dccd1ccbf22d3f362c2ad9634aa17650",
        "963327b991695b3555d14c3c29f3433442f889a0823cfc60b4299a553c80160a41",
        "58e811e955d54726a51d49f9571a6ef7a30df94a8cf0d2ab9e1d94ebf6bdac9119",
        "d6af8a5c9ffaed84a62007b6e214d729616d2031ca18e8e51dcee3ff74baf0ab5d",
    ],
)


@pytest.mark.parametrize(("n", "k", "secret", "shares"), NPM_VECTORS)
def test_every_k_of_the_npm_shares_give_its_secret(n, k, secret, shares):
    shares = [bytes.fromhex(share) for share in shares]

    recovered = {
        shamir.combine(list(chosen)).hex()
        for chosen in itertools.permutations(shares, k)
    }

    assert recovered == {secret}


def test_the_shares_node_combined_combine_here_too():
    secret, shares = PYTHON_VECTOR

    assert shamir.combine([bytes.fromhex(s) for s in shares]).hex() == secret


def test_the_tables_are_vaults():
    # First entries of Vault's shamir/tables.go expTable and logTable; Vault
    # writes log(1) as 255, the same exponent as 0 modulo 255.
    assert shamir.EXP[:8] == (0x01, 0xE5, 0x4C, 0xB5, 0xFB, 0x9F, 0xFC, 0x12)
    assert shamir.LOG[2:8] == (0xC8, 0x08, 0x91, 0x10, 0xD0, 0x36)


@st.composite
def splits(draw):
    n = draw(st.integers(1, 8))
    k = draw(st.integers(1, n))
    secret = draw(st.binary(min_size=1, max_size=40))
    return secret, n, k


@given(splits(), st.randoms(use_true_random=False))
def test_any_k_of_n_shares_give_the_secret_back(case, random):
    secret, n, k = case
    shares = shamir.split(secret, n, k)

    chosen = random.sample(shares, k)

    assert len(shares) == n
    assert all(len(share) == len(secret) + 1 for share in shares)
    assert shamir.combine(chosen) == secret


@given(st.integers(2, 6), st.randoms(use_true_random=False))
def test_fewer_than_k_shares_do_not_give_the_secret(k, random):
    # 32 distinct random bytes: k-1 shares match them only by a 2^-256 chance.
    secret = bytes(random.sample(range(256), 32))
    shares = shamir.split(secret, k + 1, k)

    chosen = random.sample(shares, k - 1)

    assert shamir.combine(chosen) != secret


def test_shares_hold_distinct_nonzero_x_coordinates():
    shares = shamir.split(b"\x07" * 32, 255, 3)

    assert sorted(share[-1] for share in shares) == list(range(1, 256))


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ([], "no share given"),
        ([b"\x01"], "at least 2 bytes"),
        ([b"\x01\x02\x03", b"\x01\x04"], "share 2 has 2 bytes, not 3"),
        ([b"\x01\x02\x05", b"\x03\x04\x05"], "share 2 repeats the x-coordinate 5"),
        ([b"\x01\x02\x00", b"\x03\x04\x05"], "share 1 has the x-coordinate 0"),
    ],
)
def test_malformed_shares_are_refused(shares, message):
    with pytest.raises(shamir.ShareError, match=message):
        shamir.combine(shares)


@pytest.mark.parametrize(("n", "k"), [(0, 1), (3, 0), (2, 3), (256, 2)])
def test_impossible_splits_are_refused(n, k):
    with pytest.raises(ValueError, match="1 <= k <= n <= 255"):
        shamir.split(b"secret", n, k)
