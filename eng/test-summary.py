"""Prints each failed test (name, message, first stack lines), then one closing line, 'N passed, N failed, N skipped',
summed over the TRX files of this test run. The failures come last because CI logs are often read from their tail."""
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
failures = []
for path in glob.glob(f"{sys.argv[1]}/*.trx"):
    root = ET.parse(path).getroot()
    counters = root.find("t:ResultSummary/t:Counters", ns)
    if counters is None: continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    skipped += int(counters.get("notExecuted", 0))
    for result in root.iterfind("t:Results/t:UnitTestResult", ns):
        if result.get("outcome") not in ("Failed", "Error", "Timeout"): continue
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", "", ns).strip()
        stack = result.findtext("t:Output/t:ErrorInfo/t:StackTrace", "", ns).strip()
        failures.append((result.get("testName"), result.get("duration"), message, stack))
for name, duration, message, stack in failures:
    print(f"FAILED {name} ({duration})")
    for line in message.splitlines()[:20]: print(f"    {line}")
    for line in stack.splitlines()[:8]: print(f"    {line}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
