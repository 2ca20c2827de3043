"""The SDG tagger: suggests SDG goals and targets for plan elements and indicators from their
Japanese text, with a score and the matched terms, for an editor to review (docs/sdg-tagger.md).

- ``normalize``: one form for full/half width, 旧字体, okurigana and kana/kanji variants;
- ``dictionary``: the project's terms per goal and target (``sdg-terms.yaml``), versioned;
- ``suggest``: items of a loaded plan → ranked suggestions;
- ``review``: the plan's ``sdg-review.yaml`` (``planlod suggest-sdgs``), keeping decisions;
- ``evaluate``: precision and recall on ``eval/sdg-labels.yaml`` (``planlod evaluate-sdgs``).
"""
