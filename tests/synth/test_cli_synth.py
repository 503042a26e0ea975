"""`ragtune synth` with a teacher that keeps nothing (the tiny random llama): the pilot skips it and says why."""

import json

from cli_helpers import run


def test_synth_prints_and_records_why_the_teacher_was_skipped(tiny_llama_path, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(4):  # short documents: the random llama writes to its token budget, which follows their length
        (docs / f"zephyr-{i}.md").write_text(f"The Zephyr model {i} costs {10 + i} euros. It ships from Utrecht.")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "ragtune.toml").write_text(f'[models]\ngenerator = "{tiny_llama_path}"\ndevice = "cpu"\n'
                                       "[synth]\npairs_per_chunk = 1\npilot_chunks = 2\nbatch_size = 2\n")
    assert run("ingest", str(docs), "-p", str(proj)).exit_code == 0
    result = run("synth", "-p", str(proj))
    assert result.exit_code == 0, result.output
    report = json.loads((proj / "synth" / "synth_report.json").read_text())
    assert len(report["pilot"]) == 2 and all("skipped" in line for line in report["pilot"])
    for line in report["pilot"]:
        assert f"pilot: {line}" in result.text
    assert report["yields"]["teacher"]["asked"] == 2 and report["yields"]["extractive"]["kept"] > 0
    assert (proj / "synth" / "progress" / "teacher.jsonl").is_file()
    again = run("synth", "-p", str(proj))
    assert "4 teacher completions resumed from" in again.text  # the pilot's 2 Q/A + 2 paraphrases, not asked again
