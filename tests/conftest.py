"""Suite-wide ordering: tests marked `runs_last` go to the end of the run.

scripts/test.sh builds the static release binary in the background while the other tests run;
the test that needs it therefore runs last, when the build has had the most time."""


def pytest_configure(config):
    config.addinivalue_line("markers", "runs_last: run after every other test of the session")


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)
