"""A real browser (headless Chromium driven by Playwright) uses the demo: classify a typed sentence, caption an
uploaded image, visit every tab. Screenshots go to $RNNHUB_TEST_ARTIFACTS (default build/test-artifacts/) and, with
RNNHUB_UPDATE_SCREENSHOTS=1, to docs/screenshots/ for the README.

Runs in the default test suite: a missing Chromium or Playwright fails the test with install instructions."""

import os
import shutil
import time
from pathlib import Path

import pytest

from _browser import CHROMIUM_FLAGS, chromium_path, sync_playwright
from builders import free_port, save_tiny_captioner, save_tiny_translator, save_tiny_writer
from rnnhub.demo import captioning, catalog, sentiment, translation
from rnnhub.demo.app import build_demo, launch

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 60_000  # a first request loads its model; the CI box is small and shared


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("RNNHUB_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(page, artifacts: Path, name: str) -> None:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("RNNHUB_UPDATE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / path.name)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app on a free loopback port. Tiny translation / captioning folders stand in only where no real model
    is published, so that the screenshots show the published models once they exist."""
    root = tmp_path_factory.mktemp("registry")
    for direction, fragment in catalog.TRANSLATION_DIRECTIONS.items():
        if not catalog.translation_models(direction):
            save_tiny_translator(root / f"tiny{fragment}")
    if not catalog.captioning_models():
        save_tiny_captioner(root / "tiny-captioning-emoji")
    if "Plays" not in catalog.writer_models():
        save_tiny_writer(root / "tiny-writer-plays")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNHUB_MODELS_DIR", str(root))
        demo = build_demo()
        port = free_port()
        launch(demo, port=port, prevent_thread_lock=True, quiet=True)
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            demo.close()


@pytest.fixture(scope="module")
def page(served):
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(served, wait_until="networkidle")
            yield page
        finally:
            browser.close()


def open_tab(page, name: str) -> None:
    """A fresh page (no leftover uploads or messages from the previous test), then the tab."""
    page.reload(wait_until="networkidle")
    page.get_by_role("tab", name=name).click()


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def test_sentiment_tab_classifies_a_typed_sentence(page, artifacts):
    from playwright.sync_api import expect

    text = "A wonderful, moving film with brilliant performances."
    expected = sentiment.classify(text, "English", "lstm")  # the same published model the page uses
    open_tab(page, "Sentiment")
    page.locator("#sentiment-text textarea").fill(text)
    page.locator("#sentiment-run").click()
    details = page.locator("#sentiment-details")
    expect(details).to_contain_text(
        f"{expected['label']} ({percent(expected['confidence'])}) from {expected['model']}",
        timeout=TIMEOUT_MS,
    )
    # The belief curve is a native plot, drawn in the page (not a picture sent by the server).
    expect(page.locator("#sentiment-curve").locator("canvas, svg").first).to_be_visible(timeout=TIMEOUT_MS)
    page.locator("#sentiment-compare").click()
    table = page.locator("#sentiment-compare-table")
    for name in ("rnn-sentiment-rt-en", "gru-sentiment-rt-en", "lstm-sentiment-rt-en"):
        expect(table).to_contain_text(name, timeout=TIMEOUT_MS)
    save(page, artifacts, "sentiment")


def test_sentiment_results_never_outlive_their_sentence(page):
    """A new sentence empties the previous sentence's results, the cell comparison included (it is not re-run
    until asked), and classifying it shows only its own result."""
    from playwright.sync_api import expect

    first, second = "A wonderful, moving film.", "A dull, tedious mess that never finds its footing."
    expected = sentiment.classify(second, "English", "lstm")
    open_tab(page, "Sentiment")
    page.locator("#sentiment-text textarea").fill(first)
    page.locator("#sentiment-compare").click()
    table = page.locator("#sentiment-compare-table")
    expect(table).to_contain_text("rnn-sentiment-rt-en", timeout=TIMEOUT_MS)
    page.locator("#sentiment-run").click()
    expect(page.locator("#sentiment-details")).to_contain_text(
        "from lstm-sentiment-rt-en", timeout=TIMEOUT_MS
    )

    page.locator("#sentiment-text textarea").fill(second)
    expect(table).not_to_contain_text("sentiment-rt-en", timeout=TIMEOUT_MS)
    expect(page.locator("#sentiment-compare-json")).not_to_contain_text("sentiment-rt-en")
    expect(page.locator("#sentiment-details")).not_to_contain_text("sentiment-rt-en")
    page.locator("#sentiment-run").click()
    expect(page.locator("#sentiment-details")).to_contain_text(
        f"{expected['label']} ({percent(expected['confidence'])})", timeout=TIMEOUT_MS
    )
    expect(table).not_to_contain_text("sentiment-rt-en")  # still empty: the comparison was for the old text


def test_sentiment_tab_keeps_the_reason_next_to_the_input(page):
    """The error toast fades; the reason stays in the status line below the buttons until the text changes."""
    from playwright.sync_api import expect

    open_tab(page, "Sentiment")
    page.locator("#sentiment-text textarea").fill("这部电影很好看")
    page.locator("#sentiment-run").click()
    status = page.locator("#sentiment-status")
    expect(status).to_contain_text("the text is mostly Chinese characters", timeout=TIMEOUT_MS)
    page.locator("#sentiment-text textarea").fill("a fine film")
    expect(status).not_to_contain_text("Chinese", timeout=TIMEOUT_MS)


def test_captioning_tab_captions_an_uploaded_image(page, artifacts):
    from playwright.sync_api import expect

    example = captioning.example_images()[0]
    expected = captioning.caption(example, 3)["caption"]  # the same published (or stand-in) model, same beams
    open_tab(page, "Captioning")
    page.locator("#caption-image input[type=file]").set_input_files(example)
    # The server has the file once its change handler reports it: only then is the click meaningful.
    expect(page.locator("#caption-status")).to_contain_text(
        f"Selected {Path(example).name}", timeout=TIMEOUT_MS
    )
    page.locator("#caption-run").click()
    output = page.locator("#caption-output textarea")
    expect(output).to_have_value(expected, timeout=TIMEOUT_MS)
    assert output.input_value().strip()
    expect(page.locator("#caption-status")).not_to_contain_text(
        "Selected"
    )  # a caption came: nothing to report
    save(page, artifacts, "captioning")


def test_a_captioning_example_runs_on_click(page):
    """Clicking a labelled example fills the image and captions it, without pressing Caption."""
    from playwright.sync_api import expect

    from rnnhub.demo.app import EXAMPLE_GALLERIES
    from rnnhub.demo.caption_examples import NEVER_SEEN, SEEN_VARIANT

    open_tab(page, "Captioning")
    for label in (NEVER_SEEN, SEEN_VARIANT):
        example = next(e for e in captioning.examples() if e.label == label)
        expected = captioning.caption(str(captioning.EXAMPLE_DIR / example.file), 3)["caption"]
        page.locator(f"#{EXAMPLE_GALLERIES[label][1]}").get_by_text(example.title).click()
        expect(page.locator("#caption-output textarea")).to_have_value(expected, timeout=TIMEOUT_MS)


def test_captioning_tab_reports_a_non_image_upload(page, artifacts, tmp_path):
    from playwright.sync_api import expect

    fake = tmp_path / "holiday.png"
    fake.write_text("this is not a picture")
    open_tab(page, "Captioning")
    page.locator("#caption-image input[type=file]").set_input_files(str(fake))
    status = page.locator("#caption-status")
    expect(status).to_contain_text("Selected holiday.png", timeout=TIMEOUT_MS)
    page.locator("#caption-run").click()
    expect(status).to_contain_text("'holiday.png' is not an image PIL can read", timeout=TIMEOUT_MS)
    expect(page.locator("#caption-output textarea")).to_have_value("")


def test_write_tab_streams_and_stops(page, artifacts, monkeypatch):
    from playwright.sync_api import expect

    open_tab(page, "Write")
    page.locator("#write-prompt textarea").fill("ROMEO:")
    page.locator("#write-run").click()
    details = page.locator("#write-details")
    expect(details).to_contain_text("new characters", timeout=TIMEOUT_MS)  # the stream ended with its details
    output = page.locator("#write-output textarea")
    assert output.input_value().startswith("ROMEO:") and len(output.input_value()) > len("ROMEO:")
    save(page, artifacts, "write")
    # Stop mid-stream: the longest text, stopped as soon as it starts. A published writer can write 2,000
    # characters in a second or two, faster than the browser shows the stream, so the server may have finished
    # before the click reaches it (CI saw that); the app runs in this process, so each generation step is slowed
    # here (10 ms in the Stop check generate() calls every step: 2,000 characters take 20 s or more).
    from rnnhub.demo import write as write_module

    check = write_module._StopWhenSet.__call__

    def slowly(self, input_ids, scores, **kwargs):
        time.sleep(0.01)
        return check(self, input_ids, scores, **kwargs)

    monkeypatch.setattr(write_module._StopWhenSet, "__call__", slowly)
    page.locator("#write-length input[type=number]").fill("2000")
    page.locator("#write-length input[type=number]").press("Enter")
    page.locator("#write-run").click()
    expect(details).to_contain_text("Writing", timeout=TIMEOUT_MS)
    page.locator("#write-stop").click()
    expect(details).to_contain_text("Stopped", timeout=TIMEOUT_MS)
    # Stopped mid-stream: part of the text, and nothing arrives after the Stop.
    stopped = output.input_value()
    assert stopped.startswith("ROMEO:") and len(stopped) < len("ROMEO:") + 2000
    page.wait_for_timeout(1500)
    assert output.input_value() == stopped
    expect(details).to_contain_text("Stopped")


def test_translation_tab(page, artifacts):
    from playwright.sync_api import expect

    text = "Lass dich davon nicht abschrecken."
    expected = translation.translate(text, "German → English", 4)  # the same model the page uses
    open_tab(page, "Translation")
    page.locator("#translation-text textarea").fill(text)
    page.locator("#translation-run").click()
    expect(page.locator("#translation-details")).to_contain_text(expected["model"], timeout=TIMEOUT_MS)
    output = page.locator("#translation-output textarea")
    expect(output).to_have_value(expected["translation"], timeout=TIMEOUT_MS)
    page.locator("#translation-pieces input[type=checkbox]").check()  # redraws the heatmap, keeps the result
    expect(page.locator("#translation-pieces input[type=checkbox]")).to_be_checked()
    page.wait_for_load_state("networkidle")
    expect(output).to_have_value(expected["translation"])
    page.locator("#translation-text textarea").fill("Guten Morgen!")
    expect(output).to_have_value("", timeout=TIMEOUT_MS)  # the old translation does not outlive its source
    page.locator("#translation-text textarea").fill(text)
    page.locator("#translation-run").click()
    expect(output).to_have_value(expected["translation"], timeout=TIMEOUT_MS)
    page.locator("#translation-pieces input[type=checkbox]").uncheck()
    page.wait_for_load_state("networkidle")
    save(page, artifacts, "translation")


# Every text node of a table cell on one line: a header wrapped mid-word ("mo del") renders as two line boxes.
HEADER_LINES = """cells => cells.map(cell => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let lines = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        lines = Math.max(lines, range.getClientRects().length);
    }
    return [cell.innerText.trim(), lines];
})"""


def test_why_lstm_tab(page, artifacts):
    from playwright.sync_api import expect

    open_tab(page, "Why LSTM")
    page.locator("#lab-gradients-run").click()
    page.locator("#lab-memory-run").click()
    page.locator("#lab-gates-run").click()
    table = page.locator("#lab-memory-table")
    expect(table).to_contain_text("lstm-bias1", timeout=TIMEOUT_MS)
    cells = table.locator("th, td").evaluate_all(HEADER_LINES)
    assert [name for name, _ in cells][:3] == ["model", "hidden", "params"]
    assert all(lines == 1 for _, lines in cells), cells
    expect(page.locator("#lab-gradients-json")).to_contain_text("rnn, radius 1.1", timeout=TIMEOUT_MS)
    expect(page.locator("#lab-memory-json")).to_contain_text("accuracy", timeout=TIMEOUT_MS)
    expect(page.locator("#lab-gates-details")).to_contain_text("tokens).", timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    save(page, artifacts, "why-lstm")
    page.locator("#lab-gates-text textarea").fill("")  # a changed sentence empties its old gates
    expect(page.locator("#lab-gates-details")).not_to_contain_text("tokens).", timeout=TIMEOUT_MS)
    page.locator("#lab-gates-run").click()
    expect(page.locator("#lab-gates-status")).to_contain_text("The text is empty", timeout=TIMEOUT_MS)


def test_models_tab(page, artifacts):
    from playwright.sync_api import expect

    open_tab(page, "Models")
    expect(page.locator("#model-card")).to_contain_text("lstm-sentiment-rt-en", timeout=TIMEOUT_MS)
    expect(page.locator("#models-table")).to_contain_text("lstm-sentiment-zh", timeout=TIMEOUT_MS)
    save(page, artifacts, "models")
