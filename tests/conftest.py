"""Test-wide settings: property tests must not fail because a loaded CI machine is slow."""

from hypothesis import HealthCheck, settings

# pytest's `pytester` fixture, for the plugin's tests (tests/plugin); pytest only
# accepts pytest_plugins in the top-level conftest.
pytest_plugins = ["pytester"]

settings.register_profile(
    "asl",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("asl")
