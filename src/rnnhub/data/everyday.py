"""Hand-written everyday sentences, for reading what a translation model does outside its corpus.

Written for rnnhub by its developers (Apache-2.0, like the code) and used for nothing but reading and scoring:
no model trains or selects checkpoints on them. Each German sentence comes with one or more English references,
each English user-interface sentence with one or more Chinese references. They are short and common on purpose:
a translator that gets these wrong does not translate yet, whatever its test BLEU says.

``tests/data/test_everyday.py`` checks that none of them is in a corpus's train split.
"""

from __future__ import annotations

__all__ = ["EVERYDAY", "everyday_pairs"]

# (source, [references]) per language pair.
EVERYDAY: dict[str, list[tuple[str, list[str]]]] = {
    "de-en": [
        ("Das Buch liegt auf dem Tisch.", ["The book is on the table.", "The book is lying on the table."]),
        ("Wie viel kostet das?", ["How much is that?", "How much does that cost?", "How much does it cost?"]),
        ("Kannst du mir bitte helfen?", ["Can you help me, please?", "Could you please help me?"]),
        ("Das Essen war sehr gut.", ["The food was very good.", "The meal was very good."]),
        ("Wo ist der Bahnhof?", ["Where is the station?", "Where is the railway station?"]),
        ("Ich habe keine Zeit.", ["I have no time.", "I don't have time.", "I haven't got time."]),
        ("Es regnet schon den ganzen Tag.", ["It has been raining all day.", "It's been raining all day."]),
        ("Mein Bruder wohnt in Berlin.", ["My brother lives in Berlin."]),
        (
            "Wir gehen morgen ins Kino.",
            ["We are going to the cinema tomorrow.", "We're going to the movies tomorrow."],
        ),
        (
            "Ich verstehe deine Frage nicht.",
            ["I don't understand your question.", "I do not understand your question."],
        ),
        (
            "Der Zug hat zehn Minuten Verspätung.",
            ["The train is ten minutes late.", "The train is running ten minutes late."],
        ),
        (
            "Sie trinkt jeden Morgen einen Kaffee.",
            ["She drinks a coffee every morning.", "She has a coffee every morning."],
        ),
        ("Die Kinder spielen im Garten.", ["The children are playing in the garden."]),
        ("Ich bin sehr müde.", ["I am very tired.", "I'm very tired."]),
        ("Wann fängt der Film an?", ["When does the film start?", "When does the movie begin?"]),
        (
            "Er hat sein Handy verloren.",
            ["He has lost his mobile phone.", "He lost his phone.", "He has lost his cell phone."],
        ),
        ("Das Wetter ist heute schön.", ["The weather is nice today.", "The weather is beautiful today."]),
        ("Ich möchte ein Glas Wasser.", ["I would like a glass of water.", "I'd like a glass of water."]),
        ("Das Fenster ist offen.", ["The window is open."]),
        ("Wir haben das Spiel gewonnen.", ["We won the game.", "We have won the match."]),
    ],
    "en-zh": [
        ("Click OK to save your changes.", ["单击“确定”保存更改。", "单击“确定”以保存您的更改。"]),
        ("Select the text that you want to copy.", ["选择要复制的文本。", "选中您要复制的文本。"]),
        (
            "Inserts a new row above the current row.",
            ["在当前行的上方插入一个新行。", "在当前行上方插入新行。"],
        ),
        ("Deletes the selected pictures.", ["删除选定的图片。", "删除所选图片。"]),
        ("Opens a dialog where you can print the document.", ["打开一个对话框，您可以在其中打印文档。"]),
        ("The file could not be saved.", ["无法保存文件。", "文件无法保存。"]),
        ("Choose a font for the selected text.", ["为选定的文本选择字体。", "为所选文本选择字体。"]),
        ("Closes the current window.", ["关闭当前窗口。"]),
        ("Enter a name for the new table.", ["输入新表格的名称。", "为新表格输入名称。"]),
        ("Shows or hides the toolbar.", ["显示或隐藏工具栏。"]),
        ("Sorts the selected rows in ascending order.", ["按升序对选定的行排序。", "将所选行按升序排序。"]),
        ("Specifies the width of the page.", ["指定页面的宽度。", "指定页宽。"]),
        ("Undo the last action.", ["撤消上一个操作。", "撤销上一步操作。"]),
        ("Adds a comment to the selected cell.", ["为选定的单元格添加批注。", "向所选单元格添加注释。"]),
        ("Search for text in the whole document.", ["在整个文档中搜索文本。"]),
    ],
}


def everyday_pairs(source_language: str, target_language: str) -> tuple[list[str], list[list[str]]]:
    """(sources, references) of one language pair, e.g. ``everyday_pairs("de", "en")``.

    Raises:
        ValueError: a pair without hand-written sentences (the message names the pairs there are).
    """
    key = f"{source_language}-{target_language}"
    if key not in EVERYDAY:
        raise ValueError(f"No everyday sentences for {key}; there are: {', '.join(EVERYDAY)}.")
    pairs = EVERYDAY[key]
    return [source for source, _ in pairs], [list(references) for _, references in pairs]
