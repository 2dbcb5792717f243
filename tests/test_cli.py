"""The `gongkai` command line: help texts with examples, `extract` output and exit codes."""
from __future__ import annotations

import json
from importlib import resources

import pytest
from click.testing import CliRunner

from gongkai.cli import main

COMMANDS = sorted(main.commands)


def test_all_documented_commands_exist():
    assert set(COMMANDS) >= {"sample-portal", "crawl", "extract", "build", "run", "export", "serve", "demo"}


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_an_example(command):
    args = [command, "--help"] if command else ["--help"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert "gongkai " in result.output.split("Example", 1)[1]


def _seed_text() -> str:
    return resources.files("gongkai.sample_portal").joinpath("data/seed_jianxi_2019.txt").read_text(encoding="utf-8")


@pytest.fixture
def tiny_report(tmp_path):
    """A small 2019-format report as plain text, saved under a misleading extension: the format
    must be sniffed from the content."""
    path = tmp_path / "report.bin"
    path.write_text(_seed_text(), encoding="utf-8")
    return path


def test_extract_prints_the_record_as_json(tiny_report):
    result = CliRunner().invoke(main, ["extract", str(tiny_report), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["year"] == 2019
    assert record["template"] == "2019"
    assert record["cells"]["t3.new.total"] == 16
    assert "text" not in record
    assert "涧西区" in result.stdout  # ensure_ascii=False


def test_extract_sniffs_a_docx_named_pdf(tmp_path):
    import docx

    document = docx.Document()
    for line in _seed_text().splitlines():
        document.add_paragraph(line)
    path = tmp_path / "report.pdf"
    document.save(path)
    result = CliRunner().invoke(main, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["format"] == "docx"
    assert (record["year"], record["issuer"]) == (2019, "涧西区人民政府")


def test_extract_with_text(tiny_report):
    result = CliRunner().invoke(main, ["extract", str(tiny_report), "--with-text"])
    assert result.exit_code == 0, result.output
    assert "征迁" in json.loads(result.stdout)["text"]


@pytest.mark.parametrize("name, content", [
    ("garbage.pdf", b"%PDF-1.4\n\x00\x01 not really a pdf \xff\xfe" * 10),
    ("news.html", "<html><head><title>区政府召开常务会议</title></head><body><h1>区政府召开常务会议</h1>"
                  "<p>会议研究部署了近期重点工作。</p></body></html>".encode("utf-8")),
    ("empty.txt", b""),
])
def test_extract_rejects_with_exit_2_and_one_line(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["extract", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0]


def test_extract_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "nope.pdf")])
    assert result.exit_code == 2
