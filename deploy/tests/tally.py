"""The tally the Python checks share.

Each check prints one line, `ok   <area>: <name>` or `FAIL <area>: <name>: <detail>`, and the
script ends with `<label>: N passed, M failed` (deploy/tests/validate.sh counts these lines).
"""


class Tally:
    def __init__(self, area):
        self.area = area
        self.passed = 0
        self.failed = 0

    def __call__(self, name, ok, detail=""):
        """Records one check; returns whether it passed."""
        if ok:
            self.passed += 1
            print(f"ok   {self.area}: {name}")
        else:
            self.failed += 1
            print(f"FAIL {self.area}: {name}" + (f": {detail}" if detail else ""))
        return bool(ok)

    def finish(self, label):
        """Prints the last line; returns the exit status."""
        print(f"{label}: {self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1
