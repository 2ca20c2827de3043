"""The PDF path end to end: a PDF generated from each seed's text (tables as ruled tables),
imported, validated, and measured with the same figures as the text."""

from __future__ import annotations

import pytest
from pdf_writer import write_pdf

from publisher.cli import main
from publisher.importer.accuracy import ROOT, SEEDS, measure
from publisher.importer.pdf import read_pdf
from publisher.importer.run import import_plan


@pytest.mark.parametrize("code,seed,dataset,name", SEEDS, ids=[s[3] for s in SEEDS])
def test_pdf_gives_the_figures_of_its_text(tmp_path, shared, code, seed, dataset, name):
    text = shared / "seeds" / seed
    pdf = write_pdf(text.read_text(encoding="utf-8"), tmp_path / f"{code}.pdf")
    import_plan(pdf, code, tmp_path / f"{code}-pdf")
    import_plan(text, code, tmp_path / f"{code}-text")
    truth = ROOT / "datasets" / dataset
    assert measure(tmp_path / f"{code}-pdf", truth) == measure(tmp_path / f"{code}-text", truth)


def test_pdf_keeps_pages_and_tables_and_its_draft_validates(tmp_path, shared, capsys):
    pdf = write_pdf((shared / "seeds" / "002_aee263bc375defbd.txt").read_text(encoding="utf-8"),
                    tmp_path / "nagasaki.pdf")
    lines = read_pdf(pdf)
    assert max(line.page for line in lines) > 1
    assert "成果指標\t基準値\t目標値" in [line.raw for line in lines]
    folder = tmp_path / "422011-pdf"
    assert main(["import", str(pdf), "--code", "422011", "--out", str(folder)]) == 0
    assert main(["--cache-dir", str(tmp_path / "cache"), "--no-progress", "validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "OK 422011-pdf" in out
    pages = [int(line.split(":")[1]) for line in (folder / "indicators.yaml").read_text(encoding="utf-8").splitlines()
             if line.strip().startswith("page:")]
    assert len(pages) == 5 and max(pages) > 1  # the KPI tables are on several pages


def test_a_file_that_is_not_a_pdf_is_a_clear_error(tmp_path, capsys):
    fake = tmp_path / "plan.pdf"
    fake.write_text("not a pdf", encoding="utf-8")
    assert main(["import", str(fake), "--code", "422011", "--out", str(tmp_path / "422011-x")]) == 2
    err = capsys.readouterr().err
    assert "PDF として読めません" in err and "cannot read it as a PDF" in err and "Traceback" not in err
