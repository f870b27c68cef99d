"""A document type declaration anywhere in a DUIS document is refused by the parser itself,
whatever comes before it and whatever the encoding; ``duis validate`` reports such a file invalid."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main
from harness.duis import DuisError, schema_problems
from harness.duis.xmlnames import parse_document

TEMPLATE = "CS08_11.2_SUCCESS_REQUEST_DUIS.XML"


def _with_dtd(text: str, where: str) -> str:
    """``text`` with a DOCTYPE declaring an entity, placed after a prolog of ``where``."""
    declaration = '<?xml version="1.0" encoding="UTF-8"?>'
    body = text.split("?>", 1)[1] if text.startswith("<?xml") else text
    root = body.lstrip().split()[0].lstrip("<").rstrip(">")
    dtd = f'<!DOCTYPE {root} [<!ENTITY x "boom">]>'
    prolog = {
        "start": "",
        "after-5k-comment": "<!--" + "p" * 5120 + "-->",
        "after-100k-comment": "<!--" + "p" * 102400 + "-->",
    }[where]
    return f"{declaration}\n{prolog}\n{dtd}\n{body.lstrip()}"


DOCUMENTS = {
    "entity-only": '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',
    "external": '<?xml version="1.0"?><!DOCTYPE a SYSTEM "file:///etc/hostname"><a/>',
    "parameter": '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY % p "x">]><a/>',
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_any_dtd_is_refused(name: str) -> None:
    with pytest.raises(DuisError, match="document type declarations are not accepted"):
        parse_document(DOCUMENTS[name].encode())


@pytest.mark.parametrize("where", ["start", "after-5k-comment", "after-100k-comment"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_template_with_dtd_is_refused(shared_duis: Path, where: str, encoding: str) -> None:
    text = _with_dtd((shared_duis / TEMPLATE).read_text(encoding="utf-8"), where)
    if encoding == "utf-8":
        data = text.encode("utf-8")
    else:
        text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
        if encoding == "utf-16":
            data = text.encode("utf-16")
        elif encoding == "utf-16-le-bom":
            data = b"\xff\xfe" + text.encode("utf-16-le")
        else:
            data = b"\xfe\xff" + text.encode("utf-16-be")
    with pytest.raises(DuisError, match="document type declarations are not accepted"):
        parse_document(data)


def test_utf16_without_dtd_still_parses(shared_duis: Path) -> None:
    text = (shared_duis / TEMPLATE).read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert parse_document(text.encode("utf-16")).tag.endswith("Request")


@pytest.mark.parametrize("where", ["after-5k-comment"])
def test_validate_reports_late_dtd_invalid(
    xsd_file: Path,
    shared_duis: Path,
    tmp_path: Path,
    where: str,
    capsys: pytest.CaptureFixture[str],
    duis_schema: object,
) -> None:
    late = tmp_path / "late.xml"
    late.write_text(_with_dtd((shared_duis / TEMPLATE).read_text(encoding="utf-8"), where))
    wide = tmp_path / "wide.xml"
    wide.write_bytes(
        _with_dtd((shared_duis / TEMPLATE).read_text(encoding="utf-8"), "start")
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
        .encode("utf-16")
    )
    assert schema_problems(late.read_bytes(), duis_schema)
    assert main(["duis", "validate", "--xsd", str(xsd_file), str(late), str(wide)]) == 1
    out = capsys.readouterr().out
    assert out.count("document type declarations are not accepted") == 2


@pytest.mark.parametrize("encoding", ["TTF-8", "no-such-codec", "UTF-8x"])
def test_unknown_declared_encoding_is_a_duis_error(encoding: str) -> None:
    with pytest.raises(DuisError, match="malformed XML"):
        parse_document(f'<?xml version="1.0" encoding="{encoding}"?><a/>'.encode())
