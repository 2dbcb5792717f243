"""OFD: a corpus PDF rewritten as OFD must yield the same cells as the PDF itself."""
from __future__ import annotations

import pytest

pytest.importorskip("cv2")

from gongkai.pipelines.document import sniff  # noqa: E402
from gongkai.pipelines.errors import Unreadable  # noqa: E402
from gongkai.pipelines.extract import extract_bytes, extract_path  # noqa: E402

from .helpers import pdf_to_ofd  # noqa: E402

PDFS = ["hongze_2023.pdf", "huaian_2024.pdf", "constructed/pingtan_2023_official_template.pdf"]


@pytest.mark.corpus
@pytest.mark.parametrize("name", PDFS)
def test_ofd_gives_the_pdf_cells(corpus_dir, name):
    path = corpus_dir / "docs" / name
    ofd = pdf_to_ofd(path)
    assert sniff(ofd, "x.ofd") == "ofd"
    got = extract_bytes(ofd, "report.ofd")
    want = extract_path(path)
    assert got["format"] == "ofd"
    assert (got["year"], got["template"]) == (want["year"], want["template"])
    diff = {k: (got["cells"].get(k, "∅"), v) for k, v in want["cells"].items() if got["cells"].get(k, "∅") != v}
    assert not diff
    assert set(got["cells"]) == set(want["cells"])
    assert [c["rule"] for c in got["checks"] if not c["ok"]] == [c["rule"] for c in want["checks"] if not c["ok"]]


def test_broken_ofd_is_unreadable():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml"
                              "</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    with pytest.raises(Unreadable):
        extract_bytes(buf.getvalue(), "x.ofd")
