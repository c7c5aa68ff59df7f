"""Drives `devtrace ui` in headless Debian Chromium through Playwright, as a
reviewer would: the sessions page, a session's timeline, a diff, the
failure filter, a command appearing live, the file view, a permalink.

Arguments: URL SCREENSHOT_DIR and a JSON object on stdin with the ids the
Rust test knows. Talks to the test on stdout ("WAIT live" / reads "go TEXT")
and ends with one line of JSON: what it measured. Any failed expectation
raises, and the exit status says so.
"""

import json
import sys
import time
from urllib.parse import urlsplit

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"


def say(line):
    print(line, flush=True)


def main():
    url, shots = sys.argv[1], sys.argv[2]
    ids = json.loads(sys.stdin.readline())
    origin = urlsplit(url)
    own = f"{origin.hostname}:{origin.port}"
    report = {"requests": 0, "foreign": []}

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})

        # Every request the page makes is seen; one that would leave
        # 127.0.0.1:PORT is refused and noted.
        def guard(route):
            parts = urlsplit(route.request.url)
            if parts.scheme in ("data", "blob") or f"{parts.hostname}:{parts.port}" == own:
                report["requests"] += 1
                route.continue_()
            else:
                report["foreign"].append(route.request.url)
                route.abort()

        ctx.route("**/*", guard)
        page = ctx.new_page()
        page.on("request", lambda r: None if urlsplit(r.url).scheme in ("data", "blob") or
                f"{urlsplit(r.url).hostname}:{urlsplit(r.url).port}" == own
                else report["foreign"].append(r.url))
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # Sessions: the shell's and the agent's are listed.
        started = time.monotonic()
        page.goto(url)
        shell_link = page.locator(f'a[href="#/session/{ids["shell"]}"]')
        expect(shell_link).to_be_visible()
        expect(page.locator(f'a[href="#/session/{ids["agent"]}"]')).to_be_visible()
        report["sessions_ms"] = round((time.monotonic() - started) * 1000)
        assert "token=" not in page.url, page.url
        page.screenshot(path=f"{shots}/sessions.png", full_page=True)

        # Filters of the list: people only hides the agent's session.
        page.select_option("#f-who", "person")
        expect(page.locator(f'a[href="#/session/{ids["agent"]}"]')).to_have_count(0)
        expect(shell_link).to_be_visible()
        page.select_option("#f-who", "")

        # A session: its commands, in order, with their status.
        shell_link.click()
        timeline = page.locator("#timeline")
        sed = timeline.locator(".item[data-type=run_command]", has_text="sed -i")
        expect(sed).to_be_visible()
        failing = timeline.locator(".item[data-type=run_command]", has_text="ls /nonexistent-dir")
        expect(failing).to_be_visible()
        expect(failing.locator(".status.fail")).to_be_visible()
        ok = timeline.locator(".item[data-type=run_command]", has_text="echo still-here")
        expect(ok).to_be_visible()

        # A diff expands with the edited line, highlighted, both layouts.
        sed.locator("button.show-diff").click()
        added = sed.locator("tr.add td.src", has_text="fn b2()")
        expect(added).to_be_visible()
        assert added.locator("span[class^=hl-]").count() > 0, "not highlighted"
        expect(sed.locator("tr.del td.src", has_text="fn b()")).to_be_visible()
        page.screenshot(path=f"{shots}/diff-unified.png", full_page=True)
        page.click("#view-split")
        expect(sed.locator("td.src.add", has_text="fn b2()")).to_be_visible()
        expect(sed.locator("td.src.del", has_text="fn b()")).to_be_visible()
        page.screenshot(path=f"{shots}/diff-split.png", full_page=True)
        page.click("#view-unified")
        expect(sed.locator(".cmd")).to_have_text(f"devtrace diff {ids['sed']}")

        # The failure filter hides the failure and keeps the rest.
        page.select_option("#f-status", "ok")
        expect(failing).to_be_hidden()
        expect(ok).to_be_visible()
        page.select_option("#f-status", "failed")
        expect(failing).to_be_visible()
        expect(ok).to_be_hidden()
        page.select_option("#f-status", "")
        # The text filter.
        page.fill("#f-text", "still-here")
        expect(sed).to_be_hidden()
        expect(ok).to_be_visible()
        page.fill("#f-text", "")

        # Live: a command typed into the still-open shell appears without
        # a reload.
        expect(page.locator("#live.on")).to_be_visible()
        # Timed from before the command is typed (the test types it, and
        # waits for its prompt, after reading this line), twice.
        report["live_ms"] = []
        for _ in range(2):
            asked = time.monotonic()
            say("WAIT live")
            marker = sys.stdin.readline().split(" ", 1)[1].strip()
            left = 3000 - (time.monotonic() - asked) * 1000
            live = timeline.locator(".item[data-type=run_command]", has_text=marker)
            expect(live).to_be_visible(timeout=max(left, 1))
            report["live_ms"].append(round((time.monotonic() - asked) * 1000))
        page.screenshot(path=f"{shots}/live.png", full_page=True)

        # The agent's session: the prompt, its reasons, its tool calls.
        page.goto(f"{url.split('?')[0]}#/session/{ids['agent']}")
        expect(page.locator(".item.prompt", has_text="add the tax rate")).to_be_visible()
        write = page.locator(".item[data-type=tool_call]", has_text="Write")
        expect(write).to_be_visible()
        expect(write.locator(".files .chip", has_text="app.rs")).to_be_visible()
        bash = page.locator(".item[data-type=tool_call]", has_text="cargo test")
        expect(bash.locator(".status.fail")).to_be_visible()
        expect(bash.locator(".why")).to_contain_text("Run the test suite")
        page.screenshot(path=f"{shots}/agent.png", full_page=True)

        # The file view names the command behind each line.
        page.fill("#filepath", "app.rs")
        page.press("#filepath", "Enter")
        line2 = page.locator("#L2")
        expect(line2.locator("td.blame")).to_contain_text("sed -i")
        line1 = page.locator("#L1")
        expect(line1.locator("td.blame")).to_contain_text("Write")
        expect(line1.locator("td.blame")).to_contain_text("add the tax rate")
        page.screenshot(path=f"{shots}/file.png", full_page=True)

        # A permalink opens the session at that event.
        page.goto(f"{url.split('?')[0]}#/event/{ids['failing']}")
        focused = page.locator(".item.focused")
        expect(focused).to_have_attribute("data-id", ids["failing"])
        expect(focused.locator(".cmd")).to_contain_text("devtrace show")

        # Dark theme, by the toggle.
        page.click("#theme")
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        page.screenshot(path=f"{shots}/dark.png", full_page=True)

        # Keyboard: j moves to the next event.
        page.locator(".item").first.focus()
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.classList.contains('item')")

        assert not errors, errors
        browser.close()
    assert not report["foreign"], report["foreign"]
    assert report["requests"] > 0
    say(json.dumps(report))


if __name__ == "__main__":
    main()
