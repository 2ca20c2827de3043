"""The words of the site's pages, in Japanese (first) and English.

>>> t("nav.search", "en")
'Search'
>>> t("nav.search", "ja")
'検索'
"""

from __future__ import annotations

LANGS = ("ja", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "site.name": ("自治体総合計画 LOD", "Municipal plans LOD"),
    "site.tagline": ("日本の市町村の総合計画を、比べて調べられるオープンデータに。",
                     "Japanese municipalities' comprehensive plans as open data you can compare and query."),
    "nav.home": ("トップ", "Home"),
    "nav.compare": ("自治体比較", "Compare cities"),
    "nav.coverage": ("収録状況", "Coverage"),
    "nav.search": ("検索", "Search"),
    "nav.query": ("SPARQL クエリ", "SPARQL query"),
    "nav.downloads": ("ダウンロード", "Downloads"),
    "nav.catalog": ("データカタログ", "Catalog"),
    "nav.ontology": ("語彙", "Vocabulary"),
    "lang.switch": ("English", "日本語"),
    "search.placeholder": ("名前で検索（例: 幸福）", "Search names (e.g. 幸福)"),
    "search.button": ("検索", "Search"),
    "search.results": ("件見つかりました", "results"),
    "search.none": ("見つかりませんでした。", "Nothing found."),
    "search.facets": ("絞り込み", "Narrow the results"),
    "search.facet.prefecture": ("都道府県", "Prefecture"),
    "search.facet.municipality": ("自治体", "Municipality"),
    "search.facet.level": ("階層・種類", "Level or kind"),
    "search.facet.sdg": ("SDGs の目標", "SDG goal"),
    "search.facet.all": ("すべて", "all"),
    "compare.prefecture": ("都道府県", "Prefecture"),
    "compare.all": ("全国", "All of Japan"),
    "home.what": ("これは何？", "What is this?"),
    "home.what.text": (
        "総合計画は、市町村が将来像・基本目標・政策・施策・主な取組と成果指標（KPI）を定める最上位の計画です。"
        "ここでは各市の計画を PDF から書き起こし、共通の語彙（mplan）で記述して公開しています。"
        "自治体ごとに呼び方が違う階層（基本施策、施策の柱など）も共通の5階層にそろえてあるので、"
        "自治体をまたいで比べたり検索したりできます。",
        "A comprehensive plan (総合計画) is a municipality's top-level plan: its vision, goals, policies, "
        "measures, actions and outcome indicators (KPIs). Here each plan is transcribed from its PDF and "
        "described with one shared vocabulary (mplan), with every city's own level names mapped onto five "
        "shared levels, so that plans can be compared and queried across cities."),
    "home.how": ("使い方", "How to use it"),
    "home.how.browse": ("下の一覧から自治体や計画を開くと、将来像から取組まで計画全体と指標が見られます。",
                        "Open a municipality or plan below to see the whole plan, from vision to actions, with its indicators."),
    "home.how.query": ("SPARQL エンドポイントで自治体をまたいだ問い合わせができます（例のクエリあり）。",
                       "Ask questions across cities on the SPARQL endpoint (example queries included)."),
    "home.how.download": ("全データを Turtle・JSON-LD・N-Triples・CSV でダウンロードできます。",
                          "Download everything as Turtle, JSON-LD, N-Triples or CSV."),
    "home.how.ld": ("すべての IRI は解決でき、Accept ヘッダーや拡張子（.ttl .jsonld .nt .rdf）で形式を選べます。",
                    "Every IRI resolves; choose a format with the Accept header or an extension (.ttl .jsonld .nt .rdf)."),
    "home.how.coverage": ("全国の市区町村と都道府県のうち、どこの計画があるか（地図、都道府県別の数、計画の終わる年度）。",
                          "Which of Japan's municipalities and prefectures have a plan here (map, counts by prefecture, when plans end)."),
    "home.municipalities": ("自治体と計画", "Municipalities and plans"),
    "home.counts": ("収録数", "In numbers"),
    "count.municipalities": ("自治体", "municipalities"),
    "count.plans": ("計画", "plans"),
    "count.elements": ("計画要素", "plan elements"),
    "count.indicators": ("指標", "indicators"),
    "count.values": ("指標値", "indicator values"),
    "count.links": ("SDGs 等への対応付け", "SDG and domain links"),
    "count.triples": ("トリプル", "triples"),
    "plan.tree": ("計画の体系", "Plan structure"),
    "plan.facts": ("概要", "Overview"),
    "plan.municipality": ("自治体", "Municipality"),
    "plan.status": ("段階", "Stage"),
    "plan.period": ("計画期間", "Period"),
    "plan.issued": ("発行", "Issued"),
    "plan.edition": ("次数", "Edition"),
    "plan.layers": ("計画の構成", "Layers"),
    "plan.viewpoints": ("横断的な視点", "Cross-cutting viewpoints"),
    "plan.events": ("策定の経過", "Planning process"),
    "plan.situation": ("現状と課題", "Situation analysis"),
    "plan.plan_indicators": ("計画全体の指標", "Plan-wide indicators"),
    "plan.notes": ("書き起こしの注記", "Transcription notes"),
    "plan.principles": ("策定の考え方", "Principles"),
    "plan.positioning": ("計画の位置づけ", "Positioning"),
    "plan.review": ("進行管理", "Review cycle"),
    "plan.legal": ("根拠", "Legal basis"),
    "plan.alternative": ("別名", "Also called"),
    "plan.counts": ("要素 {elements} ・ 指標 {indicators}", "{elements} elements · {indicators} indicators"),
    "element.children": ("下位の要素", "Elements below"),
    "element.level": ("階層", "Level"),
    "element.local_term": ("この市の呼び方", "This city's term"),
    "element.notation": ("番号", "Code"),
    "element.unit": ("担当", "Responsible unit"),
    "element.target_state": ("めざす姿", "Target state"),
    "element.target_subject": ("対象", "Who"),
    "element.target_intent": ("意図", "Intended state"),
    "element.target_year": ("目標年", "By"),
    "element.approaches": ("取組方針", "Approaches"),
    "element.indicators": ("指標", "Indicators"),
    "element.highlights": ("ポイント", "Key points"),
    "element.related_plans": ("関連する計画等", "Related plans"),
    "element.subtitle": ("副題", "Subtitle"),
    "element.title_as_written": ("記載どおりの名称", "Title as written"),
    "links.title": ("SDGs・政策分野との対応", "Links to SDGs and policy domains"),
    "links.none": ("まだ対応付けはありません。", "No links yet."),
    "links.none.detail": (
        "計画の文書が宣言した対応、編集者が確認した対応、タグ付けツールが提案した対応が入ると、ここに出典とともに表示されます。",
        "Links the plans declare, links editors curate and links the tagger suggests will appear here, each with its provenance."),
    "basis.declared": ("計画が宣言", "declared by the plan"),
    "basis.curated": ("編集者が確認", "curated by an editor"),
    "basis.suggested": ("ツールが提案", "suggested by the tagger"),
    "basis.asserted": ("宣言または確認", "declared or curated"),
    "basis.filter": ("表示する根拠", "Show links"),
    "links.item": ("要素", "Item"),
    "links.target": ("対応先", "Linked to"),
    "links.city": ("自治体", "Municipality"),
    "links.basis": ("根拠", "Basis"),
    "links.score": ("スコア", "Score"),
    "links.who": ("誰が", "By"),
    "links.evidence": ("根拠となる語", "Evidence"),
    "links.targets": ("ターゲット", "Targets"),
    "links.goal": ("ゴール", "Goal"),
    "links.count": ("{n} 件の対応", "{n} links"),
    "links.only": ("この自治体の計画の対応だけを表示", "Only the links in the plans of"),
    "links.all_cities": ("すべての自治体を表示", "Show every municipality"),
    "indicator.chart": ("推移と目標", "Baseline, actuals and target"),
    "indicator.values": ("値", "Values"),
    "indicator.kind": ("種類", "Kind"),
    "indicator.year": ("年度", "Fiscal year"),
    "indicator.value": ("値", "Value"),
    "indicator.as_written": ("原文の表記", "As written"),
    "indicator.measures": ("測る対象", "Measures"),
    "indicator.unit": ("単位", "Unit"),
    "indicator.direction": ("望ましい方向", "Good direction"),
    "indicator.direction_basis": ("方向の根拠", "Why"),
    "indicator.data_source": ("データの出所", "Data source"),
    "indicator.proposed": ("指標案（目標値未定）", "Proposed indicator (no target yet)"),
    "indicator.no_values": ("値はまだありません。", "No values yet."),
    "indicator.tables": ("分布表", "Distribution tables"),
    "direction.increase": ("↑ 増えるほど良い", "↑ higher is better"),
    "direction.decrease": ("↓ 減るほど良い", "↓ lower is better"),
    "direction.maintain": ("→ 維持が目標", "→ keep it steady"),
    "kind.baseline": ("基準値", "baseline"),
    "kind.actual": ("実績値", "actual"),
    "kind.target": ("目標値", "target"),
    "kind.projection": ("推計値", "projection"),
    "muni.code": ("団体コード", "Local government code"),
    "muni.prefecture": ("都道府県", "Prefecture"),
    "muni.area": ("統計地域（e-Stat）", "Statistical area (e-Stat)"),
    "muni.plans": ("計画", "Plans"),
    "muni.units": ("担当部署", "Departments"),
    "muni.same_as": ("Wikidata", "Wikidata"),
    "muni.kana": ("よみがな", "Kana reading"),
    "muni.romanized": ("ローマ字表記（自動生成）", "Romanised name (generated)"),
    "muni.romanised_auto": ("ローマ字は自動生成", "romanised automatically"),
    "muni.kind": ("種類", "Kind"),
    "muni.point": ("代表点（概略）", "Representative point (approximate)"),
    "muni.point.text": ("北緯 {lat}°、東経 {lng}°", "{lat}° N, {lng}° E"),
    "muni.no_plan": ("この団体の計画は、まだグラフにありません。", "No plan of this local government is in the graph yet."),
    "muni.map.title": ("{name}の位置（{prefecture}の市区町村の代表点の中で）",
                       "Where {name} is among the municipalities of {prefecture} (representative points)"),
    "muni.map.desc": ("赤い点がこの市区町村、灰色の点は同じ都道府県のほかの市区町村です（団体名からの概略の代表点）。",
                      "The red dot is this municipality, the grey dots the other municipalities of its "
                      "prefecture (approximate representative points, from the names)."),
    "pref.coverage": ("{total} 市区町村のうち {n} の計画がグラフにあります（{share}）。",
                      "{n} of its {total} municipalities have a plan in the graph ({share})."),
    "pref.municipalities": ("市区町村", "Municipalities"),
    "pref.own_plans": ("都道府県の計画", "The prefecture's own plans"),
    "pref.no_own_plan": ("この都道府県自身の計画は、まだグラフにありません（市区町村の数とは別に数えています）。",
                         "No plan of the prefecture itself is in the graph yet (counted apart from its municipalities)."),
    "pref.map.title": ("{name}の市区町村 {n}（代表点）", "The {n} municipalities of {name} (representative points)"),
    "coverage.title": ("全国の収録状況", "Coverage across Japan"),
    "coverage.intro": (
        "全国 {total} の市区町村（特別区を含む。総務省「全国地方公共団体コード」による）のうち、どこの総合計画がこのグラフにあるかを示します。"
        "「計画あり」は、その団体を mplan:municipality とする mplan:Plan が1件以上あることです。"
        "都道府県自身の計画は、市区町村の数には含めず別に数えています。",
        "Which of Japan's {total} municipalities (special wards included; from 総務省's local government "
        "code list) have a comprehensive plan in this graph. \"Has a plan\" means some mplan:Plan has the "
        "municipality as its mplan:municipality. Prefectures' own plans are not counted among the "
        "municipalities; they are counted separately."),
    "coverage.count.municipalities": ("市区町村", "municipalities"),
    "coverage.count.with_plan": ("計画のある市区町村", "with a plan"),
    "coverage.count.share": ("割合", "share"),
    "coverage.count.prefectures": ("自らの計画がある都道府県（別計）", "prefectures with a plan of their own (counted apart)"),
    "coverage.map": ("地図", "Map"),
    "coverage.map.title": ("全国の市区町村 {n}（代表点）", "Japan's {n} municipalities (representative points)"),
    "coverage.map.desc": (
        "橙の点は計画がグラフにある市区町村（{yes}）、灰色の点はまだない市区町村（{no}）。"
        "点を選ぶとその市区町村のページが開きます。同じ内容は都道府県別の表と CSV にもあります。",
        "Orange dots: municipalities with a plan in the graph ({yes}); grey dots: those without one "
        "yet ({no}). Each dot opens the municipality's page. The table by prefecture and the CSV "
        "hold the same facts."),
    "coverage.map.note": (
        "点の位置は団体名から求めた概略の代表点で、境界や庁舎の位置ではありません。"
        "経度・緯度をそのまま平面に置き（横方向は中央の緯度で縮めています）、沖縄と離島も同じ縮尺で描いています。",
        "Dots are approximate representative points found from the names, not boundaries or town "
        "halls. Longitude and latitude are drawn as they are (x scaled by the cosine of the middle "
        "latitude), Okinawa and the far islands at the same scale."),
    "coverage.legend.yes": ("計画あり（{n}）", "has a plan ({n})"),
    "coverage.legend.no": ("計画なし（{n}）", "no plan yet ({n})"),
    "coverage.dot.yes": ("{name}（計画あり）", "{name} (has a plan)"),
    "coverage.by_prefecture": ("都道府県別", "By prefecture"),
    "coverage.col.prefecture": ("都道府県", "Prefecture"),
    "coverage.col.municipalities": ("市区町村数", "Municipalities"),
    "coverage.col.with_plan": ("計画あり", "With a plan"),
    "coverage.col.share": ("割合", "Share"),
    "coverage.col.own_plan": ("都道府県の計画", "Prefecture's own plan"),
    "coverage.col.code": ("団体コード", "Code"),
    "coverage.col.name": ("名前", "Name"),
    "coverage.col.plans": ("計画", "Plans"),
    "coverage.col.end": ("計画期間の最終年度", "Last fiscal year of the plan"),
    "coverage.total": ("全国", "Japan"),
    "coverage.timeline": ("計画期間の終わり（年度別）", "When plans end, by fiscal year"),
    "coverage.timeline.intro": (
        "計画期間の最終年度（mplan:periodEnd）ごとに計画を並べています。早く終わる計画の団体は、まもなく次の計画づくりに入ります。",
        "Plans by the last fiscal year of their period (mplan:periodEnd): the local governments whose "
        "plans end first will soon draft their next one."),
    "coverage.timeline.none": ("最終年度の記載がない計画", "Plans that state no end year"),
    "coverage.timeline.count": ("{n} 件", "{n} plans"),
    "coverage.timeline.empty": ("グラフにはまだ計画がありません。", "There are no plans in the graph yet."),
    "coverage.prefecture_plan": ("都道府県", "prefecture"),
    "coverage.data": ("データと問い合わせ", "Data and query"),
    "coverage.query": ("カタログのクエリ（都道府県別の数）", "The catalogue query (counts by prefecture)"),
    "coverage.names_generated": ("", "English names without an English label are romanised automatically from the kana (generated, not official)."),
    "compare.title": ("自治体 × SDGs・政策分野", "Municipalities × SDGs and policy domains"),
    "compare.intro": (
        "各マスの数は、その自治体の計画でその目標・分野に対応付けられた要素（施策・指標など）の数です。"
        "濃い色は計画の宣言または編集者の確認、点と「+数」はツールの提案です。マスを選ぶと、その自治体の要素の一覧が開きます。",
        "Each cell counts the plan elements (measures, indicators, …) of that city linked to that goal or "
        "domain. Solid colour: declared by the plan or curated by an editor; a dot and \"+n\": suggested "
        "by the tagger. A cell opens the list of that city's items."),
    "compare.sdg": ("自治体 × SDGs の17の目標", "Municipalities × the 17 SDGs"),
    "compare.domain": ("自治体 × 政策分野", "Municipalities × policy domains"),
    "compare.none": ("まだ対応付けがないため、表は空です。", "There are no links yet, so the grid is empty."),
    "compare.data": ("この表のデータ（SPARQL, CSV）", "The data behind this view (SPARQL, CSV)"),
    "ontology.title": ("mplan 語彙", "The mplan vocabulary"),
    "ontology.classes": ("クラス", "Classes"),
    "ontology.object_properties": ("オブジェクトプロパティ", "Object properties"),
    "ontology.datatype_properties": ("データ型プロパティ", "Datatype properties"),
    "ontology.annotation_properties": ("注釈プロパティ", "Annotation properties"),
    "ontology.schemes": ("概念スキーム", "Concept schemes"),
    "ontology.domain": ("定義域", "Domain"),
    "ontology.range": ("値域", "Range"),
    "ontology.super": ("上位", "Broader term"),
    "concept.scheme": ("スキーム", "Scheme"),
    "concept.notation": ("記号", "Notation"),
    "concept.broader": ("上位概念", "Broader"),
    "concept.narrower": ("下位概念", "Narrower"),
    "concept.used_by": ("この概念を使っているもの", "Used by"),
    "concept.concepts": ("概念", "Concepts"),
    "resource.props": ("すべてのプロパティ", "All properties"),
    "resource.incoming": ("ここへのリンク", "Linked from"),
    "resource.shown": ("{total} 件中 {shown} 件を表示", "{shown} of {total} shown"),
    "dataset.distributions": ("配布ファイル", "Distributions"),
    "dataset.format": ("形式", "Format"),
    "dataset.size": ("サイズ", "Size"),
    "dataset.checksum": ("SHA-256", "SHA-256"),
    "dataset.modified": ("更新日", "Modified"),
    "dataset.publisher": ("公開者", "Publisher"),
    "dataset.plan": ("計画", "Plan"),
    "dataset.triples": ("トリプル数", "Triples"),
    "dataset.spatial": ("地域", "Area"),
    "catalog.datasets": ("データセット", "Datasets"),
    "catalog.page": ("{page} / {pages} ページ", "page {page} of {pages}"),
    "catalog.prev": ("← 前へ", "← previous"),
    "catalog.next": ("次へ →", "next →"),
    "downloads.title": ("ダウンロード", "Downloads"),
    "downloads.intro": (
        "公開中のすべてのデータです。SHA256SUMS で改ざんや破損がないか確かめられます（sha256sum -c SHA256SUMS）。",
        "Everything we publish. Check the files with SHA256SUMS (sha256sum -c SHA256SUMS)."),
    "downloads.file": ("ファイル", "File"),
    "query.title": ("SPARQL クエリ", "SPARQL query"),
    "query.intro": (
        "例のクエリを選ぶか、自分で書いて実行してください。結果は表で表示され、CSV・TSV・JSON でダウンロードできます。"
        "Ctrl+Enter でも実行できます。",
        "Pick an example or write your own, then run it. Results show as a table and download as CSV, TSV "
        "or JSON. Ctrl+Enter runs the query too."),
    "query.examples": ("例のクエリ", "Example queries"),
    "query.run": ("実行", "Run"),
    "query.prefixes": ("プレフィックスを追加", "Add prefixes"),
    "query.results": ("結果", "Results"),
    "query.rows": ("{n} 行", "{n} rows"),
    "query.truncated": ("結果が上限 {n} 行で打ち切られました。", "The result was cut at the limit of {n} rows."),
    "query.download": ("ダウンロード", "Download"),
    "query.whole_country": (
        "このクエリは全国のすべてを並べるため、ここでは実行しません。公開のたびに計算した答えを"
        "ダウンロードできます（エンドポイントで実行した結果と同じ列・同じ値です）。",
        "This query lists the whole country, so it does not run here: its answer, computed at each "
        "release, is a download (the same columns and values as the endpoint returns)."),
    "query.whole_country_query": ("それを作ったクエリ（.rq）", "the query that made it (.rq)"),
    "query.endpoint": ("エンドポイント", "Endpoint"),
    "query.limits": ("制限: 実行時間 {timeout} 秒まで、最大 {rows} 行、SERVICE 不可、読み取り専用。",
                     "Limits: {timeout} s per query, at most {rows} rows, no SERVICE, read-only."),
    "query.boolean": ("答え", "Answer"),
    "query.error": ("エラー", "Error"),
    "query.open": ("開く", "Open"),
    "query.example": ("例", "Example"),
    "query.share": ("この結果へのリンク", "Link to this result"),
    "query.chart": ("数値の列のグラフ", "Chart of the numeric column"),
    "query.complete": ("入力候補", "Suggestions"),
    "query.complete_help": ("mplan: などのプレフィックスを入力すると語彙の候補が出ます（↑↓ で選び Tab か Enter で入力）。",
                            "Type a prefix such as mplan: to get terms of the vocabulary (↑↓ to choose, Tab or Enter to insert)."),
    "chart.bars": ("{measure} の棒グラフ", "Bar chart of {measure}"),
    "chart.bars_more": ("ほか {n} 行は省略。", "{n} more rows not drawn."),
    "chart.matrix": ("自治体ごとの対応付けの数", "Links per municipality"),
    "chart.matrix_desc": ("行は自治体、列は分類。各マスの数は対応付けられた計画要素の数で、色が濃いほど多い。点は未確認の自動推定。",
                          "Rows are municipalities, columns the classification. Each cell's number counts the plan "
                          "elements linked; darker means more. A dot marks unreviewed suggestions."),
    "nav.skip": ("本文へ移動", "Skip to content"),
    "nav.site": ("サイト内の移動", "Site"),
    "nav.site_search": ("サイト内の検索", "Search the site"),
    "footer.formats": ("このページのデータ", "This page as data"),
    "footer.license": ("ライセンス", "Licence"),
    "footer.source": ("出典", "Source"),
    "footer.section": ("出典の箇所", "Section"),
    "footer.default_license": ("データは特記のない限り CC BY 4.0、出典は各市の公表資料です。",
                               "Data: CC BY 4.0 unless a plan says otherwise; sources: each city's published plan."),
    "footer.project": ("mplan プロジェクト", "the mplan project"),
    "footer.sdg_source": ("SDGs の目標・ターゲットの IRI は国連（metadata.un.org）のものです。",
                          "SDG goal and target IRIs are the United Nations' (metadata.un.org)."),
    "error.title": ("エラー", "Error"),
    "error.back": ("トップへ戻る", "Back to the home page"),
    "yes": ("はい", "yes"),
    "no": ("いいえ", "no"),
}


def fiscal_year(year: int, lang: str) -> str:
    """A fiscal year (its Gregorian start year) as a page says it.

    >>> fiscal_year(2032, "ja"), fiscal_year(2019, "ja"), fiscal_year(2032, "en")
    ('2032年度（令和14年度）', '2019年度（令和元年度）', 'FY2032 (April 2032 to March 2033)')
    """
    if lang == "en":
        return f"FY{year} (April {year} to March {year + 1})"
    for era, first in (("令和", 2019), ("平成", 1989), ("昭和", 1926)):
        if year >= first:
            n = year - first + 1
            return f"{year}年度（{era}{'元' if n == 1 else n}年度）"
    return f"{year}年度"


def t(key: str, lang: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` (``ja`` or ``en``), with ``{name}`` filled from ``values``."""
    ja, en = MESSAGES[key]
    text = en if lang == "en" else ja
    return text.format(**values) if values else text


def accepted_lang(header: str | None) -> str | None:
    """The page language an ``Accept-Language`` header prefers (RFC 9110 §12.5.4: the range
    with the highest q that matches ``ja`` or ``en``, a prefix such as ``en-GB`` included; ties
    go to the earlier range), or None when it names neither.

    >>> accepted_lang("en-GB,en;q=0.9,ja;q=0.8"), accepted_lang("fr, ja;q=0.5, en;q=0.4")
    ('en', 'ja')
    >>> accepted_lang("fr-FR"), accepted_lang(None), accepted_lang("en;q=0, ja;q=0")
    (None, None, None)
    """
    best, best_q = None, 0.0
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        name, _, value = params.strip().partition("=")
        try:
            q = float(value) if name.strip().lower() == "q" else 1.0
        except ValueError:
            continue
        if lang in LANGS and q > best_q:
            best, best_q = lang, q
    return best
