"""The dashboard in a real browser: headless Chromium driven by Selenium (pinned in
scripts/test-requirements.txt) against a running `berth serve`.

Usage: dashboard_browser.py URL ADMIN_TOKEN OUTPUT_FOLDER

Seeds three nodes through the API (one drained), opens /ui, signs in with the token, and checks:
the overview counts the seeded nodes; a service created through the API afterwards appears
without a reload (in the services card and the event list), and a pending one with the
scheduler's reason verbatim; the event filters narrow the list; /ui carries the CSP header; the
browser logged no console error; no request left for another origin; and writes a screenshot of
the overview to OUTPUT_FOLDER/overview.png (and overview-dark.png, in the dark scheme). Prints one JSON line per step; exits 1 on the first
failed check (with the reason on the last line).
"""

import json
import os
import sys
import time
import urllib.request
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, TOKEN, OUTPUT = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
CHROMIUM = os.environ.get("BERTH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("BERTH_CHROMEDRIVER", "/usr/bin/chromedriver")
# Bounded waits: generous, for a loaded 2-core machine; a pass never waits them out.
WAIT = 60


def step(name, **fields):
    print(json.dumps({"step": name, **fields}), flush=True)


def fail(message):
    step("failed", message=message)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def api(method, path, body=None):
    request = urllib.request.Request(
        BASE + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def node(name, availability="active"):
    return {"address": "127.0.0.1", "labels": {"zone": name[-1]}, "capacity": {"cpu": 4000, "memory": 8192},
            "availability": availability}


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--disable-default-apps"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # The driver's path is given: Selenium Manager (which would download drivers) never runs.
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def wait_for(driver, what, condition):
    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(lambda d: condition(d))
    except Exception:
        path = os.path.join(OUTPUT, "failure.png")
        driver.save_screenshot(path)
        fail(f"timed out waiting for {what} (screenshot {path}); page says: {driver.find_element(By.TAG_NAME, 'body').text[:1500]}")


def main():
    os.makedirs(OUTPUT, exist_ok=True)
    # The CSP on the page itself, as the browser receives it.
    with urllib.request.urlopen(BASE + "/ui", timeout=30) as response:
        policy = response.headers.get("Content-Security-Policy", "")
        check("default-src 'self'" in policy and "frame-ancestors 'none'" in policy, f"/ui's CSP is {policy!r}")
        check(response.headers.get("X-Content-Type-Options") == "nosniff", "/ui lacks X-Content-Type-Options: nosniff")
    step("csp", policy=policy)

    for name, availability in (("n1", "active"), ("n2", "active"), ("n3", "drain")):
        status, _, _ = api("PUT", f"/v1/nodes/{name}", node(name, availability))
        check(status in (200, 201), f"PUT /v1/nodes/{name} answered {status}")
    step("seeded", nodes=3)

    driver = browser()
    try:
        driver.get(BASE + "/ui")
        wait_for(driver, "the token form", lambda d: d.find_element(By.ID, "token").is_displayed())
        field = driver.find_element(By.ID, "token")
        check(driver.switch_to.active_element == field, "the token field has the focus")
        field.send_keys(TOKEN)
        driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        wait_for(driver, "the overview", lambda d: d.find_element(By.ID, "overview").is_displayed())
        wait_for(driver, "three nodes", lambda d: text(d, "nodes-total") == "3")
        ready = driver.find_element(By.CSS_SELECTOR, '#nodes-status dd[data-count="ready"]').text
        drain = driver.find_element(By.CSS_SELECTOR, '#nodes-availability dd[data-count="drain"]').text
        check(ready == "3" and drain == "1", f"nodes: ready {ready}, drained {drain}")
        check(driver.execute_script("return sessionStorage.getItem('berth.token')") == TOKEN, "the token is in sessionStorage")
        check(driver.get_cookies() == [], f"no cookies: {driver.get_cookies()}")
        check(TOKEN not in driver.current_url, "the token is not in the URL")
        step("signed in", nodes=3)

        # The stream must be open before the change, or the page would only see it on a reload.
        wait_for(driver, "the live event stream", lambda d: text(d, "connection").startswith("Live"))
        spec = {"replicas": 2, "template": {"image": "web:1", "resources": {"cpu": 100, "memory": 64}}}
        started = time.monotonic()
        status, _, _ = api("PUT", "/v1/services/web", spec)
        check(status == 201, f"PUT /v1/services/web answered {status}")
        wait_for(driver, "the service in the overview", lambda d: text(d, "services-total") == "1")
        seen = time.monotonic() - started
        wait_for(driver, "web in the degraded list", lambda d: "web" in text(d, "services-degraded"))
        wait_for(driver, "web's event in the list",
                 lambda d: d.find_elements(By.CSS_SELECTOR, '#events li[data-kind="service"][data-name="web"]'))
        step("service appeared", seconds=round(seen, 3))

        # A service that fits nowhere: its container is pending, with the scheduler's reason verbatim.
        huge = {"replicas": 1, "template": {"image": "batch:1", "resources": {"cpu": 100, "memory": 100000}}}
        status, _, _ = api("PUT", "/v1/services/huge", huge)
        check(status == 201, f"PUT /v1/services/huge answered {status}")
        # (Before its first pass the scheduler's reason is "waiting for the scheduler".)
        reason = ""
        deadline = time.monotonic() + WAIT
        while not reason.startswith("0/3 nodes available") and time.monotonic() < deadline:
            _, _, body = api("GET", "/v1/containers?service=huge")
            items = json.loads(body)["items"]
            reason = (items[0].get("reason") if items else None) or ""
            time.sleep(0.05)
        check(reason.startswith("0/3 nodes available"), f"huge's container was refused with a reason, not {reason!r}")
        wait_for(driver, "huge's reason in the pending table",
                 lambda d: any(cell.text == reason for cell in d.find_elements(By.CSS_SELECTOR, "#pending td.reason")))
        step("pending reason", reason=reason)

        # Filters: kind narrows the list to that kind, a name to the objects it is part of.
        kind = Select(driver.find_element(By.ID, "event-kind"))
        def shown(attribute):
            return {li.get_attribute(attribute) for li in driver.find_elements(By.CSS_SELECTOR, "#events li")}

        kind.select_by_value("service")
        wait_for(driver, f"only service events (the list shows {shown('data-kind')})", lambda d: shown("data-kind") == {"service"})
        driver.find_element(By.ID, "event-name").send_keys("hug")
        wait_for(driver, f"only huge's events (the list shows {shown('data-name')})", lambda d: shown("data-name") == {"huge"})
        driver.find_element(By.ID, "event-name").clear()
        kind.select_by_value("")
        wait_for(driver, "every kind again", lambda d: len({li.get_attribute("data-kind") for li in d.find_elements(By.CSS_SELECTOR, "#events li")}) > 1)

        path = os.path.join(OUTPUT, "overview.png")
        check(driver.save_screenshot(path), "the screenshot was written")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        dark = os.path.join(OUTPUT, "overview-dark.png")
        check(driver.save_screenshot(dark), "the dark screenshot was written")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        step("screenshot", path=path, dark=dark)

        errors = [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
        origin = urlsplit(BASE)
        urls = set(driver.execute_script("return performance.getEntries().map(e => e.name).filter(n => n.includes(':'))"))
        urls.add(driver.current_url)
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.add(message["params"]["request"]["url"])
        foreign = sorted(u for u in urls if urlsplit(u).netloc != origin.netloc or urlsplit(u).scheme != origin.scheme)
        check(not foreign, f"requests to another origin: {foreign}")
        check(any("/v1/events/stream" in u for u in urls) and any("/v1/summary" in u for u in urls),
              f"the page reads the summary and the stream: {sorted(urls)}")
        step("same origin", requests=len(urls))
    finally:
        driver.quit()
    step("passed")


main()
