"""The built DUIS schema is kept between runs in the user's cache directory, keyed by content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.duis import SchemaUnavailable, schema_problems
from harness.duis import schema as duis_schema

VALID = "CS08_11.2_SUCCESS_REQUEST_DUIS.XML"


def test_a_cached_schema_is_read_back_and_checks_as_the_built_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xsd_file: Path, shared_duis: Path
) -> None:
    import xmlschema

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    document = (shared_duis / VALID).read_bytes()
    broken = document.replace(b"<sr:RequestID>", b"<sr:NotARequestID>", 1).replace(
        b"</sr:RequestID>", b"</sr:NotARequestID>", 1
    )
    duis_schema._load.cache_clear()
    built = duis_schema.load_schema(xsd_file)
    cached = list((tmp_path / duis_schema.CACHE_SUBDIR).glob("*.pickle"))
    assert len(cached) == 1

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise xmlschema.XMLSchemaException("built again")

    monkeypatch.setattr(xmlschema, "XMLSchema", refuse)
    duis_schema._load.cache_clear()
    read_back = duis_schema.load_schema(xsd_file)
    assert read_back is not built
    for doc in (document, broken):
        assert schema_problems(doc, read_back) == schema_problems(doc, built)
    assert schema_problems(document, read_back) == []
    assert schema_problems(broken, read_back) != []

    # a damaged cache file is not trusted: the schema is built again (refused here)
    cached[0].write_bytes(b"not a pickle")
    duis_schema._load.cache_clear()
    with pytest.raises(SchemaUnavailable, match="built again"):
        duis_schema.load_schema(xsd_file)
    duis_schema._load.cache_clear()


def test_the_key_changes_with_the_schema_files(tmp_path: Path) -> None:
    xsd = tmp_path / "a.xsd"
    xsd.write_text("<one/>")
    first = duis_schema._cache_file(str(xsd), "4.0")
    (tmp_path / "imported.xsd").write_text("<two/>")
    second = duis_schema._cache_file(str(xsd), "4.0")
    third = duis_schema._cache_file(str(xsd), "4.1")
    assert first is not None and second is not None and third is not None
    assert len({first, second, third}) == 3
