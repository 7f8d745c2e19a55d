#!/usr/bin/env python3
"""Runs a unittest suite and writes what each test case did as JSON, for JUnit.

Usage: unittest_json.py OUT.json START_DIR [PATTERN]

Discovers the tests as ``python3 -m unittest discover -s START_DIR -p PATTERN`` does (PATTERN
defaults to test*.py), runs them with their output buffered, and writes to OUT.json a list with
one object per test case, in the order they ran:

  {"id": ..., "class": ..., "method": ..., "description": ..., "file": ..., "line": ...,
   "outcome": "passed" | "failed" | "error" | "skipped", "reason": ..., "details": [...]}

"reason" is the skip's reason; "details" are the tracebacks (with the test's buffered output) of
a failure or an error, one per failed subtest. PythonUnittest.java turns each object into a JUnit
test: passed, failed with the traceback, or skipped with the reason. Errors outside any test (a
module that cannot be imported, a failing setUpClass) are reported by unittest as tests of their
own and come out here as "error" objects too. The exit status is 0 when OUT.json was written,
whatever the tests did.
"""
import inspect
import json
import sys
import time
import unittest

RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


class Recorder(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.buffer = True
        self.records = {}
        self.started = {}

    def record(self, test):
        if isinstance(test, unittest.case._SubTest):
            test = test.test_case
        key = test.id()
        rec = self.records.get(key)
        if rec is None:
            cls = type(test)
            method = getattr(test, "_testMethodName", None)
            rec = {
                "id": key,
                "class": cls.__qualname__ if isinstance(test, unittest.TestCase) else None,
                "module": cls.__module__ if isinstance(test, unittest.TestCase) else None,
                "method": method,
                "description": test.shortDescription() if hasattr(test, "shortDescription") else None,
                "file": None,
                "line": None,
                "outcome": "passed",
                "reason": None,
                "details": [],
                "seconds": 0.0,
            }
            try:
                fn = getattr(cls, method)
                rec["file"] = inspect.getsourcefile(fn)
                rec["line"] = inspect.getsourcelines(fn)[1]
            except Exception:  # a test without source (e.g. unittest's own placeholders)
                pass
            self.records[key] = rec
        return rec

    def worsen(self, test, outcome):
        rec = self.record(test)
        if RANK[outcome] > RANK[rec["outcome"]]:
            rec["outcome"] = outcome
        return rec

    def startTest(self, test):
        super().startTest(test)
        self.record(test)
        self.started[test.id()] = time.monotonic()

    def stopTest(self, test):
        super().stopTest(test)
        start = self.started.pop(test.id(), None)
        if start is not None:
            self.record(test)["seconds"] = round(time.monotonic() - start, 3)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.worsen(test, "failed")["details"].append(self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self.worsen(test, "error")["details"].append(self.errors[-1][1])

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            listed = self.failures if failed else self.errors
            self.worsen(test, "failed" if failed else "error")["details"].append(
                "%s\n%s" % (subtest, listed[-1][1])
            )

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        rec = self.worsen(test, "skipped")
        rec["reason"] = rec["reason"] or reason

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.record(test)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.worsen(test, "failed")["details"].append(
            "unexpected success: the test is marked @expectedFailure and passed"
        )


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    out, start = argv[1], argv[2]
    pattern = argv[3] if len(argv) == 4 else "test*.py"
    suite = unittest.defaultTestLoader.discover(start, pattern=pattern)
    result = Recorder()
    result.startTestRun()
    try:
        suite.run(result)
    finally:
        result.stopTestRun()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(list(result.records.values()), f, indent=1)


if __name__ == "__main__":
    main(sys.argv)
