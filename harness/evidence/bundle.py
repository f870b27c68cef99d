"""The evidence bundle on disk.

Layout::

    plan.json          the scenarios selected for the run and their requirement ids
    records/*.json     one per finished scenario, each written atomically as it finishes
    summary.json       verdict per requirement; "interrupted": true until the run ends normally
    junit.xml, report.html, traces/, manifest.sha256 (written at the end)

summary.json is written when the run starts and rewritten after every record, so a run killed at
any moment leaves a bundle whose summary says it was interrupted and whose finished records are
whole. Under pytest-xdist the workers write records and the plan; the controller writes the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.evidence.files import write_atomic
from harness.evidence.junit import render_junit
from harness.evidence.manifest import write_manifest
from harness.evidence.redaction import SecretFilter
from harness.evidence.report_html import render_report
from harness.evidence.requirements import Requirement
from harness.evidence.signing import ALGORITHM, SIGNATURE, fingerprint, sign_manifest
from harness.evidence.summary import (
    build_requirements,
    radio_links,
    recoveries,
    scenario_counts,
    throughput_figures,
)

SUMMARY = "summary.json"
PLAN = "plan.json"
# The shape of records and of summary.json; their JSON Schemas are in harness/evidence/schemas.
RECORD_SCHEMA_VERSION = 1
SUMMARY_SCHEMA_VERSION = 2  # 2: run facts only under "run" (1 also had top-level copies)
RECORD_SCHEMA = f"smets1-hil/record/{RECORD_SCHEMA_VERSION}"
SUMMARY_SCHEMA = f"smets1-hil/summary/{SUMMARY_SCHEMA_VERSION}"


class BundleError(UserError):
    """The evidence directory cannot be used or read."""


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_bundle_dir(base: Path = Path("evidence")) -> Path:
    """A fresh name ``base/<UTC time to the microsecond>-<pid>``: two runs never pick the same one.

    Only a name: :func:`claim_bundle_dir` creates it (atomically).
    """
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return base / f"{stamp}-{os.getpid()}"


def claim_bundle_dir(base: Path = Path("evidence")) -> Path:
    """Create and return a new, empty bundle directory under ``base``.

    ``os.mkdir`` either creates the directory or fails because it exists; on a clash (a run in the
    same microsecond, or a name reused after a pid wrapped) the next ``-N`` suffix is tried.
    """
    base.mkdir(parents=True, exist_ok=True)
    first = default_bundle_dir(base)
    candidate = first
    for number in range(2, 1000):
        try:
            os.mkdir(candidate)
        except FileExistsError:
            candidate = first.with_name(f"{first.name}-{number}")
            continue
        except OSError as exc:
            raise BundleError(
                f"{candidate}: cannot create evidence directory: {exc.strerror}"
            ) from None
        return candidate
    raise BundleError(f"{base}: no free evidence directory name after 999 tries")


def signature_entry(public_key: Any) -> dict[str, str]:
    """summary.json's ``signature``: which key signs the manifest, and where the signature is."""
    return {"algorithm": ALGORITHM, "fingerprint": fingerprint(public_key), "file": SIGNATURE}


def record_filename(scenario: str) -> str:
    """A stable, filesystem-safe name for a scenario's record (unique through a short hash)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", scenario.rpartition("::")[2] or scenario).strip("_")[
        :80
    ]
    digest = hashlib.sha256(scenario.encode("utf-8")).hexdigest()[:10]
    return f"{slug}--{digest}"


def _dump(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode("utf-8")


class EvidenceBundle:
    """One bundle directory; create it once per run, attach to it from each worker."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records_dir = root / "records"
        self.traces_dir = root / "traces"

    @classmethod
    def create(cls, root: Path) -> EvidenceBundle:
        """Take ``root`` (new, or an empty directory) for one run; refuses one that holds files.

        Creating ``records/`` with ``os.mkdir`` is the claim: of two runs given the same
        directory at the same moment exactly one creates it, and the other is refused.
        """
        if root.exists() and not root.is_dir():
            raise BundleError(f"{root}: exists and is not a directory")
        records = root / "records"
        try:
            root.mkdir(parents=True, exist_ok=True)
            os.mkdir(records)
        except FileExistsError:
            raise BundleError(
                f"{root}: already in use by another run (each run needs a fresh evidence directory)"
            ) from None
        except OSError as exc:
            raise BundleError(f"{root}: cannot create evidence directory: {exc.strerror}") from None
        others = [p.name for p in root.iterdir() if p.name != "records"]
        if others:
            os.rmdir(records)
            raise BundleError(f"{root}: not empty (each run needs a fresh evidence directory)")
        try:
            (root / "traces").mkdir()
        except OSError as exc:
            raise BundleError(f"{root}: cannot create evidence directory: {exc.strerror}") from None
        return cls(root)

    @classmethod
    def open(cls, root: Path) -> EvidenceBundle:
        if not (root / SUMMARY).is_file():
            raise BundleError(f"{root}: not an evidence bundle (no {SUMMARY})")
        return cls(root)

    # -- plan and records (any process) ------------------------------------------------------

    def write_plan(self, scenarios: list[dict[str, Any]]) -> None:
        write_atomic(self.root / PLAN, _dump({"scenarios": scenarios}))

    def read_plan(self) -> list[dict[str, Any]]:
        path = self.root / PLAN
        if not path.is_file():
            return []
        return list(json.loads(path.read_text("utf-8")).get("scenarios", []))

    def write_record(self, record: Mapping[str, Any], secrets: SecretFilter) -> Path:
        """Write one scenario record atomically; secrets are scrubbed from it and its trace files."""
        name = record_filename(str(record["scenario"])) + ".json"
        plain = json.loads(json.dumps(dict(record), default=str))
        scrubbed: dict[str, Any] = secrets.scrub_tree(plain)  # type: ignore[assignment]
        body: dict[str, Any] = {
            "schema": RECORD_SCHEMA,
            "schema_version": RECORD_SCHEMA_VERSION,
            **scrubbed,
            "file": f"records/{name}",
        }
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
        for trace in body.get("traces", []):
            path = self.root / trace
            if path.is_file():
                raw = path.read_bytes()
                clean = secrets.scrub_bytes(raw)
                if clean != raw:
                    write_atomic(path, clean)
        target = self.records_dir / name
        write_atomic(target, text.encode("utf-8"))
        return target

    def read_records(self) -> list[dict[str, Any]]:
        records = []
        for path in sorted(self.records_dir.glob("*.json")):
            try:
                records.append(json.loads(path.read_text("utf-8")))
            except (OSError, ValueError):
                continue  # only a finished, renamed record is ever a .json file
        return records

    # -- summary and the end of the run (the controller) --------------------------------------

    def read_summary(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads((self.root / SUMMARY).read_text("utf-8"))
        except FileNotFoundError:
            raise BundleError(f"{self.root}: not an evidence bundle (no {SUMMARY})") from None
        except ValueError as exc:
            raise BundleError(f"{self.root / SUMMARY}: not valid JSON ({exc})") from None
        return data

    def write_summary(
        self,
        *,
        profile: str,
        started: str,
        finished: str | None,
        interrupted: bool,
        extra: Mapping[str, Any] | None = None,
        catalogue: Mapping[str, Requirement] | None = None,
        always_listed: tuple[str, ...] | None = None,
    ) -> dict[str, Any]:
        """``catalogue``: the requirements the run knows (default: the Uplift 1.2 suite's);
        ``always_listed``: the ids listed selected or not (default: the Uplift 1.2 ones)."""
        plan = self.read_plan()
        records = self.read_records()
        summary: dict[str, Any] = {
            "schema": SUMMARY_SCHEMA,
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "profile": profile,
            "started": started,
            "finished": finished,
            "interrupted": interrupted,
            **(extra or {}),
            "scenarios": scenario_counts(plan, records),
            "requirements": build_requirements(plan, records, catalogue, always_listed),
            "throughput": throughput_figures(records),
            "radio_links": radio_links(records),
            "recoveries": recoveries(records),
        }
        write_atomic(self.root / SUMMARY, _dump(summary))
        return summary

    def finalize(
        self,
        *,
        profile: str,
        started: str,
        interrupted: bool,
        extra: Mapping[str, Any] | None = None,
        catalogue: Mapping[str, Requirement] | None = None,
        always_listed: tuple[str, ...] | None = None,
        suite_name: str = "smets1-hil",
        sign_key: Any = None,
    ) -> dict[str, Any]:
        """Write the final summary, junit.xml, report.html and, last, the manifest (signed with
        ``sign_key``, an Ed25519 private key, when one is given)."""
        extra = dict(extra or {})
        if sign_key is not None:
            extra["signature"] = signature_entry(sign_key.public_key())
        summary = self.write_summary(
            profile=profile,
            started=started,
            finished=utc_now(),
            interrupted=interrupted,
            extra=extra,
            catalogue=catalogue,
            always_listed=always_listed,
        )
        plan = self.read_plan()
        records = self.read_records()
        host = (summary.get("run") or {}).get("host")
        junit = render_junit(plan, records, suite_name, started=started, hostname=host)
        write_atomic(self.root / "junit.xml", junit)
        html = render_report(summary, records)
        write_atomic(self.root / "report.html", html.encode("utf-8"))
        for leftover in list(self.root.rglob(".*.tmp")):
            leftover.unlink(missing_ok=True)
        write_manifest(self.root)
        if sign_key is not None:
            sign_manifest(self.root, sign_key)
        return summary

    def sign(self, key: Any) -> None:
        """Sign a finished bundle: summary.json names the key, the report shows it, and the
        manifest is rewritten and signed. The bundle must be intact first."""
        from harness.evidence.manifest import verify_bundle

        problems = verify_bundle(self.root)
        if problems:
            raise BundleError(f"{self.root}: not intact, refusing to sign ({problems[0]})")
        summary = self.read_summary()
        summary["signature"] = signature_entry(key.public_key())
        write_atomic(self.root / SUMMARY, _dump(summary))
        html = render_report(summary, self.read_records())
        write_atomic(self.root / "report.html", html.encode("utf-8"))
        write_manifest(self.root)
        sign_manifest(self.root, key)
