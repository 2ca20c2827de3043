"""Normalisation of Japanese text before term matching.

Plans write the same word in several ways: full- and half-width letters and digits, old and new
kanji forms (旧字体 / 新字体), okurigana variants (取り組み / 取組み / 取組), kana or kanji (子供 /
子ども, 障害 / 障がい), and PDF extraction adds stray spaces (「S D G s」). :func:`normalize`
maps all of these to one form. The tagger applies it to the plan's text and to every term of its
dictionary, so a term written in any of the forms matches text written in any other.

Steps, in order:

1. Unicode NFKC: full-width ASCII and half-width kana become their ordinary forms
   (``ＳＤＧｓ`` → ``SDGs``, ``ｶﾞ`` → ``ガ``), compatibility ideographs become unified ones.
2. ASCII letters to lower case.
3. Old kanji forms to the new ones (:data:`KYUJITAI`, the common 旧字体 of the Jōyō list).
4. Spelling variants to one form (:data:`VARIANTS`): okurigana, kana/kanji, 障がい/障害, …
5. Whitespace and the separators ``・`` and ``･`` removed.

>>> normalize("ＳＤＧｓ の 取り組み")
'sdgsの取組'
>>> normalize("子供の學習環境")
'子どもの学習環境'
>>> normalize("障がいのあるかた・高齢者")
'障害のあるかた高齢者'
>>> normalize("取組み") == normalize("取り組み") == normalize("取組")
True
"""

from __future__ import annotations

import re
import unicodedata

#: 旧字体 → 新字体 for the common kanji whose old form still appears in names and older texts.
KYUJITAI: dict[str, str] = dict(zip(
    "亞惡壓圍醫爲壹隱營榮衞驛圓鹽奧應歐毆價假會壞懷繪擴殼覺學嶽樂勸卷歡罐觀關陷巖顏歸氣"
    "僞戲犧舊據擧峽挾狹曉區驅勳徑惠溪經繼莖螢輕鷄藝缺儉劍圈檢權獻縣險顯驗嚴效廣恆鑛號"
    "國濟碎齋劑雜參慘棧蠶贊殘絲齒兒辭濕實舍寫釋壽收從澁獸縱肅處敍將燒稱證乘剩壤孃條淨"
    "疊讓釀觸囑神眞寢愼盡圖粹醉隨髓數樞聲靜齊攝專戰淺潛纖踐錢禪雙壯搜插爭總聰莊裝騷臟"
    "藏屬續墮體對帶滯臺瀧擇澤單擔膽團彈斷癡遲晝蟲鑄廳聽敕鎭遞鐵轉點傳黨盜燈當鬪獨讀屆"
    "繩貳惱腦霸廢拜賣麥發髮拔蠻祕濱甁拂佛竝變邊辨瓣辯舖步穗寶萠豐沒飜萬滿默餠彌藥譯豫"
    "餘與譽搖樣謠來賴亂覽龍兩獵綠壘勞樓祿灣粹緣麵",
    "亜悪圧囲医為壱隠営栄衛駅円塩奥応欧殴価仮会壊懐絵拡殻覚学岳楽勧巻歓缶観関陥巌顔帰気"
    "偽戯犠旧拠挙峡挟狭暁区駆勲径恵渓経継茎蛍軽鶏芸欠倹剣圏検権献県険顕験厳効広恒鉱号"
    "国済砕斎剤雑参惨桟蚕賛残糸歯児辞湿実舎写釈寿収従渋獣縦粛処叙将焼称証乗剰壌嬢条浄"
    "畳譲醸触嘱神真寝慎尽図粋酔随髄数枢声静斉摂専戦浅潜繊践銭禅双壮捜挿争総聡荘装騒臓"
    "蔵属続堕体対帯滞台滝択沢単担胆団弾断痴遅昼虫鋳庁聴勅鎮逓鉄転点伝党盗灯当闘独読届"
    "縄弐悩脳覇廃拝売麦発髪抜蛮秘浜瓶払仏並変辺弁弁弁舗歩穂宝萌豊没翻万満黙餅弥薬訳予"
    "余与誉揺様謡来頼乱覧竜両猟緑塁労楼禄湾粋縁麺",
    strict=True,
))

#: Spelling variants → the one form used in the dictionary. Applied one after the other, in this
#: order, so that a replacement can complete an earlier one (取り組み → 取組み → 取組).
VARIANTS: tuple[tuple[str, str], ...] = (
    # okurigana of compound nouns (公用文の送り仮名 and the forms plans actually use)
    ("取り組", "取組"), ("取組み", "取組"), ("受け入れ", "受入"), ("受入れ", "受入"),
    ("引き継ぎ", "引継"), ("引継ぎ", "引継"), ("申し込み", "申込"), ("申込み", "申込"),
    ("取り扱い", "取扱"), ("取扱い", "取扱"), ("手続き", "手続"), ("話し合い", "話合"),
    ("話合い", "話合"), ("支え合い", "支え合"), ("支えあい", "支え合"), ("助け合い", "助け合"),
    ("助けあい", "助け合"), ("貸し出し", "貸出"), ("貸出し", "貸出"), ("問い合わせ", "問合せ"),
    ("売り上げ", "売上"), ("売上げ", "売上"), ("立ち上げ", "立上げ"), ("呼び掛け", "呼びかけ"),
    ("働き掛け", "働きかけ"), ("見守り", "見守"), ("受け付け", "受付"),
    ("受付け", "受付"), ("繰り越し", "繰越"), ("取り残", "取残"), ("落ち着", "落着"),
    ("行なう", "行う"), ("行ない", "行い"),
    # kana or kanji
    ("子供", "子ども"), ("こども", "子ども"), ("障がい", "障害"), ("障碍", "障害"),
    ("生かし", "活かし"), ("生かす", "活かす"), ("生かせ", "活かせ"), ("繋が", "つなが"),
    ("繋ぐ", "つなぐ"), ("繋げ", "つなげ"), ("連繫", "連携"), ("連繋", "連携"),
    ("ゴミ", "ごみ"), ("塵芥", "ごみ"), ("沢山", "たくさん"), ("様々", "さまざま"),
    ("全て", "すべて"), ("更に", "さらに"), ("係わ", "関わ"), ("拘わ", "関わ"),
    ("関わらず", "かかわらず"), ("かかわり", "関わり"), ("かかわる", "関わる"),
    ("出来る", "できる"), ("出来", "でき"), ("ヶ", "か"), ("ヵ", "か"),
    ("空き家", "空家"), ("空き地", "空地"), ("賑わ", "にぎわ"), ("ウエルビーイング", "ウェルビーイング"),
    ("ワーク・ライフ・バランス", "ワークライフバランス"), ("しあわせ", "幸せ"), ("仕合わせ", "幸せ"),
    ("さまたげ", "妨げ"), ("すまい", "住まい"),
)

_SPACES = re.compile(r"[\s・･]+")
_KYUJI = str.maketrans(KYUJITAI)


def normalize(text: str) -> str:
    """The text in the one form the tagger matches on (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_KYUJI)
    text = _SPACES.sub("", text)
    for variant, form in VARIANTS:
        if variant in text:
            text = text.replace(variant, form)
    return text
