"""Reading files saved in any encoding people use: each must come out as the characters that were typed.

The files are real bytes written here, the way Excel, Notepad or an old Windows machine saves them.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from core.data.check import build_report
from core.data.encodings import decode
from core.data.files import read_table
from core.data.texts import load_texts

SHARED = Path(__file__).parents[1].parent / "shared" / "datasets"

# simplified review text with the traditional characters real reviews hold (點 體 還 說 這 個 們 來 會 對 時 後)
SUBJECTS = ["这个手机", "衣服的面料", "这本書", "耳機的音质", "酒店的房間", "快递", "客服", "这家店的東西", "屏幕",
            "电池", "包装", "整體做工"]
PRAISE = ["很好，非常滿意", "不错，還會再来买", "整體感覺很好，點讚", "速度很快，五星好评", "性价比高，推荐購買",
          "說實話超出預期", "质量还不错，這個價格很值", "用了一个月了，沒有问题", "比實體店便宜，正品",
          "朋友們都說好看"]
COMPLAINTS = ["太差了，不會再买", "质量不行，還說是正品", "等了一个星期才到，體验很差", "用了兩天就壞了",
              "客服態度差，不推荐", "和描述的不一樣，退货了", "做工粗糙，有點失望", "發熱嚴重，電池不耐用",
              "包装破损，里面还少了東西", "時間太長了"]


def chinese_reviews(rows: int = 300, seed: int = 7) -> list[tuple[str, str]]:
    """(review, label) pairs: 好评 for praise, 差评 for complaints, in a fixed random order."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(rows):
        good = rng.random() < 0.5
        text = rng.choice(SUBJECTS) + rng.choice(PRAISE if good else COMPLAINTS) + rng.choice(["。", "！", "", "~"])
        pairs.append((text, "好评" if good else "差评"))
    return pairs


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _csv(header: tuple[str, ...], rows: list[tuple[str, ...]], newline: str = "\r\n") -> str:
    """A CSV as Excel writes it: a field holding a comma is quoted."""
    return newline.join(",".join(f'"{v}"' if "," in v else v for v in r) for r in [header, *rows]) + newline


@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
def test_chinese_excel_file_with_traditional_characters_is_chinese(tmp_path, codec):
    reviews = chinese_reviews()
    chars = [ch for text, _ in reviews for ch in text]
    assert sum(_in_gb2312(ch) for ch in chars) < 0.85 * len(chars)  # real reviews: ~77% inside GB2312
    path = tmp_path / "reviews.csv"
    path.write_bytes(_csv(("编号", "评论", "标签"), [(str(i + 1), t, lab) for i, (t, lab) in enumerate(reviews)])
                     .encode(codec))
    table = read_table(path)
    assert table.encoding == "gb18030"
    assert list(table.frame.columns) == ["编号", "评论", "标签"]
    assert table.frame["评论"].tolist() == [t for t, _ in reviews]
    assert set(table.frame["标签"]) == {"好评", "差评"}
    assert "GB18030" in table.encoding_note and "'编号,评论,标签'" in table.encoding_note
    assert f"'1,{reviews[0][0]},{reviews[0][1]}'" in table.encoding_note  # the first rows as read
    data = load_texts(path)
    assert (data.text_column, data.label_column) == ("评论", "标签") and data.labels[:3] == [r[1] for r in reviews[:3]]


def test_the_data_check_says_how_a_non_utf8_file_was_read(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(_csv(("评论", "标签"), chinese_reviews(120)).encode("gb18030"))
    report = build_report(load_texts(path))
    assert (report.encoding, report.encoding_note) == ("gb18030", load_texts(path).encoding_note)
    first = report.warnings[0]
    assert first.code == "encoding" and "GB18030" in first.message and "'评论,标签'" in first.message
    assert "CSV UTF-8" in first.fix
    assert report.to_dict()["encoding"] == "gb18030"


def test_big5_file_is_traditional_chinese(tmp_path):
    rows = [("這個產品質量很好，我還會再買", "好評"), ("物流太慢了，體驗很差", "差評"),
            ("手機螢幕很漂亮，電池也耐用", "好評"), ("客服態度不好，等了很久才回覆", "差評"),
            ("價格實惠，包裝也很精美", "好評"), ("說明書寫得不清楚", "差評")] * 5
    path = tmp_path / "評論.csv"
    path.write_bytes(_csv(("評論", "標籤"), rows).encode("big5"))
    table = read_table(path)
    assert table.encoding == "cp950" and "Big5" in table.encoding_note
    assert list(table.frame.columns) == ["評論", "標籤"]
    assert table.frame["評論"].tolist() == [t for t, _ in rows] and set(table.frame["標籤"]) == {"好評", "差評"}


def test_shift_jis_file_is_japanese(tmp_path):
    rows = [("この商品はとても良かったです。また買いたいと思います", "良い"), ("配送が遅くて残念でした", "悪い"),
            ("サービスが最高でした", "良い"), ("サイズが合わなかったので返品しました", "悪い")] * 4
    path = tmp_path / "reviews.csv"
    path.write_bytes(_csv(("本文", "ラベル"), rows, "\n").encode("shift_jis"))
    table = read_table(path)
    assert table.encoding == "cp932" and "Shift-JIS" in table.encoding_note
    assert list(table.frame.columns) == ["本文", "ラベル"]
    assert table.frame["本文"].tolist() == [t for t, _ in rows]


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
def test_western_french_file_keeps_its_accents(tmp_path, codec):
    rows = [("Très bon produit, je suis ravi de l'achat", "positif"), ("Déçu : la qualité n'est pas là", "négatif"),
            ("Ça marche très bien, livré à l'heure", "positif"), ("Le garçon a reçu un cadeau abîmé", "négatif"),
            ("Où est passée la notice ? Aucune idée", "négatif"), ("Élégant et pratique, je le conseille", "positif")]
    if codec == "cp1252":  # what Windows adds to Latin-1: œ, curly quotes, the euro
        rows += [("Un chef-d’œuvre, « cœur » compris, pour 20 €", "positif")]
    path = tmp_path / "avis.csv"
    path.write_bytes(_csv(("texte", "étiquette"), rows).encode(codec))
    table = read_table(path)
    assert table.encoding == "cp1252" and "Western European" in table.encoding_note
    assert list(table.frame.columns) == ["texte", "étiquette"]
    assert table.frame["texte"].tolist() == [t for t, _ in rows]


def test_utf8_file_with_a_stray_windows_quote_stays_utf8_and_names_its_line(tmp_path):
    reviews = chinese_reviews(40)
    lines = [line.encode("utf-8") for line in _csv(("评论", "标签"), reviews, "\n").splitlines()]
    lines[3] = "质量不错".encode() + b"\x92" + "s fine,好评".encode()  # a pasted Windows apostrophe (0x92)
    lines[20] = lines[20] + b"\x93"  # a stray byte after the label
    path = tmp_path / "reviews.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    table = read_table(path)
    assert table.encoding == "utf-8"
    texts = table.frame["评论"].tolist()
    assert texts[2] == "质量不错\ufffds fine" and table.frame["标签"][19] == reviews[19][1] + "\ufffd"
    assert texts[:2] + texts[3:] == [t for t, _ in reviews[:2] + reviews[3:]]  # every Chinese character intact
    assert "lines 4, 21 hold" in table.encoding_note
    report = build_report(load_texts(path))
    assert report.warnings[0].code == "bad_bytes" and "lines 4, 21" in report.warnings[0].message


def test_short_files_get_the_obvious_reading(tmp_path):
    cases = {
        "文本,标签\r\n好,好评\r\n".encode("gb18030"): ("gb18030", "好评"),
        "text,label\ncafé,pos\n".encode("latin-1"): ("cp1252", "café"),
        b"text,label\nit\x92s fine,pos\n": ("cp1252", "it\u2019s fine"),  # one Windows quote in English
        "text,label\nGrüße,pos\n".encode("cp1252"): ("cp1252", "Grüße"),
        "text,label\nGreat phone 很好,pos\n".encode("big5"): ("cp950", "很好"),
        "文本,标签\n好".encode() + b"\x92" + ",好评\n".encode(): ("utf-8", "好\ufffd"),
    }
    for raw, (encoding, cell) in cases.items():
        decoded = decode(raw)
        assert decoded.encoding == encoding and cell in decoded.text, raw


def test_one_line_gbk_json_file_is_sampled_without_splitting_characters(tmp_path):
    rows = [{"text": t, "label": lab} for t, lab in chinese_reviews(3000)]
    path = tmp_path / "reviews.json"
    path.write_bytes(json.dumps(rows, ensure_ascii=False).encode("gb18030"))  # 170 kB on one line
    table = read_table(path)
    assert table.encoding == "gb18030" and table.frame["text"].tolist() == [r["text"] for r in rows]


def test_ascii_and_utf8_files_are_utf8_without_a_note(tmp_path):
    for raw in (b"text,label\nfine,pos\n", "文本,标签\n很好,好评\n".encode()):
        assert decode(raw).encoding == "utf-8" and decode(raw).note is None
    path = tmp_path / "plain.csv"
    path.write_bytes(b"text,label\nfine,pos\nbad,neg\n")
    assert read_table(path).encoding_note is None and build_report(load_texts(path)).encoding_note is None


def test_byte_order_marks_win(tmp_path):
    text = "文本,标签\n很好,好评\n"
    assert decode(b"\xef\xbb\xbf" + text.encode()).encoding == "utf-8-sig"
    broken = decode(b"\xef\xbb\xbf" + text.encode() + b"\x92,x\n")  # the BOM says UTF-8, whatever the rest says
    assert broken.encoding == "utf-8-sig" and broken.text.endswith("\ufffd,x\n") and "line 3 holds" in broken.note
    for codec in ("utf-16", "utf-32"):
        decoded = decode(text.encode(codec))  # Python writes the BOM
        assert decoded.encoding == codec and decoded.text == text and decoded.note is None


def test_a_big_gbk_file_decodes_quickly(tmp_path):
    block = _csv(("评论", "标签"), chinese_reviews(2000)).encode("gb18030")
    raw = block * max(1, 25_000_000 // len(block))  # 25 MB
    start = time.perf_counter()
    decoded = decode(raw)
    elapsed = time.perf_counter() - start
    assert decoded.encoding == "gb18030" and decoded.text.count("\n") == raw.count(b"\n")
    assert elapsed < 5.0, f"{elapsed:.1f} s for 25 MB"  # about 0.3 s on a quiet machine


def test_real_sms_spam_file_still_reads_whole():
    path = SHARED / "sms_spam" / "SMSSpamCollection"
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not here")
    data = load_texts(path)
    assert len(data) == 5574 and data.encoding == "utf-8"


def test_inspect_data_json_names_the_encoding(tmp_path, capsys):
    from core.cli import main

    path = tmp_path / "reviews.csv"
    path.write_bytes(_csv(("评论", "标签"), chinese_reviews(60)).encode("gb18030"))
    assert main(["inspect-data", str(path), "--json", "--model", str(tmp_path / "no-model")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["encoding"] == "gb18030" and "GB18030" in report["encoding_note"]
    assert "encoding" in [p["code"] for p in report["problems"]]


def test_the_data_page_says_how_a_gbk_file_was_read(empty_workspace, open_page):
    from tests.pagetext import assert_no_error, messages

    folder = empty_workspace / "datasets"
    folder.mkdir(parents=True)
    (folder / "reviews.csv").write_bytes(_csv(("评论", "标签"), chinese_reviews(60)).encode("gb18030"))
    at = open_page("data").run()
    at.selectbox[0].select(next(o for o in at.selectbox[0].options if o.startswith("reviews.csv"))).run()
    assert_no_error(at)
    assert (at.selectbox[1].value, at.selectbox[2].value) == ("评论", "标签")
    warnings = messages(at, "warning")
    assert "read as GB18030" in warnings and "'评论,标签'" in warnings and "CSV UTF-8" in warnings
    assert warnings.count("read as GB18030") == 1 and "GB18030" not in messages(at, "info")  # said once
