"""The on-disk index's format: what the builder writes and the reader expects. Any change here
(or in the builder, or in name normalisation) changes the cache key and so rebuilds the index."""
from __future__ import annotations

import zlib

INDEX_FORMAT = 7
MAGIC = b"CMGAZ\n"
KINDS = ("populated_place", "town", "neighbourhood", "airbase", "airport", "hospital", "crossing", "base",
         "site", "admin3", "admin2", "admin1", "region", "border", "country", "sea")
SITE_KINDS = frozenset({"neighbourhood", "airbase", "airport", "hospital", "crossing", "base", "site"})
ADMIN_KINDS = frozenset({"admin1", "admin2", "admin3"})
PLACE_KINDS = frozenset({"populated_place", "town"})
AREA_KINDS = frozenset({"admin3", "admin2", "admin1", "region", "border", "country", "sea"})
# "The more specific" first: a site, then a town (or a city neighbourhood: OCHA's 400 quarters
# must not outrank a village of the same name); then areas, but among admin areas of one name the
# wider one ("Rural Damascus" is the governorate, not its central district "Markaz Rif Dimashq"
# that OpenSyria also calls so; a district before its central sub-district); then larger areas.
KIND_RANK = {k: r for r, ks in enumerate((SITE_KINDS - {"neighbourhood"}, PLACE_KINDS | {"neighbourhood"},
                                            {"admin1"}, {"admin2"}, {"admin3"}, {"region", "border"},
                                            {"country"}, {"sea"})) for k in ks}
SOURCES = ("geonames", "ocha", "curated", "geonames-country", "wof")
TIERS = (1, 2, 3)
BUCKET_SHIFT = 48  # hashes are bucketed by their top 16 bits
BUCKETS = 1 << (64 - BUCKET_SHIFT)


def key_hash(key: str) -> int:
    """A stable 64-bit hash of a key: CRC-32 of its UTF-8 bytes and of them reversed. Not
    cryptographic; for the index's ~2 million keys an accidental collision is about 1e-13 per
    lookup, and it is three times faster to build than blake2b."""
    b = key.encode("utf-8")
    return (zlib.crc32(b) << 32) | zlib.crc32(b[::-1])
