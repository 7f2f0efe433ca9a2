"""Markdown report per destination: the questions of the hand-written RETL reports,
answered from the verdicts, each answer followed by its evidence.

Every value that comes from a definition goes through ``capcheck.escape``: plain text
with ``<``/``>``/``&`` neutralised (``md_text``), names as code spans no backtick can
close (``code_span``), table cells with pipes escaped (``md_cell``/``code_cell``)."""

from __future__ import annotations

import json

from capcheck.escape import code_cell, code_span, md_cell, md_text
from capcheck.model import CAPABILITIES, Evidence, LoadError, Report, Status, Verdict

# The hand-written reports' spelling: "VDM V1".
CAPABILITY_LABELS = {cid: name.replace("VDM v", "VDM V") for cid, name in CAPABILITIES.items()}
STATUS_TEXT = {
    Status.SUPPORTED: "Supported",
    Status.PARTIAL: "Partial",
    Status.NOT_SUPPORTED: "Not Supported",
    Status.NOT_APPLICABLE: "Not Applicable",
    Status.UNKNOWN: "Unknown",
}
YES_NO = {
    Status.SUPPORTED: "Yes",
    Status.PARTIAL: "Partial",
    Status.NOT_SUPPORTED: "No",
    Status.NOT_APPLICABLE: "Not applicable",
    Status.UNKNOWN: "Unknown",
}


def evidence_line(ev: Evidence) -> str:
    where = f" ({ev.location.short()})" if ev.location and ev.location.line else (
        f" ({ev.location.file})" if ev.location else "")
    return f"- {md_text(ev.fact + where)}"


def _evidence_block(verdict: Verdict) -> list[str]:
    return ["Evidence:", *(evidence_line(e) for e in verdict.evidence), ""]


def _status_line(verdict: Verdict | None, name: str) -> str:
    if verdict is None:
        return f"- **{md_text(name)}**: not evaluated"
    return f"- **{md_text(name)}**: {STATUS_TEXT[verdict.status]} ({md_text(verdict.message)})"


def render_report(report: Report) -> str:
    v = {verdict.capability: verdict for verdict in report.verdicts}
    retl = v.get("retl")
    out: list[str] = [f"# {md_text(report.display_name)} RETL Functionality", ""]
    out += [f"Destination {code_span(report.name)}, definition "
            f"{code_span(report.definition_dir)}.", ""]
    problems = report.extras.get("problems", ())
    unreadable = {p.field for p in problems}
    if problems:
        out += ["## Definition problems", "",
                "These fields have the wrong shape; what depends on them is unknown, the "
                "rest is decided as usual.", ""]
        out += [f"- {code_span(p.pointer or '/')}: {md_text(p.message)} "
                f"({md_text(p.location.short())})" for p in problems]
        out.append("")

    out += ["## Is RETL supported at all?", ""]
    if retl is not None:
        out += [f"**RETL (Reverse ETL) Support**: **{STATUS_TEXT[retl.status]}**", ""]
        out += [f"{md_text(retl.message)}.", ""] + _evidence_block(retl)

    out += ["## Which type of RETL support does it have?", ""]
    for cap_id in ("json_mapper", "vdm_v1", "vdm_v2"):
        out.append(_status_line(v.get(cap_id), CAPABILITY_LABELS[cap_id]))
    known = set(CAPABILITY_LABELS)
    for extra in report.verdicts:  # capabilities added by --rules files
        if extra.capability not in known:
            out.append(_status_line(extra, extra.title))
    out.append("")

    for cap_id, question in (("vdm_v1", "Does it have VDM support?"),
                             ("vdm_v2", "Does it have VDM v2 support?")):
        asked = v.get(cap_id)
        if asked is None:
            continue
        out += [f"## {question}", "", f"**{YES_NO[asked.status]}**: {md_text(asked.message)}.",
                ""]
        out += _evidence_block(asked)
    if "json_mapper" in v:
        jm = v["json_mapper"]
        out += ["## Does it support the JSON Mapper?", "",
                f"**{YES_NO[jm.status]}**: {md_text(jm.message)}.", ""] + _evidence_block(jm)
    for extra in report.verdicts:
        if extra.capability not in known:
            out += [f"## {md_text(extra.title)}", "", f"**{YES_NO[extra.status]}**: "
                    f"{md_text(extra.message)}.", ""] + _evidence_block(extra)

    out += ["## Connection config", ""]
    out += _connection_section(report)

    out += ["## Supported source types", ""]
    if unreadable & {"", "/config", "/config/supportedSourceTypes"}:
        out += ["`supportedSourceTypes` could not be read (see Definition problems).", ""]
    else:
        # json.dumps keeps the value on one line starting with `{`: no fence can close early.
        out += ["```json", json.dumps({"supportedSourceTypes": list(report.source_types)}),
                "```", ""]
    if report.source_types_location is not None:
        out += [f"Declared at {md_text(report.source_types_location.short())}.", ""]
    if retl is not None and retl.status is Status.NOT_SUPPORTED:
        out += ["`warehouse` is not among them, so warehouse (RETL) sources cannot connect.", ""]

    out += ["## Supported message types", ""]
    if unreadable & {"", "/config", "/config/supportedMessageTypes"}:
        out.append("`supportedMessageTypes` could not be read (see Definition problems).")
    elif report.message_types:
        out += ["| Scope | Message types |", "| --- | --- |"]
        out += [f"| {md_cell(scope)} | {md_cell(', '.join(types))} |"
                for scope, types in report.message_types.items()]
    else:
        out.append("`supportedMessageTypes` is not declared.")
    out.append("")

    out += ["## Transformer code", "", f"{md_text(_sentence(report.transformer.note))}", ""]
    if report.extras.get("mapper"):
        out += _mapper_section(report, str(report.extras["mapper"]))
    return "\n".join(out).rstrip("\n") + "\n"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _connection_section(report: Report) -> list[str]:
    cc = report.connection_config
    if cc is None:
        return ["Not applicable: RETL is not supported.", ""]
    unreadable = {p.field for p in report.extras.get("problems", ())}
    secret_unknown = "/config/secretKeys" in unreadable
    required_unknown = "schema.json#/configSchema/required" in unreadable
    out = ["Settings of a warehouse connection (`destConfig.defaultConfig` + "
           "`destConfig.warehouse`):", ""]
    if cc.settings:
        out += ["| Setting | Label | Secret | Required | From |", "| --- | --- | --- | --- | --- |"]
        for s in cc.settings:
            where = code_cell(s.scope)
            label = md_cell(s.label) if s.label else (
                "(unlabelled field)" if s.label_location else "(no field in ui-config.json)")
            out.append(
                f"| {code_cell(s.key)} | {label} | "
                f"{'unknown' if secret_unknown else 'yes' if s.secret else 'no'} | "
                f"{'unknown' if required_unknown else 'yes' if s.required else 'no'} | "
                f"{where} |"
            )
    elif "/config/destConfig" in unreadable:
        out.append("The settings are unknown (see Definition problems).")
    else:
        out.append("No settings are listed.")
    out += [""]
    modes = ", ".join(code_span(m) for m in cc.connection_modes) or "none declared"
    if "/config/supportedConnectionModes" in unreadable:
        modes = "unknown (see Definition problems)"
    out.append(f"- **Warehouse connection modes**: {modes}")
    sync = ", ".join(code_span(s) for s in cc.sync_behaviours) or "none declared"
    if "/config/syncBehaviours" in unreadable:
        sync = "unknown (see Definition problems)"
    out.append(f"- **Sync behaviours**: {sync}")
    out += ["", "Evidence:", *(evidence_line(e) for e in cc.evidence), ""]
    return out


def _mapper_section(report: Report, mapper: str) -> list[str]:
    return [
        "## Alternative approaches for warehouse data",
        "",
        f"capcheck bundles a {md_text(report.display_name)} event mapper that builds the "
        "requests the "
        "production destination would send, so warehouse rows can be turned into events and "
        "replayed or inspected:",
        "",
        "```sh",
        f"capcheck map {mapper} --rows users.csv --as identify --columns columns.yaml "
        "--config config.json",
        f"capcheck map {mapper} events.jsonl --config config.json",
        "```",
        "",
    ]


def render(reports: list[Report], errors: list[LoadError] | None = None) -> str:
    """One report per destination (load errors go to stderr, not into the reports)."""
    return "\n".join(render_report(r) for r in reports)
