"""The results database's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Times are ISO 8601 UTC text (``2026-11-30T05:40:28.025Z``), which sorts as time does on both
engines; JSON-valued columns hold JSON text. Schema version :data:`SCHEMA_VERSION` (see
:mod:`harness.results.migrations`).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 1

metadata = MetaData()

schema_versions = Table(
    "smets1_hil_schema",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", String(40), nullable=False),
    Column("description", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("manifest_sha256", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # suite | bench
    Column("started", String(40), nullable=False),
    Column("finished", String(40)),
    Column("host", String(255)),
    Column("tool_version", String(64)),
    Column("profile", String(64)),
    Column("changes", Text),  # JSON list of the behaviour changes in force
    Column("rig", String(255), nullable=False),  # rig name(s), comma-separated
    Column("rig_file_sha256", String(64)),
    Column("radio_library", String(128)),
    Column("radio_library_version", String(128)),
    Column("exit_status", Integer),
    Column("interrupted", Boolean, nullable=False, default=False),
    Column("evidence_path", Text),
    Column("recorded_at", String(40), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("rig", String(255)),
    Column("role", String(16)),
    Column("ieee", String(16), nullable=False),
    Column("manufacturer", String(255)),
    Column("model", String(255)),
    Column("manufacturer_code", Integer),
    Column("image_type", Integer),
    Column("hardware_version", Integer),
    Column("firmware_before", String(64)),
    Column("firmware_after", String(64)),
    UniqueConstraint("run_id", "rig", "ieee"),
)

requirements = Table(
    "requirements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("requirement", String(64), nullable=False),
    Column("verdict", String(16), nullable=False),  # pass | flaky | fail | not-run | skipped
    Column("selected", Boolean, nullable=False),
    Column("scenarios", Integer, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("flaky", Integer, nullable=False),
    UniqueConstraint("run_id", "requirement"),
)

scenarios = Table(
    "scenarios",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("scenario", Text, nullable=False),
    Column("title", Text),
    Column("requirements", Text),  # JSON list of requirement ids
    Column("rig", String(255)),
    Column("verdict", String(16), nullable=False),  # pass | flaky | fail | error | skipped
    Column("attempts", Integer, nullable=False),
    Column("duration_s", Float),
    Column("started", String(40)),
    Column("failure", Text),
)

attempts = Table(
    "scenario_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("failure", Text),
    Column("duration_s", Float),
)

measurements = Table(
    "measurements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("value_number", Float),
    Column("value_text", Text),
    Column("units", String(64)),
    Column("limit_low", Float),
    Column("limit_high", Float),
    Column("expected", Text),  # JSON of an equals validator's expected value
    Column("outcome", String(16)),
)

transfers = Table(
    "transfers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE")),
    Column("rig", String(255), nullable=False),
    Column("kind", String(32), nullable=False),  # zigbee-ota | serial
    Column("device", String(16), nullable=False),
    Column("role", String(16)),
    Column("firmware", String(64)),
    Column("bytes", Integer),
    Column("blocks", Integer),
    Column("block_size", Integer),
    Column("seconds", Float),
    Column("mb_per_min", Float, nullable=False),
    Column("percent_of_line_rate", Float),
    Column("block_p50_ms", Float),
    Column("block_p95_ms", Float),
    Column("block_p99_ms", Float),
    Column("target", Float),
    Column("target_units", String(32)),
)

Index(
    "transfers_series", transfers.c.rig, transfers.c.device, transfers.c.firmware, transfers.c.kind
)
Index("runs_started", runs.c.started)
Index("scenarios_run", scenarios.c.run_id)
Index("requirements_run", requirements.c.run_id)

#: the tables schema version 1 created, in creation order
VERSION_1_TABLES = (
    runs,
    devices,
    requirements,
    scenarios,
    attempts,
    measurements,
    transfers,
)
