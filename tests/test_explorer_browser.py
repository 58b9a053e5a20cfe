"""The explorer end to end, in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven
by Selenium; .ci/run installs them).  Not skipped when they are missing: the test then fails.

It starts ``disarm serve`` on a free loopback port with a fresh workspace, uploads a scenario, runs the baseline
with 100 replications (the progress, then the charts and their hover values), changes ``convoys.escorts`` and
runs again, types an invalid value and reads the error beside the field, compares two scenarios, downloads the
report, sees the queue from a second browser tab and opens a sweep folder.  Each step is a screenshot, in
``tmp_path/screenshots`` or, with ``DISARM_SCREENSHOTS=DIR``, in DIR (the docs' pictures:
``DISARM_SCREENSHOTS=docs/explorer pytest tests/test_explorer_browser.py``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from explorer_server import ROOT, Server

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 90  # seconds a step may take on a loaded machine (a run of 100 replications takes a few)


@pytest.fixture()
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), (
        "install Debian's chromium and chromium-driver (.ci/run does: apt-get install chromium chromium-driver)"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1500,1100",
        "--disable-gpu",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture()
def server(tmp_path):
    running = Server(tmp_path / "workspace")
    yield running
    running.stop()


def test_explorer_end_to_end(server, browser, tmp_path):
    from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    shots = Path(os.environ.get("DISARM_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    # the job list and the results are redrawn as jobs move on: an element may go stale between two looks
    wait = WebDriverWait(
        browser, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    )

    def css(selector: str):
        return wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def visible(selector: str):
        return wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, selector)))

    def click(selector: str) -> None:
        def attempt(driver) -> bool:  # again if the element was redrawn meanwhile (stale: ignored by the wait)
            element = driver.find_element(By.CSS_SELECTOR, selector)
            if not (element.is_displayed() and element.is_enabled()):
                return False
            try:
                element.click()
            except ElementClickInterceptedException:  # a notification passing over it: click it where it is
                driver.execute_script("arguments[0].click();", element)
            return True

        wait.until(attempt)

    def shot(name: str) -> None:
        path = shots / f"{name}.png"
        browser.save_screenshot(str(path))
        if os.environ.get("DISARM_SCREENSHOTS"):  # the docs' copies: a palette of 64 colours keeps them small
            from PIL import Image

            with Image.open(path) as image:
                image.convert("RGB").quantize(64).save(path, optimize=True)

    def lever(path: str):
        return visible(f".lever-{path.replace('.', '-')} input")

    def retype(element, text: str) -> None:
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        element.send_keys(text)

    browser.get(server.url + "/")
    wait.until(lambda d: lever("convoys.escorts").get_attribute("value") == "2")
    shot("1-scenario")
    # a scenario file uploaded: validated by the same loader, saved into the workspace, offered in the picker
    upload = tmp_path / "uploaded_case.yaml"
    upload.write_text("extends: syria_2013\nname: uploaded_case\nconvoys:\n  escorts: 3\n")
    browser.find_element(By.CSS_SELECTOR, ".scenario-upload input[type=file]").send_keys(str(upload))
    wait.until(lambda d: (server.workspace / "scenarios" / "uploaded_case.yaml").is_file())
    assert (server.workspace / "scenarios" / "uploaded_case.yaml").read_text() == upload.read_text()

    # 1. run the baseline with 100 replications: the job's progress, then the charts
    click(".tab-run")
    retype(visible(".run-replications input"), "100")
    click(".run-button")
    visible(".job .job-progress")
    wait.until(lambda d: "replications" in d.find_element(By.CSS_SELECTOR, ".job-status").text)
    # the picture: with some replications done, if the bar is seen before the job ends (not asserted: timing)
    wait.until(
        lambda d: re.search(r"running: [1-9]|done", d.find_element(By.CSS_SELECTOR, ".job-status").text)
    )
    shot("2-run-progress")
    visible(".results-bands canvas")
    visible(".results-deadlines")
    assert "100 replications" in css(".results-title").text
    assert "syria_2013" in css(".results-title").text
    shot("3-results")
    # hover values: the bands' tooltip gives the date and each percentile
    chart = visible(".results-bands canvas")
    ActionChains(browser).move_to_element_with_offset(chart, -chart.size["width"] // 4, 0).perform()
    wait.until(lambda d: "removed median" in d.find_element(By.CSS_SELECTOR, ".results-bands").text)
    assert "%" in browser.find_element(By.CSS_SELECTOR, ".results-bands").text
    shot("3a-results-hover")
    browser.execute_script("arguments[0].scrollIntoView();", visible(".results-delays"))
    visible(".results-verification")
    shot("3b-results-delays")

    # 2. change convoys.escorts and run again (the edited scenario is saved as a workspace scenario first)
    click(".tab-scenario")
    retype(lever("convoys.escorts"), "4")
    wait.until(lambda d: "escorts: 4" in d.find_element(By.CSS_SELECTOR, ".yaml-editor").text)
    click(".tab-run")
    assert "edited from syria_2013" in visible(".run-what").text
    click(".run-button")
    wait.until(lambda d: "syria_2013-edit" in d.find_element(By.CSS_SELECTOR, ".results-title").text)
    visible(".results-bands canvas")
    assert (server.workspace / "scenarios" / "syria_2013-edit.yaml").is_file()
    saved = (server.workspace / "scenarios" / "syria_2013-edit.yaml").read_text()
    assert saved.startswith("extends: syria_2013\n") and "escorts: 4" in saved  # it extends the original
    shot("4-results-escorts-4")

    # 3. an invalid value: the error beside the field, in the wording of disarm validate (file:line: key: ...)
    click(".tab-scenario")
    retype(lever("convoys.escorts"), "0")
    error = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".error-lever-convoys-escorts").text or None)
    assert error.startswith("scenarios/syria_2013-edit.yaml:")
    assert "convoys.escorts: input should be greater than or equal to 1, got 0" in error
    shot("5-invalid-value")
    retype(lever("convoys.escorts"), "4")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".error-lever-convoys-escorts").text == "")

    # 4. compare the baseline with the edited scenario (common random numbers)
    click(".tab-compare")
    click(".compare-syria_2013")
    click(".compare-syria_2013-edit")
    click(".compare-button")
    visible(".compare-differences")
    visible(".compare-chart canvas")
    rows = browser.find_element(By.CSS_SELECTOR, ".compare-differences").text
    assert "syria_2013-edit" in rows and "destruction_complete_day" in rows
    compare_chart = visible(".compare-chart canvas")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", compare_chart)
    # hover values: along the row of the first outcome (the bottom one: the grid leaves 10 px above, 30 below)
    width, height = compare_chart.size["width"], compare_chart.size["height"]
    row = round(10 + (height - 40) * 0.9 - height / 2)
    for x in range(330 - width // 2, width // 2 - 30, 8):
        ActionChains(browser).move_to_element_with_offset(compare_chart, x, row).perform()
        if "95% interval:" in browser.find_element(By.CSS_SELECTOR, ".compare-chart").text:
            break
    hovered = browser.find_element(By.CSS_SELECTOR, ".compare-chart").text
    first = browser.find_element(By.CSS_SELECTOR, ".compare-differences tbody tr").text.split()
    assert first[1] == "removal_complete_day"  # scenario, outcome, mean, interval ("a to b"), pairs
    assert f"mean difference: {first[2]}" in hovered and f"95% interval: {first[3]} to {first[5]}" in hovered
    shot("6a-compare-hover")
    browser.execute_script("window.scrollTo(0, 0);")
    shot("6-compare")

    # 5. the report: the link on the Results page serves the run's HTML report
    click(".tab-results")
    link = visible(".download-report").get_attribute("href")
    assert link.startswith(server.url + "/files/runs/")
    status, body = server.get(link[len(server.url) :])
    assert status == 200
    assert b"<html" in body[:500].lower() and b"<title>" in body and b"syria_2013-edit" in body

    # a long job cancelled from the queue: it ends as cancelled, and no folder is left as if finished
    click(".tab-run")
    retype(visible(".run-replications input"), "20000")
    click(".run-button")
    click(".job-running .cancel-button")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".job-cancelled"))
    assert len(list((server.workspace / "runs").glob("*/manifest.json"))) == 3

    # 6. another browser tab shares the queue: it lists the jobs of the first; there, the report opens
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(server.url + "/")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".job-done")) == 3)
    assert "compare: syria_2013 vs syria_2013-edit" in visible(".job-panel").text
    browser.get(link)
    wait.until(lambda d: "syria_2013-edit" in d.title)
    shot("7-report")
    browser.close()
    browser.switch_to.window(first)

    # 7. a finished sweep in the workspace: its charts and tables
    sweep = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "sweep",
            str(ROOT / "scenarios/sweeps/levers_oat.yaml"),
            "--samples",
            "2",
            "--replications",
            "5",
            "-q",
            "-o",
            str(server.workspace / "runs" / "levers_oat"),
        ],
        env=server.env,
        capture_output=True,
    )
    assert sweep.returncode == 0, sweep.stderr
    click(".tab-sweeps")
    click(".folder-picker")
    wait.until(
        ec.element_to_be_clickable((By.XPATH, "//div[contains(@class,'q-item')][contains(., 'levers_oat')]"))
    ).click()
    assert "(sweep)" in visible(".folder-title").text
    visible(".folder-view img")
    shot("8-sweep")
