"""object-hash@3.0.0 vectors (computed with node and object-hash) and Directus-verified hashes."""

from __future__ import annotations

import json

import pytest

from drift.diff.hashing import object_hash, serialize, versioned_hash

VECTORS = [
    ("null", "109085beaaa80ac89858b283a64f7c75d7e5bb12"),
    ("true", "cdf22d2a18b96ef07f6105cd8093ae12a8772cb3"),
    ("false", "b29c63990dea846689120516761de20c056e3539"),
    ("0", "2e1cc5d852d9f51ffd88c7cb6e17a39f133a4f4e"),
    ("1", "7b343448ed87b254b79eba27bc18c21b2f985f0c"),
    ("-1", "a887b98339dfd03322b93b8a9cdac594f69aee4c"),
    ("1.5", "cb02f7f9a0d04288ce6a83e12bffd0066932a380"),
    ("0.1", "fd32668515e084e18703d5bce08897445531c63f"),
    ("1e21", "9155a4bc16defb2ac00a1ddebb03a2616804aab9"),
    ("1e-7", "be4f31fab69fba9a1a283905893e6b05687a7c57"),
    ("123456789.123", "a663ece4eb5c56647babb9e6430930b9aebaab0a"),
    ("-0.000001", "64248d862343c8aa0e0c4d58f566a724fc1351df"),
    ("9007199254740992", "ffc65a899650bbeb66a5c0360dc08f5064bb9770"),
    ("1e300", "e1205691f0a2b823b25384d56e485f983d2a2369"),
    ('""', "67cbf865735ab20856e1e6649eab1c4073bc341e"),
    ('"abc"', "1c457260fe516c5ae59798a03f8382a9ba7657d4"),
    ('"héllo"', "95fb4245166b3aadb7680d73141b304c82a1b66b"),
    ('"😀"', "b9a5a336af03d9f155595a1fe4defced6a7261b8"),
    ('"日本語"', "971e294e21b62c28266a9556b57aa03fecae4ccf"),
    ("[]", "989db2448f309bfdd99b513f37c84b8f5794d2b5"),
    ("[1,2,3]", "a2fc48da101b2469cbb9b3e4c38e01e0c45ba127"),
    ("[[]]", "5d695e26ec6ff9760efba15cf1125bd6e4ff6661"),
    ("[{}]", "ee83b4bea6b17b1b9533ed28f3ff65823d58960b"),
    ("{}", "323217f643c3e3f1fe7532e72ac01bb0748c97be"),
    ('{"a":1}', "ca1a41f90da606b052ecf10c8286817813bc8861"),
    ('{"b":1,"a":2}', "9bb1786d0268a75eb0f2f8e5d344fac613b97e7a"),
    ('{"a":null}', "0a6d004c8fa400c0f50ba30d43f8a9b366f5ef8d"),
    ('{"a":true,"b":false}', "66d2b66344465b7e84272e3bf97bfdc0939e908d"),
    ('{"a":{"b":{"c":{}}}}', "6dee778d00efd295a0ecec6c84d4e098a5d2459e"),
    ('{"a":[{"x":1},{"y":2}]}', "19f6e8f8660b99d35bb77c09ff2d92ccbc2cd233"),
    ('{"Z":1,"a":2,"_":3,"10":4,"9":5}', "ca7ede901a8352cf976144b4fa047f529330641c"),
    ('{"é":1,"e":2,"😀":3,"\\uffff":4}', "69ca0ca8df757aa949f75fcaffb4b8dc57b51948"),
    ('{"x":[1,2.5,-3e-10,"s",null,{"k":[true]}]}', "26edb906f84220cdb53135c9c6412d76c4e9c77e"),
    (
        '{"item":{"version":1,"directus":"12.4.1","vendor":"postgres","collections":[],"fields":[],'
        '"systemFields":[],"relations":[]},"version":"12.4.1"}',
        "143fa43849dad9b9522648d2dd5ba9607a514471",
    ),
]


@pytest.mark.parametrize("text,expected", VECTORS)
def test_object_hash_vectors(text: str, expected: str) -> None:
    assert object_hash(json.loads(text)) == expected


def test_serialisation_of_nested_object_matches_object_hash_passthrough() -> None:
    expected = (
        "object:4:string:9:prototype:Undefined,string:9:__proto__:object:3:string:9:prototype:Undefined,"
        "string:9:__proto__:Null,string:11:constructor:fn:string:8:[native]string:20:function-name:Object"
        "object:0:,,string:11:constructor:fn:string:8:[native]string:20:function-name:Objectstring:12:"
        "[CIRCULAR:2],string:1:a:object:4:string:9:prototype:Undefined,string:9:__proto__:string:12:"
        "[CIRCULAR:1],string:11:constructor:fn:string:8:[native]string:20:function-name:Objectstring:12:"
        "[CIRCULAR:2],string:1:b:number:2,,"
    )
    assert serialize({"a": {"b": 2}}) == expected


SYSTEM_FIELDS_FRESH_SQLITE = [
    ("directus_activity", "timestamp"),
    ("directus_oauth_clients", "date_created"),
    ("directus_oauth_codes", "expires_at"),
    ("directus_oauth_codes", "used_at"),
    ("directus_oauth_consents", "client"),
    ("directus_oauth_tokens", "code_hash"),
    ("directus_oauth_tokens", "expires_at"),
    ("directus_oauth_tokens", "previous_session"),
    ("directus_oauth_tokens", "session"),
    ("directus_revisions", "activity"),
    ("directus_revisions", "parent"),
    ("directus_sessions", "oauth_client"),
]


def test_server_verified_hash_of_an_empty_instance() -> None:
    snap = {
        "version": 1,
        "directus": "12.4.1",
        "vendor": "sqlite",
        "collections": [],
        "fields": [],
        "systemFields": [
            {"collection": c, "field": f, "schema": {"is_indexed": True}} for c, f in SYSTEM_FIELDS_FRESH_SQLITE
        ],
        "relations": [],
    }
    assert versioned_hash(snap, "12.4.1") == "97930ba8c52f7b258c9b6516a68137188f7b2e2e"


def test_hash_ignores_key_order_but_not_array_order_or_types() -> None:
    a = {"x": [1, 2], "y": True}
    assert object_hash(a) == object_hash({"y": True, "x": [1, 2]})
    assert object_hash(a) != object_hash({"x": [2, 1], "y": True})
    assert object_hash({"y": True}) != object_hash({"y": 1})
    assert object_hash({"y": 1.0}) == object_hash({"y": 1})


def test_shared_references_are_circular_like_object_hash() -> None:
    shared = {"k": 1}
    # object-hash remembers every object it met: a second visit is written as [CIRCULAR:n]
    assert "[CIRCULAR:3]" in serialize({"a": shared, "b": shared})
    assert object_hash({"a": shared, "b": shared}) != object_hash({"a": {"k": 1}, "b": {"k": 1}})
